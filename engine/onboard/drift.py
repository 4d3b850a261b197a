"""`import --into REPO --diff`: what the devices run that the repository's objects state
otherwise, on the fields a device shows for sure and that render or plan compare.

Both sides are projected onto the same fields first: an interface's description, addresses
and shutdown (its MTU is not in FRR's configuration, nor compared by a plan), BGP (networks as
a set: FRR prints them in its own order), static routes, the managed files' values, verbatim
FRR configuration. A site, role or vendor is never "drift": import decides those by rules.

    changes = object_drift(repo, inventory, built)   # [FieldChange, ...] (engine.onboard.yamledit)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.model.layout import Inventory
from engine.onboard.build import Built
from engine.onboard.yamledit import FieldChange, object_changes

COMPARED = ("interfaces", "bgp", "static_routes", "ntp", "syslog", "dns", "banner", "users",
            "verbatim")  # fmt: skip
INTERFACE = ("description", "ipv4", "ipv6", "enabled")


def object_drift(repo: Path, inventory: Inventory, built: Built) -> list[FieldChange]:
    """Per object the repository has, the differences of its device (in name order)."""
    changes: list[FieldChange] = []
    for name, live in sorted(built.objects().items()):
        obj = inventory.node(name)
        if obj is None:
            continue
        kind = "device" if name in inventory.devices else "server"
        file = repo / inventory.pos(kind, name).path
        mine = _projected(obj.model_dump(mode="json", exclude_defaults=True))
        theirs = _projected(live, like=mine)
        groups = [(g, inventory.groups.get(g, {})) for g in obj.groups]
        changes += object_changes(file, mine, theirs, groups)
    return changes


def _projected(fields: Mapping[str, Any], like: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The compared fields only; `like`: the repository's side, whose order a set-like list
    (BGP networks) takes when it holds the same items."""
    found = {k: v for k, v in fields.items() if k in COMPARED}
    ports = {
        port: kept
        for port, itf in found.pop("interfaces", {}).items()
        if (kept := {k: v for k, v in itf.items() if k in INTERFACE})
    }
    if ports:
        found["interfaces"] = ports
    bgp, theirs = found.get("bgp"), (like or {}).get("bgp")
    if bgp and theirs and set(bgp.get("networks", [])) == set(theirs.get("networks", [])):
        found["bgp"] = {**bgp, "networks": theirs.get("networks", [])}
        if not found["bgp"]["networks"]:
            del found["bgp"]["networks"]
    return found
