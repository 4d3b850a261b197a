"""FRR running config -> inventory fields + verbatim -> render: the same config again."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator
from ipaddress import IPv4Interface
from pathlib import Path
from typing import Any

import pytest

from engine import lab
from engine.drivers.config_diff import IGNORED
from engine.drivers.parse import RUNNING_CONFIG_BANNER
from engine.model.frrtext import FrrTextError, parse
from engine.model.inventory import Device
from engine.model.layout import Inventory
from engine.onboard.frr import FrrParsed, parse_running, round_trip
from engine.render import render, render_all
from engine.render.verbatim import merge
from engine.validate import validate
from tests.conftest import REPO_ROOT

CONFIG_FIELDS = {"interfaces", "static_routes", "bgp", "verbatim"}

# FRR 8.4.4's `show running-config` after configuring this mix by hand (tests/lab: r1 of the
# lab below, with ospfd started): everything but interfaces' addresses, static routes and
# plain BGP the model has no field for.
MIXED = """\
frr version 8.4.4
frr defaults traditional
hostname r1
log file /var/log/frr/frr.log informational
log syslog informational
service integrated-vtysh-config
!
debug bgp neighbor-events
!
ip router-id 198.19.0.1
ip route 198.18.40.0/24 198.18.1.1
ip route 198.18.50.0/24 198.18.1.1 tag 7 200
ipv6 route 2001:db8:9::/48 2001:db8:1::2
!
interface eth1
 description to r2
 ip address 198.18.1.0/31
 ip ospf area 0
 ip ospf cost 10
 ipv6 address 2001:db8:1::1/64
exit
!
interface eth2
 ip ospf area 0
exit
!
interface lo
 ip address 198.19.0.1/32
exit
!
router bgp 65001
 bgp router-id 198.19.0.1
 bgp log-neighbor-changes
 no bgp ebgp-requires-policy
 timers bgp 3 9
 neighbor PG peer-group
 neighbor PG remote-as external
 neighbor 198.18.1.5 peer-group PG
 neighbor 198.18.1.1 remote-as 65002
 neighbor 198.18.1.1 local-as 64999
 neighbor 198.18.1.1 description r2
 neighbor 198.18.1.1 timers 3 9
 neighbor 198.18.1.3 remote-as 65003
 !
 address-family ipv4 unicast
  network 198.19.0.1/32
  redistribute connected
  neighbor 198.18.1.1 route-map RM-IN in
  neighbor 198.18.1.1 route-map RM-OUT out
  maximum-paths 4
 exit-address-family
 !
 address-family ipv6 unicast
  neighbor 198.18.1.1 activate
 exit-address-family
exit
!
router ospf
 ospf router-id 198.19.0.1
exit
!
access-list ACL-1 seq 5 permit 198.18.0.0/15
!
ip prefix-list PL-LO seq 5 permit 198.19.0.0/24 le 32
ip prefix-list PL-A seq 10 deny any
!
bgp as-path access-list AP-1 seq 5 permit ^65002$
!
bgp community-list standard CL-1 seq 5 permit 65001:100
!
route-map RM-OUT permit 10
 match ip address prefix-list PL-LO
 set community 65001:100
exit
!
route-map RM-IN permit 10
 match community CL-1
