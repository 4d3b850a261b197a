"""The report stage: assemble the status report from the inventory, the result of `check`,
git history (engine.audit.history) and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from engine.report import audit, history, sections, support
from engine.report.compliance import Assessment, assess
from engine.report.model import InventorySection, ServiceCoverage, StatusReport

DEFAULT_TREND = 10
DEFAULT_CHANGES = 15


@dataclass(frozen=True)
class Options:
    today: date
    trend: int = DEFAULT_TREND  # commits of history judged for the compliance trend (0: none)
    changes: int = DEFAULT_CHANGES
    title: str = ""


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
    )


def _services(assessed: Assessment, today: date) -> tuple[ServiceCoverage, ...]:
    inv = assessed.inventory
    return sections.services(inv, support.judge(assessed.library, inv, today)) if inv else ()


def _no_inventory() -> InventorySection:
    return InventorySection(
        devices=0, servers=0, physical_servers=0, virtual_servers=0, cables=0, sites=(), roles={}
    )
