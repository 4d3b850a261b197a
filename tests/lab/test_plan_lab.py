"""`underlay plan` and `underlay drift` against the real lab built from the sample organisation.

Brownfield: the plan shows exactly the lab's deliberate differences (engine.lab.BROWNFIELD) and
nothing else. Converged: no changes at all. No secret reaches any output.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import lab
from engine.model.layout import Inventory
from engine.plan.model import Action, Plan
from engine.plan.run import run_drift, run_plan
from engine.validate import validate
from engine.views import plan as views
from tests.conftest import REPO_ROOT
from tests.lab.helpers import lab_inputs

pytestmark = pytest.mark.lab

# what each brownfield difference must look like in the plan, and nothing more
EXPECTED_UPDATES = {"fra1-leaf03", "fra2-core01", "fra1-db01", "fra1-spine02", "fra1-leaf02",
                    "fra2-edge01"}
EXPECTED_STATE = {
    ("fra1-leaf03", "ntp[198.18.0.4]"), ("fra1-leaf03", "ntp[198.18.0.5]"),
    ("fra1-leaf03", "ntp[198.18.0.6]"),
    ("fra2-core01", "ntp[198.18.0.4]"), ("fra2-core01", "ntp[198.18.0.5]"),
    ("fra2-core01", "ntp[198.18.0.6]"),
    ("fra1-db01", "ntp[198.18.0.4]"), ("fra1-db01", "ntp[198.18.0.5]"),
    ("fra1-db01", "ntp[198.18.0.6]"),
    ("fra1-db01", "interfaces.eth1"),  # the wrong port: eth1 has no link, hence no address
    ("fra1-spine02", "bgp[198.18.1.11].description"),
    ("fra1-leaf02", "interfaces.eth2.description"),
}


def _git_copy(tmp: Path) -> Path:
    """The sample organisation in a fresh git repository (plans record commits)."""
    repo = tmp / "repo"
    for folder in ("inventory", "standards", "schemas"):
        shutil.copytree(REPO_ROOT / folder, repo / folder)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "s"]):
        subprocess.run(["git", *args], cwd=repo, check=True)
    return repo


def _up(factory: pytest.TempPathFactory, name: str, *, converged: bool) -> Iterator[Path]:
    if lab.preflight():
        pytest.skip("lab host not ready")  # the lab marker's hook already failed it in CI
    state_dir = factory.mktemp(name) / "state"
    inventory = validate(REPO_ROOT).inventory
    try:
        lab.up(lab.lab_spec(inventory, converged=converged).spec, state_dir, timeout=60)
        yield state_dir
    finally:
        lab.down(state_dir)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _git_copy(tmp_path_factory.mktemp("plan"))


@pytest.fixture(scope="module")
def inventory(repo: Path) -> Inventory:
    return validate(repo).inventory


class TestBrownfield:
    @pytest.fixture(scope="class")
    def state_dir(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
        yield from _up(tmp_path_factory, "brownfield", converged=False)

    @pytest.fixture(scope="class")
    def plan(self, repo: Path, inventory: Inventory, state_dir: Path) -> Plan:
        return run_plan(repo, inventory, *lab_inputs(repo, inventory, state_dir))

    def test_exactly_the_deliberate_differences_change(self, plan: Plan) -> None:
        assert plan.complete
        assert {d.name for d in plan.devices if d.action is Action.UPDATE} == EXPECTED_UPDATES
        assert {d.device for d in lab.BROWNFIELD} == EXPECTED_UPDATES
        assert {d.action for d in plan.devices} == {Action.UPDATE, Action.NOOP}

    def test_state_differences_are_exactly_those(self, plan: Plan) -> None:
        found = {(d.name, c.path) for d in plan.devices for c in d.state_changes}
        assert found == EXPECTED_STATE

    def test_config_diffs_show_the_difference_and_no_noise(self, plan: Plan) -> None:
        diffs = {d.name: d.config_diff for d in plan.devices}
        assert "198.18.0.4" in diffs["fra1-leaf03"] and "chrony" in diffs["fra1-leaf03"]
        assert "description fra1-leaf02" in diffs["fra1-spine02"]
        assert "description to " in diffs["fra1-leaf02"]
        assert "ip route 198.18.250.0/24 198.18.1.64" in diffs["fra2-edge01"]
        for name, diff in diffs.items():
            for noise in ("frr version", "Building configuration", "hostname "):
                assert noise not in diff, (name, noise)

    def test_the_wrong_port_is_the_only_cabling_finding(self, plan: Plan) -> None:
        findings = {(f.kind, f.cable, f.seen) for d in plan.devices for f in d.cabling}
        assert findings == {("wrong-port", "fra1-c103", "fra1-db01:eth2 <-> fra1-leaf03:eth3")}
        assert plan.summary.cabling_findings == 1

    def test_summary_services_and_stale_markers(self, plan: Plan) -> None:
        assert views.summary_line(plan).startswith("Plan: 6 to change, 12 unchanged.")
        assert plan.inventory_hash and plan.repo_commit and not plan.repo_dirty
        leaf = plan.device("fra1-leaf03")
        assert leaf.running_config_hash and leaf.candidate_hash
        assert {s.name for s in plan.device("fra1-db01").services} >= {"webshop"}

    def test_markdown_for_the_pull_request(self, plan: Plan) -> None:
        md = views.markdown(plan)
        assert md.startswith("### underlay plan: Plan: 6 to change")
        assert md.count("<details>") == 6  # one section per device to change
        assert "Business services touched" in md

    def test_drift_before_any_apply_is_unrecorded(self, repo: Path, inventory: Inventory,
                                                  state_dir: Path) -> None:
        report = run_drift(repo, inventory, *lab_inputs(repo, inventory, state_dir))
        assert {i.device for i in report.items} == EXPECTED_UPDATES
        assert {i.origin for i in report.items} == {"unrecorded"}
        log = subprocess.run(["git", "log", "--format=%s", "refs/underlay/audit"], cwd=repo,
                             capture_output=True, text=True, check=True).stdout
        assert "drift" in log

    def test_no_secret_in_any_output(self, repo: Path, inventory: Inventory, state_dir: Path,
                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
        """A known secret as the credential's password and inside a rendered file: it must
        appear in no plan view, plan file, drift output, apply output, audit record (objects
        of the audit ref), report, metrics or audit export. Runs last in its class: it applies."""
        secret = "labpass"  # the lab user's real password, so the credential set works
        state = lab.read_state(lab.LabPaths(state_dir))
        monkeypatch.setenv("UNDERLAY_CREDENTIALS_LAB_USERNAME", "labuser")
        monkeypatch.setenv("UNDERLAY_CREDENTIALS_LAB_PASSWORD", secret)
        monkeypatch.setenv("UNDERLAY_CREDENTIALS_LAB_KEY_FILE", str(state.private_key))
        groups = repo / "inventory/groups.yaml"
        original = groups.read_text()
        groups.write_text(original.replace("AUTHORISED ACCESS ONLY", f"ACCESS {secret} ONLY"))
        try:
            changed = validate(repo).inventory
            intended, store = lab_inputs(repo, changed, state_dir)
            plan = run_plan(repo, changed, intended, store)
            assert store.resolve("lab").password == secret
            assert any("ACCESS <redacted> ONLY" in d.config_diff for d in plan.devices)
            outputs = [views.text(plan), views.json_view(plan), views.markdown(plan)]
            report = run_drift(repo, changed, *lab_inputs(repo, changed, state_dir))
            outputs += [views.drift_text(report), views.drift_json(report)]
            outputs += _apply_report_export(repo, state_dir, plan, tmp_path, capsys)
            objects = subprocess.run(
                "git rev-list --objects refs/underlay/audit | cut -d' ' -f1 | "
                "git cat-file --batch", shell=True, cwd=repo, capture_output=True, check=True,
            ).stdout
            assert secret.encode() not in objects
            for text in outputs:
                assert secret not in text
        finally:
            groups.write_text(original)


def _apply_report_export(repo: Path, state_dir: Path, plan: Plan, tmp: Path,
                         capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Everything else a run can send off the machine, as text."""
    from engine.cli import main  # noqa: PLC0415

    plan_file = tmp / "plan.json"
    plan_file.write_text(views.json_view(plan))
    base = ["--repo", str(repo)]
    capsys.readouterr()
    code = main([*base, "apply", str(plan_file), "--emergency", "--reason", "secret test",
                 "--lab-state-dir", str(state_dir), "--format", "json"])
    applied = capsys.readouterr()
    assert code == 0, applied.out + applied.err
    assert json.loads(applied.out)["status"] == "applied"
    html, prom, bundle = tmp / "r.html", tmp / "m.prom", tmp / "evidence"
    assert main([*base, "report", "--out", str(html)]) == 0
    assert main([*base, "metrics", "--textfile", str(prom)]) == 0
    assert main([*base, "audit", "export", "--since", "2000-01-01", "--until", "2100-01-01",
                 "--out", str(bundle)]) == 0
    exported = [p.read_text() for p in bundle.rglob("*") if p.is_file()]
    logs = capsys.readouterr()
    return [applied.out, applied.err, html.read_text(), prom.read_text(), *exported,
            logs.out, logs.err]


