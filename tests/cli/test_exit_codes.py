"""Exit codes, produced for real: where 2 means "changes" (`plan --detailed-exitcode`, `drift`)
every error of any kind is 1; elsewhere a usage error or an engine fault is 2.

No mocks: a secrets file that is not YAML, a git repository whose HEAD is garbage, command
lines argparse or the engine refuse, an output folder that does not exist, Ctrl-C while a
device hangs. The devices are unreachable (tests.cli.offline): each fault happens before or
independently of them.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path
from subprocess import PIPE

import pytest

from engine.cli import exits
from tests.cli.offline import (
    PASSWORD,
    USERNAME,
    environment,
    move,
    silent_device,
    underlay,
)

CHANGES = (("plan", "--detailed-exitcode"), ("drift", "--no-record"))
CREDENTIALS = {USERNAME: "netops", PASSWORD: "Not-a-real-one-42"}


def _fails_cleanly(done: object, code: int, says: str) -> None:
    out, err = done.stdout, done.stderr  # type: ignore[attr-defined]
    assert done.returncode == code, out + err  # type: ignore[attr-defined]
    assert "Traceback" not in out + err
    assert says in err, err


@pytest.mark.parametrize("command", CHANGES, ids=lambda c: c[0])
def test_a_secrets_file_that_is_not_yaml_is_1(
    offline: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("credentials: [\n")  # the devices' set `lab` is looked up here
    env = environment(tmp_path, UNDERLAY_SECRETS_FILE=str(secrets))
    done = underlay(offline, *command, env=env)
    _fails_cleanly(done, exits.PROBLEMS, f"underlay: error: {secrets}:2:1: ")


def test_the_same_fault_is_2_where_2_does_not_mean_changes(offline: Path, tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("credentials: [\n")
    env = environment(tmp_path, UNDERLAY_SECRETS_FILE=str(secrets))
    _fails_cleanly(underlay(offline, "plan", env=env), exits.FAULT, f"{secrets}:2:1: ")


@pytest.fixture
def broken_git(offline: Path, tmp_path: Path) -> Path:
    """The offline sample with garbage in .git/HEAD: git refuses the repository."""
    repo = tmp_path / "broken"
    shutil.copytree(offline, repo)
    (repo / ".git/HEAD").write_text("garbage\n")
    return repo


def test_drift_on_a_broken_git_repository_is_1(broken_git: Path, tmp_path: Path) -> None:
    env = environment(tmp_path, **CREDENTIALS)
    done = underlay(broken_git, "drift", env=env)
    _fails_cleanly(done, exits.PROBLEMS, "git cannot read this repository")


def test_plan_on_a_broken_git_repository_is_1(broken_git: Path, tmp_path: Path) -> None:
    """A plan records the commit it was made from: git refusing the repository is a fault
    (a plan must not silently lose its commit), and with --detailed-exitcode a fault is 1."""
    env = environment(tmp_path, **CREDENTIALS)
    done = underlay(broken_git, "plan", "--detailed-exitcode", env=env)
    _fails_cleanly(done, exits.PROBLEMS, "git cannot read this repository")
    done = underlay(broken_git, "plan", env=env)
    _fails_cleanly(done, exits.FAULT, "git cannot read this repository")


def test_the_broken_repository_is_a_fault_2_elsewhere(broken_git: Path, tmp_path: Path) -> None:
    env = environment(tmp_path, **CREDENTIALS)
    done = underlay(broken_git, "audit", "log", env=env)
    _fails_cleanly(done, exits.FAULT, "not a git repository")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("plan", "--detailed-exitcode", "--no-such-option"), "unrecognized arguments"),
        (("plan", "--detailed", "--format", "yaml"), "invalid choice: 'yaml'"),
        (("plan", "--detailed-exitcode", "--limit", "site:nowhere"), "usage error: --limit"),
        (("drift", "--format", "yaml"), "invalid choice: 'yaml'"),
        (("drift", "--workers", "many"), "invalid int value"),
    ],
)
def test_usage_errors_are_1(
    offline: Path, tmp_path: Path, argv: tuple[str, ...], says: str
) -> None:
    env = environment(tmp_path, **CREDENTIALS)
    _fails_cleanly(underlay(offline, *argv, env=env), exits.PROBLEMS, says)


@pytest.mark.parametrize(
    "argv", [("plan", "--no-such-option"), ("plan", "--limit", "site:nowhere")]
)
def test_usage_errors_are_2_elsewhere(offline: Path, tmp_path: Path, argv: tuple[str, ...]) -> None:
    done = underlay(offline, *argv, env=environment(tmp_path, **CREDENTIALS))
    assert done.returncode == exits.FAULT, done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ("plan", "--detailed-exitcode", "--out", "a-file/plan.json"),
        ("drift", "--no-record", "--output", "a-file/drift.txt"),
    ],
    ids=["plan", "drift"],
)
def test_an_engine_fault_after_the_devices_is_1(
    offline: Path, tmp_path: Path, argv: tuple[str, ...]
) -> None:
    """The plan was made, its file cannot be written (its folder is a file): a fault, which
    is 2 elsewhere, is 1 here - never "changes"."""
    (tmp_path / "a-file").write_text("not a folder\n")
    done = underlay(offline, *argv, env=environment(tmp_path, **CREDENTIALS), cwd=tmp_path)
    _fails_cleanly(done, exits.PROBLEMS, f"underlay: {argv[0]}: cannot write a-file/")


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (("plan", "--detailed-exitcode"), exits.PROBLEMS),
        (("drift", "--no-record"), exits.PROBLEMS),
        (("plan",), exits.INTERRUPTED),
    ],
    ids=["plan-detailed", "drift", "plan"],
)
def test_an_interrupted_run_is_1_where_2_means_changes(
    offline: Path, tmp_path: Path, argv: tuple[str, ...], code: int
) -> None:
    """Ctrl-C while a device holds the run (it accepted the connection and says nothing)."""
    repo = tmp_path / "repo"
    shutil.copytree(offline, repo)
    env = environment(tmp_path, **CREDENTIALS)
    with silent_device() as device:
        move(repo, "fra1-leaf01", "127.0.0.1", device.port)
        command = [sys.executable, "-m", "engine.cli", "--repo", str(repo), *argv]
        run = subprocess.Popen(command, env=env, stdout=PIPE, stderr=PIPE, text=True)
        assert device.hung.wait(60), "the run never reached the device"
        run.send_signal(signal.SIGINT)
        device.hang_up()  # the device's worker fails now; the run stops at the interrupt
        _, err = run.communicate(timeout=60)
    assert run.returncode == code, err
    assert err.endswith("underlay: interrupted\n"), err
