"""Render a plan for a terminal, for a pull request comment (Markdown) or for machines (JSON)."""

from __future__ import annotations

import dataclasses
import json

from engine.plan.drift import ORIGINS, DriftReport
from engine.plan.model import Action, DevicePlan, Plan

NO_CHANGES = "No changes. Your infrastructure matches the configuration."
COMMENT_LIMIT = 60_000  # GitHub refuses comments over 65,536 characters
_MARK = {
    Action.UPDATE: "~",
    Action.NOOP: " ",
    Action.UNREACHABLE: "!",
    Action.FAILED: "x",
    Action.SKIPPED: "-",
}


PENDING_NOTE = (
    "an unconfirmed commit is pending on the device: its timer will revert it, so this diff "
    "is against a config the device will not keep; apply refuses the device: plan again after "
    "it is confirmed or reverted"
)


def summary_line(plan: Plan) -> str:
    s = plan.summary
    quiet = not (plan_findings(plan) or plan.pending)
    if s.change == 0 and s.unreachable == 0 and s.failed == 0 and quiet:
        return NO_CHANGES
    parts = [f"{s.change} to change", f"{s.unchanged} unchanged"]
    if plan.pending:
        parts.append(f"{len(plan.pending)} with an unconfirmed commit pending")
    parts += [
        f"{n} {w}"
        for n, w in ((s.unreachable, "unreachable"), (s.failed, "failed"), (s.skipped, "skipped"))
        if n
    ]
    extra = []
    if s.state_changes:
        extra.append(f"{s.state_changes} state difference{'s' * (s.state_changes != 1)}")
    if s.cabling_findings:
        extra.append(f"{s.cabling_findings} cabling finding{'s' * (s.cabling_findings != 1)}")
    tail = f" ({', '.join(extra)})" if extra else ""
    return f"Plan: {', '.join(parts)}.{tail}"


def plan_findings(plan: Plan) -> bool:
    return any(d.state_changes or d.cabling for d in plan.devices)


def _header(plan: Plan) -> str:
    commit = (plan.repo_commit or "no commit")[:12] + (" (dirty)" if plan.repo_dirty else "")
    return (
        f"underlay plan: {len(plan.devices)} devices, repo {commit}, "
        f"inventory {plan.inventory_hash[:12]}"
    )


def text(plan: Plan) -> str:
    lines = [_header(plan), ""]
    for device in plan.devices:
        quiet = not (device.state_changes or device.cabling or device.pending_commit)
        if device.action is Action.NOOP and quiet:
            continue
        lines.append(
            f"{_MARK[device.action]} {device.name} ({device.platform}): {device.action}"
            + (f": {device.error}" if device.error else "")
        )
        if device.pending_commit:
            lines.append(f"    {PENDING_NOTE}")
        lines += ["    " + line for line in device.config_diff.rstrip().splitlines()]
        lines += [
            f"    state: {c.path}: {c.kind} (intended {c.intended!r}, actual {c.actual!r})"
            for c in device.state_changes
        ]
        lines += [f"    cabling: {f.kind}: {f.message}" for f in device.cabling]
        if device.services:
            names = ", ".join(f"{s.name} ({s.sla})" for s in device.services)
            lines.append(f"    services touched: {names}")
    lines += ["", summary_line(plan)]
    return "\n".join(lines) + "\n"


def json_view(plan: Plan) -> str:
    return plan.model_dump_json(indent=2) + "\n"


def markdown(plan: Plan, *, limit: int = COMMENT_LIMIT, artifact: str = "plan.json") -> str:
    """A pull-request comment: summary, services touched, one collapsible section per device."""
    head = [f"### underlay plan: {summary_line(plan)}", "", f"<sub>{_header(plan)}</sub>", ""]
    head += _services_table(plan)
    sections = [
        _device_md(d)
        for d in plan.devices
        if d.action is not Action.NOOP or d.state_changes or d.cabling
    ]
    out, omitted = "\n".join(head), 0
    for section in sections:
        if len(out) + len(section) + 400 > limit:
            omitted += 1
            continue
        out += "\n" + section
    if omitted:
        out += (
            f"\n\n> **{omitted} device section(s) omitted**: the plan is too long for a "
            f"comment. See the full plan in the `{artifact}` artifact of this run."
        )
    return out + "\n"


