"""Driver parts that need no device: signatures, the registry, bundles, parsing recorded output."""

from __future__ import annotations

import inspect
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


# recorded from FRR 8.4.4 in the lab: `frr-reload.py --test` stdout
FRR_RELOAD_TEST = """
Lines To Delete
===============
router bgp 65002
 no neighbor 198.18.1.9 description fra1-leaf01
no ip route 198.18.250.0/24 198.18.1.64

Lines To Add
============
router bgp 65002
 neighbor 198.18.1.9 description hello
ip route 10.9.9.0/24 Null0
"""


def test_frr_reload_diff() -> None:
    assert parse.frr_reload_diff(FRR_RELOAD_TEST, "/etc/frr/frr.conf").splitlines() == [
        "--- /etc/frr/frr.conf (running)",
        "+++ /etc/frr/frr.conf (candidate)",
        " router bgp 65002",
        "- neighbor 198.18.1.9 description fra1-leaf01",
        "-ip route 198.18.250.0/24 198.18.1.64",
        " router bgp 65002",
        "+ neighbor 198.18.1.9 description hello",
        "+ip route 10.9.9.0/24 Null0",
    ]
    assert parse.frr_reload_diff("", "/etc/frr/frr.conf") == ""


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


def test_frr_reload_deletes_static_routes_as_no_lines_to_add() -> None:
    """frr-reload.py 8.4 lists a deleted static route as `no ip route ...` under Lines To Add
    (recorded from the lab after merging a route and replacing it away)."""
    recorded = "\nLines To Delete\n===============\n\nLines To Add\n============\n"
    recorded += "no ip route 198.18.252.0/24 Null0\nno ipv6 route 2001:db8::/64 Null0\n"
    assert parse.frr_reload_diff(recorded, "/etc/frr/frr.conf").splitlines()[2:] == [
        "-ip route 198.18.252.0/24 Null0",
        "-ipv6 route 2001:db8::/64 Null0",
    ]
