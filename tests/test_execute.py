"""The execution settings (underlay.yaml) and the parts of the executors that need no broker.

The Celery executor itself runs against a real Redis and real workers over the lab:
tests/lab/test_celery_lab.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.execute import Execution, Settings, load, scrub
from engine.secrets import REDACTED


def _write(repo: Path, text: str) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    (repo / "underlay.yaml").write_text(text)
    return repo


def test_no_file_means_everything_local(tmp_path: Path) -> None:
    loaded = load(tmp_path)
    assert loaded.settings == Settings() and loaded.diagnostics == []
    assert loaded.settings.execution.executor == "local"


def test_the_samples_file_is_valid_and_local() -> None:
    from tests.conftest import REPO_ROOT  # noqa: PLC0415

    loaded = load(REPO_ROOT)
    assert loaded.diagnostics == [] and loaded.settings is not None
    execution = loaded.settings.execution
    assert execution.executor == "local"
    assert (execution.queue("fra1"), execution.queue("elsewhere")) == ("fra1", "elsewhere")


def test_queues_and_the_brokers_environment_variable(tmp_path: Path) -> None:
    repo = _write(tmp_path, "execution:\n  executor: celery\n  broker: redis://b:6379/0\n"
                            "  queues: {fra2: fra2-dr}\n")  # fmt: skip
    execution = load(repo).settings.execution  # type: ignore[union-attr]
    assert execution.queue("fra2") == "fra2-dr"
    assert execution.broker_url({}) == "redis://b:6379/0"
    secret = "redis://:s3cr3t@b:6379/0"
    assert execution.broker_url({"UNDERLAY_BROKER_URL": secret}) == secret


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("execution:\n  broker: redis://:pw@host:6379/0\n", "underlay.yaml:2:11 S201 password"),
        ("execution:\n  broker: http://host/\n", "underlay.yaml:2:11 S201 not a Redis URL"),
        ("execution:\n  executor: threads\n", "underlay.yaml:2:13 S201 'local' or 'celery'"),
        ("execution:\n  wait_for_worker: 0\n", "underlay.yaml:2:20 S201 greater than 0"),
        ("execution:\n  queue: {fra1: a}\n", "underlay.yaml:2:3 S202 unknown field"),
        ("execution: [1\n", "underlay.yaml:2:1 Y101 expected"),
    ],
)
def test_invalid_files_are_diagnostics_with_positions(
    tmp_path: Path, text: str, expected: str
) -> None:
    where, code, words = expected.split(" ", 2)
    loaded = load(_write(tmp_path, text))
    assert loaded.settings is None
    [found] = loaded.diagnostics
    pos = found.pos
    assert (f"{pos.path}:{pos.line}:{pos.col}", found.code) == (where, code)
    assert words in found.message
    assert "pw@" not in found.message  # the value itself is never quoted


def test_an_invalid_file_stops_plan_with_its_diagnostics(sample_copy: Path) -> None:
    repo = sample_copy
    _write(repo, "execution:\n  executor: celery\n  broker: redis://:hunter2@host:6379/0\n")
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "--repo", str(repo), "plan", "--detailed-exitcode"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.startswith("underlay.yaml:3:11: error[S201]: execution.broker: ")
    assert "hunter2" not in proc.stderr + proc.stdout and "Traceback" not in proc.stderr


def test_scrub_replaces_every_secret_in_keys_and_values() -> None:
    answer = {"running": "user x password hunter2", "hunter2": ["a hunter2 b", 3, None]}
    assert scrub(answer, ["hunter2", ""]) == {
        "running": f"user x password {REDACTED}",
        REDACTED: [f"a {REDACTED} b", 3, None],
    }
    assert scrub(answer, []) is answer


def test_a_site_not_listed_uses_the_queue_of_its_name() -> None:
    assert Execution(queues={"fra1": "q1"}).queue("fra2") == "fra2"


@pytest.mark.parametrize("command", ["validate", "check"])
def test_validate_and_check_hold_the_settings_file_too(sample_copy: Path, command: str) -> None:
    """A pull request that breaks underlay.yaml fails at validate, not at the next plan."""
    from engine.cli import main  # noqa: PLC0415
    from engine.cli.inventory_cmds import SETTINGS_FILE  # noqa: PLC0415
    from engine.execute.settings import SETTINGS_FILE as OWN  # noqa: PLC0415

    assert SETTINGS_FILE == OWN
    _write(sample_copy, "execution:\n  executor: nowhere\n")
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "--repo", str(sample_copy), command, "--no-cache"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "underlay.yaml:2:13: error[S201]: execution.executor: " in proc.stdout
    _write(sample_copy, "execution:\n  executor: local\n")
    assert main(["--repo", str(sample_copy), command, "--no-cache"]) == 0
