"""The operational getters without a device: signatures against napalm, the commands they send,
and their parsers on output recorded in the lab (tests/drivers/recorded/operational/)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from napalm.base import NetworkDriver, models
from napalm.base.test import helpers

from engine.drivers import FrrDriver, LinuxDriver, UnderlayDriver, operational, parse_ops
from tests.drivers.shapes import conforms

RECORDED = Path(__file__).parent / "recorded" / "operational"
NEW_METHODS = (
    "cli",
    "get_interfaces_counters",
    "get_arp_table",
    "get_route_to",
    "get_environment",
    "ping",
    "traceroute",
)
DRIVERS = (FrrDriver, LinuxDriver)


def _recorded(name: str) -> str:
    return (RECORDED / name).read_text(encoding="utf-8")


def _json(name: str) -> Any:
    return json.loads(_recorded(name))


def _parameters(func: object) -> list[tuple[str, object, object]]:
    params = inspect.signature(func).parameters.values()  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in params]


def _is_model(model: Any, value: Any) -> bool:
    return bool(helpers.test_model(model, value)) and conforms(model, value)


def _unconnected(cls: type[UnderlayDriver]) -> UnderlayDriver:
    return cls("198.18.0.16", "labuser", "", 10)


# ---------- the contract -----------------------------------------------------------------------


@pytest.mark.parametrize("cls", DRIVERS)
@pytest.mark.parametrize("name", NEW_METHODS)
def test_signature_is_napalms(cls: type[UnderlayDriver], name: str) -> None:
    ours, napalms = getattr(cls, name), getattr(NetworkDriver, name)
    assert ours is not napalms, f"{cls.__name__}.{name} is napalm's NotImplementedError"
    assert _parameters(ours) == _parameters(napalms)


@pytest.mark.parametrize("cls", DRIVERS)
def test_cli_refuses_other_encodings_before_connecting(cls: type[UnderlayDriver]) -> None:
    with pytest.raises(NotImplementedError, match="only 'text' and 'json'"):
        _unconnected(cls).cli(["show version"], encoding="xml")


def test_cli_commands() -> None:
    frr, linux = _unconnected(FrrDriver), _unconnected(LinuxDriver)
    assert frr._cli_shell("show ip route", "text") == "vtysh -c 'show ip route'"
    assert frr._cli_shell("show ip route", "json") == "vtysh -c 'show ip route json'"
    assert frr._cli_shell("show bgp summary json", "json") == "vtysh -c 'show bgp summary json'"
    assert linux._cli_shell("ip -j addr", "json") == "ip -j addr"


@pytest.mark.parametrize("cls", DRIVERS)
def test_probe_argument_errors_need_no_device(cls: type[UnderlayDriver]) -> None:
    driver = _unconnected(cls)
    both = driver.ping("198.18.1.6", source="198.18.1.7", source_interface="eth1")
    assert both == {"error": "give source or source_interface, not both"}
    assert driver.ping("-f") == {"error": "not a destination: '-f'"}
    assert driver.traceroute("--help") == {"error": "not a destination: '--help'"}


# ---------- commands ---------------------------------------------------------------------------


def test_route_commands() -> None:
    assert operational.route_commands("", False) == [
        "show ip route vrf all json",
        "show ipv6 route vrf all json",
    ]
    assert operational.route_commands("198.19.0.11", False) == [
        "show ip route vrf all 198.19.0.11 json"
    ]
    assert operational.route_commands("198.19.0.11/16", True) == [
        "show ip route vrf all 198.19.0.0/16 longer-prefixes json"
    ]
    assert operational.route_commands("2001:db8::/32", False) == [
        "show ipv6 route vrf all 2001:db8::/32 json"
    ]
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 network"):
        operational.route_commands("198.19.0.11; reboot", False)


def test_bgp_commands() -> None:
    assert operational.bgp_commands("default", "ipv4", ["198.19.0.11/32"]) == [
        "show bgp vrf default ipv4 unicast summary json",
        "show bgp vrf default ipv4 unicast 198.19.0.11/32 json",
    ]


def test_kernel_route_queries() -> None:
    assert operational.kernel_route_queries("", False) == [(4, ""), (6, "")]
    assert operational.kernel_route_queries("198.18.0.5", False) == [(4, " match 198.18.0.5")]
    assert operational.kernel_route_queries("198.18.0.0/24", False) == [(4, " exact 198.18.0.0/24")]
    assert operational.kernel_route_queries("198.18.0.0/15", True) == [(4, " root 198.18.0.0/15")]
    assert operational.kernel_route_queries("fe80::1", False) == [(6, " match fe80::1")]


def test_probe_script() -> None:
    script = operational.probe_script("ping", ["-c", "5", "198.18.1.6"], "", 8)
    assert script == "command -v ping >/dev/null || exit 127; timeout 8 ping -c 5 198.18.1.6"
    in_vrf = operational.probe_script("traceroute", ["-n", "198.18.1.6"], "blue; x", 3)
    assert in_vrf.endswith("timeout 3 sudo -n ip vrf exec 'blue; x' traceroute -n 198.18.1.6")


@pytest.mark.parametrize(
    ("vrf", "suffix"),
    [("", ""), ("default", " nomaster"), ("global", " nomaster"), ("red", " vrf red")],
)
def test_arp_vrf_filter(vrf: str, suffix: str) -> None:
    assert operational._neigh_filter(vrf) == suffix


# ---------- counters and ARP -------------------------------------------------------------------


def test_counters_recorded() -> None:
    found = parse_ops.counters(_json("frr_ip_link_stats.json"))
    assert sorted(found) == ["eth1", "eth2", "eth3", "lo", "mgmt0"]
    assert all(_is_model(models.InterfaceCounterDict, c) for c in found.values())
    assert found["eth1"] == {
        "tx_errors": 0,
        "rx_errors": 0,
        "tx_discards": 0,
        "rx_discards": 1,
        "tx_octets": 5861,
        "rx_octets": 5790,
        "tx_unicast_packets": 41,
        "rx_unicast_packets": 40,
        "tx_multicast_packets": 0,
        "rx_multicast_packets": 0,
        "tx_broadcast_packets": 0,
        "rx_broadcast_packets": 0,
    }
    assert _is_model(models.InterfaceCounterDict, parse_ops.counters([{"ifname": "x"}])["x"])


def test_counters_split_the_kernels_packets_without_inventing_any() -> None:
    stats = {"rx": {"packets": 100, "multicast": 30, "bytes": 9000}, "tx": {"packets": 50}}
    found = parse_ops.counters([{"ifname": "eno1", "stats64": stats}])["eno1"]
    assert (found["rx_unicast_packets"], found["rx_multicast_packets"]) == (70, 30)
    rx = sum(found[f"rx_{kind}_packets"] for kind in ("unicast", "multicast", "broadcast"))
    tx = sum(found[f"tx_{kind}_packets"] for kind in ("unicast", "multicast", "broadcast"))
    assert (rx, tx) == (100, 50)


def test_arp_recorded() -> None:
    assert parse_ops.arp_table(_json("frr_ip_neigh.json")) == [
        {"interface": "eth1", "mac": "A2:33:D5:36:17:F3", "ip": "198.18.1.6", "age": 16.0},
        {"interface": "eth2", "mac": "6A:F3:CB:C7:FC:38", "ip": "198.18.1.14", "age": 16.0},
        {"interface": "mgmt0", "mac": "0A:0F:AC:DF:11:63", "ip": "198.18.0.1", "age": 0.0},
    ]


def test_arp_leaves_out_what_has_no_mac_and_ipv6() -> None:
    neighbors = [
        {"dst": "198.18.0.99", "dev": "mgmt0", "used": 3, "probes": 3, "state": ["FAILED"]},
        {"dst": "fe80::1", "dev": "eth1", "lladdr": "aa:bb:cc:dd:ee:ff", "state": ["STALE"]},
        {
            "dst": "198.18.0.7",
            "dev": "mgmt0",
            "lladdr": "aa:bb:cc:dd:ee:01",
            "state": ["PERMANENT"],
        },
    ]
    found = parse_ops.arp_table(neighbors)
    assert found == [
        {"interface": "mgmt0", "mac": "AA:BB:CC:DD:EE:01", "ip": "198.18.0.7", "age": -1.0}
    ]
    assert all(_is_model(models.ARPTableDict, e) for e in found)


# ---------- routes: FRR ------------------------------------------------------------------------


def test_json_documents_one_after_another() -> None:
    documents = parse_ops.json_documents(_recorded("frr_bgp_summary_and_prefixes.json"))
    assert [sorted(d)[:2] for d in documents] == [
        ["as", "bestPath"],
        ["advertisedTo", "paths"],
        [],
        ["advertisedTo", "paths"],
    ]
    assert parse_ops.json_documents('% Unknown command\n{"a": [1]}\nnot {json\n[]') == [
        {"a": [1]},
        [],
    ]


BGP_ROUTE = {
    "protocol": "bgp",
    "current_active": True,
    "last_active": True,
    "age": 9,
    "next_hop": "198.18.1.6",
    "outgoing_interface": "eth1",
    "selected_next_hop": True,
    "preference": 20,
    "inactive_reason": "",
    "routing_table": "default",
    "protocol_attributes": {},
}


def test_frr_route_recorded() -> None:
    routes = parse_ops.frr_routes([_json("frr_route_prefix.json")])
    assert routes == {"198.19.0.11/32": [BGP_ROUTE]}
    assert parse_ops.frr_routes([_json("frr_route_prefix.json")], protocol="static") == {}


def test_frr_routes_recorded_table() -> None:
    routes = parse_ops.frr_routes([_json("frr_route_all.json")])
    assert all(_is_model(models.RouteDict, r) for entries in routes.values() for r in entries)
    connected = parse_ops.frr_routes([_json("frr_route_all.json")], protocol="direct")
    assert sorted(connected) == [
        "198.18.0.0/24",
        "198.18.1.14/31",
        "198.18.1.6/31",
        "198.18.2.6/31",
        "198.19.0.14/32",
    ]
    assert connected["198.18.0.0/24"][0]["next_hop"] == ""
    assert connected["198.18.0.0/24"][0]["outgoing_interface"] == "mgmt0"
    longer = parse_ops.frr_routes([_json("frr_route_longer.json")], protocol="BGP")
    assert sorted(longer) == ["198.19.0.1/32", "198.19.0.2/32"]


def test_frr_routes_ipv6_not_selected() -> None:
    """Four connected fe80::/64, one per interface: FRR selects one, the others are inactive."""
    routes = parse_ops.frr_routes([_json("frr_route6_all.json")])
    link_local = routes["fe80::/64"]
    assert sorted(r["outgoing_interface"] for r in link_local) == ["eth1", "eth2", "eth3", "mgmt0"]
    assert [r["outgoing_interface"] for r in link_local if r["current_active"]] == ["eth1"]


def test_frr_routes_shapes_without_routes_and_per_vrf() -> None:
    """`show ip route vrf all ADDRESS json` with no route prints {"0.0.0.0/0": []}; several
    VRFs may come one document each or wrapped by VRF name."""
    assert parse_ops.frr_routes([{"0.0.0.0/0": []}, {}]) == {}
    entry = {**_json("frr_route_prefix.json")["198.19.0.11/32"][0], "vrfName": "blue"}
    wrapped = parse_ops.frr_routes([{"blue": {"198.19.0.11/32": [entry]}}])
    assert wrapped["198.19.0.11/32"][0]["routing_table"] == "blue"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00:09", 9), ("23:59:59", 86399), ("2d03h04m", 183840), ("01w2d03h", 788400), ("", -1)],
)
def test_uptime_seconds(text: str, seconds: int) -> None:
    assert parse_ops.uptime_seconds(text) == seconds


def test_bgp_attributes_recorded() -> None:
    routes = parse_ops.frr_routes([_json("frr_route_prefix.json")])
    assert parse_ops.bgp_lookups(routes) == {("default", "ipv4"): ["198.19.0.11/32"]}
    documents = parse_ops.json_documents(_recorded("frr_bgp_summary_and_prefixes.json"))
    found = parse_ops.with_bgp_attributes(routes, "default", documents)
    assert found["198.19.0.11/32"] == [
        {
            **BGP_ROUTE,
            "protocol_attributes": {
                "local_as": 65014,
                "remote_as": 65001,
                "peer_id": "198.19.0.1",
                "remote_address": "198.18.1.6",
                "as_path": "65001 65011",
                "communities": [],
                "local_preference": 100,
                "preference2": 0,
                "metric": 0,
                "metric2": 0,
            },
        }
    ]
    assert parse_ops.with_bgp_attributes(routes, "blue", documents) == routes


def test_bgp_attributes_of_a_local_path_recorded() -> None:
    documents = parse_ops.json_documents(_recorded("frr_bgp_summary_and_prefixes.json"))
    attributes = parse_ops.bgp_attributes(documents[3]["paths"][0], documents[0])
    assert attributes["remote_as"] == attributes["local_as"] == 65014
    assert (attributes["as_path"], attributes["preference2"]) == ("Local", 32768)


def test_bgp_attributes_of_an_ibgp_multipath() -> None:
    """Not recorded (the lab has no iBGP and no communities): FRR 8.4's keys for them."""
    path = {
        "aspath": {"string": "65100"},
        "metric": 50,
        "locPrf": 200,
        "multipath": True,
        "community": {"string": "65000:1 no-export"},
        "largeCommunity": {"string": "65000:1:2"},
        "nexthops": [{"ip": "198.18.9.2", "metric": 10, "used": True}],
        "peer": {"peerId": "198.18.9.2", "routerId": "198.19.9.2", "type": "internal"},
    }
    best = {**path, "multipath": False, "bestpath": {"overall": True}, "nexthops": [{"ip": "x"}]}
    summary = {"as": 65000, "peers": {"198.18.9.2": {"remoteAs": 65000}}}
    chosen = parse_ops._bgp_path([best, path], "198.18.9.2")
    assert parse_ops.bgp_attributes(chosen, summary) == {
        "local_as": 65000,
        "remote_as": 65000,
        "peer_id": "198.19.9.2",
        "remote_address": "198.18.9.2",
        "as_path": "65100",
        "communities": ["65000:1", "no-export", "65000:1:2"],
        "local_preference": 200,
        "preference2": 0,
        "metric": 50,
        "metric2": 10,
    }


