"""The status report: figures from the sample, the git trend, the audit trail, the views.

Every test works on a private copy of the sample organisation in a temporary git repository
(`sample`, `history`, `sample_copy`): never on the checkout, whose .underlay/ and
refs/underlay/audit may hold a real drift run, apply records or a trend cache.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import git
import pytest
from prometheus_client.parser import text_string_to_metric_families

from engine.audit import history as audit_history
from engine.diagnostics import Diagnostic
from engine.record import Actor, AuditStore, DeviceOutcome, Outcome, Record
from engine.report import audit
from engine.report.build import Options, build
from engine.report.history import CACHE, DECIDING
from engine.report.model import Compliance, StatusReport
from engine.report.support import judge_circuits
from engine.standards import check
from engine.standards import load as load_standards
from engine.validate import validate
from engine.validate.cache import engine_digest
from engine.views import report_html
from tests.conftest import REPO_ROOT

TODAY = date(2026, 11, 27)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def underlay(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", "--repo", str(repo), *args],
        capture_output=True, text=True, timeout=120, check=False,
    )


def as_alice(when: str) -> dict[str, str]:
    return {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when,
            "GIT_AUTHOR_NAME": "Alice Admin", "GIT_AUTHOR_EMAIL": "alice@example.com",
            "GIT_COMMITTER_NAME": "Alice Admin", "GIT_COMMITTER_EMAIL": "alice@example.com"}


def commit(handle: git.Repo, message: str, when: str) -> str:
    handle.git.add("--all")
    handle.git.commit("-m", message, env=as_alice(when))
    return handle.head.commit.hexsha


SOURCES = Path(__file__).resolve().parents[2]  # the sample's tracked files, only read
SAMPLE_FOLDERS = ("inventory", "standards", "schemas")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample organisation as a fresh git repository of one commit, with no audit trail.

    Tests that write (records, trend cache) use their own copy: `history` or `sample_copy`."""
    copy = tmp_path_factory.mktemp("report") / "sample"
    for folder in SAMPLE_FOLDERS:
        shutil.copytree(SOURCES / folder, copy / folder)
    commit(git.Repo.init(copy, initial_branch="main"), "Sample organisation",
           "2026-11-01T10:00:00Z")
    return copy


@pytest.fixture
def history(sample_copy: Path) -> Path:
    """The sample with three commits: as it is, one standard broken, then fixed with review."""
    handle = git.Repo.init(sample_copy, initial_branch="main")
    commit(handle, "Sample organisation", "2026-11-01T10:00:00Z")
    leaf = sample_copy / "inventory/devices/fra1-leaf01.yaml"
    original = leaf.read_text()
    leaf.write_text(original.replace("groups: [org-baseline, fabric]", "groups: [fabric]"))
    commit(handle, "leaf01: drop the baseline", "2026-11-10T10:00:00Z")
    leaf.write_text(original)
    commit(handle, "leaf01: baseline again\n\nReviewed-by: Bob Review <bob@example.com>\n"
           "Approved-by: Carol Boss <carol@example.com>", "2026-11-20T10:00:00Z")
    return sample_copy


@pytest.fixture(scope="module")
def sample_report(sample: Path) -> StatusReport:
    return build(sample, Options(today=TODAY, trend=0))


def test_inventory_by_site_and_role(sample_report: StatusReport) -> None:
    inv = sample_report.inventory
    assert (inv.devices, inv.servers, inv.cables, inv.circuits) == (10, 8, 17, 1)
    assert [(s.site, s.devices, s.servers) for s in inv.sites] == [("fra1", 7, 7), ("fra2", 3, 1)]
    assert inv.roles["access"] == 5


def test_circuits_in_contracts_and_sla_coverage(sample_report: StatusReport) -> None:
    """The dark fibre fra1-fra2 is under FIBRE-2024, and the services on fra1-edge01 depend on
    it, as SUP-CIRCUIT-SLA judges it (gold: covered)."""
    fibre = next(c for c in sample_report.contracts if c.id == "FIBRE-2024")
    assert (fibre.circuits, fibre.covers) == (("fra1-fra2-df1",), 3)
    webshop = next(s for s in sample_report.services if s.service == "webshop")
    (circuit,) = [d for d in webshop.dependencies if d.kind == "circuit"]
    assert (circuit.name, circuit.via, circuit.contract, circuit.contract_sla, circuit.state) == (
        "fra1-fra2-df1", "fra1-edge01", "FIBRE-2024", "gold", "covered"
    )
    backup = next(s for s in sample_report.services if s.service == "backup")
    assert not [d for d in backup.dependencies if d.kind == "circuit"]


