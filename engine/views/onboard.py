"""`underlay import`'s report: per address what was found, imported, skipped and why; what of
each device the model keeps verbatim or cannot reproduce; LLDP sightings without a cable.
Text for the terminal, Markdown for the pull request (IMPORT.md), JSON for tools."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.onboard.build import Built, Finding
from engine.onboard.run import Discovered


@dataclass(frozen=True)
class ImportReport:
    discovered: Discovered
    built: Built
    written: Sequence[str]  # files written, relative to the repository
    round_trip: Sequence[Finding]  # objects that do not render back exactly
    repo: str
    seconds: float

    def findings(self) -> list[Finding]:
        refused = [
            Finding(r.address, None, "refused", f"{r.reason} (named by {r.source})")
            for r in self.discovered.refused
        ]
        return sorted([*self.built.findings, *refused], key=lambda f: _address_key(f.address))

    def counts(self) -> Counter[str]:
        return Counter(f.outcome for f in self.findings())


def text(report: ImportReport) -> str:
    lines = [f"import into {report.repo}: {_summary(report)}"]
    for f in report.findings():
        who = f" {f.name}" if f.name else ""
        lines.append(f"  {f.address}{who}: {f.outcome}: {f.detail}")
        lines += [f"      note: {n}" for n in f.notes]
    if report.built.verbatim_kept():
        kept = ", ".join(report.built.verbatim_kept())
        lines.append(f"  kept verbatim (FRR configuration the model does not express): {kept}")
    for f in report.round_trip:
        lines.append(f"  {f.name}: {f.detail}")
        lines += [f"      {line}" for n in f.notes for line in n.splitlines()]
    for sighting in report.built.sightings:
        lines.append(f"  lldp: {sighting}")
    for again in report.discovered.again:
        lines.append(f"  lldp: {again}: already read (a loop or a second path): read once")
    if report.written:
        lines.append(f"  wrote {len(report.written)} files: " + ", ".join(report.written))
    return "\n".join(lines) + "\n"


def markdown(report: ImportReport) -> str:
    out = [f"# Import report\n\n{_summary(report)}\n", "| address | name | outcome | detail |",
           "|---|---|---|---|"]  # fmt: skip
    for f in report.findings():
        notes = "".join(f"<br>note: {_cell(n)}" for n in f.notes)
        out.append(f"| {f.address} | {f.name or ''} | {f.outcome} | {_cell(f.detail)}{notes} |")
    if report.round_trip:
        out.append("\n## Not reproduced exactly\n")
        for f in report.round_trip:
            out.append(f"### {f.name}\n\n```diff\n" + "\n".join(f.notes) + "\n```\n")
    if report.built.sightings or report.discovered.again:
        out.append("\n## LLDP without a cable\n")
        out += [f"- {s}" for s in report.built.sightings]
        out += [f"- {a}: already read" for a in report.discovered.again]
    return "\n".join(out) + "\n"


def json_view(report: ImportReport) -> str:
    data: dict[str, Any] = {
        "repository": report.repo,
        "seconds": round(report.seconds, 3),
        "counts": dict(report.counts()),
        "addresses": [
            {
                "address": f.address,
                "name": f.name,
                "outcome": f.outcome,
                "detail": f.detail,
                "notes": list(f.notes),
            }
            for f in report.findings()
        ],
        "round_trip": [
            {"name": f.name, "detail": f.detail, "diff": list(f.notes)} for f in report.round_trip
        ],
        "verbatim": report.built.verbatim_kept(),
        "lldp": {"without_cable": report.built.sightings, "again": report.discovered.again},
        "cables": len(report.built.cables),
        "groups": sorted(report.built.groups),
        "written": list(report.written),
    }
    return json.dumps(data, indent=2) + "\n"


def _finding(f: Finding) -> dict[str, Any]:
    return {"address": f.address, "name": f.name, "outcome": f.outcome, "detail": f.detail,
            "notes": list(f.notes)}  # fmt: skip


def _summary(report: ImportReport) -> str:
    counts = report.counts()
    parts = [f"{n} {outcome}" for outcome, n in sorted(counts.items())]
    built = report.built
    exact = len(built.running) - len(report.round_trip)
    return (
        f"{len(built.devices)} devices, {len(built.servers)} servers, {len(built.cables)} "
        f"cables, {len(built.groups)} groups from {len(report.findings())} addresses "
        f"({', '.join(parts) or 'none'}); {exact} of {len(built.running)} render back exactly; "
        f"{report.seconds:.1f} s"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _address_key(address: str) -> tuple[int, ...]:
    return tuple(int(p) for p in address.split(".")) if address.count(".") == 3 else (999,)
