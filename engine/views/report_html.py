"""The status report as ONE self-contained HTML page: inline CSS and SVG, no script, no network.

Order follows what an infrastructure manager asks first: the headline figures, what needs action
soon (contracts, end of support), compliance and its trend, SLA coverage, drift, then the
inventory and the change history.
"""

from __future__ import annotations

from html import escape

from engine.report.model import (
    ContractRow,
    FindingRow,
    LifecycleRow,
    ServiceCoverage,
    StatusReport,
)
from engine.views import report_charts as charts
from engine.views.report_charts import Bar, culprits, pct, percent, verdict

CSS = """
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,
sans-serif;color:#1d2733;background:#f4f6f9}
main{max-width:1280px;margin:0 auto;padding:24px 32px 48px}
header{display:flex;justify-content:space-between;align-items:baseline;flex-wrap:wrap;gap:8px}
h1{font-size:26px;margin:0}h2{font-size:19px;margin:0 0 12px}h3{font-size:15px;margin:16px 0 8px}
.meta{color:#5f6b7a}
.tiles{display:grid;grid-template-columns:repeat(7,1fr);gap:12px;margin:20px 0}
.tile{background:#fff;border-radius:8px;padding:14px 16px;border-left:6px solid #9e9e9e;
box-shadow:0 1px 2px rgba(0,0,0,.06)}
.tile .value{font-size:28px;font-weight:700}.tile .label{color:#5f6b7a;font-size:13px}
.tile.good{border-color:#2e7d32}.tile.warn{border-color:#f0a500}.tile.bad{border-color:#c62828}
section{background:#fff;border-radius:8px;padding:18px 20px;margin:16px 0;
box-shadow:0 1px 2px rgba(0,0,0,.06)}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:24px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e3e7ec;vertical-align:top}
th{color:#5f6b7a;font-weight:600;background:#fafbfc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;
color:#fff;white-space:nowrap}
.pill.expired,.pill.passed{background:#757575}.pill.red,.pill.error,.pill.uncovered{background:#c62828}
.pill.amber,.pill.warning,.pill.weaker{background:#b77900}
.pill.green,.pill.covered{background:#2e7d32}.pill.blue,.pill.info{background:#1f5fa8}
.legend span{margin-right:14px;font-size:12px;color:#5f6b7a}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
.empty{color:#5f6b7a;font-style:italic}
.contact{white-space:nowrap}small{color:#5f6b7a}
svg.chart{max-width:100%;height:auto;font-family:inherit}
"""

_PILL = {
    "expired": "expired", "within 90 days": "red", "within 180 days": "amber",
    "active": "green", "not started": "blue", "passed": "expired",
}


def render(report: StatusReport) -> str:
    parts = [
        _header(report), _tiles(report), _attention(report), _compliance(report),
        _services(report), _attainment(report), _drift(report), _inventory(report),
        _changes(report),
    ]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        f"<title>{escape(report.title)}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(parts)}</main></body></html>\n"
    )


def _e(value: object) -> str:
    return escape(str(value))


def _header(r: StatusReport) -> str:
    commit = f"commit {r.commit}" if r.commit else "not a git repository"
    return (
        f"<header><h1>{_e(r.title)}</h1><div class=\"meta\">as of {r.today} · {_e(commit)} · "
        f"generated {_e(r.generated)} by underlay</div></header>"
    )


def _tile(value: str, label: str, tone: str, tid: str) -> str:
    return (
        f'<div class="tile {tone}" id="{tid}"><div class="value">{_e(value)}</div>'
        f'<div class="label">{_e(label)}</div></div>'
    )


def _tiles(r: StatusReport) -> str:
    c = r.compliance
    ratio = c.ratio
    soon = len(r.contracts_in("within 90 days"))
    expired = len(r.contracts_in("expired"))
    eos = len(r.lifecycle)
    gaps = sum(1 for s in r.services if s.count("weaker") or s.count("uncovered"))
    drift = "-" if r.drift is None else str(len(r.drift.drifted))
    tiles = [
        _tile(percent(ratio), "standards compliance", _tone(ratio), "kpi-compliance"),
        _tile(f"{c.errors} / {c.warnings}", f"errors / warnings ({c.waived} waived)",
              "bad" if c.errors else "warn" if c.warnings else "good", "kpi-findings"),
        _tile(str(soon), "contracts ending within 90 days", "bad" if soon else "good",
              "kpi-contracts"),
        _tile(str(expired), "expired contracts", "warn" if expired else "good", "kpi-expired"),
        _tile(str(eos), "end of support passed or within 180 days", "warn" if eos else "good",
              "kpi-eos"),
        _tile(str(gaps), "services with an SLA gap", "bad" if gaps else "good", "kpi-sla"),
        _tile(drift, "devices drifted" if r.drift else "drift: no run recorded yet",
              "" if r.drift is None else "bad" if r.drift.drifted else "good", "kpi-drift"),
    ]
    return f'<div class="tiles">{"".join(tiles)}</div>'


