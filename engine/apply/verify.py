"""Verification of one device after its commit, against its state just before the rollout.

A commit passes when, re-collected over a NEW connection (so the management path is proven):
1. no diff is left: the running config is exactly the rendered one;
2. BGP is not worse: every declared neighbour whose session was Established before is
   Established again (within the settle time). A declared neighbour that was down before is
   not required to come up: its other end may be in a later batch, or not managed at all;
3. cabling is not worse: no LLDP cabling finding for this device that was not there before.
   Cabling is physical: a config change cannot fix a cable in the wrong port (the brownfield
   lab's fra1-c103), so a finding present before the change is carried, not failed; a new
   one (a link that disappeared, a neighbour on another port) fails the device.
Each problem is a sentence; no problems means confirm.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.collect import DeviceState
from engine.model.inventory import Device
from engine.model.layout import Inventory
from engine.plan import cabling


def problems(inventory: Inventory, before: DeviceState, after: DeviceState) -> list[str]:
    """Why `after` must not be confirmed (empty: confirm)."""
    if after.status != "ok":
        return [f"not reachable over a new connection after the commit: {after.error}"]
    found = []
    if after.config_diff.strip():
        first = " / ".join(after.config_diff.splitlines()[:6])
        found.append(f"a difference is left after the commit: {first}")
    found += bgp_problems(inventory, after.name, before.getters, after.getters)
    found += cabling_problems(inventory, after.name, before.getters, after.getters)
    return found


def settling(reasons: list[str]) -> bool:
    """Problems that may go away by waiting (sessions re-establishing), and nothing else."""
    return bool(reasons) and all(r.startswith("BGP ") for r in reasons)


def bgp_problems(
    inventory: Inventory, name: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[str]:
    device = inventory.devices.get(name)
    if not isinstance(device, Device) or device.bgp is None or "bgp_neighbors" not in after:
        return []
    declared = {str(n.address): n.description or "" for n in device.bgp.neighbors}
    lost = (established(before) - established(after)) & set(declared)
    return [
        f"BGP session with {address} ({declared[address] or 'no description'}) was "
        "Established before the change and is not now"
        for address in sorted(lost)
    ]


def established(getters: Mapping[str, Any]) -> set[str]:
    vrfs = getters.get("bgp_neighbors") or {}
    return {
        address
        for vrf in vrfs.values()
        for address, peer in (vrf.get("peers") or {}).items()
        if peer.get("is_up")
    }


def cabling_problems(
    inventory: Inventory, name: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[str]:
    if "lldp_neighbors" not in after:
        return []
    new = _findings(inventory, name, after) - _findings(inventory, name, before)
    return [f"LLDP: {message} (it was not so before the change)" for message in sorted(new)]


def _findings(inventory: Inventory, name: str, getters: Mapping[str, Any]) -> set[str]:
    lldp = getters.get("lldp_neighbors")
    if lldp is None:
        return set()
    return {f.message for f in cabling.verify(inventory, {name: lldp})}
