"""Device output -> napalm shapes for the operational getters (engine.drivers.operational):
interface counters, ARP, routes (FRR's zebra and bgpd JSON, iproute2), environment (/proc and
/sys), ping and traceroute. Pure functions, tested with output recorded in the lab.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from typing import Any

from napalm.base import models
from napalm.base.helpers import mac

JSON_START = re.compile(r"[{\[]")
NO_AGE_STATES = {"PERMANENT", "NOARP"}  # ARP entries that never age
NO_AGE = -1.0
UNKNOWN_AGE = -1
UPTIME_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
# napalm's protocol names -> FRR's and the kernel's
FRR_PROTOCOLS = {"direct": "connected"}
KERNEL_PROTOCOLS = {"direct": "kernel", "connected": "kernel"}
KERNEL_DEFAULT_PROTOCOL = "boot"  # iproute2 leaves `protocol` out for boot routes
DEFAULT_LOCAL_PREF = 100  # FRR's `bgp default local-preference`: eBGP paths carry none
ENV_SECTION = "@@"  # separates the parts of operational.ENVIRONMENT_SCRIPT's output
KIB = 1024
NULL_HOP = "*"  # napalm.base.constants.TRACEROUTE_NULL_IP_ADDRESS / _NULL_HOST_NAME


# ---------- interface counters -----------------------------------------------------------------


def counters(links: list[dict[str, Any]]) -> dict[str, models.InterfaceCounterDict]:
    """`ip -j -s link show` -> get_interfaces_counters().

    The kernel counts bytes, packets, errors and drops each way, multicast only on receive
    (veth leaves even that at 0), and broadcast never. The packets are split without
    inventing numbers: rx multicast is the kernel's own counter, every packet the kernel does
    not split is counted as unicast (tx_unicast_packets = all packets sent), and the
    counters it does not keep are 0, so unicast + multicast + broadcast is the kernel's
    packet count in each direction.
    """
    return {link["ifname"]: _counters(link.get("stats64") or {}) for link in links}


def _counters(stats: dict[str, Any]) -> models.InterfaceCounterDict:
    rx, tx = stats.get("rx", {}), stats.get("tx", {})
    multicast = int(rx.get("multicast", 0))
    return {
        "tx_errors": int(tx.get("errors", 0)),
        "rx_errors": int(rx.get("errors", 0)),
        "tx_discards": int(tx.get("dropped", 0)),
        "rx_discards": int(rx.get("dropped", 0)),
        "tx_octets": int(tx.get("bytes", 0)),
        "rx_octets": int(rx.get("bytes", 0)),
        "tx_unicast_packets": int(tx.get("packets", 0)),
        "rx_unicast_packets": int(rx.get("packets", 0)) - multicast,
        "tx_multicast_packets": 0,
        "rx_multicast_packets": multicast,
        "tx_broadcast_packets": 0,
        "rx_broadcast_packets": 0,
    }


# ---------- ARP ------------------------------------------------------------------------------


def arp_table(neighbors: list[dict[str, Any]]) -> list[models.ARPTableDict]:
    """`ip -j -4 -s neigh show` -> get_arp_table(): the IPv4 entries that have a MAC address
    (INCOMPLETE and FAILED ones have none). age: seconds since the kernel last confirmed the
    neighbour; -1.0 for PERMANENT and NOARP entries, which never age."""
    return [_arp_entry(n) for n in neighbors if n.get("lladdr") and _is_ipv4(str(n.get("dst", "")))]


def _arp_entry(neighbor: dict[str, Any]) -> models.ARPTableDict:
    ages = not NO_AGE_STATES & set(neighbor.get("state", []))
    return {
        "interface": str(neighbor.get("dev", "")),
        "mac": mac(neighbor["lladdr"]),
        "ip": str(neighbor["dst"]),
        "age": float(neighbor.get("confirmed", NO_AGE)) if ages else NO_AGE,
    }


def _is_ipv4(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).version == 4
    except ValueError:
        return False


# ---------- routes: FRR ------------------------------------------------------------------------


def json_documents(text: str) -> list[Any]:
    """vtysh's output for several commands: JSON values one after another -> the values. Text
    between them (a `%` message FRR printed instead of JSON) is skipped."""
    decoder = json.JSONDecoder()
    found: list[Any] = []
    position = 0
    while match := JSON_START.search(text, position):
        try:
            value, position = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            position = match.start() + 1
            continue
        found.append(value)
    return found


def frr_routes(documents: list[Any], protocol: str = "") -> dict[str, list[models.RouteDict]]:
    """`show ip[v6] route vrf all [PREFIX [longer-prefixes]] json` -> get_route_to(), one entry
    per next hop, without protocol_attributes (with_bgp_attributes adds BGP's). `protocol`
    keeps one protocol: FRR's names ("bgp", "connected", "static", "ospf", "kernel"), napalm's
    "direct" for "connected". FRR reports no previous state and no reason a route is not
    selected: last_active is current_active, inactive_reason is ""."""
    wanted = _wanted(protocol, FRR_PROTOCOLS)
    result: dict[str, list[models.RouteDict]] = {}
    for entry in _rib_entries(documents):
        if not wanted or entry.get("protocol") == wanted:
            hops = entry.get("nexthops") or [{}]
            result.setdefault(str(entry["prefix"]), []).extend(_frr_route(entry, h) for h in hops)
    return result


def _wanted(protocol: str, aliases: dict[str, str]) -> str:
    name = protocol.lower()
    return aliases.get(name, name)


def _rib_entries(documents: list[Any]) -> Iterator[dict[str, Any]]:
    """The route entries of {prefix: [entry, ...]} documents, also when wrapped per VRF
    ({vrf: {prefix: [...]}})."""
    for document in documents:
        if not isinstance(document, dict):
            continue
        for value in document.values():
            if isinstance(value, list):
                yield from (e for e in value if isinstance(e, dict) and "prefix" in e)
            elif isinstance(value, dict):
                yield from _rib_entries([value])


def _frr_route(entry: dict[str, Any], hop: dict[str, Any]) -> models.RouteDict:
    selected = bool(entry.get("selected", False))
    return {
        "protocol": str(entry.get("protocol", "")),
        "current_active": selected,
        "last_active": selected,
        "age": uptime_seconds(str(entry.get("uptime", ""))),
        "next_hop": str(hop.get("ip", "")),
        "outgoing_interface": str(hop.get("interfaceName", "")),
        "selected_next_hop": bool(hop.get("fib", False)),
        "preference": int(entry.get("distance", 0)),
        "inactive_reason": "",
        "routing_table": str(entry.get("vrfName", "default")),
        "protocol_attributes": {},
    }


def uptime_seconds(text: str) -> int:
    """FRR's route uptime -> seconds; -1 when there is none. Example: "00:03:13" -> 193,
    "2d03h04m" -> 183840, "01w2d03h" -> 788400"""
    if re.fullmatch(r"\d+:\d\d:\d\d", text):
        hours, minutes, seconds = (int(part) for part in text.split(":"))
        return hours * 3600 + minutes * 60 + seconds
    parts = re.findall(r"(\d+)([wdhms])", text)
    return sum(int(n) * UPTIME_UNITS[unit] for n, unit in parts) if parts else UNKNOWN_AGE


def bgp_lookups(routes: dict[str, list[models.RouteDict]]) -> dict[tuple[str, str], list[str]]:
    """{(vrf, "ipv4"|"ipv6"): [prefix, ...]} of the BGP routes, for their path attributes."""
    found: dict[tuple[str, str], list[str]] = {}
    for prefix, entries in sorted(routes.items()):
        for vrf in sorted({r["routing_table"] for r in entries if r["protocol"] == "bgp"}):
            family = f"ipv{ipaddress.ip_network(prefix, strict=False).version}"
            found.setdefault((vrf, family), []).append(prefix)
    return found


def with_bgp_attributes(
    routes: dict[str, list[models.RouteDict]], vrf: str, documents: list[Any]
) -> dict[str, list[models.RouteDict]]:
    """Adds protocol_attributes to the BGP routes of `vrf`, from `show bgp vrf VRF ipvX unicast
    summary json` (local and remote AS) and `show bgp vrf VRF ipvX unicast PREFIX json` (the
    paths) for each prefix."""
    dicts = [d for d in documents if isinstance(d, dict)]
    summary = next((d for d in dicts if "peers" in d), {})
    paths = {str(d["prefix"]): d.get("paths", []) for d in dicts if "prefix" in d}
    return {
        prefix: [_with_bgp(r, vrf, summary, paths.get(prefix, [])) for r in entries]
        for prefix, entries in routes.items()
    }


def _with_bgp(
    route: models.RouteDict, vrf: str, summary: dict[str, Any], paths: list[dict[str, Any]]
) -> models.RouteDict:
    if route["protocol"] != "bgp" or route["routing_table"] != vrf or not paths:
        return route
    path = _bgp_path(paths, route["next_hop"])
    return {**route, "protocol_attributes": bgp_attributes(path, summary)}


def _bgp_path(paths: list[dict[str, Any]], next_hop: str) -> dict[str, Any]:
    """The path zebra installed with `next_hop`: a multipath route has one per next hop."""
    used = [p for p in paths if p.get("bestpath", {}).get("overall") or p.get("multipath")]
    for path in used:
        if any(h.get("ip") == next_hop for h in path.get("nexthops", [])):
            return path
    return (used or paths)[0]


def bgp_attributes(path: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    """One path of `show bgp ... PREFIX json` -> napalm's BGP protocol_attributes (the keys of
    napalm's get_route_to docstring; remote_address as napalm's eos, ios and junos add it).
    Example: {"local_as": 65002, "remote_as": 65001, "peer_id": "198.19.0.1",
    "remote_address": "198.18.1.8", "as_path": "65001 65011", "communities": [],
    "local_preference": 100, "preference2": 0, "metric": 0, "metric2": 0}"""
    peer = path.get("peer", {})
    local_as = int(summary.get("as", 0))
    remote = summary.get("peers", {}).get(peer.get("peerId", ""), {})
    hop = (path.get("nexthops") or [{}])[0]
    return {
        "local_as": local_as,
        "remote_as": _as_number(remote.get("remoteAs"), local_as),
        "peer_id": str(peer.get("routerId", "")),
        "remote_address": str(peer.get("peerId", "")),
        "as_path": str(path.get("aspath", {}).get("string", "")),
        "communities": _communities(path),
        "local_preference": int(path.get("locPrf", DEFAULT_LOCAL_PREF)),
        "preference2": int(path.get("weight", 0)),
        "metric": int(path.get("metric", 0)),
        "metric2": int(hop.get("metric", 0)),
    }


def _as_number(value: Any, local_as: int) -> int:
    """A peer's AS from the summary; a locally originated path has no peer: the local AS."""
    return int(value) if isinstance(value, int) or str(value).isdigit() else local_as