# ---------- routes: the kernel -----------------------------------------------------------------


def test_kernel_routes_recorded_router() -> None:
    routes = parse_ops.kernel_routes(_json("frr_ip_route4.json"), 4)
    assert all(_is_model(models.RouteDict, r) for entries in routes.values() for r in entries)
    assert routes["198.19.0.2/32"] == [
        {
            "protocol": "bgp",
            "current_active": True,
            "last_active": True,
            "age": -1,
            "next_hop": "198.18.1.14",
            "outgoing_interface": "eth2",
            "selected_next_hop": True,
            "preference": 20,
            "inactive_reason": "",
            "routing_table": "default",
            "protocol_attributes": {},
        }
    ]
    connected = parse_ops.kernel_routes(_json("frr_ip_route4.json"), 4, protocol="connected")
    assert sorted(connected) == [
        "198.18.0.0/24",
        "198.18.1.14/31",
        "198.18.1.6/31",
        "198.18.2.6/31",
    ]


def test_kernel_routes_recorded_server() -> None:
    assert sorted(parse_ops.kernel_routes(_json("linux_ip_route4.json"), 4)) == [
        "198.18.0.0/24",
        "198.18.2.0/31",
    ]
    six = parse_ops.kernel_routes(_json("linux_ip_route6.json"), 6)
    assert [(r["outgoing_interface"], r["preference"]) for r in six["fe80::/64"]] == [
        ("mgmt0", 256),
        ("eth1", 256),
    ]


