"""Support behind the business services, as the standards judge it: each object's best support
contract, and where it falls short of the SLA of a service that depends on the object.

The report neither ranks contracts nor compares SLAs itself. It asks the organisation's own
rule: the one of standards/ that asserts `python: support-sla` (SUP-SLA in
standards/support.yaml), with the parameters it is given there (which contract kinds count as
support), or the engine's rule of that name with its defaults when no rule file uses it. The
rule names an object's best support only where it falls short of a service's SLA, so it is
asked twice: about the inventory's services (the gaps), and about one more service that
depends on every device and server and asks for the strongest SLA there can be (100%, 24x7,
an immediate response), which names every object's best support (all but a contract that
promises exactly that: its objects would show as uncovered).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import count
from typing import Any

from engine.model.inventory import (
    Circuit,
    CircuitStatus,
    DependsOn,
    Priorities,
    ServerKind,
    Service,
    Sla,
    SupportHours,
)
from engine.model.layout import Inventory
from engine.standards import Library
from engine.standards.builtin.circuits import circuit_sla
from engine.standards.model import Kind
from engine.standards.objects import Target
from engine.standards.registry import Context, Hit, PythonRule, registered

RULE = "support-sla"

Key = tuple[str, str]  # (kind, name) of a device or server


@dataclass(frozen=True)
class Support:
    best: dict[Key, tuple[str, str]]  # -> (contract, its SLA's name); absent: no support the
    # rule counts (no active contract of its kinds with a known SLA)
    gaps: dict[tuple[str, str, str], tuple[str, ...]]  # (kind, name, service) -> shortfalls


def judge(library: Library, inventory: Inventory, today: date) -> Support:
    rule, params = _rule(library)
    shortfalls = _ask(rule, params, inventory, today)
    best = _ask(rule, params, _asking_everything(inventory), today)
    return Support(
        best={(h.kind, h.name): (_text(h, "contract"), _text(h, "contract_sla")) for h in best},
        gaps={
            (h.kind, h.name, _text(h, "service")): tuple(_text(h, "gaps").split("; "))
            for h in shortfalls
        },
    )


def _rule(library: Library, name: str = RULE) -> tuple[PythonRule, Any]:
    for loaded in library.rules:
        if loaded.rule.assertion.python == name and loaded.python is not None:
            return loaded.python, loaded.params
    engine_rule = registered()[name]
    return engine_rule, engine_rule.params()


def _ask(rule: PythonRule, params: Any, inventory: Inventory, today: date) -> list[Hit]:
    """The rule's findings about every device and server, whatever its selector picks."""
    targets = [
        *(Target(Kind.DEVICE, name, obj) for name, obj in inventory.devices.items()),
        *(Target(Kind.SERVER, name, obj) for name, obj in inventory.servers.items()),
    ]
    return list(rule.check(targets, Context(inventory, today, params)))


def _asking_everything(inventory: Inventory) -> Inventory:
    """The inventory with one service only, on every device and server, needing the strongest
    SLA (under a name no SLA of the inventory has)."""
    name = next(n for i in count() if (n := f"strongest-{i}") not in inventory.slas)
    instant = Priorities(p1=timedelta(0), p2=timedelta(0), p3=timedelta(0), p4=timedelta(0))
    strongest = Sla(
        availability_pct=100, hours=SupportHours.H24X7, response=instant, resolution=instant
    )
    everything = Service(
        owner="report", description="asks for every object's best support", sla=name,
        depends_on=DependsOn(devices=list(inventory.devices), servers=list(inventory.servers)),
    )
    return replace(inventory, slas={**inventory.slas, name: strongest}, services={name: everything})


def _text(hit: Hit, key: str) -> str:
    return str(hit.values[key])


@dataclass(frozen=True)
class CircuitSupport:
    """The active circuits as the circuit rules judge them (circuit-service-sla and
    circuit-contract, SUP-CIRCUIT-SLA and SUP-CIRCUIT-CONTRACT in standards/support.yaml)."""

    circuits: dict[str, tuple[str | None, str | None, tuple[str, ...]]]  # -> (contract, its
    # SLA: its own, else its contract's; the devices it terminates on)
    gaps: dict[tuple[str, str], tuple[str, ...]]  # (circuit, service) -> shortfalls
    uncovered: frozenset[str]  # without a contract in force today


def judge_circuits(library: Library, inventory: Inventory, today: date) -> CircuitSupport:
    active = {n: c for n, c in inventory.circuits.items() if c.status is CircuitStatus.ACTIVE}
    targets = [Target(Kind.CIRCUIT, name, c) for name, c in active.items()]
    sla_rule, sla_params = _rule(library, "circuit-service-sla")
    contract_rule, contract_params = _rule(library, "circuit-contract")
    shortfalls = sla_rule.check(targets, Context(inventory, today, sla_params))
    lapsed = contract_rule.check(targets, Context(inventory, today, contract_params))
    return CircuitSupport(
        circuits={
            name: (c.contract, circuit_sla(c, inventory.contracts), _devices(c))
            for name, c in active.items()
        },
        gaps={
            (h.name, _text(h, "service")): tuple(_text(h, "gaps").split("; "))
            for h in shortfalls
        },
        uncovered=frozenset(h.name for h in lapsed),
    )


def _devices(circuit: Circuit) -> tuple[str, ...]:
    return tuple(d for d in (circuit.a.device, circuit.b.device) if d is not None)


def carrier(inventory: Inventory, kind: str, name: str) -> Key:
    """Whose support counts for a dependency: a virtual server's is its host's."""
    server = inventory.servers.get(name) if kind == "server" else None
    if server is not None and server.kind is ServerKind.VIRTUAL and server.host:
        return ("server", server.host)
    return (kind, name)