def _communities(path: dict[str, Any]) -> list[str]:
    kinds = ("community", "extendedCommunity", "largeCommunity")
    return [c for k in kinds for c in str(path.get(k, {}).get("string", "")).split()]


# ---------- routes: the kernel -----------------------------------------------------------------


def kernel_routes(
    routes: list[dict[str, Any]], version: int, protocol: str = ""
) -> dict[str, list[models.RouteDict]]:
    """`ip -j -4|-6 route show table main ...` -> get_route_to(), one entry per next hop. The
    kernel holds only the routes in use (all active), keeps no age (-1) and no administrative
    distance: preference is the route's metric. Protocols are the kernel's names ("kernel"
    for connected routes, "boot", "static", "dhcp", "bgp"); napalm's "connected" and "direct"
    select "kernel"."""
    wanted = _wanted(protocol, KERNEL_PROTOCOLS)
    result: dict[str, list[models.RouteDict]] = {}
    for route in routes:
        kind = str(route.get("protocol", KERNEL_DEFAULT_PROTOCOL))
        if not wanted or kind == wanted:
            hops = route.get("nexthops") or [route]
            entries = result.setdefault(_kernel_prefix(str(route["dst"]), version), [])
            entries.extend(_kernel_route(route, kind, hop) for hop in hops)
    return result


