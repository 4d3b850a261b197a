"""The operational getters (engine.drivers.operational) against the real, converged lab.

Every probe targets lab addresses only (198.18.0.0/15): a neighbour's end of a /31 link, a
router loopback the lab's BGP carries, an unrouted address of the lab's range.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

import pytest
from napalm.base import models
from napalm.base.test import helpers

from engine.drivers import UnderlayDriver
from tests.drivers.samplelab import SampleLab
from tests.drivers.shapes import conforms

pytestmark = pytest.mark.lab

NODES = {"frr": "fra1-leaf04", "linux": "fra1-hv01"}
UNROUTED = "198.18.250.1"  # inside the lab's range, in no routing table
LOOPBACKS = ipaddress.ip_network("198.19.0.0/16")
BGP_ATTRIBUTES = {
    "local_as",
    "remote_as",
    "peer_id",
    "remote_address",
    "as_path",
    "communities",
    "local_preference",
    "preference2",
    "metric",
    "metric2",
}


@pytest.fixture(params=sorted(NODES))
def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def driver(lab_devices: SampleLab, platform: str) -> Iterator[UnderlayDriver]:
    with lab_devices.driver(NODES[platform]) as d:
        yield d


def _is_model(model: Any, value: Any) -> bool:
    """napalm's own check (top level) and ours (nested generics)."""
    return bool(helpers.test_model(model, value)) and conforms(model, value)


def _link_peer(driver: UnderlayDriver, port: str = "eth1") -> str:
    """The other end of `port`'s /31."""
    address = next(iter(driver.get_interfaces_ip()[port]["ipv4"]))
    return str(ipaddress.ip_address(int(ipaddress.ip_address(address)) ^ 1))


def _routes_ok(routes: dict[str, list[Any]]) -> bool:
    return all(_is_model(models.RouteDict, r) for entries in routes.values() for r in entries)


