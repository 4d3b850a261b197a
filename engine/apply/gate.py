"""The standards gate: a plan is applied only while the repository passes `underlay check`.

It runs after the staleness check of the inventory, so what is checked is the very inventory
the plan was made from, held against the standards and waivers in the repository today.
Unwaived errors (standards findings, validation, standards and change-window files) refuse
the apply; `--emergency --reason` overrides them, and the audit record keeps what it overrode.

    errors = gate.unwaived_errors(repo, today)   # ("inventory/groups.yaml:4:7: error[...]...",)
    gate.refusal(errors)                         # Refusal(kind="standards", ...)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from engine.apply.model import Refusal, abridged
from engine.diagnostics import Diagnostic, blocking
from engine.secrets import redactor_for
from engine.standards import check

HOW = (
    "fix each finding, or waive it in standards/waivers.yaml (reviewed, with an owner and an "
    "expiry); an emergency change needs `--emergency --reason TEXT` (the findings it overrides "
    "are recorded)"
)


def unwaived_errors(repo: Path, today: date) -> tuple[str, ...]:
    """Every unwaived error `check` finds, as `path:line:col: error[CODE]: message`, redacted
    (findings quote values, and these lines reach CI logs and the audit trail)."""
    result = check(repo, today)
    redactor = redactor_for(repo, result.inventory, result.credentials)
    return tuple(redactor.redact(_line(d)) for d in result.diagnostics if blocking(d))


def _line(d: Diagnostic) -> str:
    return f"{d.pos}: {d.severity}[{d.code}]: {d.message}"


def refusal(errors: tuple[str, ...]) -> Refusal:
    return Refusal(
        kind="standards",
        message=f"the repository fails its standards: {len(errors)} unwaived error(s) "
        "(`underlay check` lists them all)",
        details=(*abridged(errors), HOW),
    )