def test_kernel_routes_default_multipath_and_longest_match() -> None:
    """Not recorded (lab servers have neither): iproute2's JSON for them."""
    routes = [
        {"dst": "default", "gateway": "198.18.0.1", "dev": "mgmt0", "flags": []},
        {
            "dst": "198.18.4.0/24",
            "protocol": "static",
            "flags": [],
            "nexthops": [
                {"gateway": "198.18.2.0", "dev": "eth1", "weight": 1, "flags": []},
                {"gateway": "198.18.3.0", "dev": "eth2", "weight": 1, "flags": ["dead"]},
            ],
        },
    ]
    found = parse_ops.kernel_routes(routes, 4)
    assert found["0.0.0.0/0"][0]["protocol"] == "boot"
    assert [(r["next_hop"], r["selected_next_hop"]) for r in found["198.18.4.0/24"]] == [
        ("198.18.2.0", True),
        ("198.18.3.0", False),
    ]
    assert list(parse_ops.longest_match(found)) == ["198.18.4.0/24"]
    assert parse_ops.longest_match({}) == {}


# ---------- environment ------------------------------------------------------------------------

# Not recorded (the lab host has no thermal zone and no hwmon chip): `grep -s .` of an x86
# server's files, in the format the kernel's sysfs gives them.
SENSORS = """\
/sys/class/thermal/thermal_zone0/type:acpitz
/sys/class/thermal/thermal_zone0/temp:27800
/sys/class/thermal/thermal_zone0/trip_point_0_type:critical
/sys/class/thermal/thermal_zone0/trip_point_0_temp:105000
/sys/class/thermal/thermal_zone1/type:x86_pkg_temp
/sys/class/thermal/thermal_zone1/temp:91000
/sys/class/thermal/thermal_zone1/trip_point_0_type:passive
/sys/class/thermal/thermal_zone1/trip_point_0_temp:90000
/sys/class/thermal/thermal_zone1/trip_point_1_type:active
/sys/class/thermal/thermal_zone1/trip_point_1_temp:60000
/sys/class/hwmon/hwmon2/name:nct6775
/sys/class/hwmon/hwmon2/fan1_input:1205
/sys/class/hwmon/hwmon2/fan2_input:0
/sys/class/hwmon/hwmon2/fan2_alarm:1
/sys/class/hwmon/hwmon2/fan3_input:0
"""