def _kernel_prefix(dst: str, version: int) -> str:
    """ "default" -> "0.0.0.0/0"; a host route "198.18.0.5" -> "198.18.0.5/32" """
    if dst == "default":
        return "0.0.0.0/0" if version == 4 else "::/0"
    return ipaddress.ip_network(dst, strict=False).with_prefixlen


def _kernel_route(route: dict[str, Any], kind: str, hop: dict[str, Any]) -> models.RouteDict:
    return {
        "protocol": kind,
        "current_active": True,
        "last_active": True,
        "age": UNKNOWN_AGE,
        "next_hop": str(hop.get("gateway", "")),
        "outgoing_interface": str(hop.get("dev", "")),
        "selected_next_hop": "dead" not in hop.get("flags", []),
        "preference": int(route.get("metric", 0)),
        "inactive_reason": "",
        "routing_table": "default",
        "protocol_attributes": {},
    }


def longest_match(routes: dict[str, list[models.RouteDict]]) -> dict[str, list[models.RouteDict]]:
    """The routes of the longest prefix only: what the kernel uses for one address."""
    if not routes:
        return {}
    best = max(routes, key=lambda p: ipaddress.ip_network(p).prefixlen)
    return {best: routes[best]}


# ---------- environment ------------------------------------------------------------------------