def _tone(ratio: float | None) -> str:
    if ratio is None:
        return ""
    return "good" if ratio >= 0.99 else "warn" if ratio >= 0.95 else "bad"


# ---------------------------------------------------------------- needs attention
def _attention(r: StatusReport) -> str:
    upcoming = r.contracts_in("expired", "within 90 days", "within 180 days")
    return (
        '<section id="contracts"><h2>Contracts and support ending</h2>'
        f"{charts.timeline(r.contracts, r.today)}{_legend_contracts()}"
        f"<h3>Ending within 180 days, or expired: who to call</h3>{_contract_table(upcoming)}"
        f"<h3>Hardware and OS lifecycle: end of support</h3>{_lifecycle_table(r.lifecycle)}"
        "</section>"
    )


def _legend_contracts() -> str:
    items = [("within 90 days", charts.RED), ("within 180 days", charts.AMBER),
             ("active", charts.GREEN), ("expired", charts.GREY)]
    spans = "".join(f'<span><i style="background:{c}"></i>{_e(n)}</span>' for n, c in items)
    return f'<div class="legend">{spans}</div>'


def _days(days: int) -> str:
    return f"{-days} days ago" if days < 0 else f"in {days} days"


def _circuits(c: ContractRow) -> str:
    return f" (circuits {_e(', '.join(c.circuits))})" if c.circuits else ""


def _contract_table(rows: tuple[ContractRow, ...]) -> str:
    if not rows:
        return '<p class="empty">No contract ends within 180 days, and none has expired.</p>'
    body = "".join(
        f"<tr><td><b>{_e(c.id)}</b><br><small>{_e(c.reference or '')}</small></td>"
        f"<td>{_e(c.vendor_name)}<br><small>{_e(c.kind)}, SLA {_e(c.sla or '-')}, "
        f"covers {c.covers}{_circuits(c)}</small></td>"
        f"<td>{c.ends}<br><span class=\"pill {_PILL[c.state]}\">"
        f"{_e(_days(c.days_left))}</span></td>"
        f"<td>{_contacts(c)}</td></tr>"
        for c in rows
    )
    head = "<tr><th>contract</th><th>vendor</th><th>ends</th><th>who to call</th></tr>"
    return f"<table>{head}{body}</table>"


def _contacts(c: ContractRow) -> str:
    people = "".join(
        f'<div class="contact"><b>{_e(p.name)}</b> <small>{_e(p.role or "")}</small><br>'
        f"{_e(p.phone or '')} · {_e(p.email or '')}</div>"
        for p in c.contacts
    )
    account = f"<small>account {_e(c.account)}</small>" if c.account else ""
    return (people or '<span class="empty">no contacts recorded</span>') + account


def _lifecycle_table(rows: tuple[LifecycleRow, ...]) -> str:
    if not rows:
        return '<p class="empty">Nothing reaches its end of support within 180 days.</p>'
    body = "".join(
        f"<tr><td><b>{_e(x.name)}</b> <small>{x.kind}, {_e(x.site)}</small></td>"
        f"<td>{_e(x.model)}</td><td>{x.end_of_support}</td>"
        f"<td><span class=\"pill {_PILL[x.state] if x.state == 'passed' else 'amber'}\">"
        f"{_e(_days(x.days_left))}</span></td><td>{_e(', '.join(x.contracts) or '-')}</td></tr>"
        for x in rows
    )
    head = ("<tr><th>object</th><th>model</th><th>end of support</th><th></th>"
            "<th>contracts</th></tr>")
    return f"<table>{head}{body}</table>"


