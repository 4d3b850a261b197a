"""Report sections computed from the validated inventory: what there is, what support it has,
what reaches end of support, and whether the contracts underpin the business services' SLAs
(as the standards judge it: engine.report.support)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from engine.model.inventory import Contract, Device, Server, ServerKind
from engine.model.layout import Inventory
from engine.report.model import (
    ContactRow,
    ContractRow,
    ContractState,
    DependencyCoverage,
    InventorySection,
    LifecycleRow,
    ServiceCoverage,
    SiteInventory,
)
from engine.report.support import CircuitSupport, Support, carrier

SOON, LATER = 90, 180


# ---------------------------------------------------------------- inventory
def inventory_section(inv: Inventory) -> InventorySection:
    nodes: list[Device | Server] = [*inv.devices.values(), *inv.servers.values()]
    return InventorySection(
        devices=len(inv.devices),
        servers=len(inv.servers),
        physical_servers=sum(1 for s in inv.servers.values() if s.kind is ServerKind.PHYSICAL),
        virtual_servers=sum(1 for s in inv.servers.values() if s.kind is ServerKind.VIRTUAL),
        cables=len(inv.cables),
        circuits=len(inv.circuits),
        sites=tuple(_site(inv, name, nodes) for name in sorted(inv.sites)),
        roles=dict(sorted(Counter(str(n.role) for n in nodes).items())),
    )


def _site(inv: Inventory, name: str, nodes: list[Device | Server]) -> SiteInventory:
    here = [n for n in nodes if n.site == name]
    site = inv.sites[name]
    return SiteInventory(
        site=name,
        description=site.description,
        tier=str(site.tier) if site.tier else "not recorded",
        devices=sum(1 for n in here if isinstance(n, Device)),
        servers=sum(1 for n in here if isinstance(n, Server)),
        roles=dict(sorted(Counter(str(n.role) for n in here).items())),
    )


# ---------------------------------------------------------------- contracts
def contract_state(contract: Contract, today: date) -> ContractState:
    left = (contract.ends - today).days
    if contract.starts > today:
        return "not started"
    if left < 0:
        return "expired"
    if left <= SOON:
        return "within 90 days"
    return "within 180 days" if left <= LATER else "active"


def contracts(inv: Inventory, today: date) -> tuple[ContractRow, ...]:
    rows = [_contract(inv, cid, c, today) for cid, c in inv.contracts.items()]
    return tuple(sorted(rows, key=lambda r: (r.ends, r.id)))


def _contract(inv: Inventory, cid: str, c: Contract, today: date) -> ContractRow:
    vendor = inv.vendors.get(c.vendor)
    circuits = tuple(sorted(n for n, circuit in inv.circuits.items() if circuit.contract == cid))
    contacts = tuple(
        ContactRow(name=p.name, role=p.role, email=p.email, phone=p.phone)
        for p in (vendor.contacts if vendor else [])
    )
    return ContractRow(
        id=cid, vendor=c.vendor, vendor_name=vendor.name if vendor else c.vendor,
        kind=str(c.kind), starts=c.starts, ends=c.ends, days_left=(c.ends - today).days,
        state=contract_state(c, today), sla=c.sla,
        covers=len(c.covers.devices) + len(c.covers.servers) + len(circuits), circuits=circuits,
        reference=c.reference,
        portal=vendor.portal if vendor else None, account=vendor.account if vendor else None,
        contacts=contacts,
    )


# ---------------------------------------------------------------- lifecycle
def lifecycle(inv: Inventory, today: date) -> tuple[LifecycleRow, ...]:
    nodes: list[Device | Server] = [*inv.devices.values(), *inv.servers.values()]
    rows = [row for n in nodes if (row := _lifecycle(n, today)) is not None]
    return tuple(sorted(rows, key=lambda r: (r.end_of_support, r.name)))


def _lifecycle(node: Device | Server, today: date) -> LifecycleRow | None:
    eos = node.lifecycle.end_of_support
    if eos is None or str(node.lifecycle.status) == "retired" or (eos - today).days > LATER:
        return None
    left = (eos - today).days
    return LifecycleRow(
        name=node.name, kind="device" if isinstance(node, Device) else "server", site=node.site,
        model=_model(node), status=str(node.lifecycle.status), end_of_support=eos,
        days_left=left, state="passed" if left < 0 else "within 180 days",
        contracts=tuple(node.contracts),
    )


def _model(node: Device | Server) -> str:
    if isinstance(node, Device):
        return f"{node.vendor} {node.model}"
    hw = node.hardware
    return f"{hw.vendor or ''} {hw.model or ''}".strip() if hw else str(node.kind)


# ---------------------------------------------------------------- SLA coverage
def services(
    inv: Inventory, support: Support, circuits: CircuitSupport | None = None
) -> tuple[ServiceCoverage, ...]:
    """Each service's dependencies, and the active circuits its devices terminate (judged as
    the circuit rules judge them: engine.report.support)."""
    return tuple(
        ServiceCoverage(
            service=name, owner=svc.owner, sla=svc.sla,
            availability_pct=inv.slas[svc.sla].availability_pct if svc.sla in inv.slas else None,
            dependencies=tuple(
                _dependency(inv, support, kind, dep, name)
                for kind, names in (("device", svc.depends_on.devices),
                                    ("server", svc.depends_on.servers))
                for dep in names
            ) + _circuits(svc.depends_on.devices, name, circuits),
        )
        for name, svc in sorted(inv.services.items())
    )


def _circuits(
    devices: list[str], service: str, circuits: CircuitSupport | None
) -> tuple[DependencyCoverage, ...]:
    if circuits is None:
        return ()
    rows = []
    for name, (contract, sla, ends) in sorted(circuits.circuits.items()):
        via = next((d for d in ends if d in devices), None)
        if via is None:
            continue
        gaps = circuits.gaps.get((name, service), ())
        state = "uncovered" if name in circuits.uncovered or sla is None else (
            "weaker" if gaps else "covered"
        )
        rows.append(DependencyCoverage(kind="circuit", name=name, via=via, contract=contract,
                                       contract_sla=sla, state=state, gaps=gaps))
    return tuple(rows)


def _dependency(
    inv: Inventory, support: Support, kind: str, name: str, service: str
) -> DependencyCoverage:
    covering = carrier(inv, kind, name)
    via = covering[1] if covering != (kind, name) else None
    best = support.best.get(covering)
    if best is None:
        return DependencyCoverage(kind=kind, name=name, via=via, contract=None,
                                  contract_sla=None, state="uncovered", gaps=())
    gaps = support.gaps.get((*covering, service), ())
    return DependencyCoverage(
        kind=kind, name=name, via=via, contract=best[0], contract_sla=best[1],
        state="weaker" if gaps else "covered", gaps=gaps,
    )