def _services_table(plan: Plan) -> list[str]:
    touched = {s.name: s for d in plan.devices for s in d.services}
    if not touched:
        return []
    rows = [
        "**Business services touched**",
        "",
        "| service | SLA | availability | owner | devices |",
        "|---|---|---|---|---|",
    ]
    for name, s in sorted(touched.items()):
        devices = ", ".join(d.name for d in plan.devices if any(x.name == name for x in d.services))
        pct = f"{s.availability_pct}%" if s.availability_pct is not None else "?"
        rows.append(f"| {name} | {s.sla} | {pct} | {s.owner} | {devices} |")
    return [*rows, ""]


def _device_md(device: DevicePlan) -> str:
    title = f"{_MARK[device.action].strip() or '·'} <b>{device.name}</b> ({device.platform}): "
    title += f"{device.action}"
    if device.changed_lines:
        title += f", {device.changed_lines} config line(s)"
    if device.state_changes:
        title += f", {len(device.state_changes)} state difference(s)"
    if device.cabling:
        title += f", {len(device.cabling)} cabling finding(s)"
    body = [f"<details><summary>{title}</summary>", ""]
    if device.pending_commit:
        body += [f"**{PENDING_NOTE}**", ""]
    if device.error:
        body += [f"Error: `{device.error}`", ""]
    if device.config_diff.strip():
        body += ["```diff", device.config_diff.rstrip(), "```", ""]
    if device.state_changes:
        body += ["| state | difference | intended | actual |", "|---|---|---|---|"]
        body += [
            f"| `{c.path}` | {c.kind} | `{c.intended}` | `{c.actual}` |"
            for c in device.state_changes
        ]
        body.append("")
    body += [f"- cabling ({f.kind}): {f.message}" for f in device.cabling]
    return "\n".join([*body, "", "</details>"])


def drift_text(report: DriftReport) -> str:
    if not report.items:
        return "No drift. Every device matches the repository.\n"
    lines = [f"Drift: {len(report.items)} device(s) differ from the repository", ""]
    for item in report.items:
        since = (
            f", last applied at {item.last_applied_commit[:12]}" if item.last_applied_commit else ""
        )
        lines.append(
            f"~ {item.device}: {item.origin}{since} ({item.state_changes} state "
            f"difference(s), {item.cabling_findings} cabling finding(s))"
        )
        lines += ["    " + line for line in item.config_diff.rstrip().splitlines()]
    counts = ", ".join(
        f"{report.count(o)} {o}"
        for o in ORIGINS
        if report.count(o)
    )
    return "\n".join([*lines, "", f"Drift: {counts}."]) + "\n"


def drift_json(report: DriftReport) -> str:
    body = {
        "format_version": 1,
        "drifted": report.drifted,
        "summary": {o: report.count(o) for o in ORIGINS},
        "devices": [dataclasses.asdict(item) for item in report.items],
        "plan": json.loads(report.plan.model_dump_json()),
    }
    return json.dumps(body, indent=2) + "\n"


def drift_markdown(report: DriftReport) -> str:
    if not report.items:
        return "### underlay drift: none\n"
    rows = ["### underlay drift", "", "| device | origin | last applied |", "|---|---|---|"]
    rows += [
        f"| {i.device} | {i.origin} | {(i.last_applied_commit or 'never')[:12]} |"
        for i in report.items
    ]
    return "\n".join(rows) + "\n"


drift_views = {"text": drift_text, "json": drift_json, "markdown": drift_markdown}
