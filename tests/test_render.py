"""The render stage: FRR configs in FRR 8.4's canonical form, managed files, IOS, the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from engine.cli import main
from engine.drivers.parse import RUNNING_CONFIG_BANNER, strip_banner
from engine.model.inventory import Circuit, Device, Server
from engine.model.layout import Inventory
from engine.render import RenderError, render, render_all
from engine.validate import validate
from tests.conftest import REPO_ROOT

MANAGED = {
    "/etc/chrony/chrony.conf",
    "/etc/resolv.conf",
    "/etc/issue.net",
    "/etc/rsyslog.d/90-underlay.conf",
    "/etc/ssh/sshd_config.d/90-underlay.conf",
}

# Copied from `show running-config` of FRR 8.4.4 after loading this very config.
LEAF01 = """\
frr version 8.4.4
frr defaults traditional
hostname fra1-leaf01
log file /var/log/frr/frr.log informational
service integrated-vtysh-config
!
interface eth1
 description to fra1-spine01:eth1
 ip address 198.18.1.1/31
exit
!
interface eth2
 description to fra1-spine02:eth1
 ip address 198.18.1.9/31
exit
!
interface eth3
 description to fra1-hv01:eth1
 ip address 198.18.2.0/31
exit
!
interface lo
 description loopback, BGP router id
 ip address 198.19.0.11/32
exit
!
router bgp 65011
 bgp router-id 198.19.0.11
 no bgp ebgp-requires-policy
 neighbor 198.18.1.0 remote-as 65001
 neighbor 198.18.1.0 description fra1-spine01
 neighbor 198.18.1.8 remote-as 65002
 neighbor 198.18.1.8 description fra1-spine02
 !
 address-family ipv4 unicast
  network 198.18.2.0/31
  network 198.19.0.11/32
 exit-address-family