# ---------------------------------------------------------------- compliance
def _compliance(r: StatusReport) -> str:
    c = r.compliance
    if not c.valid:
        return (
            '<section id="compliance"><h2>Standards compliance</h2><p class="empty">'
            f"The inventory has {c.validation_errors} validation errors, so the standards were "
            "not checked: run <code>underlay validate</code>.</p></section>"
        )
    rules = [Bar(x.id, x.tally) for x in c.rules]
    sites = [Bar(s.site, s.tally) for s in c.sites]
    legend = ('<div class="legend"><span><i style="background:#2e7d32"></i>passed</span>'
              '<span><i style="background:#f0a500"></i>waived</span>'
              '<span><i style="background:#c62828"></i>failing</span></div>')
    return (
        '<section id="compliance"><h2>Standards compliance</h2>'
        f"<p>{c.tally.checked} checks of {len(c.rules)} standards: "
        f"<b>{percent(c.ratio)}</b> pass; {c.errors} errors, {c.warnings} warnings and "
        f"{c.waived} waived findings (waivers carry an owner, a ticket and an expiry).</p>"
        f"{legend}<div class=\"cols\"><div><h3>By standard</h3>"
        f"{charts.compliance_bars(rules, 'compliance by standard', 600)}</div>"
        f"<div><h3>By site</h3>{charts.compliance_bars(sites, 'compliance by site', 600)}"
        f"<h3>Trend over recent changes</h3>{_trend(r)}</div></div>"
        f"<h3>Open and waived findings</h3>{_findings(c.findings)}</section>"
    )


def _trend(r: StatusReport) -> str:
    if not r.trend:
        return '<p class="empty">No git history of inventory/ or standards/ yet.</p>'
    return charts.sparkline(r.trend, r.compliance.ratio, 600)


def _findings(rows: tuple[FindingRow, ...]) -> str:
    if not rows:
        return '<p class="empty">No findings: every standard is met.</p>'
    body = "".join(
        f"<tr><td><span class=\"pill {f.severity if not f.waiver else 'blue'}\">"
        f"{_e('waived' if f.waiver else f.severity)}</span></td><td><b>{_e(f.rule)}</b></td>"
        f"<td>{_e(f.message)}<br><small>{_e(f.location)}"
        f"{' · waiver ' + _e(f.waiver) if f.waiver else ''}</small></td></tr>"
        for f in rows
    )
    return f"<table><tr><th></th><th>standard</th><th>finding</th></tr>{body}</table>"


# ---------------------------------------------------------------- SLA coverage
def _services(r: StatusReport) -> str:
    if not r.services:
        return ('<section id="sla"><h2>SLA coverage of business services</h2>'
                '<p class="empty">No business services declared.</p></section>')
    rows = "".join(_service_row(s) for s in r.services)
    head = ("<tr><th>service</th><th>SLA</th><th class=\"num\">covered</th>"
            "<th class=\"num\">weaker</th><th class=\"num\">uncovered</th><th>gaps</th></tr>")
    return (
        '<section id="sla"><h2>SLA coverage of business services</h2>'
        "<p>Each service's SLA against the best active support contract of every device and "
        "server it depends on (a virtual server through its host), and against the SLA of "
        "every active provider circuit its devices terminate.</p>"
        f"<table>{head}{rows}</table></section>"
    )


_NO_CONTRACT = {
    "device": "no active support contract",
    "server": "no active support contract",
    "circuit": "no contract in force",
}


def _service_row(s: ServiceCoverage) -> str:
    gaps = [d for d in s.dependencies if d.state != "covered"]
    detail = "".join(
        f"<div><span class=\"pill {d.state}\">{d.state}</span> "
        f"{'circuit ' if d.kind == 'circuit' else ''}{_e(d.name)}"
        f"{' via ' + _e(d.via) if d.via else ''}: "
        f"{_e(d.contract or _NO_CONTRACT[d.kind])}"
        f"{' (' + _e(d.contract_sla) + ')' if d.contract_sla else ''}"
        f"{': ' + _e('; '.join(d.gaps)) if d.gaps else ''}</div>"
        for d in gaps
    ) or '<span class="pill covered">fully covered</span>'
    return (
        f"<tr><td><b>{_e(s.service)}</b><br><small>{_e(s.owner)}</small></td>"
        f"<td>{_e(s.sla)}{f' ({s.availability_pct}%)' if s.availability_pct else ''}</td>"
        f"<td class=\"num\">{s.count('covered')}</td><td class=\"num\">{s.count('weaker')}</td>"
        f"<td class=\"num\">{s.count('uncovered')}</td><td>{detail}</td></tr>"
    )


