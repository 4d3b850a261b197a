"""Pipelines: the files validate with positions, runs behave as declared, CI glue works."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import git
import pytest

from engine.pipeline import comment, publish
from engine.pipeline.load import load
from engine.scaffold.workflows import INSTALL_CHECKOUT, all_workflows
from tests.conftest import REPO_ROOT
from tests.pipeline.conftest import FakeGitHub


def underlay(
    repo: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", "--repo", str(repo), *args],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )


@pytest.fixture
def repo(sample_copy: Path) -> Path:
    shutil.copytree(REPO_ROOT / "pipelines", sample_copy / "pipelines")
    return sample_copy


def write_pipeline(repo: Path, name: str, text: str) -> None:
    (repo / "pipelines").mkdir(exist_ok=True)
    (repo / "pipelines" / f"{name}.yaml").write_text(text)


# ---------------------------------------------------------------- the files
def test_the_repository_pipelines_validate() -> None:
    proc = underlay(REPO_ROOT, "pipeline", "validate")
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.strip() == "No problems found in 3 files."


def test_pipeline_problems_are_diagnostics_at_line_and_column(tmp_path: Path) -> None:
    write_pipeline(tmp_path, "bad", """\
description: broken on purpose
stages:
  - name: one
    run: [ls, -l]
  - name: two
    run: [underlay, validate, --format, "{colour}"]
    colour: red
  - name: two
    run: [underlay, check]
    when: sometimes
""")
    proc = underlay(tmp_path, "pipeline", "validate", "bad")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("pipelines/bad.yaml:4:10: error[S201]: stages.0.run: ")
    assert "starts with `underlay`" in lines[0]
    assert lines[1].startswith(
        "pipelines/bad.yaml:7:5: error[S202]: unknown field 'stages.1.colour'"
    )
    assert lines[2].startswith("pipelines/bad.yaml:10:11: error[S201]: stages.2.when: ")
    assert len(lines) == 4


def test_duplicate_stages_and_unknown_placeholders(tmp_path: Path) -> None:
    write_pipeline(tmp_path, "dup", """\
description: x
stages:
  - name: a
    run: [underlay, validate, --format, "{colour}"]
  - name: a
    run: [underlay, check]
""")
    loaded = load(tmp_path, "dup")
    assert loaded is not None and not loaded.ok
    found = sorted((d.code, str(d.pos)) for d in loaded.diagnostics)
    assert found == [("R303", "pipelines/dup.yaml:5:11"), ("S201", "pipelines/dup.yaml:4:41")]


def test_unknown_pipeline_is_a_usage_error(repo: Path) -> None:
    proc = underlay(repo, "pipeline", "run", "nightly")
    assert proc.returncode == 2
    assert "no pipeline 'nightly'" in proc.stderr and "pull-request" in proc.stderr


# ---------------------------------------------------------------- running
def test_dry_run_of_pull_request_shows_every_command(repo: Path) -> None:
    proc = underlay(repo, "pipeline", "run", "pull-request", "--dry-run")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "would run: underlay validate --format text" in out
    sarif = ".underlay/artifacts/pull-request/check.sarif"
    assert f"underlay check --format sarif --output {sarif}" in out
    assert "comment" in out
    assert not (repo / ".underlay/artifacts/pull-request/check.sarif").exists()


def test_validate_and_check_stages_run_for_real(repo: Path) -> None:
    write_pipeline(repo, "checks", """\
description: the checking stages of pull-request
stages:
  - name: validate
    run: [underlay, validate, --format, "{annotations}"]
  - name: check-sarif
    run: [underlay, check, --format, sarif, --output, "{artifacts}/check.sarif"]
    artifacts: [check.sarif]
    allow_exit_codes: [0, 1]
  - name: check
    run: [underlay, check, --format, json]
    stdout: check.json