def environment(text: str) -> models.EnvironmentDict:
    """operational.ENVIRONMENT_SCRIPT's output (/proc/stat twice, /proc/meminfo, thermal zones
    and hwmon fans) -> get_environment(). cpu: % busy per CPU between the two samples; memory
    in bytes (available_ram: MemTotal, used_ram: MemTotal - MemAvailable); power is always {}:
    Linux has no generic interface to power supplies."""
    first, second, meminfo, sensors = [*text.split(ENV_SECTION + "\n"), "", "", ""][:4]
    files = _sensor_files(sensors)
    return {
        "fans": _fans(files),
        "temperature": _temperatures(files),
        "power": {},
        "cpu": _cpu_usage(_cpu_ticks(first), _cpu_ticks(second)),
        "memory": _memory(meminfo),
    }


def _cpu_ticks(text: str) -> dict[int, tuple[int, int]]:
    """/proc/stat `cpuN` lines -> {N: (busy ticks, all ticks)}; idle and iowait are not busy."""
    found = {}
    for line in text.splitlines():
        name, *values = line.split()
        if re.fullmatch(r"cpu\d+", name):
            ticks = [int(v) for v in values[:8]]  # guest time is counted in user time already
            idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
            found[int(name[3:])] = (sum(ticks) - idle, sum(ticks))
    return found


def _cpu_usage(
    before: dict[int, tuple[int, int]], after: dict[int, tuple[int, int]]
) -> dict[int, models.CPUDict]:
    usage = {}
    for cpu, (busy, total) in after.items():
        busy0, total0 = before.get(cpu, (0, 0))
        elapsed = total - total0
        usage[cpu] = {"%usage": round(100.0 * (busy - busy0) / elapsed, 1) if elapsed else 0.0}
    return usage


def _memory(meminfo: str) -> models.MemoryDict:
    """/proc/meminfo ("MemTotal:  16303048 kB") -> bytes."""
    values = {}
    for line in meminfo.splitlines():
        key, _, rest = line.partition(":")
        if rest.split():
            values[key] = int(rest.split()[0]) * KIB
    total = values.get("MemTotal", 0)
    return {"available_ram": total, "used_ram": total - values.get("MemAvailable", total)}


def _sensor_files(text: str) -> dict[str, dict[str, str]]:
    """`grep -s . FILES` ("/sys/class/thermal/thermal_zone0/temp:27800") -> {dir: {file: value}}."""
    found: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        path, sep, value = line.partition(":")
        directory, _, name = path.rpartition("/")
        if sep and directory:
            found.setdefault(directory, {})[name] = value.strip()
    return found


def _temperatures(files: dict[str, dict[str, str]]) -> dict[str, models.TemperatureDict]:
    """Thermal zones (millidegrees C) -> {"acpitz (thermal_zone0)": {...}}: critical at or
    above a `critical` trip point, alert at or above any `hot`, `passive` or `critical` one
    (`active` trip points only switch fans on)."""
    found = {}
    for directory, zone in sorted(files.items()):
        if "/thermal_zone" not in directory or not zone.get("temp", "").lstrip("-").isdigit():
            continue
        celsius = int(zone["temp"]) / 1000.0
        trips = _trip_points(zone)
        name = f"{zone.get('type', 'thermal')} ({directory.rpartition('/')[2]})"
        found[name] = {
            "temperature": celsius,
            "is_alert": any(celsius >= t for k, t in trips if k in ("hot", "passive", "critical")),
            "is_critical": any(celsius >= t for k, t in trips if k == "critical"),
        }
    return found


