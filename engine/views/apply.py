"""The apply report for humans (text) and for machines (JSON). Configs are never printed."""

from __future__ import annotations

import json

from engine.apply.model import ApplyReport, DeviceResult, abridged

NO_CHANGES = "No changes. Your infrastructure matches the configuration."
ALREADY = "Nothing to do: every device already matches this plan (it was applied before)."


def text(report: ApplyReport) -> str:
    lines = [*_interrupted(report), *_lock(report)]
    if report.refusal is not None:
        lines.append(f"Apply refused: {report.refusal.message}")
        lines += [f"  {d}" for d in report.refusal.details]
        return "\n".join(lines) + "\n"
    if report.status == "no-changes":
        return "\n".join([*lines, NO_CHANGES]) + "\n"
    if report.window:
        lines.append(f"Change window: {report.window}")
    lines += _overridden(report)
    lines += _monitoring(report)
    for number, names in enumerate(report.batches, start=1):
        label = "canary" if number == 1 else f"batch {number}"
        lines.append(f"{label}: {', '.join(names)}")
    lines += [_device_line(d) for d in report.devices]
    lines.append(summary_line(report))
    if report.record:
        lines.append(f"Audit record: {report.record}")
    return "\n".join(lines) + "\n"


def _monitoring(report: ApplyReport) -> list[str]:
    m = report.monitoring
    if m is None:
        return []
    if m.how == "silence":
        note = m.note or f"until {m.until}"
        return [f"Monitoring: silenced {', '.join(m.devices)} in {m.where} ({m.id}): {note}"]
    return [f"Monitoring: {m.note}"]


def _device_line(d: DeviceResult) -> str:
    reason = f" ({d.reason})" if d.reason else ""
    took = f" in {d.seconds:.1f} s" if d.seconds else ""
    return f"  {d.name}: {d.outcome.value}{took}{reason}"


def _interrupted(report: ApplyReport) -> list[str]:
    lines = []
    for run in report.interrupted:
        what = (
            f"left {', '.join(run.unknown)} in an unknown state (a lost worker)"
            if run.unknown
            else "never finished"
        )
        lines.append(
            f"Interrupted apply {run.run} (started {run.started} by {run.user}) {what}; "
            "this run checked every device and acknowledges it."
        )
        lines += [f"  {f}" for f in run.findings] or ["  every device is consistent"]
    return lines


def _overridden(report: ApplyReport) -> list[str]:
    findings = report.overridden_findings
    if not findings:
        return []
    head = f"EMERGENCY: applied despite {len(findings)} unwaived standard error(s):"
    return [head, *(f"  {f}" for f in abridged(findings))]


def _lock(report: ApplyReport) -> list[str]:
    return [f"Broke the stale lock of {report.lock_broken}"] if report.lock_broken else []


def summary_line(report: ApplyReport) -> str:
    if report.status == "already-applied":
        return ALREADY
    counts: dict[str, int] = {}
    for d in report.devices:
        counts[d.outcome.value] = counts.get(d.outcome.value, 0) + 1
    parts = ", ".join(f"{n} {o}" for o, n in sorted(counts.items()))
    verdict = "Apply complete" if report.status == "applied" else "Apply FAILED"
    return f"{verdict}: {parts} ({report.seconds:.1f} s)."


def json_view(report: ApplyReport) -> str:
    body = report.model_dump(mode="json", exclude={"devices"})
    body["devices"] = [
        d.model_dump(mode="json", exclude={"before", "after"}) for d in report.devices
    ]
    body["ok"] = report.ok
    return json.dumps(body, indent=2) + "\n"