def test_environment_recorded() -> None:
    env = parse_ops.environment(_recorded("environment.txt"))
    assert env == {
        "fans": {},
        "temperature": {},
        "power": {},
        "cpu": {0: {"%usage": 4.0}, 1: {"%usage": 2.0}},
        "memory": {"available_ram": 24684092 * 1024, "used_ram": (24684092 - 23904356) * 1024},
    }
    assert conforms(models.EnvironmentDict, env)
    assert _is_model(models.MemoryDict, env["memory"])
    assert all(_is_model(models.CPUDict, c) for c in env["cpu"].values())


def test_environment_sensors() -> None:
    env = parse_ops.environment(_recorded("environment.txt") + SENSORS)
    assert env["temperature"] == {
        "acpitz (thermal_zone0)": {"temperature": 27.8, "is_alert": False, "is_critical": False},
        "x86_pkg_temp (thermal_zone1)": {
            "temperature": 91.0,
            "is_alert": True,
            "is_critical": False,
        },
    }
    assert env["fans"] == {
        "nct6775 fan1": {"status": True},
        "nct6775 fan2": {"status": False},
        "nct6775 fan3": {"status": False},
    }
    assert conforms(models.EnvironmentDict, env)


# ---------- ping and traceroute ----------------------------------------------------------------