class TestConverged:
    @pytest.fixture(scope="class")
    def state_dir(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
        yield from _up(tmp_path_factory, "converged", converged=True)

    def test_no_changes(self, repo: Path, inventory: Inventory, state_dir: Path) -> None:
        plan = run_plan(repo, inventory, *lab_inputs(repo, inventory, state_dir))
        noisy = {d.name: (d.config_diff, d.state_changes, d.cabling) for d in plan.devices
                 if d.action is not Action.NOOP or d.state_changes or d.cabling}
        assert noisy == {}
        assert views.summary_line(plan) == views.NO_CHANGES
        assert json.loads(views.json_view(plan))["applyable"] is False

    def test_lab_up_again_is_a_no_op_and_another_lab_is_refused(
        self, state_dir: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from engine.cli import main  # noqa: PLC0415

        up = ["--repo", str(REPO_ROOT), "lab", "up", "--state-dir", str(state_dir)]
        assert main([*up, "--converged"]) == 0
        assert "already up (18 nodes" in capsys.readouterr().out
        assert main(up) == 1  # brownfield is another lab: one cable on another port
        assert "already" in capsys.readouterr().err
        assert lab.is_up(state_dir)

    def test_unreachable_device_is_reported_and_others_planned(
        self, repo: Path, state_dir: Path, tmp_path: Path
    ) -> None:
        device = repo / "inventory/devices/fra1-leaf04.yaml"
        original = device.read_text()
        device.write_text(original.replace("198.18.0.16", "198.18.0.250"))
        try:
            inventory = validate(repo).inventory
            plan = run_plan(repo, inventory, *lab_inputs(repo, inventory, state_dir), timeout=3)
        finally:
            device.write_text(original)
        assert plan.device("fra1-leaf04").action is Action.UNREACHABLE
        assert not plan.complete
        assert all(d.action is Action.NOOP for d in plan.devices if d.name != "fra1-leaf04")


def test_cli_plan_and_drift_exit_codes(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The commands as CI calls them: plan file, Markdown, --detailed-exitcode, drift. A repo
    of its own: the module's repo has seen an apply by now (no longer 'unrecorded')."""
    from engine.cli import main  # noqa: PLC0415

    repo = _git_copy(tmp_path)
    out = tmp_path / "plan.json"
    base = ["--repo", str(repo)]
    # no lab in this state dir (whatever lab a user left up elsewhere): refused, not attempted
    assert main([*base, "plan", "--lab-state-dir", str(tmp_path / "no-lab")]) == 1
    assert "the lab is not running: run `underlay lab up`" in capsys.readouterr().err
    for state_dir in _up(tmp_path_factory, "cli", converged=False):
        lab_arg = ["--lab-state-dir", str(state_dir)]
        code = main([*base, "plan", *lab_arg, "--out", str(out), "--detailed-exitcode",
                     "--format", "markdown"])
        assert code == 2
        assert capsys.readouterr().out.startswith("### underlay plan: Plan: 6 to change")
        assert Plan.model_validate_json(out.read_text()).summary.change == 6
        assert main([*base, "drift", *lab_arg, "--format", "json"]) == 2
        body = json.loads(capsys.readouterr().out)
        assert body["drifted"] and body["summary"]["unrecorded"] == 6
