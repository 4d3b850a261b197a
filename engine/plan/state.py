"""State diff: what the device's getters report against what the model says.

Both sides are first normalised into the same plain shape, then compared with DeepDiff, so
the plan shows a structured list of differences (`interfaces.eth2.description`, ...). Which
state a platform manages is data: a Linux server has no interface descriptions to compare.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from engine.model.ifnames import canonical
from engine.model.inventory import Device, Server
from engine.plan.model import StateChange

# what each platform's state diff covers
COMPARED: Mapping[str, frozenset[str]] = {
    "frr": frozenset({"description", "enabled", "ipv4", "bgp", "ntp"}),
    "linux": frozenset({"ipv4", "ntp"}),
}
VENDOR_DEFAULT = frozenset({"description", "enabled", "ipv4", "bgp", "ntp"})


def intended_state(obj: Device | Server) -> dict[str, Any]:
    """Example: {"interfaces": {"eth1": {"description": "to x:eth1", "enabled": True,
    "ipv4": "198.18.1.1/31"}}, "bgp": {"198.18.1.0": {"remote_as": 65001,
    "description": "x", "up": True}}, "ntp": {"198.18.0.5": "configured"}}"""
    compared = COMPARED.get(str(obj.platform), VENDOR_DEFAULT)
    interfaces = {
        name: _pick(
            compared,
            description=itf.description or "",
            enabled=itf.enabled,
            ipv4=str(itf.ipv4) if itf.ipv4 else None,
        )
        for name, itf in obj.interfaces.items()
    }
    state: dict[str, Any] = {"interfaces": interfaces}
    if "bgp" in compared and isinstance(obj, Device) and obj.bgp is not None:
        state["bgp"] = {
            str(n.address): {
                "remote_as": n.remote_as,
                "description": n.description or "",
                "up": True,
            }
            for n in obj.bgp.neighbors
        }
    if "ntp" in compared:
        state["ntp"] = dict.fromkeys(obj.ntp.servers if obj.ntp else [], "configured")
    return state


def actual_state(obj: Device | Server, getters: Mapping[str, Any]) -> dict[str, Any]:
    """The same shape as intended_state, from napalm getter results."""
    compared = COMPARED.get(str(obj.platform), VENDOR_DEFAULT)
    live = getters.get("interfaces", {})
    addresses = getters.get("interfaces_ip", {})
    interfaces: dict[str, dict[str, Any] | None] = {}
    for name in obj.interfaces:  # undeclared interfaces (mgmt0, ...) are not the model's
        shown = name if name in live else canonical(str(obj.platform), name)  # Gi0/1: as listed
        itf = live.get(shown)
        if itf is None:
            interfaces[name] = None
            continue
        interfaces[name] = _pick(
            compared,
            description=itf.get("description", ""),
            enabled=itf.get("is_enabled"),
            ipv4=_live_ipv4(addresses.get(shown, {}), obj.interfaces[name].ipv4),
        )
    state: dict[str, Any] = {"interfaces": interfaces}
    if "bgp" in compared and isinstance(obj, Device) and obj.bgp is not None:
        peers = getters.get("bgp_neighbors", {}).get("global", {}).get("peers", {})
        state["bgp"] = {
            addr: {
                "remote_as": p.get("remote_as"),
                "description": p.get("description", ""),
                "up": p.get("is_up"),
            }
            for addr, p in peers.items()
        }
    if "ntp" in compared:
        state["ntp"] = dict.fromkeys(getters.get("ntp_servers", {}), "configured")
    return state


def _pick(compared: frozenset[str], **values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in compared}


def _live_ipv4(entry: Mapping[str, Any], intended: Any) -> str | None:
    """The declared address when the interface has it; else its first address that is not
    host-local (lo also carries 127.0.0.1/8, which the model never declares)."""
    found = [f"{a}/{d['prefix_length']}" for a, d in sorted(entry.get("ipv4", {}).items())]
    if intended is not None and str(intended) in found:
        return str(intended)
    return next((f for f in found if not f.startswith("127.")), None)


def state_changes(intended: dict[str, Any], actual: dict[str, Any]) -> tuple[StateChange, ...]:
    """Every difference, by path. Equal sides (as JSON: True is not 1) need no DeepDiff: it
    is imported only for a device whose state differs (with numpy, where installed: ~65 ms
    of a plan otherwise)."""
    if json.dumps(intended, sort_keys=True, default=str) == json.dumps(
        actual, sort_keys=True, default=str
    ):
        return ()
    from deepdiff import DeepDiff  # noqa: PLC0415 - see above

    diff = DeepDiff(intended, actual, ignore_order=True, view="tree", threshold_to_diff_deeper=0)
    out = []
    for report, items in diff.items():
        kind = {"dictionary_item_added": "unexpected", "dictionary_item_removed": "missing"}.get(
            report, "changed"
        )
        for level in items:
            path = ".".join(_segment(p) for p in level.path(output_format="list"))
            path = path.replace(".[", "[")
            t1, t2 = level.t1, level.t2
            out.append(
                StateChange(
                    path=path,
                    kind=kind,
                    intended=_plain(t1),
                    actual=_plain(t2),
                )
            )
    return tuple(sorted(out, key=lambda c: c.path))


def _segment(part: Any) -> str:
    """Addresses contain dots: `bgp[198.18.1.11].description` stays readable."""
    text = str(part)
    return f"[{text}]" if "." in text else text


def _plain(value: Any) -> Any:
    """DeepDiff marks an absent side with a sentinel; the plan says None."""
    return value if isinstance(value, str | int | float | bool | list | dict | None) else None
