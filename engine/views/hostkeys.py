"""Render a host key scan: one line per device, then a summary (text), or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict

from engine.collect.hostkeys import ScanReport, Seen


def text(report: ScanReport, pinned: list[str]) -> str:
    """`pinned`: the devices whose key this run wrote into the repository's known_hosts."""
    lines = [_line(d, d.name in pinned, report.known_hosts) for d in report.devices]
    return "\n".join([*lines, "", summary(report, pinned)]) + "\n"


def summary(report: ScanReport, pinned: list[str]) -> str:
    counts = {s: report.count(s) for s in ("known", "new", "changed", "unreachable")}
    parts = [f"{n} {status}" for status, n in counts.items() if n]
    written = f"; {len(pinned)} pinned in {report.known_hosts}" if pinned else ""
    advice = ""
    if (counts["new"] or counts["changed"]) and not pinned:
        advice = "; `--accept` pins new keys (`--replace`: changed ones too, once checked)"
    return f"hostkeys: {len(report.devices)} scanned: {', '.join(parts) or 'none'}{written}{advice}"


def _line(seen: Seen, pinned_now: bool, known_hosts: str) -> str:
    head = f"{seen.name} {seen.host}"
    if seen.status == "unreachable":
        return f"! {head}: unreachable: {seen.error}"
    if seen.status == "known":
        return f"  {head}: {seen.key}: pinned"
    if seen.status == "new":
        state = f"pinned now in {known_hosts}" if pinned_now else "NOT PINNED"
        return f"+ {head}: {seen.key}: new: {state}"
    state = f"replaced in {known_hosts}" if pinned_now else "refused"
    return (
        f"x {head}: HOST KEY CHANGED: the host presents {seen.key}, pinned is {seen.pinned}: "
        f"{state}"
    )


def json_view(report: ScanReport, pinned: list[str]) -> str:
    devices = [asdict(d) | {"pinned_now": d.name in pinned} for d in report.devices]
    body = {"known_hosts": report.known_hosts, "ok": report.ok, "devices": devices}
    return json.dumps(body, indent=2) + "\n"
