"""Device output -> napalm-shaped values. Pure functions, tested with recorded output."""

from __future__ import annotations

import json
import re
from typing import Any

from napalm.base import models

BGP_VRF_GLOBAL = "global"  # napalm's name for FRR's "default" VRF
# What FRR prints before the configuration itself; `write memory` saves what follows it.
RUNNING_CONFIG_BANNER = "Building configuration...\n\nCurrent configuration:\n!\n"


def strip_banner(running_config: str) -> str:
    """`show running-config` as FRR would save it: without the banner vtysh prints first."""
    return running_config.removeprefix(RUNNING_CONFIG_BANNER)


def frr_descriptions(running_config: str) -> dict[str, str]:
    """FRR's running config -> {interface: description}, for the interfaces that have one.
    Example: "interface eth1\n description to fra1-spine01:eth1\nexit" -> {"eth1":
    "to fra1-spine01:eth1"} (`interface eth1 vrf red` is eth1 too)."""
    found: dict[str, str] = {}
    current: str | None = None
    for line in running_config.splitlines():
        if line.startswith("interface "):
            current = line.split()[1]
        elif not line.startswith(" "):
            current = None
        elif current is not None and line.startswith(" description "):
            found[current] = line[len(" description ") :]
    return found


def interfaces(
    links: list[dict[str, Any]], speeds: dict[str, float]
) -> dict[str, models.InterfaceDict]:
    """`ip -j -d link show` plus Mbit/s per interface -> get_interfaces()."""
    return {link["ifname"]: _interface(link, speeds.get(link["ifname"], -1.0)) for link in links}


def _interface(link: dict[str, Any], speed: float) -> models.InterfaceDict:
    flags = link.get("flags", [])
    state = link.get("operstate", "UNKNOWN")
    return {
        "is_up": state == "UP" or (state == "UNKNOWN" and "LOWER_UP" in flags),
        "is_enabled": "UP" in flags,
        "description": link.get("ifalias", ""),
        "last_flapped": -1.0,
        "mtu": int(link.get("mtu", 0)),
        "speed": float(speed),
        "mac_address": link.get("address", "").upper(),
    }


def speeds(text: str) -> dict[str, float]:
    """Lines `IFNAME MBITS` (MBITS -1 or empty when unknown) -> {ifname: Mbit/s}."""
    found: dict[str, float] = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        try:
            found[name] = max(float(value), -1.0)
        except ValueError:
            found[name] = -1.0
    return found


def interfaces_ip(addrs: list[dict[str, Any]]) -> dict[str, models.InterfacesIPDict]:
    """`ip -j addr show` -> get_interfaces_ip() (interfaces without addresses left out)."""
    result: dict[str, models.InterfacesIPDict] = {}
    for link in addrs:
        for info in link.get("addr_info", []):
            family = {"inet": "ipv4", "inet6": "ipv6"}.get(info.get("family", ""))
            if family is None:
                continue
            entry = result.setdefault(link["ifname"], {})
            table: dict[str, models.InterfacesIPDictEntry] = entry.setdefault(family, {})
            table[info["local"]] = {"prefix_length": int(info["prefixlen"])}
    return result


def lldp_detail(data: dict[str, Any]) -> models.LLDPNeighborsDetailDict:
    """`lldpcli -f json0 show neighbors details` -> get_lldp_neighbors_detail()."""
    result: models.LLDPNeighborsDetailDict = {}
    for block in data.get("lldp", []):
        for itf in block.get("interface", []):
            result.setdefault(itf["name"], []).append(_lldp_neighbor(itf))
    return result


def lldp_addresses(data: dict[str, Any]) -> dict[str, list[str]]:
    """`lldpcli -f json0 show neighbors details` -> the management addresses each neighbour
    advertises, by local port. Example: {"eth1": ["198.18.0.11"]}"""
    result: dict[str, list[str]] = {}
    for block in data.get("lldp", []):
        for itf in block.get("interface", []):
            for chassis in itf.get("chassis") or []:
                found = [str(a.get("value", "")) for a in chassis.get("mgmt-ip") or []]
                result.setdefault(itf["name"], []).extend(a for a in found if a)
    return result


def _first(items: list[dict[str, Any]] | None, key: str = "value") -> str:
    return str(items[0].get(key, "")) if items else ""


