"""Render diagnostics as text, JSON, GitHub workflow commands, SARIF 2.1.0 or JUnit XML."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine import __version__
from engine.diagnostics import CODES, Diagnostic, Severity, summarise

INFO_URI = "https://github.com/underlay/underlay"


@dataclass(frozen=True)
class Report:
    """What a checking command found: diagnostics plus how much was looked at."""

    command: str
    diagnostics: Sequence[Diagnostic]
    files: int
    rules: dict[str, tuple[str, str]] | None = None  # extra rule catalogue (standards)

    @property
    def counts(self) -> dict[Severity, int]:
        return summarise(self.diagnostics)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def text(report: Report) -> str:
    lines = []
    for d in report.diagnostics:
        line = f"{d.pos}: {d.severity}[{d.code}]: {d.message}"
        if d.hint:
            line += f" ({d.hint})"
        if d.waiver is not None:
            line += f" [waived: {_waived(d)}]"
        lines.append(line)
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def _waived(d: Diagnostic) -> str:
    w = d.waiver
    assert w is not None
    return f"{w.ticket}, {w.owner}, until {w.expires}, {w.pos}"


def waived_count(report: Report) -> int:
    return sum(1 for d in report.diagnostics if d.waiver is not None)


def summary_line(report: Report) -> str:
    c = report.counts
    if not report.diagnostics:
        return f"No problems found in {_plural(report.files, 'file')}."
    parts = [_plural(c[Severity.ERROR], "error"), _plural(c[Severity.WARNING], "warning")]
    if c[Severity.INFO]:
        parts.append(_plural(c[Severity.INFO], "note"))
    if waived_count(report):
        parts.append(f"{waived_count(report)} waived")
    return f"Found {', '.join(parts)} in {_plural(report.files, 'file')}."


def as_dict(d: Diagnostic) -> dict[str, object]:
    return {
        "code": d.code,
        "severity": str(d.severity),
        "message": d.message,
        "path": d.pos.path,
        "line": d.pos.line,
        "column": d.pos.col,
        "hint": d.hint or None,
        "subject": d.subject or None,
        "related": [{"path": r.path, "line": r.line, "column": r.col} for r in d.related],
        "inherited_from": d.inherited_from or None,
        "inherited_by": list(d.subjects),
        "waiver": None if d.waiver is None else _waiver_dict(d),
    }


def _waiver_dict(d: Diagnostic) -> dict[str, object]:
    w = d.waiver
    assert w is not None
    return {
        "path": w.pos.path,
        "line": w.pos.line,
        "reason": w.justification,
        "owner": w.owner,
        "ticket": w.ticket,
        "expires": w.expires,
    }


def json_view(report: Report) -> str:
    c = report.counts
    body = {
        "format_version": "1",
        "command": report.command,
        "valid": c[Severity.ERROR] == 0,
        "files": report.files,
        "summary": {
            "errors": c[Severity.ERROR],
            "warnings": c[Severity.WARNING],
            "notes": c[Severity.INFO],
            "waived": waived_count(report),
        },
        "diagnostics": [as_dict(d) for d in report.diagnostics],
    }
    return json.dumps(body, indent=2) + "\n"


def _gh_escape(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def github(report: Report) -> str:
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for d in report.diagnostics:
        title = _gh_escape(f"{d.code} {_title(report, d.code)}", prop=True)
        waived = f" [waived: {_waived(d)}]" if d.waiver is not None else ""
        message = _gh_escape(d.message + (f" ({d.hint})" if d.hint else "") + waived)
        kind = "notice" if waived else level[d.severity]
        lines.append(
            f"::{kind} file={_gh_escape(d.pos.path, prop=True)},"
            f"line={d.pos.line},col={d.pos.col},title={title}::{message}"
        )
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def _title(report: Report, code: str) -> str:
    if code in CODES:
        return CODES[code].title
    return (report.rules or {}).get(code, (code, ""))[0]


def _catalogue(report: Report) -> dict[str, tuple[str, str]]:
    rules = {code: (info.title, info.help) for code, info in CODES.items()}
    rules.update(report.rules or {})
    return rules


def sarif(report: Report) -> str:
    catalogue = _catalogue(report)
    used = sorted({d.code for d in report.diagnostics})
    index = {code: i for i, code in enumerate(used)}
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    rules = [
        {
            "id": code,
            "name": _camel(catalogue.get(code, (code, ""))[0]),
            "shortDescription": {"text": catalogue.get(code, (code, ""))[0]},
            "fullDescription": {"text": catalogue.get(code, ("", code))[1] or code},
            "helpUri": _help_uri(code),
        }
        for code in used
    ]
    results = [
        {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": level[d.severity],
            "message": {"text": d.message + (f" ({d.hint})" if d.hint else "")},
            "locations": [_location(d.pos.path, d.pos.line, d.pos.col)],
            **(
                {
                    "relatedLocations": [
                        dict(_location(r.path, r.line, r.col), id=i, **_related_text(d, i))
                        for i, r in enumerate(d.related)
                    ]
                }
                if d.related
                else {}
            ),
            **({"suppressions": [_suppression(d)]} if d.waiver is not None else {}),
        }
        for d in report.diagnostics
    ]
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "underlay",
                        "version": __version__,
                        "informationUri": INFO_URI,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "repository root"}}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _related_text(d: Diagnostic, i: int) -> dict[str, object]:
    """An object that inherits the value: named where it lists the group."""
    if len(d.subjects) != len(d.related):
        return {}
    return {"message": {"text": f"{d.subjects[i]} inherits it from group {d.inherited_from}"}}


def _help_uri(code: str) -> str:
    page = "diagnostics.md" if code in CODES else "standards.md"  # standards: rule ids
    return f"{INFO_URI}/blob/main/docs/{page}#{code.lower()}"


def _suppression(d: Diagnostic) -> dict[str, object]:
    """A waiver as a SARIF suppression: external (it lives in standards/waivers.yaml)."""
    w = d.waiver
    assert w is not None
    return {
        "kind": "external",
        "status": "accepted",
        "justification": w.justification,
        "location": _location(w.pos.path, w.pos.line, w.pos.col),
        "properties": {"owner": w.owner, "ticket": w.ticket, "expires": w.expires},
    }


def _location(path: str, line: int, col: int) -> dict[str, object]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": line, "startColumn": col},
        }
    }


def _camel(title: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in title.replace("-", " ").split()) or "Rule"


def junit(report: Report) -> str:
    # xml.sax.saxutils imports urllib.request: 14 ms every command would pay for this view
    from xml.sax.saxutils import escape, quoteattr  # noqa: PLC0415

    cases = []
    for d in report.diagnostics:
        kind = "failure" if d.severity is Severity.ERROR and d.waiver is None else "skipped"
        body = escape(f"{d.pos}: {d.message}" + (f" ({d.hint})" if d.hint else ""))
        detail = (
            f"<failure type={quoteattr(d.code)} message={quoteattr(d.message)}>{body}</failure>"
            if kind == "failure"
            else f"<skipped message={quoteattr(body)}/>"
        )
        cases.append(
            f"  <testcase classname={quoteattr(d.pos.path)} "
            f"name={quoteattr(f'{d.code} line {d.pos.line}')}>{detail}</testcase>"
        )
    if not cases:
        cases.append(f'  <testcase classname="underlay" name={quoteattr(report.command)}/>')
    failures = report.counts[Severity.ERROR]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="underlay '
        f'{escape(report.command)}" tests="{len(cases)}" failures="{failures}">\n'
        + "\n".join(cases)
        + "\n</testsuite>\n"
    )


VIEWS: dict[str, Callable[[Report], str]] = {
    "text": text,
    "json": json_view,
    "github": github,
    "sarif": sarif,
    "junit": junit,
}
