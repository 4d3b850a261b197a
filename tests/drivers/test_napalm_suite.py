"""NAPALM's own generic test classes, run live against both drivers on the converged sample lab.

napalm/base/test/getters.py `BaseTestGetters` (every getter, method signatures) and
napalm/base/test/base.py `TestConfigNetworkDriver` (the config lifecycle) run unchanged with
`NAPALM_TEST_MOCK=0`, exactly as NAPALM's own drivers run them against a real device. Their
fixture files (initial, new_good, new_typo, merge_good, merge_typo and the expected diffs) are
written here from the lab node's intended configuration. Three of NAPALM's getter tests name
destinations on the Internet (ping and traceroute 8.8.8.8, route to 1.0.4.0/24): lab traffic
never leaves this machine, so those three run NAPALM's same assertions against lab addresses.
A getter a driver does not implement raises NotImplementedError, which NAPALM's wrapper skips.
"""

from __future__ import annotations

import difflib
import os
import unittest
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

os.environ["NAPALM_TEST_MOCK"] = "0"  # read by napalm.base.test.conftest at import
from napalm.base.test import conftest as napalm_conftest

napalm_conftest.NAPALM_TEST_MOCK = False
from napalm.base import models  # noqa: E402
from napalm.base.test import base as napalm_base  # noqa: E402 - its Test class, not collected
from napalm.base.test import helpers  # noqa: E402
from napalm.base.test.getters import BaseTestGetters, wrap_test_cases  # noqa: E402

from engine import lab  # noqa: E402
from engine.drivers import FrrDriver, LinuxDriver, UnderlayDriver, bundle  # noqa: E402
from engine.render import render  # noqa: E402
from tests.drivers.samplelab import SampleLab  # noqa: E402

# napalm's getter tests return what they checked (its mocked mode compares it)
RETURNS = "ignore::pytest.PytestReturnNotNoneWarning"
pytestmark = [pytest.mark.lab, pytest.mark.filterwarnings(RETURNS)]

FRR_NODE, LINUX_NODE = "fra1-leaf04", "fra1-hv01"
FRR_CONF = "/etc/frr/frr.conf"
BANNER = "/etc/issue.net"
NEW_ROUTE = "ip route 198.18.251.0/24 Null0"
MERGED_ROUTE = "ip route 198.18.252.0/24 Null0"
# lab stand-ins for NAPALM's Internet destinations: a BGP neighbour of fra1-leaf04, the
# management address of fra1-leaf04 (seen from fra1-hv01), fra1-leaf01's loopback (via BGP)
FRR_PING, LINUX_PING, BGP_ROUTE = "198.18.1.6", "198.18.0.16", "198.19.0.11/32"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """NAPALM's getter tests take a `test_case` (a folder of recorded output when mocked)."""
    if metafunc.function.__dict__.get("build_test_cases", False):
        metafunc.parametrize("test_case", ["live"])


@pytest.fixture(scope="class")
def set_device_parameters(
    request: pytest.FixtureRequest, lab_devices: SampleLab
) -> Iterator[None]:
    """What napalm's conftest.set_device_parameters does, with the lab's node and key; and
    the VRF "TEST" that NAPALM's test_get_arp_table_with_vrf asks for, with one neighbour,
    where the kernel has VRFs."""
    node = request.cls.node
    request.cls.vrf_problem = _vrf_test(lab_devices.state_dir, node)
    request.cls.device = lab_devices.driver(node)
    request.cls.device.open()
    yield
    request.cls.device.close()
    for argv in VRF_TEST_DOWN:
        lab.node_exec(lab_devices.state_dir, node, argv)


VRF_TEST = [
    ["ip", "link", "add", "TEST", "type", "vrf", "table", "1010"],
    ["ip", "link", "set", "TEST", "up"],
    ["ip", "link", "add", "vrftest0", "type", "dummy"],
    ["ip", "link", "set", "vrftest0", "master", "TEST", "up"],
    ["ip", "addr", "add", "198.18.255.1/30", "dev", "vrftest0"],
    ["ip", "neigh", "add", "198.18.255.2", "lladdr", "02:00:00:00:00:02", "dev", "vrftest0",
     "nud", "permanent"],
]


