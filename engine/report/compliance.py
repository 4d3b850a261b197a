"""Compliance: how many (rule, object) checks pass, by standard and by site, waivers apart.

The findings are `underlay check`'s own result (engine.standards.check): the same errors,
warnings and waived findings, change windows and standards files included, so the report
and `check` never disagree. A ratio also needs the checks that passed, so each rule is asked
which objects it selects (in the fully validated inventory, which the sections read too).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from engine.diagnostics import Diagnostic, Severity
from engine.model.layout import Inventory
from engine.report.model import Compliance, FindingRow, RuleCompliance, SiteCompliance, Tally
from engine.standards import Library, check, load
from engine.standards.evaluate import selected
from engine.validate import validate

ORGANISATION = "organisation"  # contracts, services, SLAs, vendors: not at one site


@dataclass(frozen=True)
class Assessment:
    compliance: Compliance
    inventory: Inventory | None  # None when the inventory did not validate
    library: Library


def assess(repo: Path, today: date, *, incremental: bool = False) -> Assessment:
    """`incremental`: check with its cache in .underlay/cache/, as `underlay check` does."""
    result = check(repo, today, incremental=incremental)
    validation = validate(repo)  # every model: what each rule selects, what the sections show
    library = load(repo)
    if not validation.ok:
        errors = sum(1 for d in validation.diagnostics if d.severity is Severity.ERROR)
        return Assessment(_figures(result.diagnostics, errors), None, library)
    inventory = validation.inventory
    rules, sites = _tallies(library, inventory, result.diagnostics)
    return Assessment(_figures(result.diagnostics, 0, rules, sites), inventory, library)


def _figures(
    diags: list[Diagnostic],
    validation_errors: int,
    rules: tuple[RuleCompliance, ...] = (),
    sites: tuple[SiteCompliance, ...] = (),
) -> Compliance:
    """The figures `check` reports (unwaived findings by severity, the waived apart), with the
    tallies of the standards (none when the inventory is invalid: they were not checked)."""
    counted = [d for d in diags if d.waiver is None]
    return Compliance(
        valid=validation_errors == 0, validation_errors=validation_errors,
        tally=_sum(r.tally for r in rules),
        errors=_severity(counted, Severity.ERROR), warnings=_severity(counted, Severity.WARNING),
        notes=_severity(counted, Severity.INFO), waived=len(diags) - len(counted),
        rules=rules, sites=sites, findings=tuple(_row(d) for d in sorted(diags, key=_order)),
    )


def _tallies(
    library: Library, inventory: Inventory, diags: list[Diagnostic]
) -> tuple[tuple[RuleCompliance, ...], tuple[SiteCompliance, ...]]:
    checks = _checks(library, inventory)
    failing, waived = _outcomes(diags)
    rules = tuple(
        RuleCompliance(
            id=r.rule.id, title=r.rule.title, severity=str(r.rule.severity), area=r.rule.area,
            tally=_tally(checks[r.rule.id], failing[r.rule.id], waived[r.rule.id]),
        )
        for r in library.rules
    )
    return rules, _sites(checks, failing, waived, inventory)


def _checks(library: Library, inventory: Inventory) -> dict[str, set[str]]:
    """rule id -> subjects ("device fra1-leaf01") the rule looked at."""
    return {
        r.rule.id: {f"{t.kind} {t.name}" for t in selected(r, inventory)} for r in library.rules
    }


def _outcomes(diags: list[Diagnostic]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    failing: dict[str, set[str]] = defaultdict(set)
    waived: dict[str, set[str]] = defaultdict(set)
    for d in diags:
        if d.subject and d.severity is not Severity.INFO:  # one finding per inherited cause:
            (failing if d.waiver is None else waived)[d.code].update(d.subjects or [d.subject])
    return failing, waived


def _tally(checked: set[str], failing: set[str], waived: set[str]) -> Tally:
    """A finding may blame an object the rule did not select (a cable rule blames a device)."""
    everything = checked | failing | waived
    return Tally(
        checked=len(everything), failing=len(failing), waived=len(waived - failing)
    )


def _sum(tallies: Iterable[Tally]) -> Tally:
    items = list(tallies)
    return Tally(
        checked=sum(t.checked for t in items),
        failing=sum(t.failing for t in items),
        waived=sum(t.waived for t in items),
    )


def _site_of(subject: str, inventory: Inventory) -> str:
    kind, _, name = subject.partition(" ")
    node = inventory.node(name) if kind in ("device", "server") else None
    return node.site if node is not None else ORGANISATION


def _sites(
    checks: dict[str, set[str]],
    failing: dict[str, set[str]],
    waived: dict[str, set[str]],
    inventory: Inventory,
) -> tuple[SiteCompliance, ...]:
    per_site: dict[str, list[Tally]] = defaultdict(list)
    for rule, subjects in checks.items():
        for subject in subjects | failing[rule] | waived[rule]:
            bad = subject in failing[rule]
            ok_waived = subject in waived[rule] and not bad
            per_site[_site_of(subject, inventory)].append(Tally(checked=1, failing=int(bad),
                                                                waived=int(ok_waived)))
    order = [*sorted(inventory.sites), ORGANISATION]
    return tuple(SiteCompliance(site=s, tally=_sum(per_site[s])) for s in order if per_site[s])


def _severity(diags: list[Diagnostic], severity: Severity) -> int:
    return sum(1 for d in diags if d.severity is severity)


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _order(d: Diagnostic) -> tuple[int, int, str, str]:
    return (d.waiver is not None, _RANK[d.severity], d.code, d.subject)


def _row(d: Diagnostic) -> FindingRow:
    w = d.waiver
    return FindingRow(
        rule=d.code, severity=str(d.severity), subject=d.subject, message=d.message,
        location=str(d.pos),
        waiver=None if w is None else f"{w.ticket}, {w.owner}, until {w.expires}",
    )