def test_a_weaker_or_lapsed_circuit_shows_in_sla_coverage() -> None:
    """As SUP-CIRCUIT-SLA and SUP-CIRCUIT-CONTRACT judge it: a bronze circuit is weaker than
    the gold webshop; a circuit whose contract has ended is uncovered."""
    inventory = validate(REPO_ROOT).inventory
    fibre = inventory.circuits["fra1-fra2-df1"]
    library = load_standards(REPO_ROOT)
    weaker = dataclasses.replace(
        inventory, circuits={"fra1-fra2-df1": fibre.model_copy(update={"sla": "bronze"})}
    )
    judged = judge_circuits(library, weaker, TODAY)
    assert judged.gaps[("fra1-fra2-df1", "webshop")][0].startswith("availability 99.5%")
    lapsed = judge_circuits(library, inventory, date(2029, 5, 1))
    assert lapsed.uncovered == {"fra1-fra2-df1"}


def test_compliance_counts_waived_apart(sample_report: StatusReport) -> None:
    c = sample_report.compliance
    assert (c.errors, c.warnings, c.waived) == (0, 2, 8)
    rules = {r.id: r.tally for r in c.rules}
    assert rules["SRV-BACKUP-RPO"].waived == 4 and rules["SRV-BACKUP-RPO"].failing == 0
    assert rules["SUP-RENEWAL"].failing == 1
    assert [s.site for s in c.sites] == ["fra1", "fra2", "organisation"]
    assert c.ratio is not None and 0.99 < c.ratio < 1


def test_contracts_ending_expired_and_who_to_call(sample_report: StatusReport) -> None:
    soon = sample_report.contracts_in("within 90 days")
    assert [c.id for c in soon] == ["NET-SUP-FRA2"]
    assert soon[0].days_left == 49
    assert [p.name for p in soon[0].contacts] == ["Markus Weber", "NetCare NOC"]
    assert [c.id for c in sample_report.contracts_in("expired")] == ["OLD-HW-2022"]


def test_lifecycle_and_sla_coverage(sample_report: StatusReport) -> None:
    assert [(x.name, x.state) for x in sample_report.lifecycle] == [
        ("fra2-leaf01", "within 180 days")]
    webshop = next(s for s in sample_report.services if s.service == "webshop")
    weaker = {d.name: d for d in webshop.dependencies if d.state == "weaker"}
    assert set(weaker) == {"fra1-web01", "fra1-app01", "fra1-db01", "fra1-hv01", "fra1-hv02"}
    assert weaker["fra1-web01"].via == "fra1-hv02"
    assert weaker["fra1-db01"].gaps == ("availability 99.9% < 99.99%", "P1 response 2h > 1h")


def test_trend_and_changes_from_git_history(history: Path) -> None:
    report = build(history, Options(today=TODAY), audit.AuditFacts())
    ratios = [p.ratio for p in report.trend]
    assert [p.subject for p in report.trend] == [
        "Sample organisation", "leaf01: drop the baseline", "leaf01: baseline again"]
    # each commit is judged as of its own date, so the renewal windows move too
    assert None not in ratios and ratios[1] < min(ratios[0], ratios[2])  # type: ignore[operator]
    assert report.trend[1].errors > 0
    newest = report.changes[0]
    assert newest.reviewed_by == ("Bob Review <bob@example.com>",)
    assert newest.approved_by == ("Carol Boss <carol@example.com>",)
    assert newest.author == "Alice Admin <alice@example.com>"
    cached = list((history / ".underlay/cache/trend").iterdir())
    assert len(cached) == 3  # a second report only reads these