def _vrf_test(state_dir: Path, node: str) -> str:
    """Sets the VRF up; "" when done, else why not."""
    for argv in VRF_TEST:
        done = lab.node_exec(state_dir, node, argv)
        if done.returncode != 0:
            return f"{' '.join(argv)}: {done.stderr.strip()}"
    return ""


VRF_TEST_DOWN = [["ip", "link", "del", "vrftest0"], ["ip", "link", "del", "TEST"]]


class LabDestinations:
    """NAPALM's ping, traceroute and route tests, with their assertions, at lab addresses."""

    device: UnderlayDriver
    vrf_problem: str
    ping_to: ClassVar[str]
    route_to: ClassVar[tuple[str, str]]

    @wrap_test_cases
    def test_get_arp_table_with_vrf(self, test_case: str) -> Any:
        """NAPALM's test, in the VRF "TEST" the fixture made; skipped only where the host's
        kernel has no VRF support (then no VRF can exist on a lab node)."""
        if self.vrf_problem:
            pytest.skip(f"the lab host's kernel cannot make a VRF: {self.vrf_problem}")
        table = self.device.get_arp_table(vrf="TEST")
        assert len(table) > 0
        for entry in table:
            assert helpers.test_model(models.ARPTableDict, entry)
        return table

    @wrap_test_cases
    def test_ping(self, test_case: str) -> Any:
        result = self.device.ping(self.ping_to, count=2)
        assert isinstance(result.get("success"), dict)
        assert helpers.test_model(models.PingDict, result["success"])
        for entry in result["success"].get("results", []):
            assert helpers.test_model(models.PingResultDictEntry, entry)
        assert result["success"]["packet_loss"] < 2  # the neighbour answers
        return result

    @wrap_test_cases
    def test_traceroute(self, test_case: str) -> Any:
        result = self.device.traceroute(self.ping_to)
        assert isinstance(result.get("success"), dict)
        for hop in result["success"].values():
            for probe in hop.get("probes", {}).values():
                assert helpers.test_model(models.TracerouteDict, probe)
        return result

    @wrap_test_cases
    def test_get_route_to(self, test_case: str) -> Any:
        destination, protocol = self.route_to
        routes = self.device.get_route_to(destination=destination, protocol=protocol)
        assert len(routes) > 0
        for found in routes.values():
            for route in found:
                assert helpers.test_model(models.RouteDict, route)
        return routes

    @wrap_test_cases
    def test_get_route_to_longer(self, test_case: str) -> Any:
        destination, protocol = self.route_to
        routes = self.device.get_route_to(destination=destination, protocol=protocol, longer=True)
        assert len(routes) > 0
        for found in routes.values():
            for route in found:
                assert helpers.test_model(models.RouteDict, route)
        return routes


@pytest.mark.usefixtures("set_device_parameters")
class TestFrrGetters(LabDestinations, BaseTestGetters):  # type: ignore[misc]
    driver = FrrDriver
    node = FRR_NODE
    ping_to = FRR_PING
    route_to = (BGP_ROUTE, "bgp")


@pytest.mark.usefixtures("set_device_parameters")
class TestLinuxGetters(LabDestinations, BaseTestGetters):  # type: ignore[misc]
    driver = LinuxDriver
    node = LINUX_NODE
    ping_to = LINUX_PING
    route_to = ("198.18.0.0/24", "")


# ---------- the config lifecycle ---------------------------------------------------------------


def _frr_files(conf: str) -> dict[str, str]:
    """NAPALM's fixture files for frr: plain frr.conf candidates."""
    new_good = conf.replace("!\nrouter bgp", f"{NEW_ROUTE}\n!\nrouter bgp", 1)
    head = f"--- {FRR_CONF} (running)\n+++ {FRR_CONF} (candidate)\n"
    return {
        "initial.conf": conf,
        "new_good.conf": new_good,
        "new_good.diff": f"{head}+{NEW_ROUTE}",
        "new_typo.conf": conf.replace("router bgp", "router bgpXX", 1),
        "merge_good.conf": f"{MERGED_ROUTE}\n",
        "merge_good.diff": f"{head}-{MERGED_ROUTE}",
        "merge_typo.conf": "ip routee 198.18.253.0/24 Null0\n",
    }


