"""The status report as Markdown (for a wiki page, an e-mail or a PR) and as JSON."""

from __future__ import annotations

from engine.report.model import StatusReport, Tally
from engine.views.report_charts import culprits, pct, percent, verdict


def json_view(report: StatusReport) -> str:
    return report.model_dump_json(indent=2) + "\n"


def _tally(t: Tally) -> str:
    return f"{percent(t.ratio)} | {t.checked} | {t.failing} | {t.waived}"


def render(r: StatusReport) -> str:
    c = r.compliance
    lines = [
        f"# {r.title}", "",
        f"As of {r.today}, commit {r.commit or '(no git)'}.", "",
        "## Summary", "",
        f"- Standards compliance: **{percent(c.ratio)}** ({c.errors} errors, {c.warnings} "
        f"warnings, {c.waived} waived)",
        f"- Contracts ending within 90 days: **{len(r.contracts_in('within 90 days'))}**; "
        f"within 180 days: {len(r.contracts_in('within 180 days'))}; "
        f"expired: {len(r.contracts_in('expired'))}",
        f"- End of support passed or within 180 days: **{len(r.lifecycle)}**",
        f"- Drift: {_drift(r)}", "",
    ]
    return "\n".join(lines + _contracts(r) + _lifecycle(r) + _compliance(r) + _services(r)
                     + _attainment(r) + _inventory(r) + _changes(r)) + "\n"


def _drift(r: StatusReport) -> str:
    if r.drift is None:
        return "no drift run recorded yet"
    n = len(r.drift.drifted)
    return f"{n} of {r.drift.checked} devices drifted ({r.drift.when})"


def _contracts(r: StatusReport) -> list[str]:
    rows = r.contracts_in("expired", "within 90 days", "within 180 days")
    out = ["## Contracts ending within 180 days, or expired", ""]
    if not rows:
        return [*out, "None.", ""]
    out += ["| contract | vendor | ends | state | who to call |", "|---|---|---|---|---|"]
    for x in rows:
        people = "; ".join(f"{p.name} ({p.role or '-'}) {p.phone or ''} {p.email or ''}".strip()
                           for p in x.contacts)
        circuits = f" (circuits {', '.join(x.circuits)})" if x.circuits else ""
        out.append(f"| {x.id}{circuits} | {x.vendor_name} | {x.ends} | {x.state} | {people} |")
    return [*out, ""]


def _lifecycle(r: StatusReport) -> list[str]:
    out = ["## End of support", ""]
    if not r.lifecycle:
        return [*out, "Nothing within 180 days.", ""]
    out += ["| object | model | end of support | days |", "|---|---|---|---:|"]
    out += [f"| {x.name} | {x.model} | {x.end_of_support} | {x.days_left} |" for x in r.lifecycle]
    return [*out, ""]


def _compliance(r: StatusReport) -> list[str]:
    c = r.compliance
    out = ["## Compliance by standard", ""]
    if not c.valid:
        return [*out, f"Not checked: {c.validation_errors} validation errors.", ""]
    out += ["| standard | compliance | checks | failing | waived |", "|---|---:|---:|---:|---:|"]
    out += [f"| {x.id} | {_tally(x.tally)} |" for x in c.rules]
    out += ["", "## Compliance by site", "", "| site | compliance | checks | failing | waived |",
            "|---|---:|---:|---:|---:|"]
    out += [f"| {s.site} | {_tally(s.tally)} |" for s in c.sites]
    out += ["", "### Trend", "", "| commit | date | compliance | errors | warnings | waived |",
            "|---|---|---:|---:|---:|---:|"]
    out += [f"| {p.commit} | {p.date} | {percent(p.ratio)} | {p.errors} | {p.warnings} | "
            f"{p.waived} |" for p in r.trend]
    return [*out, ""]


def _services(r: StatusReport) -> list[str]:
    out = ["## SLA coverage of business services", "",
           "| service | SLA | covered | weaker | uncovered |", "|---|---|---:|---:|---:|"]
    out += [f"| {s.service} | {s.sla} | {s.count('covered')} | {s.count('weaker')} | "
            f"{s.count('uncovered')} |" for s in r.services]
    return [*out, ""]


def _attainment(r: StatusReport) -> list[str]:
    a = r.availability
    if a is None:
        return []
    out = ["## SLA attainment (measured availability)", "", f"{a.start} to {a.end}: {a.message}.",
           ""]
    if a.status != "measured":
        return out
    out += ["| service | SLA target | measured | attained | error budget left | down |",
            "|---|---:|---:|---|---:|---|"]
    out += [f"| {s.service} | {s.sla} ({pct(s.target_pct)}) | {pct(s.measured_pct, 3)} | "
            f"{verdict(s.attained)} | {pct(s.budget_left_pct, 1)} | {culprits(s)} |"
            for s in a.services]
    return [*out, ""]


def _inventory(r: StatusReport) -> list[str]:
    out = ["## Inventory by site", "", "| site | tier | devices | servers | roles |",
           "|---|---|---:|---:|---|"]
    out += [f"| {s.site} | {s.tier} | {s.devices} | {s.servers} | "
            f"{', '.join(f'{k} {v}' for k, v in s.roles.items())} |" for s in r.inventory.sites]
    return [*out, ""]


def _changes(r: StatusReport) -> list[str]:
    out = ["## Recent changes", "", "| commit | date | change | author | reviewed by |",
           "|---|---|---|---|---|"]
    out += [f"| {c.commit} | {c.date[:10]} | {c.subject} | {c.author} | "
            f"{', '.join(c.reviewed_by) or '-'} |" for c in r.changes]
    applies = [f"- {a.when}: {a.result}, {a.devices} devices ({a.failed} failed), by {a.actor}"
               for a in r.applies]
    return [*out, "", "## Recent applies", "", *(applies or ["No apply recorded yet."]), ""]