""")
    env = {**_env(), "GITHUB_ACTIONS": "true"}
    proc = underlay(repo, "pipeline", "run", "checks", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    folder = repo / ".underlay/artifacts/checks"
    sarif = json.loads((folder / "check.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert json.loads((folder / "check.json").read_text())
    lines = [x for x in proc.stdout.splitlines() if x.startswith("  ")]
    assert [x.split()[:2] for x in lines] == [["validate", "ok"], ["check-sarif", "ok"],
                                               ["check", "ok"]]
    assert proc.stdout.splitlines()[-1].startswith("pipeline checks passed: 3 ok in ")


def test_a_failing_stage_stops_but_always_stages_run(repo: Path) -> None:
    (repo / "inventory/devices/fra1-leaf01.yaml").write_text("name: [\n")
    write_pipeline(repo, "stops", """\
description: stop on failure
stages:
  - name: validate
    run: [underlay, validate]
  - name: check
    run: [underlay, check]
  - name: docs
    run: [underlay, standards, docs, --output, "{artifacts}/handbook.md"]
    artifacts: [handbook.md]
    when: always
  - name: apply
    run: [underlay, validate]
    when: changes
""")
    proc = underlay(repo, "pipeline", "run", "stops", env=_env())
    assert proc.returncode == 1
    assert "error[Y101]" in proc.stdout
    status = {x.split()[0]: x.split()[1] for x in proc.stdout.splitlines() if x.startswith("  ")}
    assert status == {"validate": "failed", "check": "skipped", "docs": "ok", "apply": "skipped"}
    assert "pipeline stops failed at validate" in proc.stdout


def test_changes_exit_codes_enable_changes_stages(repo: Path) -> None:
    (repo / "inventory/devices/fra1-leaf01.yaml").write_text("name: [\n")
    write_pipeline(repo, "changes", """\
description: a stage whose exit code 1 means changes
stages:
  - name: plan
    run: [underlay, validate]
    allow_exit_codes: [0, 1]
    changes_exit_codes: [1]
  - name: comment
    run: [underlay, schemas, --check]
    when: changes
