"""The status report as Prometheus metrics, for node_exporter's textfile collector.

prometheus_client writes the exposition format (escaping, HELP/TYPE lines); the CLI's output
writes the file atomically (a temporary file renamed into place), so the collector never reads
half a file.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.exposition import generate_latest

from engine.report.audit import AuditFacts
from engine.report.model import Availability, StatusReport

PREFIX = "underlay"


def registry(report: StatusReport, facts: AuditFacts) -> CollectorRegistry:
    reg = CollectorRegistry(auto_describe=True)
    _compliance(reg, report)
    _contracts(reg, report)
    _drift(reg, report)
    _apply(reg, facts)
    if report.availability is not None:
        _availability(reg, report.availability)
    return reg


def _gauge(reg: CollectorRegistry, name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
    return Gauge(f"{PREFIX}_{name}", doc, labels, registry=reg)


def _compliance(reg: CollectorRegistry, r: StatusReport) -> None:
    c = r.compliance
    _gauge(reg, "inventory_valid", "1 when the inventory validates").set(int(c.valid))
    ratio = _gauge(reg, "compliance_ratio", "share of (standard, object) checks that pass")
    ratio.set(c.ratio if c.ratio is not None else float("nan"))
    findings = _gauge(reg, "findings", "standards findings by severity (waived apart)",
                      ("severity",))
    for severity, n in (("error", c.errors), ("warning", c.warnings), ("info", c.notes),
                        ("waived", c.waived)):
        findings.labels(severity).set(n)
    by_site = _gauge(reg, "site_compliance_ratio", "compliance ratio per site", ("site",))
    for s in c.sites:
        if s.tally.ratio is not None:
            by_site.labels(s.site).set(s.tally.ratio)


def _contracts(reg: CollectorRegistry, r: StatusReport) -> None:
    soon = _gauge(reg, "contracts_expiring", "contracts ending within the window",
                  ("within_days",))
    soon.labels("90").set(len(r.contracts_in("within 90 days")))
    soon.labels("180").set(len(r.contracts_in("within 90 days", "within 180 days")))
    _gauge(reg, "contracts_expired", "contracts past their end date").set(
        len(r.contracts_in("expired")))
    eos = _gauge(reg, "end_of_support", "devices and servers by end-of-support state", ("state",))
    for state in ("passed", "within 180 days"):
        eos.labels(state.replace(" ", "_")).set(sum(1 for x in r.lifecycle if x.state == state))


def _drift(reg: CollectorRegistry, r: StatusReport) -> None:
    drifted = _gauge(reg, "drifted_devices", "devices that differ from main at the last drift run")
    when = _gauge(reg, "drift_last_run_timestamp_seconds", "time of the last drift run")
    if r.drift is not None:
        drifted.set(len(r.drift.drifted))
        when.set(_epoch(r.drift.when))
    else:
        drifted.set(float("nan"))
        when.set(float("nan"))


def _apply(reg: CollectorRegistry, facts: AuditFacts) -> None:
    last = facts.last_apply
    when = _gauge(reg, "last_apply_timestamp_seconds", "time of the last apply")
    ok = _gauge(reg, "last_apply_success", "1 when the last apply succeeded, 0 when it did not")
    when.set(_epoch(last.when) if last else float("nan"))
    ok.set(float("nan") if last is None else int(last.result == "success"))


def _availability(reg: CollectorRegistry, a: Availability) -> None:
    """Measured availability beside the SLA target, per service (from Prometheus)."""
    _gauge(reg, "availability_measured", "1 when Prometheus answered for the period").set(
        int(a.status == "measured")
    )
    labels = ("service", "sla")
    measured = _gauge(reg, "service_availability_ratio", "measured availability", labels)
    target = _gauge(reg, "service_availability_objective_ratio", "the SLA's target", labels)
    budget = _gauge(
        reg, "service_error_budget_remaining_ratio", "error budget left (<0: overspent)", labels
    )
    for s in a.services:
        for gauge, value in ((measured, s.measured_pct), (target, s.target_pct),
                             (budget, s.budget_left_pct)):  # fmt: skip
            if value is not None:
                gauge.labels(s.service, s.sla).set(round(value / 100, 9))


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def text(report: StatusReport, facts: AuditFacts) -> str:
    return generate_latest(registry(report, facts)).decode()