def _ageless(routes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Routes to compare across calls: their age may tick between two calls."""
    return {p: [{**r, "age": None} for r in entries] for p, entries in routes.items()}


def test_cli_text_and_json(driver: UnderlayDriver, platform: str) -> None:
    if platform == "frr":
        text = driver.cli(["show version"])["show version"]
        assert str(text).startswith("FRRouting 8.4")
        found = driver.cli(["show ip route"], encoding="json")["show ip route"]
        assert isinstance(found, dict) and "198.18.0.0/24" in found
    else:
        assert driver.cli(["hostname"]) == {"hostname": NODES[platform] + "\n"}
        links = driver.cli(["ip -j link show"], encoding="json")["ip -j link show"]
        assert "mgmt0" in {link["ifname"] for link in links}
    with pytest.raises(NotImplementedError):
        driver.cli(["show version"], encoding="xml")


def test_interfaces_counters(driver: UnderlayDriver, lab_devices: SampleLab, platform: str) -> None:
    found = driver.get_interfaces_counters()
    assert found and all(_is_model(models.InterfaceCounterDict, c) for c in found.values())
    for port in lab_devices.state.node(NODES[platform]).ports:
        assert found[port]["rx_octets"] > 0 and found[port]["tx_unicast_packets"] > 0


def test_ping_a_neighbour_then_its_arp_entry(driver: UnderlayDriver) -> None:
    peer = _link_peer(driver)
    result = driver.ping(peer, count=3)
    assert set(result) == {"success"} and _is_model(models.PingDict, result["success"])
    success = result["success"]
    assert success["probes_sent"] == 3 and success["packet_loss"] == 0
    assert [r["ip_address"] for r in success["results"]] == [peer] * 3
    assert all(_is_model(models.PingResultDictEntry, r) for r in success["results"])
    arp = driver.get_arp_table()
    assert arp and all(_is_model(models.ARPTableDict, e) for e in arp)
    entry = next(e for e in arp if e["ip"] == peer)
    assert entry["interface"] == "eth1" and entry["mac"] == entry["mac"].upper()
    outside_vrfs = driver.get_arp_table(vrf="default")
    assert {(e["ip"], e["interface"]) for e in outside_vrfs} >= {(peer, "eth1")}


def test_ping_errors(driver: UnderlayDriver) -> None:
    assert driver.ping(UNROUTED) == {"error": "ping: connect: Network is unreachable"}
    both = driver.ping(UNROUTED, source="198.18.0.1", source_interface="mgmt0")
    assert set(both) == {"error"}


def test_traceroute(driver: UnderlayDriver, platform: str) -> None:
    if platform == "frr":
        remote = _remote_loopback(driver)
        own = next(a for a in driver.get_interfaces_ip()["lo"]["ipv4"] if a != "127.0.0.1")
        result = driver.traceroute(remote, source=own)
    else:
        remote = _link_peer(driver)
        result = driver.traceroute(remote)
    assert set(result) == {"success"}
    hops = result["success"]
    last = hops[max(hops)]["probes"]
    assert {p["ip_address"] for p in last.values()} == {remote}
    probes = [p for hop in hops.values() for p in hop["probes"].values()]
    assert all(_is_model(models.TracerouteDict, p) for p in probes)


def _remote_loopback(driver: UnderlayDriver) -> str:
    """A loopback of another router that this router learnt by BGP."""
    routes = driver.get_route_to("198.19.0.0/16", protocol="bgp", longer=True)
    return min((p for p in routes if p.endswith("/32")), key=ipaddress.ip_network)[:-3]


def test_route_to_a_bgp_prefix(driver: UnderlayDriver, platform: str) -> None:
    if platform != "frr":
        pytest.skip("servers learn no routes by BGP")
    remote = _remote_loopback(driver)
    routes = driver.get_route_to(f"{remote}/32")
    assert list(routes) == [f"{remote}/32"] and _routes_ok(routes)
    route = routes[f"{remote}/32"][0]
    assert route["protocol"] == "bgp" and route["current_active"] and route["preference"] == 20
    attributes = route["protocol_attributes"]
    assert set(attributes) == BGP_ATTRIBUTES
    peers = driver.get_bgp_neighbors()["global"]["peers"]
    assert attributes["remote_address"] == route["next_hop"]
    assert attributes["remote_as"] == peers[route["next_hop"]]["remote_as"]
    assert attributes["local_as"] == peers[route["next_hop"]]["local_as"]
    assert attributes["as_path"].split()[0] == str(attributes["remote_as"])
    assert _ageless(driver.get_route_to(remote)) == _ageless(routes)  # the longest match


def test_route_to_longer_and_filters(driver: UnderlayDriver, platform: str) -> None:
    mgmt = driver.get_route_to("198.18.0.0/24")
    assert _routes_ok(mgmt)
    assert [r["outgoing_interface"] for r in mgmt["198.18.0.0/24"]] == ["mgmt0"]
    assert _ageless(driver.get_route_to("198.18.0.1")) == _ageless(mgmt)
    assert driver.get_route_to(UNROUTED) == {}
    assert driver.get_route_to("198.18.0.0/24", protocol="bgp") == {}
    everything = driver.get_route_to()
    assert _routes_ok(everything) and "198.18.0.0/24" in everything
    if platform == "frr":
        loopbacks = driver.get_route_to("198.19.0.0/16", longer=True)
        assert loopbacks and all(ipaddress.ip_network(p).subnet_of(LOOPBACKS) for p in loopbacks)
        assert _ageless(everything) | _ageless(loopbacks) == _ageless(everything)


def test_environment(driver: UnderlayDriver) -> None:
    env = driver.get_environment()
    assert len(env) > 0 and conforms(models.EnvironmentDict, env)
    assert all(_is_model(models.FanDict, f) for f in env["fans"].values())
    assert all(_is_model(models.PowerDict, p) for p in env["power"].values())
    assert all(_is_model(models.TemperatureDict, t) for t in env["temperature"].values())
    assert env["cpu"] and all(_is_model(models.CPUDict, u) for u in env["cpu"].values())
    assert all(0.0 <= u["%usage"] <= 100.0 for u in env["cpu"].values())
    memory = env["memory"]
    assert _is_model(models.MemoryDict, memory)
    assert 0 < memory["used_ram"] < memory["available_ram"]
