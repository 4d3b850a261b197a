"""What the audit trail tells the report: the latest drift run and the recent applies.

Read from the audit store (engine.record, refs/underlay/audit). A repository without one, or
not under git, has no facts and the views say so ("no drift run recorded yet").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.record import SUCCESS, AuditStore, GitError, Outcome, Record
from engine.report.model import ApplyRow, DriftStatus


@dataclass(frozen=True)
class AuditFacts:
    drift: DriftStatus | None = None
    applies: tuple[ApplyRow, ...] = field(default=())  # newest first

    @property
    def last_apply(self) -> ApplyRow | None:
        return self.applies[0] if self.applies else None


def read(repo: Path, limit: int = 10) -> AuditFacts:
    try:
        records = list(AuditStore(repo).records())
    except GitError:
        return AuditFacts()
    finished = [r for r in records if r.phase == "finished"]
    drifts = [r for r in finished if r.kind == "drift"]
    applies = [r for r in reversed(finished) if r.kind == "apply"][:limit]
    return AuditFacts(_drift(drifts[-1]) if drifts else None, tuple(map(_apply, applies)))


def _drift(record: Record) -> DriftStatus:
    return DriftStatus(
        when=record.time.isoformat(timespec="seconds"),
        commit=record.commit[:10],
        checked=len(record.devices),
        drifted=tuple(d.name for d in record.devices if d.outcome is Outcome.DRIFTED),
    )


def _apply(record: Record) -> ApplyRow:
    outcomes = [d.outcome for d in record.devices]
    failed = sum(1 for o in outcomes if o not in SUCCESS)
    if not failed:
        result = "success"
    elif Outcome.ROLLED_BACK in outcomes:
        result = "rolled back"
    else:
        result = "failed"
    return ApplyRow(
        when=record.time.isoformat(timespec="seconds"), commit=record.commit[:10],
        actor=record.actor.ci_actor or record.actor.user, result=result,
        devices=len(outcomes), failed=failed,
    )