def test_trend_cache_is_keyed_on_the_engine_code(history: Path) -> None:
    head = git.Repo(history).head.commit.hexsha
    build(history, Options(today=TODAY, trend=1), audit.AuditFacts())
    engine = engine_digest(*DECIDING).hexdigest()[:16]
    cached = history / CACHE / f"{head}-{engine}.json"
    assert [p.name for p in (history / CACHE).iterdir()] == [cached.name]
    cached.write_text(cached.read_text().replace("leaf01: baseline again", "from the cache"))
    assert build(history, Options(today=TODAY, trend=1)).trend[0].subject == "from the cache"
    # a point another engine's code judged is never read: it is judged again
    cached.rename(cached.with_name(f"{head}-{'0' * 16}.json"))
    assert build(history, Options(today=TODAY, trend=1)).trend[0].subject == (
        "leaf01: baseline again")


def test_approvals_are_read_as_the_audit_reads_them(history: Path) -> None:
    """Trailer keys in any case, and the approval of the merge that landed a commit."""
    handle = git.Repo(history)
    handle.git.checkout("-q", "-b", "feature")
    leaf = history / "inventory/devices/fra1-leaf02.yaml"
    leaf.write_text(leaf.read_text() + "# cabled 2026-11-21\n")
    sha = commit(handle, "leaf02: note\n\nreviewed-by: Dora <dora@example.com>",
                 "2026-11-21T10:00:00Z")
    handle.git.checkout("-q", "main")
    handle.git.merge("--no-ff", "-q", "feature", "-m",
                     "Merge feature\n\nAPPROVED-BY: Carol Boss <carol@example.com>",
                     env=as_alice("2026-11-22T10:00:00Z"))
    row = next(c for c in build(history, Options(today=TODAY, trend=0)).changes
               if c.subject == "leaf02: note")
    assert row.reviewed_by == ("Dora <dora@example.com>",)
    assert row.approved_by == ("Carol Boss <carol@example.com>",)
    seen_by_audit = audit_history.change(handle, sha, "main")
    assert (row.reviewed_by, row.approved_by) == (
        seen_by_audit.reviewed_by, seen_by_audit.approved_by)


def _break_a_change_window(repo: Path) -> None:
    windows = repo / "standards/change-control/windows.yaml"
    windows.write_text(windows.read_text().replace('start: "22:00"', 'start: "25:00"'))


def _drop_a_baseline(repo: Path) -> None:
    leaf = repo / "inventory/devices/fra1-leaf01.yaml"
    leaf.write_text(leaf.read_text().replace("groups: [org-baseline, fabric]", "groups: [fabric]"))


def _invalid_device(repo: Path) -> None:
    leaf = repo / "inventory/devices/fra1-leaf01.yaml"
    leaf.write_text(leaf.read_text().replace("site: fra1", "site: nowhere"))


def _figures(diagnostics: list[Diagnostic]) -> tuple[int, int, int, int]:
    unwaived = [d for d in diagnostics if d.waiver is None]
    return (sum(1 for d in unwaived if d.severity == "error"),
            sum(1 for d in unwaived if d.severity == "warning"),
            sum(1 for d in unwaived if d.severity == "info"),
            len(diagnostics) - len(unwaived))


def _by_standard(c: Compliance) -> Counter[tuple[str, str, bool]]:
    return Counter((f.rule, f.severity, f.waiver is not None) for f in c.findings)


@pytest.mark.parametrize("edits", [
    (), (_break_a_change_window,), (_break_a_change_window, _drop_a_baseline), (_invalid_device,),
])
def test_compliance_figures_are_checks_own(sample_copy: Path, edits: tuple[Any, ...]) -> None:
    """The same errors, warnings, notes and waived findings, standard by standard, as
    `underlay check` on the same tree: change windows and standards files included."""
    for edit in edits:
        edit(sample_copy)
    result = check(sample_copy, TODAY)
    compliance = build(sample_copy, Options(today=TODAY, trend=0), audit.AuditFacts()).compliance
    assert (compliance.errors, compliance.warnings, compliance.notes, compliance.waived) == (
        _figures(result.diagnostics))
    assert _by_standard(compliance) == Counter(
        (d.code, str(d.severity), d.waiver is not None) for d in result.diagnostics)
    assert compliance.valid is (_invalid_device not in edits)
    windows_problems = [f for f in compliance.findings
                        if f.location.startswith("standards/change-control/windows.yaml:")]
    assert bool(windows_problems) is (_break_a_change_window in edits)
    if _drop_a_baseline in edits:
        assert compliance.errors > 0 and compliance.ratio is not None and compliance.ratio < 1