exit
!
ip nht resolve-via-default
!
end
"""


@pytest.fixture(scope="module")
def sample() -> Inventory:
    result = validate(REPO_ROOT)
    assert result.ok
    return result.inventory


def _base(**fields: Any) -> dict[str, Any]:
    return {
        "site": "fra1", "role": "router", "platform": "frr", "vendor": "edgecore",
        "model": "x", "os": {"version": "8.4.4"},
        "management": {"address": "198.18.0.99", "credentials": "lab"},
    } | fields  # fmt: skip


def _imported(inventory: Inventory, base: dict[str, Any], parsed: FrrParsed) -> str:
    """The config rendered from a device built of `base`, the parsed fields and verbatim."""
    fields = dict(parsed.fields)
    name = fields.pop("hostname")
    device = Device.model_validate(base | {"name": name, **fields, "verbatim": parsed.verbatim})
    inventory = dataclasses.replace(inventory, devices={**inventory.devices, name: device})
    return render(inventory, name).config or ""


def _significant(text: str) -> list[str]:
    """The lines frr_diff compares (hier_config drops the others)."""
    return [line for line in text.splitlines() if not any(re.match(p, line) for p in IGNORED)]


def test_every_sample_device_round_trips_through_the_model(sample: Inventory) -> None:
    frr = [r for r in render_all(sample).rendered if r.platform == "frr"]
    assert frr
    for rendered in frr:
        original = sample.devices[rendered.name]
        parsed = parse_running(RUNNING_CONFIG_BANNER + (rendered.config or ""))
        assert (parsed.verbatim, parsed.notes) == ("", ()), rendered.name
        assert parsed.fields["hostname"] == rendered.name
        base = original.model_dump(mode="json", exclude=CONFIG_FIELDS | {"name"})
        assert _imported(sample, base, parsed) == rendered.config, rendered.name


def test_a_mix_the_model_lacks_is_kept_verbatim_and_renders_back_exactly() -> None:
    parsed = parse_running(RUNNING_CONFIG_BANNER + MIXED)
    route = {"prefix": "198.18.40.0/24", "next_hop": "198.18.1.1"}
    assert parsed.fields["static_routes"] == [route]
    assert parsed.fields["interfaces"] == {
        "eth1": {"description": "to r2", "ipv4": "198.18.1.0/31", "ipv6": "2001:db8:1::1/64"},
        "lo": {"ipv4": "198.19.0.1/32"},
    }
    assert parsed.fields["bgp"] == {
        "asn": 65001,
        "router_id": "198.19.0.1",
        "networks": ["198.19.0.1/32"],
        "neighbors": [
            {"address": "198.18.1.1", "remote_as": 65002, "description": "r2"},
            {"address": "198.18.1.3", "remote_as": 65003},
        ],
    }
    assert parsed.notes == (
        "neighbor 198.18.1.5 has no remote-as of its own (peer-group PG): kept verbatim, not "
        "in bgp.neighbors",
    )
    kept = (
        "interface eth1\n ip ospf area 0\n ip ospf cost 10\nexit\n",
        "interface eth2\n ip ospf area 0\nexit\n",
        " timers bgp 3 9\n",
        "  neighbor 198.18.1.1 route-map RM-IN in\n",
        "ip router-id 198.19.0.1\n",
    )
    assert all(text in parsed.verbatim for text in kept), parsed.verbatim
    assert "network 198.19.0.1/32" not in parsed.verbatim  # modelled: never twice
    assert "description to r2" not in parsed.verbatim
    rendered = _imported(Inventory(), _base(), parsed)
    assert round_trip(MIXED, rendered) == ""
    assert set(_significant(MIXED)) <= set(_significant(rendered))  # nothing lost
    assert rendered == MIXED  # and in FRR's own order


def test_lines_the_template_renders_otherwise_are_notes() -> None:
    running = (
        MIXED.replace("frr defaults traditional", "frr defaults datacenter")
        .replace("log file /var/log/frr/frr.log informational", "log file /tmp/frr.log")
        .replace(" no bgp ebgp-requires-policy\n", "")
        .replace(" neighbor 198.18.1.1 timers 3 9\n", " neighbor 198.18.1.1 password s3cr3t\n")
    )
    parsed = parse_running(running)
    assert parsed.notes[:2] == (
        "`frr defaults datacenter`: the template renders `frr defaults traditional`",
        "`log file /tmp/frr.log`: the template renders "
        "`log file /var/log/frr/frr.log informational`",
    )
    assert "`router bgp 65001` lacks `no bgp ebgp-requires-policy`: the template adds it" in (
        parsed.notes
    )
    assert "`neighbor 198.18.1.1 password ...` carries a secret: not written to the inventory" in (
        parsed.notes
    )
    assert "s3cr3t" not in parsed.verbatim + "".join(parsed.notes)
    assert "datacenter" not in parsed.verbatim
    assert "log file" not in parsed.verbatim
    diff = round_trip(running, _imported(Inventory(), _base(), parsed))
    assert "+ no bgp ebgp-requires-policy" in diff
    assert "- neighbor 198.18.1.1 password s3cr3t" in diff


def test_merge_keeps_a_render_without_verbatim_byte_identical(sample: Inventory) -> None:
    for rendered in render_all(sample).rendered:
        if rendered.config and rendered.platform == "frr":
            assert merge(rendered.config, "") == rendered.config, rendered.name


def test_merge_adds_into_sections_and_places_new_ones_by_kind() -> None:
    rendered = (
        "frr version 8.4.4\nhostname r1\nservice integrated-vtysh-config\n!\n"
        "interface eth10\n ip address 198.18.1.0/31\nexit\n!\nend\n"
    )
    verbatim = (
        "route-map RM permit 10\nexit\n!\ninterface eth2\n ip ospf area 0\nexit\n!\n"
        "interface eth10\n description x\n ip address 198.18.1.0/31\nexit\n!\nagentx\n"
    )
    assert merge(rendered, verbatim) == (
        "frr version 8.4.4\nhostname r1\nagentx\nservice integrated-vtysh-config\n!\n"
        "interface eth2\n ip ospf area 0\nexit\n!\n"
        "interface eth10\n description x\n ip address 198.18.1.0/31\nexit\n!\n"
        "route-map RM permit 10\nexit\n!\nend\n"
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("interface eth1\n  ip ospf area 0\n", (2, 1)),
        (" ip ospf area 0\n", (1, 1)),
        ("interface eth1\n \tip ospf area 0\n", (2, 2)),
        ("route-map RM permit 10\nexit\nexit\n", (3, 1)),
    ],
)
def test_text_not_in_frr_syntax_says_where(text: str, where: tuple[int, int]) -> None:
    with pytest.raises(FrrTextError) as caught:
        parse(text)
    assert (caught.value.line, caught.value.col) == where


# ---------------------------------------------------------------- against the real FRR
CONFIGURE = [
    "debug bgp neighbor-events",
    "ip route 198.18.50.0/24 198.18.1.1 tag 7 200",
    "ip route 198.18.40.0/24 198.18.1.1",
    "ip prefix-list PL-LO seq 5 permit 198.19.0.0/24 le 32",
    "bgp community-list standard CL-1 seq 5 permit 65001:100",
    "route-map RM-OUT permit 10", "match ip address prefix-list PL-LO",
    "set community 65001:100", "exit",
    "route-map RM-IN permit 10", "match community CL-1", "exit",
    "router ospf", "ospf router-id 198.19.0.1", "exit",
    "interface eth1", "ip ospf area 0", "ipv6 address 2001:db8:1::1/64", "exit",
    "router bgp 65001", "bgp log-neighbor-changes", "timers bgp 3 9",
    "neighbor PG peer-group", "neighbor PG remote-as external",
    "neighbor 198.18.1.1 timers 3 9",
    "address-family ipv4 unicast", "neighbor 198.18.1.1 route-map RM-IN in",
    "neighbor 198.18.1.1 route-map RM-OUT out", "exit-address-family", "exit",
]  # fmt: skip
R1 = """\
frr defaults traditional
hostname r1
log file /var/log/frr/frr.log informational
service integrated-vtysh-config
!
interface eth1
 description to r2
 ip address 198.18.1.0/31