exit
!
end
"""


@pytest.fixture(scope="module")
def sample() -> Inventory:
    result = validate(REPO_ROOT)
    assert result.ok
    return result.inventory


def _device(**fields: Any) -> Device:
    base: dict[str, Any] = {
        "name": "r9",
        "site": "fra1",
        "role": "router",
        "platform": "frr",
        "vendor": "edgecore",
        "model": "x",
        "os": {"version": "8.4.4"},
        "management": {"address": "198.18.0.99", "credentials": "lab"},
    }
    return Device.model_validate(base | fields)


def test_sample_frr_config_is_frr_canonical(sample: Inventory) -> None:
    assert render(sample, "fra1-leaf01").config == LEAF01


def test_frr_orders_as_frr_prints(sample: Inventory) -> None:
    # the orders observed in `show running-config` of FRR 8.4.4
    device = _device(
        interfaces={
            "lo": {"ipv4": "198.19.0.9/32"},
            "eth10": {"description": "ten", "enabled": False},
            "eth2": {"ipv4": "198.18.2.0/31", "ipv6": "2001:db8::1/64"},
            "eth3": {},
        },
        static_routes=[
            {"prefix": "198.18.200.0/24", "next_hop": "198.18.2.1"},
            {"prefix": "198.18.9.0/24", "next_hop": "198.18.2.1"},
        ],
        bgp={
            "asn": 65009,
            "router_id": "198.19.0.9",
            "neighbors": [
                {"address": "198.18.10.1", "remote_as": 65003},
                {"address": "198.18.1.11", "remote_as": 65004, "description": "x y"},
            ],
        },
    )
    config = render(Inventory(devices={"r9": device}), "r9").config or ""
    assert config.split("service integrated-vtysh-config\n")[1] == (
        "!\nip route 198.18.9.0/24 198.18.2.1\nip route 198.18.200.0/24 198.18.2.1\n!\n"
        "interface eth2\n ip address 198.18.2.0/31\n ipv6 address 2001:db8::1/64\nexit\n!\n"
        "interface eth10\n description ten\n shutdown\nexit\n!\n"
        "interface lo\n ip address 198.19.0.9/32\nexit\n!\n"
        "router bgp 65009\n bgp router-id 198.19.0.9\n no bgp ebgp-requires-policy\n"
        " neighbor 198.18.1.11 remote-as 65004\n neighbor 198.18.1.11 description x y\n"
        " neighbor 198.18.10.1 remote-as 65003\nexit\n!\nend\n"
    )


def test_every_sample_object_renders(sample: Inventory) -> None:
    result = render_all(sample)
    assert result.skipped == ()
    assert {r.name for r in result.rendered} == {*sample.devices, *sample.servers}
    for rendered in result.rendered:
        assert set(rendered.files) >= MANAGED, rendered.name
        assert (rendered.config is None) == (rendered.platform == "linux")


def test_managed_files_come_from_the_model(sample: Inventory) -> None:
    files = render(sample, "fra1-app01").files
    chrony = files["/etc/chrony/chrony.conf"]
    assert "server 198.18.0.5 iburst\nserver 198.18.0.6 iburst\n" in chrony
    assert "search corp.northwind.example\nnameserver 198.18.0.8\nnameserver 198.18.0.9\n" in (
        files["/etc/resolv.conf"]
    )
    assert files["/etc/issue.net"] == sample.servers["fra1-app01"].banner
    assert "*.* @198.18.0.7:514\n" in files["/etc/rsyslog.d/90-underlay.conf"]
    sshd = files["/etc/ssh/sshd_config.d/90-underlay.conf"]
    assert "PermitRootLogin no\n" in sshd
    assert "AuthorizedKeysFile /etc/ssh/authorized_keys/%u .ssh/authorized_keys\n" in sshd
    keys = files["/etc/ssh/authorized_keys/sysadmin"]
    assert keys.splitlines()[1] == sample.servers["fra1-app01"].users["sysadmin"].ssh_keys[0]


def test_unset_fields_are_not_managed() -> None:
    server = Server.model_validate(
        {
            "name": "s1",
            "site": "fra1",
            "role": "web",
            "kind": "physical",
            "os": {"version": "12"},
            "management": {"address": "198.18.0.98", "credentials": "lab"},
        }
    )
    files = render(Inventory(servers={"s1": server}), "s1").files
    assert set(files) == {"/etc/ssh/sshd_config.d/90-underlay.conf"}


def test_ios_running_config() -> None:
    device = _device(
        platform="ios",
        banner="Authorised access only\n",
        dns={"servers": ["198.18.0.8"], "domain": "corp.example"},
        ntp={"servers": ["198.18.0.5"]},
        interfaces={"Loopback0": {"ipv4": "198.19.0.9/32"}, "GigabitEthernet1": {"mtu": 9000}},
        bgp={
            "asn": 65009,
            "router_id": "198.19.0.9",
            "networks": ["198.19.0.9/32"],
            "neighbors": [{"address": "198.18.1.1", "remote_as": 65001, "description": "r1"}],
        },
        static_routes=[{"prefix": "198.18.9.0/24", "next_hop": "198.18.1.1"}],
    )
    rendered = render(Inventory(devices={"r9": device}), "r9")
    assert rendered.files == {}
    lines = (rendered.config or "").splitlines()
    for expected in (
        "hostname r9",
        "banner motd ^C",
        "ip domain name corp.example",
        "ip name-server 198.18.0.8",
        "interface Loopback0",
        " ip address 198.19.0.9 255.255.255.255",
        " mtu 9000",
        " no ip address",
        "router bgp 65009",
        " neighbor 198.18.1.1 remote-as 65001",
        " neighbor 198.18.1.1 description r1",
        "  network 198.19.0.9 mask 255.255.255.255",
        "  neighbor 198.18.1.1 activate",
        "ip route 198.18.9.0 255.255.255.0 198.18.1.1",
        "ntp server 198.18.0.5",
        "end",
    ):
        assert expected in lines


def test_ios_interfaces_by_their_full_names_and_circuits_as_descriptions() -> None:
    """An abbreviated name renders as IOS prints it; a port that terminates an active circuit
    is described by it, unless it has a description of its own."""
    device = _device(
        platform="ios",
        interfaces={"Gi0/1": {"ipv4": "203.0.113.2/30"}, "Gi0/2": {"description": "own"},
                    "Gi0/3": {}},
    )
    circuits = {
        "internet": Circuit.model_validate({
            "provider": "carrier", "circuit_id": "C-1", "kind": "internet", "bandwidth": "1G",
            "a": {"device": "r9", "port": "GigabitEthernet0/1"}, "b": {"handoff": "PE fra-pe3"},
        }),
        "mpls": Circuit.model_validate({
            "provider": "carrier", "circuit_id": "C-2", "kind": "mpls", "bandwidth": "100M",
            "a": {"device": "r9", "port": "Gi0/2"}, "b": {"handoff": "MPLS PE"},
        }),
        "planned": Circuit.model_validate({
            "provider": "carrier", "circuit_id": "C-3", "kind": "internet", "bandwidth": "1G",
            "a": {"device": "r9", "port": "Gi0/3"}, "b": {"handoff": "PE"}, "status": "planned",
        }),
    }
    rendered = render(Inventory(devices={"r9": device}, circuits=circuits), "r9")
    config = rendered.config or ""
    described = " description to PE fra-pe3 (carrier internet C-1)\n"
    assert f"interface GigabitEthernet0/1\n{described}" in config
    assert "interface GigabitEthernet0/2\n description own\n" in config
    assert "interface GigabitEthernet0/3\n no ip address\n" in config
    assert "Gi0/" not in config


def test_platform_without_templates_is_skipped_or_refused() -> None:
    inventory = Inventory(devices={"r9": _device(platform="junos")})
    result = render_all(inventory)
    assert result.rendered == ()
    assert [(s.name, s.platform) for s in result.skipped] == [("r9", "junos")]
    with pytest.raises(RenderError, match="platform junos has no templates"):
        render(inventory, "r9")
    with pytest.raises(RenderError, match="no device or server"):
        render(inventory, "nope")


def test_strip_banner() -> None:
    assert strip_banner(RUNNING_CONFIG_BANNER + LEAF01) == LEAF01


def _tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else "")
    if not path:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing; CI must have it (apt-get install frr openssh-server)")
        pytest.skip(f"{name} not installed")
    return path


def test_rendered_frr_configs_pass_vtysh_check(sample: Inventory, tmp_path: Path) -> None:
    vtysh = _tool("vtysh")
    for rendered in render_all(sample).rendered:
        if rendered.platform == "frr":
            conf = tmp_path / f"{rendered.name}.conf"
            conf.write_text(rendered.config or "")
            argv = [vtysh, "-C", "-f", str(conf)]
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            assert done.returncode == 0, f"{rendered.name}: {done.stdout}{done.stderr}"


def test_cli_render_prints_and_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--repo", str(REPO_ROOT), "render", "--device", "fra1-leaf01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("==> fra1-leaf01:/etc/frr/frr.conf <==\n" + LEAF01)
    assert main(["--repo", str(REPO_ROOT), "render", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "fra1-leaf01/etc/frr/frr.conf").read_text() == LEAF01
    assert (tmp_path / "fra1-app01/etc/chrony/chrony.conf").is_file()
    assert not (tmp_path / "fra1-app01/etc/frr").exists()


def test_cli_render_unknown_device(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--repo", str(REPO_ROOT), "render", "--device", "nope"]) == 2
    assert "--device nope: no such device or server" in capsys.readouterr().err
