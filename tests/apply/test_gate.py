"""The standards gate: a plan of a repository that fails `check` is refused before the lock and
before any device is contacted, unless --emergency --reason, whose record keeps the findings.

Real git repositories and the real stack; no lab. The emergency run reaches a "device" at a
closed port on 127.0.0.1: it is unreachable, so the run records without changing anything.
"""

from __future__ import annotations

import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine import __version__
from engine.apply import gate
from engine.apply.lock import LOCK_FILE
from engine.apply.model import SHOWN, ApplyReport, Options
from engine.apply.run import apply_plan
from engine.cli import main
from engine.plan.build import inventory_hash
from engine.plan.model import Action, DevicePlan, Plan, Summary
from engine.record import AuditStore, Outcome, verify
from engine.render import render_intended
from engine.secrets import CredentialStore
from engine.validate import validate
from engine.views import apply as view

NOW = datetime(2026, 6, 2, 21, 30, tzinfo=UTC)
SECRET = "s3cr3t-Pa55w0rd"
RULE = """\
rules:
  - id: TIME-NTP
    title: NTP uses two time servers
    severity: error
    area: Management baseline
    applies_to:
      kind: [device]
    assert:
      schema:
        properties:
          ntp:
            properties:
              servers: {minItems: 2}
    message: "NTP needs two servers ({error})"
    rationale: One clock is no clock.
"""
WAIVER = """\
waivers:
  - rule: TIME-NTP
    target: {kind: device}
    reason: the second time server is being installed
    owner: Jane Doe <jane@example.com>
    ticket: CHG-7
    expires: 2030-01-31
"""
# r1 and r2 inherit the one time server from group baseline: one finding, naming both
FINDING = "inventory/groups.yaml:4:7: error[TIME-NTP]: group baseline: NTP needs two servers"


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
        cwd=repo, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def _commit(repo: Path) -> str:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "change")
    return _git(repo, "rev-parse", "HEAD")


def _plan_file(repo: Path) -> Path:
    """A plan of the repository at HEAD that updates r1 (what `underlay plan --out` saves)."""
    summary = Summary(change=1, unchanged=0, unreachable=0, failed=0, skipped=0,
                      state_changes=0, cabling_findings=0)  # fmt: skip
    plan = Plan(
        engine_version=__version__, created=NOW.isoformat(), repo_commit=_commit(repo),
        repo_dirty=False, inventory_hash=inventory_hash(repo), summary=summary,
        devices=(DevicePlan(name="r1", kind="device", platform="frr", action=Action.UPDATE),),
        complete=True, applyable=True,
    )  # fmt: skip
    path = repo.parent / "plan.json"
    path.write_text(plan.model_dump_json())
    return path


@pytest.fixture
def repo(base_repo: Path) -> Path:
    """The base case with a standard its NTP servers break (on r1 and r2, from their group)."""
    (base_repo / "standards").mkdir()
    (base_repo / "standards/time.yaml").write_text(RULE)
    (base_repo / ".gitignore").write_text(".underlay/\n")
    _git(base_repo, "init", "-q", "-b", "main")
    return base_repo


def _apply(repo: Path, plan: Path, emergency_reason: str | None = None) -> ApplyReport:
    """What the CLI hands apply: the configs rendered once, the repository's credentials."""
    opts = Options(emergency_reason=emergency_reason, timeout=5)
    inventory = validate(repo).inventory
    intended = render_intended(inventory, [*inventory.devices, *inventory.servers])
    store = CredentialStore(repo, inventory)
    return apply_plan(repo, inventory, plan, opts, intended, store, now=NOW)


def _r1_on_a_closed_local_port(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """r1 (the one device the plan changes) answers nowhere, on this machine only."""
    r1 = repo / "inventory/devices/r1.yaml"
    r1.write_text(r1.read_text().replace(
        "{address: 198.18.0.11,", f"{{address: 127.0.0.1, port: {_closed_port()},"
    ))  # fmt: skip
    monkeypatch.setenv("UNDERLAY_CREDENTIALS_LAB_USERNAME", "admin")
    monkeypatch.setenv("UNDERLAY_CREDENTIALS_LAB_PASSWORD", SECRET)


def test_unwaived_errors_refuse_before_the_lock_and_the_audit_trail(repo: Path) -> None:
    report = _apply(repo, _plan_file(repo))
    assert report.status == "refused" and report.refusal is not None
    assert report.refusal.kind == "standards"
    assert "1 unwaived error(s)" in report.refusal.message
    assert report.refusal.details[0].startswith(FINDING)
    assert "--emergency --reason TEXT" in report.refusal.details[-1]
    assert not (repo / LOCK_FILE).exists()
    assert AuditStore(repo).head() is None
    assert report.plan_hash and report.commit == _git(repo, "rev-parse", "HEAD")


def test_a_stale_inventory_is_refused_first(repo: Path) -> None:
    plan = _plan_file(repo)
    sites = repo / "inventory/sites.yaml"
    sites.write_text(sites.read_text() + "# changed after the plan\n")
    refusal = _apply(repo, plan).refusal
    assert refusal is not None and refusal.kind == "stale"


def test_a_waiver_opens_the_gate(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "standards/waivers.yaml").write_text(WAIVER)
    _r1_on_a_closed_local_port(repo, monkeypatch)
    report = _apply(repo, _plan_file(repo))
    assert report.refusal is None and report.device("r1").outcome is Outcome.UNREACHABLE


def test_the_cli_refuses_like_other_refusals(repo: Path, capsys: pytest.CaptureFixture[str]
                                             ) -> None:  # fmt: skip
    plan = _plan_file(repo)
    assert main(["--repo", str(repo), "apply", str(plan)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("Apply refused: the repository fails its standards: 1 unwaived error")
    assert f"\n  {FINDING}" in out


def test_long_lists_of_findings_are_abridged() -> None:
    errors = tuple(f"inventory/devices/d{i}.yaml:1:1: error[X]: bad" for i in range(SHOWN + 5))
    refusal = gate.refusal(errors)
    assert refusal.details[:SHOWN] == errors[:SHOWN]
    assert refusal.details[SHOWN:] == ("... and 5 more", gate.HOW)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the probe is


def test_an_emergency_applies_despite_them_and_the_records_keep_them(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _r1_on_a_closed_local_port(repo, monkeypatch)
    report = _apply(repo, _plan_file(repo), emergency_reason="INC-42: clock outage")
    assert report.refusal is None and report.device("r1").outcome is Outcome.UNREACHABLE
    assert len(report.overridden_findings) == 1  # one cause: the group's value
    assert report.overridden_findings[0].startswith(FINDING)
    text = view.text(report)
    assert "EMERGENCY: applied despite 1 unwaived standard error(s):" in text
    assert f"\n  {FINDING}" in text
    store = AuditStore(repo)
    records = list(store.records())
    assert [r.phase for r in records] == ["started", "finished"]
    assert all(r.overridden_findings == report.overridden_findings for r in records)
    assert records[-1].emergency_reason == "INC-42: clock outage"
    assert verify(store) == []
