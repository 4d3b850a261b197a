"""The report stage: assemble the status report from the inventory, the result of `check`,
git history (engine.audit.history) and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from engine.model.layout import Inventory
from engine.monitoring.api import Prometheus
from engine.report import audit, availability, history, sections, support
from engine.report.compliance import Assessment, assess
from engine.report.model import Availability, InventorySection, ServiceCoverage, StatusReport

DEFAULT_TREND = 10
DEFAULT_CHANGES = 15


@dataclass(frozen=True)
class Options:
    today: date
    trend: int = DEFAULT_TREND  # commits of history judged for the compliance trend (0: none)
    changes: int = DEFAULT_CHANGES
    title: str = ""
    # measured availability: `period` ending now, from `prometheus` (None: not configured)
    measure: bool = False
    prometheus: Prometheus | None = None
    unavailable: str | None = None  # why there is no `prometheus` to ask, though one is set
    period: timedelta = availability.DEFAULT_PERIOD


def build(repo: Path, options: Options, facts: audit.AuditFacts | None = None) -> StatusReport:
    today = options.today
    assessed = assess(repo, today, incremental=True)  # the working tree: check's own cache
    inv = assessed.inventory
    handle = history.open_repo(repo)
    facts = facts if facts is not None else audit.read(repo)
    return StatusReport(
        title=options.title or f"Infrastructure status: {repo.resolve().name}",
        today=today,
        generated=datetime.now(UTC).isoformat(timespec="seconds"),
        commit=history.head_commit(handle),
        inventory=sections.inventory_section(inv) if inv else _no_inventory(),
        compliance=assessed.compliance,
        trend=history.trend(handle, repo, options.trend) if handle and options.trend else (),
        drift=facts.drift,
        applies=facts.applies,
        contracts=sections.contracts(inv, today) if inv else (),
        lifecycle=sections.lifecycle(inv, today) if inv else (),
        services=_services(assessed, today),
        changes=history.changes(handle, options.changes) if handle else (),
        availability=_availability(inv, options),
    )


def _availability(inv: Inventory | None, options: Options) -> Availability | None:
    if not options.measure or inv is None:
        return None
    period = availability.Period(datetime.now(UTC), options.period)
    return availability.measure(inv, options.prometheus, period, options.unavailable)


def _services(assessed: Assessment, today: date) -> tuple[ServiceCoverage, ...]:
    inv = assessed.inventory
    if inv is None:
        return ()
    judged = support.judge(assessed.library, inv, today)
    return sections.services(inv, judged, support.judge_circuits(assessed.library, inv, today))


def _no_inventory() -> InventorySection:
    return InventorySection(
        devices=0, servers=0, physical_servers=0, virtual_servers=0, cables=0, sites=(), roles={}
    )
