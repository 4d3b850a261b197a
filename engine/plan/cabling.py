"""Cabling verification: the declared cables against the links LLDP sees, both ends.

Each declared, connected cable is matched with the observed links: seen as declared (fine),
seen with one end on another port ("wrong-port"), or not seen at all ("missing"). A link LLDP
sees that no cable declares is "unexpected". Names are compared without a domain suffix, as
devices often announce an FQDN.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.model.inventory import CableStatus
from engine.model.layout import Inventory
from engine.plan.model import CablingFinding

End = tuple[str, str]  # (device, port)
Link = frozenset[End]


def _short(name: str) -> str:
    return name.split(".", 1)[0].lower()


def _show(link: Link | tuple[End, End]) -> str:
    a, b = sorted(link)
    return f"{a[0]}:{a[1]} <-> {b[0]}:{b[1]}"


def observed_links(lldp: Mapping[str, Mapping[str, Any]]) -> set[Link]:
    """Links from get_lldp_neighbors of each device that answered."""
    links = set()
    for device, ports in lldp.items():
        for port, neighbours in ports.items():
            for n in neighbours:
                links.add(frozenset({(_short(device), port), (_short(n["hostname"]), n["port"])}))
    return links


def verify(inventory: Inventory, lldp: Mapping[str, Mapping[str, Any]]) -> list[CablingFinding]:
    """Findings for the cables whose ends' devices reported LLDP (`lldp`: device -> getter)."""
    seen = observed_links(lldp)
    reporting = {_short(d) for d in lldp}
    declared = [
        (cable.id, (_short(cable.a.device), cable.a.port), (_short(cable.b.device), cable.b.port))
        for cable in inventory.cables
        if cable.status is CableStatus.CONNECTED
    ]
    # neither end answered: nothing to verify
    declared = [(c, a, b) for c, a, b in declared if a[0] in reporting or b[0] in reporting]
    explained = {frozenset({a, b}) for _, a, b in declared} & seen
    findings = []
    for cable, a, b in declared:
        if frozenset({a, b}) in seen:
            continue
        finding, link = _mismatch(cable, a, b, seen - explained)
        if link is not None:
            explained.add(link)
        findings.append(finding)
    for link in sorted(seen - explained, key=_show):
        findings.append(
            CablingFinding(
                kind="unexpected",
                cable=None,
                declared=None,
                seen=_show(link),
                message=f"LLDP sees {_show(link)}, which no cable declares",
            )
        )
    return findings


def _mismatch(cable: str, a: End, b: End, seen: set[Link]) -> tuple[CablingFinding, Link | None]:
    declared = _show((a, b))
    for link in sorted(seen, key=_show):
        ends = set(link)
        if a in ends or b in ends or {a[0], b[0]} == {e[0] for e in ends}:
            return CablingFinding(
                kind="wrong-port",
                cable=cable,
                declared=declared,
                seen=_show(link),
                message=f"cable {cable}: declared {declared}, but LLDP sees {_show(link)}",
            ), link
    return CablingFinding(
        kind="missing",
        cable=cable,
        declared=declared,
        seen=None,
        message=f"cable {cable}: LLDP sees no link {declared}",
    ), None


def for_device(findings: list[CablingFinding], device: str) -> tuple[CablingFinding, ...]:
    short = _short(device)
    return tuple(
        f
        for f in findings
        if any(
            part.split(":")[0] == short
            for text in (f.declared, f.seen)
            if text
            for part in text.split(" <-> ")
        )
    )