exit
!
interface lo
 ip address 198.19.0.1/32
exit
!
router bgp 65001
 bgp router-id 198.19.0.1
 no bgp ebgp-requires-policy
 neighbor 198.18.1.1 remote-as 65002
 neighbor 198.18.1.1 description r2
 !
 address-family ipv4 unicast
  network 198.19.0.1/32
 exit-address-family
exit
!
end
"""


@pytest.fixture(scope="module")
def one_router(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """r1 and r2, cabled; r1 runs ospfd too (the lab starts zebra, bgpd and staticd)."""
    problems = lab.preflight()
    if problems:
        pytest.skip("lab host not ready: " + "; ".join(problems))
    state_dir = tmp_path_factory.mktemp("lab") / "state"
    r2 = R1.replace("r1", "r2").replace("198.18.1.0/31", "198.18.1.1/31").replace(".0.1", ".0.2")
    nodes = (
        lab.LabNode("r1", "frr", IPv4Interface("198.18.0.11/24"), frr_config=R1),
        lab.LabNode("r2", "frr", IPv4Interface("198.18.0.12/24"), frr_config=r2),
    )
    spec = lab.LabSpec(nodes=nodes, links=(lab.LabLink("r1", "eth1", "r2", "eth1"),))
    try:
        lab.up(spec, state_dir, timeout=30, wait=False)
        ospfd = ["/usr/lib/frr/ospfd", "-d", "-F", "traditional", "-A", "127.0.0.1"]
        assert lab.node_exec(state_dir, "r1", ospfd).returncode == 0
        yield state_dir
    finally:
        lab.down(state_dir)


@pytest.mark.lab
def test_a_hand_configured_router_imports_exactly(one_router: Path, tmp_path: Path) -> None:
    argv = ["vtysh", "-c", "configure terminal", *(a for c in CONFIGURE for a in ("-c", c))]
    done = lab.node_exec(one_router, "r1", argv)
    assert done.returncode == 0, done.stdout + done.stderr
    running = lab.node_exec(one_router, "r1", ["vtysh", "-c", "show running-config"]).stdout
    parsed = parse_running(running)
    assert "route-map RM-IN permit 10" in parsed.verbatim
    assert " ip ospf area 0" in parsed.verbatim
    rendered = _imported(Inventory(), _base(), parsed)
    assert round_trip(running, rendered) == ""
    assert rendered == running.removeprefix(RUNNING_CONFIG_BANNER)  # FRR's order, exactly
    candidate = tmp_path / "frr.conf"
    candidate.write_text(rendered)
    vtysh = shutil.which("vtysh") or "/usr/bin/vtysh"
    check = lab.node_exec(one_router, "r1", [vtysh, "-C", "-f", str(candidate)])
    assert check.returncode == 0, check.stdout + check.stderr
