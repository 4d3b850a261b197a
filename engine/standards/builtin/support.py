"""Support contracts: every device and server is covered, by a contract whose SLA is at least
as strong as the services that depend on it, and renewals are not missed.

The rules across objects are FactsRules (engine.standards.registry): `extract` keeps the few
values of one object they need (cached with its file), the join runs on every check.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Literal

from pydantic import Field

from engine.model.inventory import Contract, ContractKind, Sla, SupportHours
from engine.standards.builtin.shared import Params, SlaFacts, extract, sla_facts
from engine.standards.model import Kind
from engine.standards.objects import Target
from engine.standards.registry import Context, Extracts, Hit, facts_rule, python_rule


class SupportParams(Params):
    contract_kinds: list[ContractKind] = Field(
        default_factory=lambda: [ContractKind.SUPPORT, ContractKind.MAINTENANCE]
    )


def _support(
    extracts: Extracts, today: date, kinds: list[ContractKind]
) -> dict[tuple[str, str], list[str]]:
    """(kind, name) -> the active support contracts covering it (as the contracts declare)."""
    wanted, day = {str(k) for k in kinds}, today.toordinal()
    found: dict[tuple[str, str], list[str]] = {}
    for cid, (kind, starts, ends, _, devices, servers, _) in extracts["contract"].items():
        if kind in wanted and starts <= day <= ends:
            for name in devices:
                found.setdefault(("device", name), []).append(cid)
            for name in servers:
                found.setdefault(("server", name), []).append(cid)
    return found


def _virtual(extracts: Extracts, kind: str, name: str) -> bool:
    server = extracts["server"].get(name) if kind == "server" else None
    return server is not None and server[1]


@facts_rule(
    extract,
    reads=(Kind.CONTRACT, Kind.SERVER),
    params=SupportParams,
    placeholders=("contract_kinds",),
)
def support_coverage(
    selected: Sequence[tuple[str, str]], extracts: Extracts, ctx: Context
) -> Iterator[Hit]:
    """Covered by an active support contract (a virtual server through its host)."""
    covered = _support(extracts, ctx.today, ctx.params.contract_kinds)
    kinds = " or ".join(str(k) for k in ctx.params.contract_kinds)
    for kind, name in selected:
        if not _virtual(extracts, kind, name) and (kind, name) not in covered:
            yield Hit(kind, name, ("contracts",), {"contract_kinds": kinds}, key=True)


_HOURS = {SupportHours.BUSINESS: 0, SupportHours.EXTENDED: 1, SupportHours.H24X7: 2}


def sla_gaps(offered: Sla, needed: Sla) -> list[str]:
    """Where `offered` is weaker than `needed` (empty: at least as strong)."""
    return gaps_of(sla_facts(offered), sla_facts(needed))


def gaps_of(offered: SlaFacts, needed: SlaFacts) -> list[str]:
    (o_pct, o_hours, o_p1), (n_pct, n_hours, n_p1) = offered, needed
    gaps = []
    if o_pct < n_pct:
        gaps.append(f"availability {o_pct}% < {n_pct}%")
    if _HOURS[SupportHours(o_hours)] < _HOURS[SupportHours(n_hours)]:
        gaps.append(f"hours {o_hours} < {n_hours}")
    if o_p1 > n_p1:
        gaps.append(f"P1 response {o_p1 / 3600:g}h > {n_p1 / 3600:g}h")
    return gaps


def _dependants(extracts: Extracts) -> dict[tuple[str, str], dict[str, str]]:
    """(kind, name) -> {service: via}: what each object carries, virtual servers via their host
    (via is "" when the service depends on the object directly)."""
    servers = extracts["server"]
    found: dict[tuple[str, str], dict[str, str]] = {}
    for sname, (_, devices, names) in extracts["service"].items():
        for name in devices:
            found.setdefault(("device", name), {})[sname] = ""
        for name in names:
            server = servers.get(name)
            if server is not None and server[1] and server[2]:
                found.setdefault(("server", server[2]), {}).setdefault(sname, f" via {name}")
            else:
                found.setdefault(("server", name), {})[sname] = ""
    return found


def _best(extracts: Extracts, contracts: list[str]) -> tuple[str, str, SlaFacts] | None:
    """The contract with the strongest SLA: (contract, its SLA's name, the SLA)."""
    slas = extracts["sla"]
    with_sla = [
        (cid, sla, slas[sla]) for cid in contracts if (sla := extracts["contract"][cid][3]) in slas
    ]
    return max(
        with_sla,
        key=lambda x: (x[2][0], _HOURS[SupportHours(x[2][1])], -x[2][2]),
        default=None,
    )


@facts_rule(
    extract,
    reads=(Kind.CONTRACT, Kind.SLA, Kind.SERVICE, Kind.SERVER),
    params=SupportParams,
    placeholders=("contract", "contract_sla", "service", "service_sla", "via", "gaps"),
)
def support_sla(
    selected: Sequence[tuple[str, str]], extracts: Extracts, ctx: Context
) -> Iterator[Hit]:
    """The support contract's SLA is at least as strong as every dependent service's."""
    covered = _support(extracts, ctx.today, ctx.params.contract_kinds)
    carried = _dependants(extracts)
    services, slas = extracts["service"], extracts["sla"]
    for kind, name in selected:
        carries = carried.get((kind, name))
        best = _best(extracts, covered.get((kind, name), [])) if carries else None
        if best is None:
            continue  # nothing depends on it, or support-coverage reports it
        for service, via in carries.items():  # type: ignore[union-attr]
            service_sla = services[service][0]
            needed = slas.get(service_sla)
            gaps = gaps_of(best[2], needed) if needed is not None else []
            if gaps:
                values = {
                    "contract": best[0],
                    "contract_sla": best[1],
                    "service": service,
                    "service_sla": service_sla,
                    "via": via,
                    "gaps": "; ".join(gaps),
                }
                yield Hit(kind, name, ("contracts",), values, key=True)


class RenewalParams(Params):
    when: Literal["notice", "ended"] = Field(
        default="notice",
        description="notice: inside the renewal notice period; ended: the contract has ended "
        "but still lists objects in `covers:`",
    )


@python_rule(
    params=RenewalParams,
    placeholders=("ends", "days", "notice", "covers", "count"),
    scope="object",
)
def contract_renewal(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """Today is inside the contract's renewal notice period (before it ends); with
    `when: ended`, the contract ended while its `covers:` still names objects (one finding
    at the contract, whatever the objects' own findings)."""
    for t in targets:
        contract: Contract = t.obj
        left = (contract.ends - ctx.today).days
        values = {
            "ends": contract.ends.isoformat(),
            "days": abs(left),
            "notice": contract.renewal_notice_days,
        }
        if ctx.params.when == "notice" and 0 <= left <= contract.renewal_notice_days:
            yield Hit(t.kind, t.name, ("ends",), values)
        covered = [*contract.covers.devices, *contract.covers.servers]
        if ctx.params.when == "ended" and left < 0 and covered:
            values |= {"covers": ", ".join(covered), "count": len(covered)}
            yield Hit(t.kind, t.name, ("covers",), values, key=True)