def test_ping_recorded() -> None:
    result = parse_ops.ping(_recorded("ping_ok.txt"), "")
    assert result == {
        "success": {
            "probes_sent": 5,
            "packet_loss": 0,
            "rtt_min": 0.042,
            "rtt_max": 0.663,
            "rtt_avg": 0.170,
            "rtt_stddev": 0.246,
            "results": [
                {"ip_address": "198.18.1.6", "rtt": rtt}
                for rtt in (0.663, 0.049, 0.042, 0.043, 0.057)
            ],
        }
    }
    assert _is_model(models.PingDict, result["success"])


def test_ping_without_reply_and_without_route_recorded() -> None:
    silent = parse_ops.ping(_recorded("ping_no_reply.txt"), "")
    assert silent["success"]["probes_sent"] == silent["success"]["packet_loss"] == 3
    assert silent["success"]["results"] == [] and silent["success"]["rtt_max"] == 0.0
    no_route = parse_ops.ping("", _recorded("ping_no_route.stderr"))
    assert no_route == {"error": "ping: connect: Network is unreachable"}


def test_ping_ipv6_reply_line() -> None:
    reply = "64 bytes from 2001:db8::1: icmp_seq=1 ttl=64 time=0.031 ms"
    text = f"{reply}\n1 packets transmitted, 1 received"
    assert parse_ops.ping(text, "")["success"]["results"] == [
        {"ip_address": "2001:db8::1", "rtt": 0.031}
    ]


