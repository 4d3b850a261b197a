"""Render the audit commands' results: text for people, JSON for machines, and the evidence
bundle (a Markdown index plus JSON) for auditors."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from engine.audit.blame import Blame
from engine.audit.export import Evidence
from engine.audit.history import Change, Compliance
from engine.audit.show import DeviceAt
from engine.record.model import Problem, Record
from engine.record.store import Entry


def _dump(data: Any) -> str:
    return json.dumps(data, indent=1, sort_keys=True, default=_default) + "\n"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")


def _entry_json(entry: Entry) -> dict[str, Any]:
    record = entry.record
    assert record is not None
    return {
        "audit_commit": entry.commit,
        "hash": record.hash(),
        "record": record.model_dump(mode="json"),
    }


# ---------------------------------------------------------------- log
def record_line(record: Record) -> str:
    counts: dict[str, int] = {}
    for d in record.devices:
        counts[d.outcome.value] = counts.get(d.outcome.value, 0) + 1
    outcomes = ", ".join(f"{n} {o}" for o, n in sorted(counts.items())) or "no devices"
    emergency = f" EMERGENCY: {record.emergency_reason}" if record.emergency_reason else ""
    if record.overridden_findings:
        emergency += f" (despite {len(record.overridden_findings)} unwaived standard error(s))"
    m, silenced = record.monitoring, ""
    if m is not None and m.how == "silence":
        silenced = f"  silenced in {m.where}: {', '.join(m.devices)}"
    return (
        f"{_when(record.time)}  #{record.seq} {record.kind} {record.phase}  {record.run}  "
        f"by {record.actor.user}@{record.actor.host}  commit {record.commit[:12]}  "
        f"({outcomes}){emergency}{silenced}"
    )


def log_text(entries: list[Entry], device: str | None = None) -> str:
    lines = []
    for entry in entries:
        record = entry.record
        assert record is not None
        lines.append(record_line(record))
        lines += [f"    overrode: {f}" for f in record.overridden_findings]
        shown = [d for d in record.devices if device is None or d.name == device]
        lines += [
            f"    {d.name}: {d.outcome.value}" + (f" ({d.reason})" if d.reason else "")
            for d in shown
        ]
    lines.append(f"{len(entries)} record{'s' * (len(entries) != 1)}")
    return "\n".join(lines) + "\n"


def log_json(entries: list[Entry], device: str | None = None) -> str:
    return _dump({"records": [_entry_json(e) for e in entries]})


# ---------------------------------------------------------------- show
def _change_lines(change: Change | None) -> list[str]:
    if change is None:
        return ["changed by: (no commit found)"]
    approvals = [*change.reviewed_by, *change.approved_by]
    return [
        f"changed by: {change.author} <{change.email}> on {_when(change.date)} in "
        f"{change.commit[:12]} ({change.subject})",
        "approved by: " + (", ".join(approvals) if approvals else "NO APPROVAL TRAILER"),
    ]


def _compliance_line(c: Compliance | None) -> list[str]:
    if c is None:
        return []
    verdict = "compliant" if c.compliant else f"NOT compliant: {c.errors} unwaived errors"
    lines = [f"standards then: {verdict} ({c.warnings} warnings, {c.waived} waived)"]
    return lines + [f"    {line}" for line in c.device_errors]


def show_text(result: DeviceAt) -> str:
    lines = [f"{result.device} at {_when(result.at)}"]
    intended = result.intended
    if intended is None:
        lines.append("intended: main has no commit at or before that date")
    else:
        lines.append(
            f"intended: from main commit {intended.commit[:12]}"
            + (f": {intended.problem}" if intended.problem else "")
        )
        lines += _change_lines(result.change) + _compliance_line(result.compliance)
        for path, body in intended.artifacts.items():
            lines += [f"==> intended {path} <==", body.rstrip("\n")]
    actual = result.actual
    if actual is None:
        lines.append("actual: no audit record of this device at or before that date")
    else:
        lines.append(
            f"actual: backup of record {actual.record} ({actual.outcome}) at "
            f"{_when(actual.recorded)}, audit commit {actual.audit_commit[:12]}"
        )
        lines += ["==> actual running config <==", actual.config.rstrip("\n")]
    return "\n".join(lines) + "\n"


def show_json(result: DeviceAt) -> str:
    return _dump(asdict(result))


# ---------------------------------------------------------------- blame
def blame_text(result: Blame) -> str:
    if result.problem:
        return f"{result.device} {result.field}: {result.problem}\n"
    where = f"{result.file}:{','.join(map(str, result.lines))}"
    group = f" (inherited from group {result.group})" if result.group else ""
    lines = [
        f"{result.device} {result.field} = {json.dumps(result.value)}",
        f"set in {where}{group}",
    ]
    return "\n".join(lines + _change_lines(result.change)) + "\n"


def blame_json(result: Blame) -> str:
    return _dump(asdict(result))


# ---------------------------------------------------------------- verify
def verify_text(problems: list[Problem], records: int) -> str:
    if not problems:
        return (
            f"audit trail intact: {records} records, chain, applied commits and backups verified\n"
        )
    lines = [str(p) for p in problems]
    lines.append(
        f"audit trail BROKEN: {len(problems)} problem{'s' * (len(problems) != 1)} "
        f"in {records} records"
    )
    return "\n".join(lines) + "\n"


def verify_json(problems: list[Problem], records: int) -> str:
    return _dump(
        {
            "ok": not problems,
            "records": records,
            "problems": [p.model_dump(mode="json") for p in problems],
        }
    )


# ---------------------------------------------------------------- export
def bundle(evidence: Evidence) -> dict[str, str]:
    return {"README.md": evidence_markdown(evidence), "evidence.json": evidence_json(evidence)}


def evidence_json(evidence: Evidence) -> str:
    data = asdict(evidence) | {
        "runs": [_entry_json(e) for e in evidence.runs],
        "problems": [p.model_dump(mode="json") for p in evidence.problems],
        "chain_intact": not evidence.problems,
        "unapproved": [c.commit for c in evidence.unapproved],
    }
    return _dump(data)


def evidence_markdown(ev: Evidence) -> str:
    lines = [
        f"# Evidence: {_when(ev.since)} to {_when(ev.until)}",
        "",
        f"Generated {_when(ev.generated)} by `underlay audit export` from `{ev.mainline}` "
        f"(at the period's end: `{(ev.end_commit or 'no commit')[:12]}`). "
        "Machine-readable: `evidence.json`.",
        "",
        "## Audit trail verification",
        "",
        "Intact: every record's hash, link and backups verified, every apply on main."
        if not ev.problems
        else f"**BROKEN: {len(ev.problems)} problems.**",
        "",
        *[f"- {p}" for p in ev.problems],
        *_changes_md(ev),
        *_runs_md(ev),
        *_standards_md(ev),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


def _changes_md(ev: Evidence) -> list[str]:
    lines = ["", f"## Changes ({len(ev.changes)}, {len(ev.unapproved)} without approval)", ""]
    if not ev.changes:
        return [*lines, "No commits changed inventory/ or standards/ in the period."]
    lines += ["| date | commit | author | approved by | subject |", "|---|---|---|---|---|"]
    for c in ev.changes:
        approvals = "; ".join([*c.reviewed_by, *c.approved_by]) or "**none**"
        lines.append(
            f"| {_when(c.date)} | `{c.commit[:12]}` | {c.author} | {approvals} | "
            f"{c.subject.replace('|', '/')} |"
        )
    return lines


def _runs_md(ev: Evidence) -> list[str]:
    lines = ["", f"## Apply and drift runs ({len(ev.runs)} records)", ""]
    if not ev.runs:
        return [*lines, "No apply or drift run was recorded in the period."]
    return lines + [f"- {record_line(e.record)}" for e in ev.runs if e.record is not None]


def _standards_md(ev: Evidence) -> list[str]:
    lines = ["", "## Standards status", ""]
    lines += ["| main commit | unwaived errors | warnings | waived |", "|---|---|---|---|"]
    lines += [
        f"| `{c.commit[:12]}` | {c.errors} | {c.warnings} | {c.waived} |" for c in ev.standards
    ]
    if ev.standards_skipped:
        lines += ["", f"{ev.standards_skipped} earlier landed changes were not re-checked."]
    return lines
