"""Provider circuits: an active circuit is under an active contract, its SLA is as strong as the
services that depend on it through the devices it terminates on, and its contract is renewed
in time (a replacement circuit takes months to deliver).

FactsRules (engine.standards.registry) over the shared extract: a circuit's (status, contract,
sla, devices it terminates on).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date

from engine.model.inventory import Circuit, Contract
from engine.standards.builtin.shared import extract
from engine.standards.builtin.support import gaps_of
from engine.standards.model import Kind
from engine.standards.registry import Context, Extracts, Hit, facts_rule


def circuit_sla(circuit: Circuit, contracts: Mapping[str, Contract]) -> str | None:
    """A circuit's SLA: its own, else its contract's (None: neither names one)."""
    contract = contracts.get(circuit.contract) if circuit.contract is not None else None
    return _own_else(circuit.sla, contract.sla if contract is not None else None)


def _own_else(own: str | None, contract_sla: str | None) -> str | None:
    return own if own is not None else contract_sla


def _sla(extracts: Extracts, name: str) -> tuple[str | None, str]:
    """circuit_sla over the extracts, and where the SLA comes from ("sla" or "contract")."""
    _, contract, sla, _ = extracts["circuit"][name]
    found = extracts["contract"].get(contract) if contract is not None else None
    return _own_else(sla, found[3] if found else None), ("sla" if sla is not None else "contract")


@facts_rule(extract, reads=(Kind.CIRCUIT, Kind.CONTRACT), placeholders=("problem",))
def circuit_contract(
    selected: Sequence[tuple[str, str]], extracts: Extracts, ctx: Context
) -> Iterator[Hit]:
    """An active circuit is under a contract that is active today."""
    day = ctx.today.toordinal()
    for _, name in selected:
        contract = extracts["circuit"][name][1]
        if contract is None:
            yield Hit("circuit", name, (), {"problem": "no contract"}, key=True)
            continue
        found = extracts["contract"].get(contract)
        if found is None:
            continue  # validate reports the dangling reference
        starts, ends = found[1], found[2]
        if not starts <= day <= ends:
            when = "starts" if day < starts else "ended"
            on = date.fromordinal(starts if day < starts else ends).isoformat()
            values = {"problem": f"its contract {contract} {when} {on}"}
            yield Hit("circuit", name, ("contract",), values, key=False)


@facts_rule(
    extract,
    reads=(Kind.CIRCUIT, Kind.CONTRACT, Kind.SLA, Kind.SERVICE),
    placeholders=("circuit_sla", "service", "service_sla", "device", "gaps"),
)
def circuit_service_sla(
    selected: Sequence[tuple[str, str]], extracts: Extracts, ctx: Context
) -> Iterator[Hit]:
    """A circuit's SLA is at least as strong as that of every service depending on a device it
    terminates on."""
    on_device: dict[str, list[tuple[str, str]]] = {}
    for service, (service_sla, devices, _) in extracts["service"].items():
        for device in devices:
            on_device.setdefault(device, []).append((service, service_sla))
    for _, name in selected:
        yield from _shortfalls(extracts, name, on_device)


def _shortfalls(
    extracts: Extracts, name: str, on_device: dict[str, list[tuple[str, str]]]
) -> Iterator[Hit]:
    sla, source = _sla(extracts, name)
    offered = extracts["sla"].get(sla) if sla is not None else None
    seen: set[str] = set()
    for device in extracts["circuit"][name][3]:
        for service, service_sla in on_device.get(device, ()):
            needed = extracts["sla"].get(service_sla)
            if service in seen or needed is None:
                continue
            seen.add(service)
            gaps = ["no SLA"] if offered is None else gaps_of(offered, needed)
            if gaps:
                values = {
                    "circuit_sla": sla or "none",
                    "service": service,
                    "service_sla": service_sla,
                    "device": device,
                    "gaps": "; ".join(gaps),
                }
                path = (source,) if sla is not None else ()
                yield Hit("circuit", name, path, values, key=not path)


@facts_rule(
    extract,
    reads=(Kind.CIRCUIT, Kind.CONTRACT),
    placeholders=("contract", "ends", "days", "notice"),
)
def circuit_renewal(
    selected: Sequence[tuple[str, str]], extracts: Extracts, ctx: Context
) -> Iterator[Hit]:
    """Today is inside the renewal notice period of the contract of an active circuit."""
    for _, name in selected:
        contract = extracts["circuit"][name][1]
        found = extracts["contract"].get(contract) if contract is not None else None
        if found is None:
            continue
        ends, notice = date.fromordinal(found[2]), found[6]
        left = (ends - ctx.today).days
        if 0 <= left <= notice:
            values = {"contract": contract, "ends": ends.isoformat(), "days": left,
                      "notice": notice}
            yield Hit("circuit", name, ("contract",), values, key=False)
