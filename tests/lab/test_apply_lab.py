"""`underlay apply` against the real brownfield lab: the happy path and every fault of issue #6.

Nothing here is mocked: devices are FRR and Linux nodes, faults are real (a management link
down, a config bgpd refuses, an interface shutdown that cuts the management path, a SIGKILLed
apply process, a second apply holding the lock). The clock is injected (a Tuesday night inside
the sample's weeknight window), so no test depends on today's date.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine import lab
from engine.apply.model import ApplyReport, Options
from engine.apply.run import apply_plan
from engine.collect import collect
from engine.plan.model import Action, Plan
from engine.plan.run import run_drift, run_plan
from engine.record import AuditStore, Outcome
from engine.standards import windows
from engine.validate import validate
from engine.views import plan as plan_views
from tests.lab.helpers import lab_inputs
from tests.lab.test_plan_lab import EXPECTED_UPDATES, _git_copy, _up

pytestmark = pytest.mark.lab

TUESDAY_NIGHT = datetime(2026, 6, 2, 21, 30, tzinfo=UTC)  # 23:30 in Berlin: weeknight window
LEAF = "fra1-leaf01"


def _commit(repo: Path, message: str) -> None:
    for args in (["add", "-A"], ["-c", "user.name=T", "-c", "user.email=t@example.com",
                                 "commit", "-qm", message]):
        subprocess.run(["git", *args], cwd=repo, check=True)


def _repo(factory: pytest.TempPathFactory, name: str) -> Path:
    repo = _git_copy(factory.mktemp(name))
    (repo / ".gitignore").write_text(".underlay/\n")
    _commit(repo, "ignore the engine's local state")
    return repo


def _plan(repo: Path, state_dir: Path, out: Path) -> Plan:
    inventory = validate(repo).inventory
    plan = run_plan(repo, inventory, *lab_inputs(repo, inventory, state_dir))
    out.write_text(plan_views.json_view(plan))
    return plan


def _apply(repo: Path, plan: Path, state_dir: Path, **options: object) -> ApplyReport:
    settings: dict[str, object] = {"timeout": 5, "confirm_timeout": 30} | options
    opts = Options(**settings)  # type: ignore[arg-type]
    inventory = validate(repo).inventory
    intended, store = lab_inputs(repo, inventory, state_dir)
    return apply_plan(repo, inventory, plan, opts, intended, store, now=TUESDAY_NIGHT)


def _running(repo: Path, state_dir: Path, name: str) -> str | None:
    inventory = validate(repo).inventory
    intended, store = lab_inputs(repo, inventory, state_dir)
    return collect(inventory, [name], intended, store)[name].running_config


def _edit_leaf(repo: Path, old: str, new: str) -> str:
    path = repo / f"inventory/devices/{LEAF}.yaml"
    original = path.read_text()
    assert old in original
    path.write_text(original.replace(old, new, 1))
    _commit(repo, f"{LEAF}: fault")
    return original


def _restore_leaf(repo: Path, original: str) -> None:
    (repo / f"inventory/devices/{LEAF}.yaml").write_text(original)
    _commit(repo, f"{LEAF}: restore")


def test_the_injected_clock_is_inside_the_samples_window() -> None:
    loaded = windows.load(_sample())
    assert loaded.windows is not None and windows.decide(loaded.windows, TUESDAY_NIGHT).allowed


def _sample() -> Path:
    from tests.conftest import REPO_ROOT  # noqa: PLC0415

    return REPO_ROOT


class TestHappyPath:
    @pytest.fixture(scope="class")
    def state_dir(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
        yield from _up(tmp_path_factory, "apply-happy", converged=False)

    @pytest.fixture(scope="class")
    def repo(self, tmp_path_factory: pytest.TempPathFactory) -> Path:
        return _repo(tmp_path_factory, "apply-happy-repo")

    @pytest.fixture(scope="class")
    def plan_path(self, repo: Path, state_dir: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> Path:
        out = tmp_path_factory.mktemp("plans") / "plan.json"
        plan = _plan(repo, state_dir, out)
        assert {d.name for d in plan.devices if d.action is Action.UPDATE} == EXPECTED_UPDATES
        return out

    @pytest.fixture(scope="class")
    def applied(self, repo: Path, state_dir: Path, plan_path: Path) -> ApplyReport:
        return _apply(repo, plan_path, state_dir)

    def test_every_planned_device_is_confirmed(self, applied: ApplyReport) -> None:
        assert applied.status == "applied", applied
        confirmed = {d.name for d in applied.devices if d.outcome is Outcome.CONFIRMED}
        assert confirmed == EXPECTED_UPDATES
        assert len(applied.batches) == 2 and len(applied.batches[0]) == 1  # canary, then 5
        assert all(d.outcome is Outcome.NOOP for d in applied.devices if d.name not in confirmed)

    def test_a_new_plan_shows_no_changes_but_the_physical_wrong_port(
        self, repo: Path, state_dir: Path, applied: ApplyReport, tmp_path: Path
    ) -> None:
        plan = _plan(repo, state_dir, tmp_path / "again.json")
        assert plan.summary.change == 0 and plan.complete
        findings = {(f.kind, f.cable) for d in plan.devices for f in d.cabling}
        assert findings == {("wrong-port", "fra1-c103")}

    def test_drift_afterwards_shows_nothing_pending(
        self, repo: Path, state_dir: Path, applied: ApplyReport
    ) -> None:
        inventory = validate(repo).inventory
        report = run_drift(repo, inventory, *lab_inputs(repo, inventory, state_dir), record=False)
        assert report.count("pending") == 0 and report.count("unrecorded") == 0
        assert all(not item.config_diff for item in report.items)  # cabling only
        assert {i.device for i in report.items} <= {"fra1-db01", "fra1-leaf03"}

    def test_the_audit_trail_shows_the_apply(self, repo: Path, applied: ApplyReport) -> None:
        store = AuditStore(repo)
        started, finished = list(store.records())[-2:]
        assert (started.phase, finished.phase) == ("started", "finished")
        assert started.run == finished.run == applied.run
        assert finished.plan_hash == started.plan_hash == applied.plan_hash is not None
        outcomes = {d.name: d.outcome for d in finished.devices}
        assert {n for n, o in outcomes.items() if o is Outcome.CONFIRMED} == EXPECTED_UPDATES
        backup = store.backup(store.head() or "", "fra1-leaf03") or ""
        assert "198.18.0.5" in backup
        assert "198.18.0.4" in (store.backup(store.head() or "", "fra1-leaf03", "before") or "")
        assert store.interrupted() == []

    def test_the_same_plan_again_changes_nothing(
        self, repo: Path, state_dir: Path, plan_path: Path, applied: ApplyReport
    ) -> None:
        records = len(list(AuditStore(repo).records()))
        before = _running(repo, state_dir, "fra1-leaf03")
        again = _apply(repo, plan_path, state_dir)
        assert again.status == "already-applied" and again.ok
        assert {d.outcome for d in again.devices} == {Outcome.NOOP}
        assert _running(repo, state_dir, "fra1-leaf03") == before
        assert len(list(AuditStore(repo).records())) == records  # nothing done, nothing recorded

    def test_a_concurrent_apply_is_refused_by_the_lock(
        self, repo: Path, state_dir: Path, plan_path: Path, applied: ApplyReport
    ) -> None:
        holder = subprocess.Popen(
            [sys.executable, "-c",
             "import sys; from pathlib import Path; from engine.apply.lock import ApplyLock\n"
             "with ApplyLock(Path(sys.argv[1]), 'apply-other'):\n"
             "    print('held', flush=True); sys.stdin.read()\n", str(repo)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            report = _apply(repo, plan_path, state_dir)
        finally:
            holder.communicate("")  # it releases the lock cleanly and exits
        assert report.status == "refused" and report.refusal is not None
        assert report.refusal.kind == "locked"
        assert f"pid {holder.pid}" in report.refusal.message
        assert "apply-other" in report.refusal.message

    def test_cli_refuses_outside_windows_and_says_already_applied(
        self, repo: Path, state_dir: Path, plan_path: Path, applied: ApplyReport,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        from engine.cli import main  # noqa: PLC0415

        settings = repo / windows.WINDOWS_FILE
        original = settings.read_text()
        settings.write_text("freezes:\n  - name: forever\n    start: 2000-01-01\n"
                            "    end: 2999-12-31\n    reason: test freeze\n")
        base = ["--repo", str(repo), "apply", str(plan_path), "--lab-state-dir", str(state_dir)]
        try:
            assert main(base) == 1
            assert "freeze forever" in capsys.readouterr().out
            assert main([*base, "--emergency"]) == 2  # a usage error: the reason is required
            assert main([*base, "--emergency", "--reason", "INC-42", "--format", "json"]) == 0
            body = json.loads(capsys.readouterr().out)
            assert body["status"] == "already-applied" and body["ok"]
        finally:
            settings.write_text(original)


class TestFaults:
    """One lab, faults in order; each test plans what the lab looks like at that point."""

    @pytest.fixture(scope="class")
    def state_dir(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
        yield from _up(tmp_path_factory, "apply-faults", converged=False)

    @pytest.fixture(scope="class")
    def repo(self, tmp_path_factory: pytest.TempPathFactory) -> Path:
        return _repo(tmp_path_factory, "apply-faults-repo")

    def test_an_unreachable_device_fails_and_no_further_batch_starts(
        self, repo: Path, state_dir: Path, tmp_path: Path
    ) -> None:
        _plan(repo, state_dir, tmp_path / "plan.json")
        # canary fra1-db01; batch 2: fra1-leaf02, fra1-leaf03; batch 3 must never start
        down = ["ip", "link", "set", "mgmt0", "down"]
        assert lab.node_exec(state_dir, "fra1-leaf03", down).returncode == 0
        try:
            report = _apply(repo, tmp_path / "plan.json", state_dir, canary=1, batch=2)
        finally:
            lab.node_exec(state_dir, "fra1-leaf03", ["ip", "link", "set", "mgmt0", "up"])
        assert report.status == "failed"
        assert report.batches[:2] == (("fra1-db01",), ("fra1-leaf02", "fra1-leaf03"))
        outcome = {d.name: d.outcome for d in report.devices}
        assert outcome["fra1-db01"] is outcome["fra1-leaf02"] is Outcome.CONFIRMED
        assert outcome["fra1-leaf03"] is Outcome.UNREACHABLE
        for name in ("fra1-spine02", "fra2-core01", "fra2-edge01"):
            assert outcome[name] is Outcome.NOOP
            assert report.device(name).reason.startswith("not started: batch 2 failed")
        finished = list(AuditStore(repo).records())[-1]
        assert finished.device("fra1-leaf03").outcome is Outcome.UNREACHABLE  # type: ignore[union-attr]
        assert "unreachable at apply time" in finished.device("fra1-leaf03").reason  # type: ignore[union-attr]

    def test_a_killed_apply_is_reported_and_its_devices_revert(
        self, repo: Path, state_dir: Path, tmp_path: Path
    ) -> None:
        plan = _plan(repo, state_dir, tmp_path / "plan.json")
        canary = sorted(d.name for d in plan.devices if d.action is Action.UPDATE)[0]
        before = _running(repo, state_dir, canary)
        proc = subprocess.Popen(
            [sys.executable, "-m", "engine.cli", "--repo", str(repo), "apply",
             str(tmp_path / "plan.json"), "--lab-state-dir", str(state_dir),
             "--confirm-timeout", "60", "--emergency", "--reason", "kill test"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for_pending(state_dir, canary, proc)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        [killed] = AuditStore(repo).interrupted()
        refused = _apply(repo, tmp_path / "plan.json", state_dir)
        assert refused.refusal is not None and refused.refusal.kind == "locked"
        assert "died holding the lock" in refused.refusal.message
        assert f"pid {proc.pid}" in refused.refusal.message
        report = _apply(repo, tmp_path / "plan.json", state_dir, break_lock=True)
        assert [i.run for i in report.interrupted] == [killed.run]
        assert any(canary in f and "rolled back" in f for f in report.interrupted[0].findings)
        assert report.lock_broken is not None and killed.run in report.lock_broken
        assert report.status == "applied", report  # the canary was back as planned
        finished = list(AuditStore(repo).records())[-1]
        assert killed.run in finished.acknowledges
        assert AuditStore(repo).interrupted() == []
        assert before is not None

    def test_a_config_the_device_rejects_is_rolled_back(
        self, repo: Path, state_dir: Path, tmp_path: Path
    ) -> None:
        """bgpd refuses a neighbour that is the router's own address ("Can not configure the
        local system as neighbor"): frr-reload fails at commit and the snapshot is restored.
        validate catches it first (I604), so the change is forced past the standards gate
        with --emergency: the device's own refusal is the last line of defence."""
        original = _edit_leaf(repo, "      description: fra1-spine02\n",
                              "      description: fra1-spine02\n    - address: 198.18.1.1\n"
                              "      remote_as: 65011\n")
        try:
            plan = _plan(repo, state_dir, tmp_path / "plan.json")
            assert [d.name for d in plan.devices if d.action is Action.UPDATE] == [LEAF]
            before = _running(repo, state_dir, LEAF)
            report = _apply(repo, tmp_path / "plan.json", state_dir, emergency_reason="I604 test")
            assert report.status == "failed"
            assert any("I604" in f for f in report.overridden_findings), report.overridden_findings
            leaf = report.device(LEAF)
            assert leaf.outcome is Outcome.ROLLED_BACK and "rejected" in leaf.reason
            assert _running(repo, state_dir, LEAF) == before
        finally:
            _restore_leaf(repo, original)

    def test_a_change_that_cuts_management_reverts_by_itself(
        self, repo: Path, state_dir: Path, tmp_path: Path
    ) -> None:
        """`shutdown` on mgmt0 (a wrong interface in the model): the commit's own session dies,
        no confirm can come, and the device's timer restores the previous config."""
        original = _edit_leaf(repo, "interfaces:\n", "interfaces:\n  mgmt0:\n    enabled: false\n")
        try:
            _plan(repo, state_dir, tmp_path / "plan.json")
            before = _running(repo, state_dir, LEAF)
            began = time.monotonic()
            report = _apply(repo, tmp_path / "plan.json", state_dir, confirm_timeout=15)
            leaf = report.device(LEAF)
            assert leaf.outcome is Outcome.ROLLED_BACK, leaf
            assert "reverted by itself" in leaf.reason
            assert time.monotonic() - began >= 15  # it waited for the device's timer
            assert _running(repo, state_dir, LEAF) == before
        finally:
            _restore_leaf(repo, original)


    def test_a_device_changed_since_the_plan_makes_it_stale(
        self, repo: Path, state_dir: Path, tmp_path: Path
    ) -> None:
        """An out-of-band change between plan and apply: refused, naming the device."""
        original = _edit_leaf(repo, '"to fra1-spine01:eth1"', '"to fra1-spine01:eth1 (A)"')
        try:
            _plan(repo, state_dir, tmp_path / "plan.json")
            touch = ["vtysh", "-c", "conf t", "-c", "interface eth2", "-c", "description oob"]
            assert lab.node_exec(state_dir, LEAF, touch).returncode == 0
            report = _apply(repo, tmp_path / "plan.json", state_dir)
            assert report.status == "refused" and report.refusal is not None
            assert report.refusal.kind == "stale"
            assert report.refusal.details == (f"{LEAF}: its running config changed since the plan",)
        finally:
            _restore_leaf(repo, original)


    def test_a_plan_made_under_pending_commits_is_refused_after_the_recovery(
        self, repo: Path, state_dir: Path, tmp_path: Path
    ) -> None:
        """Issue 11: apply a change to every device, SIGKILL the apply after its canary was
        confirmed while the next batch is pending, plan again, apply with --break-lock. The
        recovery rolls the pending commits back, so the devices the second plan saw pending with
        their change in place are stale, never "no-op": refused by name. (Last in the class:
        it leaves the lab with the canary changed.)"""
        groups = repo / "inventory/groups.yaml"
        text = groups.read_text().replace("monitored. Unauth", "recorded.  Unauth", 1)
        groups.write_text(text)
        _commit(repo, "banner everywhere")
        plan = _plan(repo, state_dir, tmp_path / "plan.json")
        names = sorted(d.name for d in plan.devices if d.action is Action.UPDATE)
        assert len(names) > 10
        proc = subprocess.Popen(
            [sys.executable, "-m", "engine.cli", "--repo", str(repo), "apply",
             str(tmp_path / "plan.json"), "--lab-state-dir", str(state_dir), "--canary", "1",
             "--batch", "30", "--confirm-timeout", "90", "--emergency", "--reason", "kill test"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for_pending(state_dir, names[1], proc)  # batch 2 is committing
            time.sleep(1)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        second = _plan(repo, state_dir, tmp_path / "second.json")
        pending = {d.name for d in second.devices if d.pending_commit}
        assert pending and names[0] not in pending  # the canary was confirmed
        assert "unconfirmed commit is pending" in plan_views.text(second)
        report = _apply(repo, tmp_path / "second.json", state_dir, break_lock=True)
        assert report.interrupted
        assert any("rolled back" in f for f in report.interrupted[0].findings)
        assert report.status == "refused" and report.refusal is not None
        assert report.refusal.kind == "stale"
        refused = {line.split(":")[0] for line in report.refusal.details}
        # every device the second plan saw pending is refused by name: whether the recovery
        # rolled it back or its commit ended otherwise (the kill caught it mid-commit: the
        # commit's own cleanup reverted it), that plan may not hold for it
        assert pending <= refused, (report.refusal.details, pending)
        third = _plan(repo, state_dir, tmp_path / "third.json")
        assert not any(d.pending_commit for d in third.devices)
        # rolled back: still to do; a device the killed apply had already confirmed is done
        updates = {d.name for d in third.devices if d.action is Action.UPDATE}
        assert pending <= updates <= set(names[1:]), (pending, updates)


def _wait_for_pending(state_dir: Path, node: str, proc: subprocess.Popen[bytes]) -> None:
    """Until the canary holds an armed commit-confirm timer (the apply is mid-way)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = lab.node_exec(state_dir, node, ["test", "-f", "/run/underlay/pending.pid"])
        if done.returncode == 0:
            return
        assert proc.poll() is None, "the apply ended before its canary committed"
        time.sleep(0.05)
    raise AssertionError("the canary never committed")