def _trip_points(zone: dict[str, str]) -> list[tuple[str, float]]:
    """[(kind, degrees C)] of a thermal zone's trip_point_N_type / trip_point_N_temp files."""
    found = []
    for name, kind in zone.items():
        match = re.fullmatch(r"trip_point_(\d+)_type", name)
        temp = zone.get(f"trip_point_{match.group(1)}_temp", "") if match else ""
        if match and temp.lstrip("-").isdigit():
            found.append((kind, int(temp) / 1000.0))
    return found


def _fans(files: dict[str, dict[str, str]]) -> dict[str, models.FanDict]:
    """hwmon fans -> {"nct6775 fan1": {"status": True}}: failed when the chip raises the fan's
    alarm, else when it stands still."""
    found = {}
    for directory, chip in sorted(files.items()):
        for name, rpm in sorted(chip.items()):
            match = re.fullmatch(r"fan(\d+)_input", name)
            if match and rpm.isdigit():
                alarm = chip.get(f"fan{match.group(1)}_alarm")
                ok = alarm == "0" if alarm is not None else int(rpm) > 0
                found[f"{chip.get('name', directory.rpartition('/')[2])} fan{match.group(1)}"] = {
                    "status": ok
                }
    return found


# ---------- ping and traceroute ----------------------------------------------------------------


def ping(stdout: str, stderr: str) -> models.PingResultDict:
    """iputils ping's output -> ping(): "success" once ping sent probes (also when none came
    back), else "error" with what ping said. packet_loss counts lost probes (as napalm's ios
    and eos drivers do), results has one entry per reply."""
    summary = re.search(r"(\d+) packets transmitted, (\d+) received", stdout)
    if summary is None:
        return {"error": _said(stderr, stdout) or "ping printed nothing"}
    sent, received = int(summary.group(1)), int(summary.group(2))
    rtt = re.search(r"= ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms", stdout)
    low, avg, high, mdev = (float(v) for v in rtt.groups()) if rtt else (0.0, 0.0, 0.0, 0.0)
    replies = re.findall(r"bytes from (\S+): icmp_seq=\d+ .*?time=([\d.]+) ms", stdout)
    return {
        "success": {
            "probes_sent": sent,
            "packet_loss": sent - received,
            "rtt_min": low,
            "rtt_max": high,
            "rtt_avg": avg,
            "rtt_stddev": mdev,
            "results": [{"ip_address": ip, "rtt": float(ms)} for ip, ms in replies],
        }
    }


def traceroute(stdout: str, stderr: str) -> models.TracerouteResultDict:
    """traceroute's (Debian's `traceroute` 2.1, run with -n) output -> traceroute(): the
    probes of each hop; a probe without answer is {"rtt": 0.0, "ip_address": "*",
    "host_name": "*"}; with -n the host name is the address. "error" when no hop was
    printed."""
    hops: dict[int, models.TracerouteResultDictEntry] = {}
    for line in stdout.splitlines():
        words = line.split()
        if words and words[0].isdigit():
            hops[int(words[0])] = {"probes": _probes(words[1:])}
    if not hops:
        return {"error": _said(stderr, stdout) or "traceroute printed no hop"}
    return {"success": hops}


def _probes(words: list[str]) -> dict[int, models.TracerouteDict]:
    """ "198.18.1.1  0.045 ms !H  *  198.18.1.3  0.1 ms" -> probes 1, 2, 3."""
    probes: dict[int, models.TracerouteDict] = {}
    address = NULL_HOP
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        if word == NULL_HOP:
            probes[len(probes) + 1] = {"rtt": 0.0, "ip_address": NULL_HOP, "host_name": NULL_HOP}
        elif following == "ms":
            probe = {"rtt": float(word), "ip_address": address, "host_name": address}
            probes[len(probes) + 1] = probe
        elif word != "ms" and not word.startswith("!"):
            address = word
    return probes


def _said(*outputs: str) -> str:
    """The first non-empty output, its lines joined."""
    for text in outputs:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            return " / ".join(lines)
    return ""