def _attainment(r: StatusReport) -> str:
    a = r.availability
    if a is None:
        return ""
    intro = f"<p id=\"availability-status\">{_e(a.start)} to {_e(a.end)}: {_e(a.message)}.</p>"
    if a.status != "measured":
        return f'<section id="attainment"><h2>SLA attainment</h2>{intro}</section>'
    head = ("<tr><th>service</th><th class=\"num\">SLA target</th><th class=\"num\">measured"
            "</th><th>attained</th><th class=\"num\">error budget left</th>"
            "<th>down (device or server)</th></tr>")
    rows = "".join(
        f"<tr><td><b>{_e(s.service)}</b></td><td class=\"num\">{_e(s.sla)} "
        f"({pct(s.target_pct)})</td><td class=\"num\">{pct(s.measured_pct, 3)}</td>"
        f"<td><span class=\"pill {'covered' if s.attained else 'uncovered'}\">"
        f"{verdict(s.attained)}</span></td><td class=\"num\">{pct(s.budget_left_pct, 1)}</td>"
        f"<td>{_e(culprits(s))}</td></tr>"
        for s in a.services
    )
    return (f'<section id="attainment"><h2>SLA attainment</h2>{intro}'
            f"<table>{head}{rows}</table></section>")


# ---------------------------------------------------------------- drift and applies
def _drift(r: StatusReport) -> str:
    if r.drift is None:
        drift = '<p class="empty" id="drift-status">No drift run recorded yet.</p>'
    elif not r.drift.drifted:
        drift = (f'<p id="drift-status">Last drift run {_e(r.drift.when)}: all '
                 f"{r.drift.checked} devices match the repository.</p>")
    else:
        names = ", ".join(r.drift.drifted)
        drift = (f'<p id="drift-status">Last drift run {_e(r.drift.when)}: '
                 f"<b>{len(r.drift.drifted)} of {r.drift.checked}</b> devices differ from the "
                 f"repository: {_e(names)}</p>")
    return f'<section id="drift"><h2>Drift and applies</h2>{drift}{_applies(r)}</section>'


def _applies(r: StatusReport) -> str:
    if not r.applies:
        return '<p class="empty">No apply recorded yet.</p>'
    body = "".join(
        f"<tr><td>{_e(a.when)}</td><td><code>{_e(a.commit or '-')}</code></td><td>{_e(a.actor)}"
        f"</td><td>{_e(a.result)}</td><td class=\"num\">{a.devices}</td>"
        f"<td class=\"num\">{a.failed}</td></tr>"
        for a in r.applies
    )
    head = ("<tr><th>when</th><th>commit</th><th>by</th><th>result</th>"
            "<th class=\"num\">devices</th><th class=\"num\">failed</th></tr>")
    return f"<h3>Recent applies</h3><table>{head}{body}</table>"


# ---------------------------------------------------------------- inventory and history
def _inventory(r: StatusReport) -> str:
    inv = r.inventory
    roles = sorted(inv.roles)
    head = "".join(f'<th class="num">{_e(x)}</th>' for x in roles)
    rows = "".join(
        f"<tr><td><b>{_e(s.site)}</b><br><small>{_e(s.description)}</small></td>"
        f"<td>{_e(s.tier)}</td><td class=\"num\">{s.devices}</td><td class=\"num\">{s.servers}</td>"
        + "".join(f'<td class="num">{s.roles.get(x, 0) or ""}</td>' for x in roles)
        + "</tr>"
        for s in inv.sites
    )
    summary = (f"{inv.devices} network devices, {inv.servers} servers ({inv.physical_servers} "
               f"physical, {inv.virtual_servers} virtual), {inv.cables} cables, "
               f"{inv.circuits} provider circuits.")
    return (
        f'<section id="inventory"><h2>Inventory by site and role</h2><p>{summary}</p>'
        f"<table><tr><th>site</th><th>tier</th><th class=\"num\">devices</th>"
        f"<th class=\"num\">servers</th>{head}</tr>{rows}</table></section>"
    )


def _changes(r: StatusReport) -> str:
    if not r.changes:
        return ('<section id="changes"><h2>Recent changes</h2>'
                '<p class="empty">No git history of inventory/ or standards/.</p></section>')
    body = "".join(
        f"<tr><td><code>{_e(c.commit)}</code></td><td>{_e(c.date[:16].replace('T', ' '))}</td>"
        f"<td>{_e(c.subject)}</td><td>{_e(c.author)}</td>"
        f"<td>{_e(', '.join(c.reviewed_by) or '-')}</td>"
        f"<td>{_e(', '.join(c.approved_by) or '-')}</td></tr>"
        for c in r.changes
    )
    head = ("<tr><th>commit</th><th>date</th><th>change</th><th>author</th>"
            "<th>reviewed by</th><th>approved by</th></tr>")
    return (f'<section id="changes"><h2>Recent changes to inventory and standards</h2>'
            f"<table>{head}{body}</table></section>")
