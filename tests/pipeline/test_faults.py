"""A fault in the plan stage stops the pipelines: the pipelines read only 2 as "changes", and
a plan that dies exits 1 (`--detailed-exitcode`). Run through `underlay pipeline run`, on the
sample whose devices are unreachable (tests.cli.offline), with a secrets file that is not YAML:
the plan cannot resolve the devices' credentials."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli.offline import environment, offline_sample, underlay
from tests.pipeline.conftest import FakeGitHub


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return offline_sample(tmp_path / "repo")


@pytest.fixture
def broken_secrets(tmp_path: Path) -> dict[str, str]:
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("credentials: [\n")
    return environment(tmp_path, UNDERLAY_SECRETS_FILE=str(secrets))


def _stages(out: str) -> dict[str, str]:
    return {x.split()[0]: x.split()[1] for x in out.splitlines() if x.startswith("  ")}


def test_the_pull_request_pipeline_posts_no_plan(
    repo: Path, broken_secrets: dict[str, str], github: str
) -> None:
    pr = {"GITHUB_TOKEN": "t0k", "GITHUB_REPOSITORY": "org/infra", "UNDERLAY_PR": "12"}
    env = {**broken_secrets, **pr, "GITHUB_API_URL": github}
    done = underlay(repo, "pipeline", "run", "pull-request", env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    stages = _stages(done.stdout)
    assert stages["plan"] == "failed" and stages["comment"] == "skipped", done.stdout
    assert "secrets.yaml:2:1: did not find expected node content" in done.stdout
    assert FakeGitHub.calls == []


def test_the_merge_pipeline_applies_nothing(repo: Path, broken_secrets: dict[str, str]) -> None:
    done = underlay(repo, "pipeline", "run", "merge", env=broken_secrets)
    assert done.returncode == 1, done.stdout + done.stderr
    stages = _stages(done.stdout)
    assert stages["check"] == "ok", done.stdout
    assert stages["plan"] == "failed", done.stdout
    assert stages["apply"] == stages["verify"] == "skipped", done.stdout
    audit = subprocess.run(
        ["git", "rev-parse", "--verify", "-q", "refs/underlay/audit"], cwd=repo, check=False
    )
    assert audit.returncode != 0  # no apply record: nothing was applied
