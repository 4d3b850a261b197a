"""Driver parts that need no device: signatures, the registry, bundles, parsing recorded output."""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

import pytest
from napalm.base import NetworkDriver
from napalm.base import exceptions as napalm_errors

from engine.drivers import (
    BUILTIN,
    ENTRY_POINT_GROUP,
    DriverError,
    DriverNotFound,
    FrrDriver,
    LinuxDriver,
    bundle,
    errors,
    get_driver,
    parse,
)
from engine.drivers.config_diff import frr_diff
from engine.drivers.snapshot import (
    MARK,
    Section,
    SnapshotError,
    files_section,
    parse_files,
    split,
)
from engine.errors import EngineError


def _parameters(func: object) -> list[tuple[str, object, object]]:
    """Names, kinds and defaults: annotations differ only in spelling (strings vs typing)."""
    params = inspect.signature(func).parameters.values()  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in params]


@pytest.mark.parametrize("cls", [FrrDriver, LinuxDriver])
def test_signatures_match_napalm(cls: type[NetworkDriver]) -> None:
    implemented = {
        name
        for klass in cls.__mro__
        if klass.__module__.startswith("engine.drivers")
        for name, member in vars(klass).items()
        if inspect.isfunction(member) and (not name.startswith("_") or name == "__init__")
    }
    assert implemented <= set(dir(NetworkDriver))
    for name in sorted(implemented):
        assert _parameters(getattr(cls, name)) == _parameters(getattr(NetworkDriver, name)), name


@pytest.mark.parametrize("platform", ["ios", "eos", "junos", "nxos_ssh", "iosxr"])
def test_vendor_platforms_fall_back_to_napalm(platform: str) -> None:
    cls = get_driver(platform)
    assert issubclass(cls, NetworkDriver) and cls.__module__.startswith("napalm.")


def test_builtin_drivers() -> None:
    assert get_driver("frr") is FrrDriver and get_driver("linux") is LinuxDriver
    assert set(BUILTIN) == {"frr", "linux"}


def test_unknown_platform() -> None:
    with pytest.raises(DriverNotFound, match="no driver for platform 'vyos'"):
        get_driver("vyos")


def test_entry_point_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real installed distribution (a dist-info folder on sys.path) that adds a platform."""
    (tmp_path / "underlay_vyos.py").write_text(
        "from engine.drivers import LinuxDriver\nclass VyosDriver(LinuxDriver):\n    pass\n"
    )
    info = tmp_path / "underlay_vyos-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: underlay-vyos\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nvyos = underlay_vyos:VyosDriver\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert get_driver("vyos").__name__ == "VyosDriver"
    finally:
        sys.modules.pop("underlay_vyos", None)


def test_errors_are_engine_and_napalm_errors() -> None:
    assert issubclass(errors.ConnectAuthError, napalm_errors.ConnectAuthError)
    assert issubclass(errors.ReplaceConfigException, napalm_errors.ReplaceConfigException)
    assert issubclass(errors.CommitError, napalm_errors.CommitError)
    for exc in (errors.ConnectAuthError, errors.CommitError, errors.RollbackError):
        assert issubclass(exc, DriverError) and issubclass(exc, EngineError)


def test_bundle_round_trip() -> None:
    files = {"/etc/issue.net": "hi\n", "/etc/frr/frr.conf": "frr version 8.4.4\n"}
    text = bundle.encode(files)
    assert bundle.is_bundle(text) and bundle.decode(text) == files
    assert not bundle.is_bundle("frr version 8.4.4\nhostname r1\n")


@pytest.mark.parametrize(
    "text", ["{", '{"format": "other"}', '{"format": "underlay-bundle/1", "files": {"rel": "x"}}']
)
def test_bundle_rejects(text: str) -> None:
    with pytest.raises(bundle.BundleError):
        bundle.decode(text)


RUNNING = """Building configuration...

Current configuration:
!
frr version 8.4.4
frr defaults traditional
hostname fra1-spine02
!
ip route 198.18.250.0/24 198.18.1.64
!
interface eth1
 description to fra1-leaf01:eth2
exit
!
router bgp 65002
 neighbor 198.18.1.9 remote-as 65011
 neighbor 198.18.1.9 description fra1-leaf01
 !
 address-family ipv4 unicast
  network 198.19.0.2/32
 exit-address-family