def test_traceroute_recorded() -> None:
    result = parse_ops.traceroute(_recorded("traceroute_ok.txt"), "")
    assert result == {
        "success": {
            1: {
                "probes": {
                    i: {"rtt": rtt, "ip_address": "198.18.1.6", "host_name": "198.18.1.6"}
                    for i, rtt in ((1, 0.189), (2, 0.010), (3, 0.006))
                }
            },
            2: {
                "probes": {
                    i: {"rtt": rtt, "ip_address": "198.19.0.11", "host_name": "198.19.0.11"}
                    for i, rtt in ((1, 0.019), (2, 0.008), (3, 0.007))
                }
            },
        }
    }
    assert conforms(models.TracerouteResultDict, result, allow_subset=True)


def test_traceroute_unanswered_probes_recorded() -> None:
    hops = parse_ops.traceroute(_recorded("traceroute_unreachable.txt"), "")["success"]
    silent = {"rtt": 0.0, "ip_address": "*", "host_name": "*"}
    assert sorted(hops) == [1, 2, 3, 4, 5, 6]
    assert hops[1]["probes"] == {1: silent, 2: silent, 3: silent}
    answered = {"ip_address": "198.18.0.16", "host_name": "198.18.0.16"}
    assert hops[6]["probes"] == {
        1: silent,
        2: {"rtt": 283.070, **answered},
        3: {"rtt": 283.048, **answered},
    }


def test_traceroute_error() -> None:
    stderr = 'nowhere: Name or service not known\nCannot handle "host" cmdline arg `nowhere\'\n'
    assert parse_ops.traceroute("", stderr) == {
        "error": 'nowhere: Name or service not known / Cannot handle "host" cmdline arg `nowhere\''
    }


def test_bgp_paths_are_asked_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in for vtysh: the lab has too few BGP routes for a second batch."""
    calls: list[list[str]] = []

    def vtysh_documents(commands: list[str]) -> list[Any]:
        calls.append(commands)
        return []

    driver = _unconnected(FrrDriver)
    monkeypatch.setattr(driver, "_vtysh_documents", vtysh_documents)
    prefixes = [f"198.19.{i // 256}.{i % 256}/32" for i in range(operational.BGP_BATCH + 1)]
    driver._bgp_documents("default", "ipv4", prefixes)  # type: ignore[attr-defined]
    assert [len(c) for c in calls] == [operational.BGP_BATCH + 1, 2]
    assert calls[1] == [
        "show bgp vrf default ipv4 unicast summary json",
        f"show bgp vrf default ipv4 unicast {prefixes[-1]} json",
    ]