def test_drift_and_applies_come_from_the_audit_store(history: Path) -> None:
    store = AuditStore(history)
    head = git.Repo(history).head.commit.hexsha
    moment = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    for kind, outcomes in (("apply", [Outcome.CONFIRMED, Outcome.ROLLED_BACK]),
                           ("drift", [Outcome.NOOP, Outcome.DRIFTED])):
        devices = tuple(DeviceOutcome(name=f"fra1-leaf0{i + 1}", outcome=o)
                        for i, o in enumerate(outcomes))
        record = Record(kind=kind, run=f"{kind}-1", actor=Actor(user="ci", host="runner"),
                        commit=head, started=moment, finished=moment, devices=devices)
        store.append(record, redact=lambda text: text)
    facts = audit.read(history)
    assert facts.drift is not None and facts.drift.drifted == ("fra1-leaf02",)
    assert facts.applies[0].result == "rolled back" and facts.applies[0].failed == 1
    html = report_html.render(build(history, Options(today=TODAY, trend=0), facts))
    assert "<b>1 of 2</b> devices differ" in html


def test_no_audit_store_means_no_data_yet(sample_report: StatusReport) -> None:
    html = report_html.render(sample_report)
    assert "No drift run recorded yet." in html and "No apply recorded yet." in html


def test_html_is_self_contained(sample_report: StatusReport) -> None:
    html = report_html.render(sample_report)
    assert "<script" not in html.lower() and "@import" not in html and "url(" not in html
    links = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", html, re.IGNORECASE)
    assert not [x for x in links if re.match(r"(?i)(https?:)?//", x)]


def test_markdown_and_json_views(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = underlay(sample, "report", "--format", "json", "--out", str(out),
                    "--today", "2026-11-27", "--trend", "0")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert data["compliance"]["waived"] == 8 and data["drift"] is None
    proc = underlay(sample, "report", "--format", "markdown", "--today", "2026-11-27",
                    "--trend", "0")
    assert "| NET-SUP-FRA2 | NetCare Solutions GmbH | 2027-01-15 | within 90 days |" in proc.stdout


def test_metrics_textfile_parses(sample: Path, tmp_path: Path) -> None:
    target = tmp_path / "underlay.prom"
    proc = underlay(sample, "metrics", "--textfile", str(target), "--today", "2026-11-27")
    assert proc.returncode == 0, proc.stderr
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(target.read_text())
        for s in family.samples
    }
    assert samples[("underlay_findings", (("severity", "warning"),))] == 2
    assert samples[("underlay_findings", (("severity", "waived"),))] == 8
    assert samples[("underlay_contracts_expiring", (("within_days", "90"),))] == 1
    assert 0.99 < samples[("underlay_compliance_ratio", ())] < 1
    assert samples[("underlay_drifted_devices", ())] != samples[("underlay_drifted_devices", ())]
    assert [p.name for p in tmp_path.iterdir()] == ["underlay.prom"]  # no temp file left


@pytest.mark.skipif(CHROMIUM is None and os.environ.get("CI") != "true",
                    reason="chromium is not installed (.ci/install installs it)")
def test_chromium_renders_the_key_figures(sample_copy: Path, tmp_path: Path) -> None:
    commit(git.Repo.init(sample_copy, initial_branch="main"), "Sample", "2026-11-01T10:00:00Z")
    page = tmp_path / "report.html"
    proc = underlay(sample_copy, "report", "--out", str(page), "--today", "2026-11-27")
    assert proc.returncode == 0, proc.stderr
    dom = _chromium(tmp_path, "--dump-dom", f"file://{page}").stdout
    for figure in ("99.5%", "NET-SUP-FRA2", "in 49 days", "Markus Weber", "+49 69 1234 5600",
                   "OLD-HW-2022", "fra2-leaf01", "No drift run recorded yet."):
        assert figure in dom, figure
    shot = tmp_path / "report.png"
    _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1400,3000", f"file://{page}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={tmp / 'chromium-profile'}", "--hide-scrollbars"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True,
                          timeout=120, check=True)