def _lldp_neighbor(itf: dict[str, Any]) -> models.LLDPNeighborDetailDict:
    chassis = (itf.get("chassis") or [{}])[0]
    port = (itf.get("port") or [{}])[0]
    capabilities = chassis.get("capability", [])
    return {
        "parent_interface": "",
        "remote_port": _first(port.get("id")),
        "remote_chassis_id": _first(chassis.get("id")),
        "remote_port_description": _first(port.get("descr")),
        "remote_system_name": _first(chassis.get("name")),
        "remote_system_description": _first(chassis.get("descr")),
        "remote_system_capab": sorted(_capability(c["type"]) for c in capabilities),
        "remote_system_enable_capab": sorted(
            _capability(c["type"]) for c in capabilities if c["enabled"]
        ),
    }


# lldpd's capability names -> napalm's (napalm.base.constants.LLDP_CAPAB_TRANFORM_TABLE values)
LLDP_CAPABILITIES = {"wlan": "wlan-access-point", "docsis": "docsis-cable-device"}


def _capability(lldpd_type: str) -> str:
    """Example: "Wlan" -> "wlan-access-point", "Router" -> "router" """
    name = lldpd_type.lower()
    return LLDP_CAPABILITIES.get(name, name)


def lldp_neighbors(
    detail: models.LLDPNeighborsDetailDict,
) -> dict[str, list[models.LLDPNeighborDict]]:
    return {
        local: [{"hostname": n["remote_system_name"], "port": n["remote_port"]} for n in found]
        for local, found in detail.items()
    }


def chrony_servers(text: str) -> dict[str, models.NTPServerDict]:
    """`server`/`pool`/`peer` lines of chrony.conf -> get_ntp_servers()."""
    result: dict[str, models.NTPServerDict] = {}
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and words[0] in ("server", "pool", "peer"):
            result[words[1]] = {
                "address": words[1],
                "port": 123,
                "association_type": words[0].upper(),
                "iburst": "iburst" in words[2:],
                "prefer": "prefer" in words[2:],
            }
    return result


def bgp_neighbors(
    neighbors: dict[str, Any], summary: dict[str, Any]
) -> dict[str, models.BGPStateNeighborsPerVRFDict]:
    """`show bgp vrf all neighbors json` + `... summary json` -> get_bgp_neighbors()."""
    result: dict[str, models.BGPStateNeighborsPerVRFDict] = {}
    for vrf, peers in neighbors.items():
        name = BGP_VRF_GLOBAL if vrf == "default" else vrf
        result[name] = {
            "router_id": _router_id(summary.get(vrf, {})),
            "peers": {
                address: _bgp_peer(peer)
                for address, peer in peers.items()
                if isinstance(peer, dict) and "remoteAs" in peer
            },
        }
    return result


def _router_id(vrf_summary: dict[str, Any]) -> str:
    for family in vrf_summary.values():
        if isinstance(family, dict) and "routerId" in family:
            return str(family["routerId"])
    return ""


def _bgp_peer(peer: dict[str, Any]) -> models.BGPStateNeighborDict:
    up = peer.get("bgpState") == "Established"
    return {
        "local_as": int(peer.get("localAs", 0)),
        "remote_as": int(peer.get("remoteAs", 0)),
        "remote_id": str(peer.get("remoteRouterId", "")),
        "is_up": up,
        "is_enabled": not peer.get("adminShutDown", False),
        "description": str(peer.get("nbrDesc", "")),
        "uptime": int(peer.get("bgpTimerUpMsec", 0)) // 1000 if up else -1,
        "address_family": {
            _family(af): {
                "received_prefixes": int(info.get("acceptedPrefixCounter", 0)),
                "accepted_prefixes": int(info.get("acceptedPrefixCounter", 0)),
                "sent_prefixes": int(info.get("sentPrefixCounter", 0)),
            }
            for af, info in peer.get("addressFamilyInfo", {}).items()
        },
    }


def _family(frr_name: str) -> str:
    """FRR's "ipv4Unicast" -> napalm's "ipv4"; other families keep their FRR name."""
    return {"ipv4Unicast": "ipv4", "ipv6Unicast": "ipv6"}.get(frr_name, frr_name)


def json_or_empty(text: str) -> Any:
    return json.loads(text) if text.strip() else {}


def vtysh_check_errors(output: str) -> str:
    """`vtysh -C` output -> the offending lines. Example:
    "line 4: % Unknown command[4]: ip routee 1.2.3.0/24 Null0" ->
    "line 4: % Unknown command: ip routee 1.2.3.0/24 Null0" """
    found = [
        re.sub(r"\[\d+\]:\s+", ": ", line.strip())
        for line in output.splitlines()
        if re.match(r"line \d+:", line.strip())
    ]
    if found:
        return "; ".join(found)
    return " / ".join(line.strip() for line in output.splitlines() if line.strip())