""")
    proc = underlay(repo, "pipeline", "run", "changes", env=_env())
    status = {x.split()[0]: x.split()[1] for x in proc.stdout.splitlines() if x.startswith("  ")}
    assert status == {"plan": "changes", "comment": "ok"}
    assert proc.returncode == 0


def test_the_merge_pipeline_checks_the_standards_before_plan_and_apply(repo: Path) -> None:
    """A merge that bypassed the required checks (an NTP value breaking MGMT-NTP on every
    object) stops at check: nothing is planned or applied; the audit stages still run."""
    groups = repo / "inventory/groups.yaml"
    ntp = "servers: [198.18.0.5, 198.18.0.6]"
    assert groups.read_text().count(ntp) == 1
    groups.write_text(groups.read_text().replace(ntp, "servers: [198.18.0.5, 198.18.0.9]"))
    handle = git.Repo.init(repo, initial_branch="main")
    handle.git.add("--all")
    handle.index.commit("bypassed the required checks")
    proc = underlay(repo, "pipeline", "run", "merge", env=_env())
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "inventory/groups.yaml:8:7: error[MGMT-NTP]" in proc.stdout
    status = {x.split()[0]: x.split()[1] for x in proc.stdout.splitlines() if x.startswith("  ")}
    assert status == {"check": "failed", "plan": "skipped", "apply": "skipped",
                      "verify": "skipped", "record": "ok", "publish": "ok"}  # fmt: skip


def test_missing_command_fails_with_exit_2(repo: Path) -> None:
    text = "description: x\nstages:\n  - name: f\n    run: [underlay, fly]\n"
    write_pipeline(repo, "future", text)
    proc = underlay(repo, "pipeline", "run", "future", env=_env())
    assert proc.returncode == 2
    assert "unavailable" in proc.stdout and "no `fly` command" in proc.stdout


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.pop("CI", None)
    return env


# ---------------------------------------------------------------- the PR comment
def test_comment_posts_once_then_updates(tmp_path: Path, github: str) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("Plan: 1 to change, 9 unchanged.\n")
    env = {"GITHUB_TOKEN": "t0k", "GITHUB_REPOSITORY": "org/infra", "UNDERLAY_PR": "12",
           "GITHUB_API_URL": github}
    first = comment.post(plan, plan.read_text(), env)
    second = comment.post(plan, plan.read_text(), env)
    assert first.posted and "posted" in first.message
    assert "updated" in second.message
    kinds = [(m, p) for m, p, _ in FakeGitHub.calls]
    assert kinds == [
        ("GET", "/repos/org/infra/issues/12/comments?per_page=100"),
        ("POST", "/repos/org/infra/issues/12/comments"),
        ("GET", "/repos/org/infra/issues/12/comments?per_page=100"),
        ("PATCH", "/repos/org/infra/issues/comments/7"),
    ]
    assert FakeGitHub.calls[0][2] == "Bearer t0k"
    assert FakeGitHub.calls[1][2].startswith(comment.MARKER + "\nPlan: 1 to change")


def test_comment_outside_a_pull_request_says_where_the_plan_is(tmp_path: Path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("x")
    outcome = comment.post(plan, "x", {"GITHUB_TOKEN": "t"})
    assert not outcome.posted and str(plan) in outcome.message


def test_pr_number_comes_from_the_event_file(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 42}}))
    env = {"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": str(event)}
    where = comment.target(env)
    assert where is not None and where.number == 42


def test_long_plans_are_truncated_for_github() -> None:
    assert len(comment.body("x" * 100_000)) < 65_536


# ---------------------------------------------------------------- audit publishing
def test_publish_without_remote_or_records(tmp_path: Path) -> None:
    handle = git.Repo.init(tmp_path)
    (tmp_path / "f").write_text("x")
    handle.index.add(["f"])
    handle.index.commit("one")
    assert "no remote" in publish.push_ref(tmp_path).message
    handle.create_remote("origin", str(tmp_path / "nowhere"))
    assert "no audit records yet" in publish.push_ref(tmp_path).message


def test_publish_pushes_the_audit_ref(tmp_path: Path) -> None:
    remote = git.Repo.init(tmp_path / "remote.git", bare=True)
    handle = git.Repo.init(tmp_path / "work")
    (tmp_path / "work/f").write_text("x")
    handle.index.add(["f"])
    sha = handle.index.commit("one").hexsha
    handle.git.update_ref(publish.AUDIT_REF, sha)
    handle.create_remote("origin", str(tmp_path / "remote.git"))
    result = publish.push_ref(tmp_path / "work")
    assert result.pushed
    assert remote.git.rev_parse(publish.AUDIT_REF) == sha


# ---------------------------------------------------------------- GitHub workflows
WORKFLOWS = sorted((REPO_ROOT / ".github/workflows").glob("*.yml"))


def test_workflows_match_the_official_schema() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         *map(str, WORKFLOWS)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(WORKFLOWS) == 3


def test_workflows_are_generated_and_only_run_pipelines() -> None:
    expected = all_workflows(INSTALL_CHECKOUT)
    assert {p.name: p.read_text() for p in WORKFLOWS} == expected
    for name, text in expected.items():
        runs = [x.strip() for x in text.splitlines() if x.strip().startswith("run: ")]
        assert runs == [f"run: {INSTALL_CHECKOUT}",
                        f"run: underlay pipeline run {name.removesuffix('.yml')}"]


def test_pull_request_workflow_uploads_sarif() -> None:
    text = (REPO_ROOT / ".github/workflows/pull-request.yml").read_text()
    assert "github/codeql-action/upload-sarif@v3" in text
    assert "sarif_file: .underlay/artifacts/pull-request/check.sarif" in text