exit
!
end
"""


def test_frr_diff_lists_dropped_then_added_lines_under_their_context() -> None:
    candidate = (
        RUNNING.split("!\n", 1)[1]
        .replace("description fra1-leaf01", "description hello")
        .replace("ip route 198.18.250.0/24 198.18.1.64", "ip route 10.9.9.0/24 Null0")
        .replace("  network 198.19.0.2/32", "  network 198.19.0.2/32\n  network 198.18.9.0/24")
    )
    assert frr_diff(RUNNING, candidate, "/etc/frr/frr.conf").splitlines() == [
        "--- /etc/frr/frr.conf (running)",
        "+++ /etc/frr/frr.conf (candidate)",
        "-ip route 198.18.250.0/24 198.18.1.64",
        " router bgp 65002",
        "- neighbor 198.18.1.9 description fra1-leaf01",
        "  address-family ipv4 unicast",
        "+  network 198.18.9.0/24",
        "+ neighbor 198.18.1.9 description hello",
        "+ip route 10.9.9.0/24 Null0",
    ]


def test_frr_diff_ignores_what_frr_cannot_change_and_block_ends() -> None:
    """The banner, `frr version`/`frr defaults`, `!` and `exit` lines, and the order of
    lines within a block, make no difference."""
    candidate = RUNNING.split("!\n", 1)[1].replace("8.4.4", "9.1").replace("exit\n", "")
    candidate = candidate.replace(
        " neighbor 198.18.1.9 remote-as 65011\n neighbor 198.18.1.9 description fra1-leaf01\n",
        " neighbor 198.18.1.9 description fra1-leaf01\n neighbor 198.18.1.9 remote-as 65011\n",
    )
    assert frr_diff(RUNNING, candidate, "/etc/frr/frr.conf") == ""


def test_frr_descriptions_come_from_interface_blocks() -> None:
    text = RUNNING.replace("interface eth1\n", "interface eth1 vrf red\n") + "interface lo\nexit\n"
    assert parse.frr_descriptions(RUNNING) == {"eth1": "to fra1-leaf01:eth2"}
    assert parse.frr_descriptions(text) == {"eth1": "to fra1-leaf01:eth2"}


def test_frr_diff_drops_a_whole_block_with_its_lines() -> None:
    candidate = RUNNING.replace("interface eth1\n description to fra1-leaf01:eth2\nexit\n", "")
    assert frr_diff(RUNNING, candidate, "f").splitlines()[2:] == [
        "-interface eth1",
        "- description to fra1-leaf01:eth2",
    ]


def test_snapshot_splits_one_vtysh_process_and_the_shell_sections() -> None:
    """The output of one vtysh with a text command and two JSON ones (recorded shape)."""
    sections = (
        Section("links", shell="ip -j -d link show"),
        Section("bgp", vtysh="show bgp vrf all summary json"),
        Section("running", vtysh="show running-config"),
        Section("itf", vtysh="show interface json"),
    )
    out = (
        f'{MARK}links\n[{{"ifname": "lo"}}]\n{MARK}vtysh\n{RUNNING}'
        '{\n  "eth1": {"description": "x"}\n}\n{"ipv4Unicast": {}}\n'
    )
    found = split(out, sections)
    assert found["running"] == RUNNING
    assert json.loads(found["bgp"]) == {"eth1": {"description": "x"}}
    assert json.loads(found["itf"]) == {"ipv4Unicast": {}}
    assert json.loads(found["links"]) == [{"ifname": "lo"}]


def test_snapshot_takes_each_vtysh_command_apart_when_the_one_process_failed() -> None:
    """vtysh stops at a command that fails (bgpd not running): the script then ran each
    command on its own, under its own marker."""
    sections = (
        Section("running", vtysh="show running-config"),
        Section("bgp", vtysh="show bgp vrf all summary json"),
    )
    out = f"{MARK}running\n{RUNNING}{MARK}bgp\nbgpd is not running\n"
    assert split(out, sections) == {"running": RUNNING, "bgp": "bgpd is not running\n"}
    with pytest.raises(SnapshotError, match="no output for bgp"):
        split(f"{MARK}running\n{RUNNING}", sections)
    with pytest.raises(SnapshotError, match="no JSON"):
        split(f"{MARK}vtysh\n{RUNNING}% Unknown command\n", sections)


def test_snapshot_files_section_reads_listed_paths() -> None:
    text = "/etc/issue.net +aGVsbG8K\n/etc/absent -\n/etc/issue.net -\n"
    assert parse_files(text) == {"/etc/issue.net": "hello\n", "/etc/absent": None}
    shell = files_section(["/etc/a"], listed=["/etc/underlay/managed-files", "/k/"]).shell
    assert "$(cat /etc/underlay/managed-files 2>/dev/null)" in shell
    assert "$(ls -d /k/* 2>/dev/null)" in shell


def test_chrony_servers() -> None:
    text = "# comment\nserver 198.18.0.5 iburst\npool pool.example prefer\nmakestep 1 3\n"
    assert parse.chrony_servers(text) == {
        "198.18.0.5": {
            "address": "198.18.0.5",
            "port": 123,
            "association_type": "SERVER",
            "iburst": True,
            "prefer": False,
        },
        "pool.example": {
            "address": "pool.example",
            "port": 123,
            "association_type": "POOL",
            "iburst": False,
            "prefer": True,
        },
    }


def test_frr_diff_takes_a_line_frr_prints_twice_as_one() -> None:
    """FRR prints `service password-encryption` twice when it was set twice; hier_config
    refuses duplicate siblings, so a plan of such a device failed."""
    twice = "frr version 8.4.4\nservice password-encryption\nservice password-encryption\n"
    once = "frr version 8.4.4\nservice password-encryption\n"
    assert frr_diff(twice, once, "/etc/frr/frr.conf") == ""
    dropped = frr_diff(twice, "frr version 8.4.4\n", "/etc/frr/frr.conf")
    assert dropped.splitlines()[2:] == ["-service password-encryption"]
