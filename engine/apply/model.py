"""What an apply produces: one value per device, and a report of the whole run.

Example (JSON of ApplyReport, abridged):
    {"status": "failed", "run": "apply-20240301T101500Z-3fa2c1", "plan_hash": "a41f...",
     "batches": [["fra1-db01"], ["fra1-leaf02", "fra1-leaf03"]],
     "devices": [{"name": "fra1-db01", "outcome": "confirmed", "batch": 1, ...},
                 {"name": "fra1-leaf03", "outcome": "unreachable", "batch": 2,
                  "reason": "unreachable at apply time: 198.18.0.15:22: no answer within 10 s"},
                 {"name": "fra2-core01", "outcome": "no-op", "batch": 3,
                  "reason": "not started: batch 2 failed"}],
     "refusal": null, "emergency_reason": null, "record": "apply-.../finished"}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from engine.apply.silence import Monitoring
from engine.frozen import Frozen
from engine.record import Marking, Outcome

Status = Literal["applied", "failed", "refused", "no-changes", "already-applied"]
RefusalKind = Literal[
    "invalid-plan",
    "incompatible",
    "incomplete",
    "stale",
    "window",
    "standards",
    "locked",
    "settings",
]
DEFAULT_CANARY = 1
DEFAULT_BATCH = 5
DEFAULT_CONFIRM_TIMEOUT = 60
SHOWN = 20  # lines of a long list (findings) that a refusal or the text view shows


def abridged(lines: Sequence[str], limit: int = SHOWN) -> tuple[str, ...]:
    """At most `limit` lines, then how many more. Example: abridged(["a", "b", "c"], 2) ->
    ("a", "b", "... and 1 more")"""
    if len(lines) <= limit:
        return tuple(lines)
    return (*lines[:limit], f"... and {len(lines) - limit} more")


class Refusal(Frozen):
    """Why nothing was applied. Example: Refusal(kind="stale", message="the plan is stale: the
    running config of 2 devices changed since the plan", details=("fra1-leaf03: ...",))"""

    kind: RefusalKind
    message: str
    details: tuple[str, ...] = ()


class DeviceResult(Frozen):
    """One device's outcome. `before`/`after` are its redacted running configs (bundles)."""

    name: str
    outcome: Outcome
    reason: str = ""
    batch: int | None = None
    candidate_hash: str | None = None
    running_config_hash: str | None = None  # after the run, as a plan would hash it
    before: str | None = None
    after: str | None = None
    seconds: float = 0.0

    @property
    def touched(self) -> bool:
        """Something was committed on the device (whatever happened next)."""
        return self.outcome in (Outcome.CONFIRMED, Outcome.ROLLED_BACK, Outcome.COMMITTED)


class Interrupted(Frozen):
    """An earlier apply that started and never finished (or finished leaving devices in an
    unknown state: their worker was lost), and what this run found of it.
    Example: Interrupted(run="apply-...-9c1e", started="2024-03-01T10:15:00Z", user="ci",
    findings=("fra1-db01: a pending commit was rolled back",))"""

    run: str
    started: str
    user: str
    findings: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()  # the devices it recorded in an unknown state


class ApplyReport(Frozen):
    status: Status
    run: str | None = None
    plan_hash: str | None = None
    commit: str | None = None
    refusal: Refusal | None = None
    batches: tuple[tuple[str, ...], ...] = ()
    devices: tuple[DeviceResult, ...] = ()
    interrupted: tuple[Interrupted, ...] = ()
    lock_broken: str | None = None  # the stale lock's owner this run took over
    emergency_reason: str | None = None
    overridden_findings: tuple[str, ...] = ()  # unwaived standard errors --emergency overrode
    window: str = ""  # why the change windows allowed this run
    record: str | None = None  # the finished audit record's id
    seconds: float = 0.0
    notes: tuple[str, ...] = ()
    monitoring: Marking | None = None  # the changed devices' alerts silenced during the run

    @property
    def ok(self) -> bool:
        return self.status in ("applied", "no-changes", "already-applied")

    def device(self, name: str) -> DeviceResult:
        return next(d for d in self.devices if d.name == name)


@dataclass(frozen=True)
class Options:
    """How to apply. Example: Options(canary=1, batch=5, confirm_timeout=60)"""

    canary: int = DEFAULT_CANARY
    batch: int = DEFAULT_BATCH
    confirm_timeout: int = DEFAULT_CONFIRM_TIMEOUT
    emergency_reason: str | None = None
    break_lock: bool = False
    timeout: float = 15  # per SSH connection and command
    settle: float | None = None  # how long BGP may take to come back; default: confirm_timeout/2
    workers: int = 20  # devices contacted in parallel by the checks before the rollout
    monitoring: Monitoring | None = None  # where the changed devices' alerts are silenced

    @property
    def settle_seconds(self) -> float:
        return self.settle if self.settle is not None else self.confirm_timeout / 2