def _linux_files(files: dict[str, str]) -> dict[str, str]:
    """NAPALM's fixture files for underlay_linux: bundles of managed files."""
    banner = files[BANNER]
    return {
        "initial.conf": bundle.encode(files),
        "new_good.conf": bundle.encode({**files, BANNER: "new good banner\n"}),
        "new_good.diff": _unified(banner, "new good banner\n"),
        "new_typo.conf": "not a bundle: the linux driver manages files\n",
        "merge_good.conf": bundle.encode({BANNER: "merged banner\n"}),
        "merge_good.diff": _unified("merged banner\n", banner),
        "merge_typo.conf": '{"format": "underlay-bundle/1", "files": {"relative": "x"}}\n',
    }


def _unified(before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), BANNER, BANNER
    )
    return "".join(lines).strip()


def _fixtures(lab_devices: SampleLab, node: str, folder: Path) -> str:
    files = render(lab_devices.inventory, node).artifacts()
    written = _frr_files(files[FRR_CONF]) if node == FRR_NODE else _linux_files(files)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in written.items():
        (folder / name).write_text(text)
    return str(folder)


@pytest.fixture(scope="class")
def lifecycle_device(
    request: pytest.FixtureRequest,
    lab_devices: SampleLab,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """What a napalm driver's setUpClass does: the device at initial.conf, committed."""
    cls = request.cls
    cls.vendor = _fixtures(lab_devices, cls.node, tmp_path_factory.mktemp(cls.node))
    cls.device = lab_devices.driver(cls.node)
    cls.device.open()
    cls.device.load_replace_candidate(filename=f"{cls.vendor}/initial.conf")
    cls.device.commit_config()
    yield


class _Lifecycle(napalm_base.TestConfigNetworkDriver):  # type: ignore[misc]
    node: ClassVar[str]

    @classmethod
    def setUpClass(cls) -> None:
        """The class fixture `lifecycle_device` sets the device up (it needs the lab).
        NAPALM's test_load_template uses engine/drivers/templates/set_hostname.j2."""


@pytest.mark.usefixtures("lifecycle_device")
class TestFrrLifecycle(unittest.TestCase, _Lifecycle):
    node = FRR_NODE


@pytest.mark.usefixtures("lifecycle_device")
class TestLinuxLifecycle(unittest.TestCase, _Lifecycle):
    node = LINUX_NODE


def test_every_getter_return_passes_napalm_models(lab_devices: SampleLab) -> None:
    """napalm.base.test.helpers.test_model on every entry of every implemented getter."""
    for node in (FRR_NODE, LINUX_NODE):
        with lab_devices.driver(node) as driver:
            for getter, (entries, model) in MODELS.items():
                try:
                    value = getattr(driver, getter)()
                except NotImplementedError:
                    assert (node, getter) in NOT_IMPLEMENTED
                    continue
                found = list(entries(value))
                assert found, (node, getter)
                subset = model in SUBSET  # as NAPALM's own tests check these models
                for item in found:
                    assert helpers.test_model(model, item, subset), (node, getter, item)


def _values(value: dict[str, Any]) -> list[Any]:
    return list(value.values())


def _flat(value: dict[str, list[Any]]) -> list[Any]:
    return [item for items in value.values() for item in items]


def _peers(value: dict[str, Any]) -> list[Any]:
    return [peer for vrf in value.values() for peer in vrf["peers"].values()]


def _addresses(value: dict[str, Any]) -> list[Any]:
    return [a for itf in value.values() for family in itf.values() for a in family.values()]


MODELS: dict[str, tuple[Any, Any]] = {
    "get_facts": (lambda v: [v], models.FactsDict),
    "get_interfaces": (_values, models.InterfaceDict),
    "get_interfaces_ip": (_addresses, models.InterfacesIPDictEntry),
    "get_interfaces_counters": (_values, models.InterfaceCounterDict),
    "get_lldp_neighbors": (_flat, models.LLDPNeighborDict),
    "get_lldp_neighbors_detail": (_flat, models.LLDPNeighborDetailDict),
    "get_ntp_servers": (_values, models.NTPServerDict),
    "get_bgp_neighbors": (_peers, models.PeerDict),
    "get_users": (_values, models.UsersDict),
    "get_arp_table": (list, models.ARPTableDict),
    "get_environment": (lambda v: [v["memory"]], models.MemoryDict),
    "get_config": (lambda v: [v], models.ConfigDict),
}
SUBSET = (models.NTPServerDict,)
NOT_IMPLEMENTED = {(FRR_NODE, "get_users"), (LINUX_NODE, "get_bgp_neighbors")}
