"""The pre-commit hooks (.pre-commit-hooks.yaml), run by pre-commit itself on a repository made
by `underlay init`, from a .pre-commit-config.yaml as an infrastructure repository has it.

The hook repository is a git copy of this checkout (uncommitted changes included), named by
path and commit; pre-commit installs it into its own environment with pip (`language:
python`): the dependencies come from the package registry, nothing else from the network.
The environment is made once per module (PRE_COMMIT_HOME in a temporary folder, keyed by the
commit) and reused by every later run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import git
import pytest

from tests.conftest import REPO_ROOT
from tests.test_init import underlay


def _copy_as_repo(dest: Path) -> Path:
    """This checkout's tracked files as they are now, committed in a repository of their own."""
    for rel in git.Repo(REPO_ROOT).git.ls_files().splitlines():
        src = REPO_ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    _commit(git.Repo.init(dest), "the hook repository")
    return dest


def _commit(repo: git.Repo, message: str) -> None:
    repo.git.add("--all")
    repo.git.commit("-qm", message, "--no-verify", author="t <t@example.com>")


Setup = tuple[Path, dict[str, str]]  # the infrastructure repository, pre-commit's environment


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    root = tmp_path_factory.mktemp("precommit")
    hooks = _copy_as_repo(root / "hooks")
    infra = root / "infra"
    assert underlay("init", str(infra)).returncode == 0
    (infra / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {git.Repo(hooks).head.commit.hexsha}\n"
        "    hooks:\n      - id: underlay-validate\n      - id: underlay-check\n"
    )
    _commit(git.Repo(infra), "pre-commit runs underlay")
    # the hook's own environment must run its own install of underlay, not this checkout
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env |= {"PRE_COMMIT_HOME": str(root / "cache"), "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com"}  # fmt: skip
    return infra, env


def _run(setup: Setup, *args: str) -> subprocess.CompletedProcess[str]:
    infra, env = setup
    return subprocess.run(
        args, cwd=infra, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def test_hooks_pass_on_a_new_repository(setup: Setup) -> None:
    proc = _run(setup, sys.executable, "-m", "pre_commit", "run", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "underlay validate...." in proc.stdout and "underlay check...." in proc.stdout


def test_installed_hooks_refuse_a_commit_of_a_broken_inventory(setup: Setup) -> None:
    infra, _ = setup
    assert _run(setup, sys.executable, "-m", "pre_commit", "install").returncode == 0
    device = infra / "inventory/devices/hq1-core01.yaml"
    device.write_text(device.read_text().replace("ipv4: 198.19.0.1/32", "ipv4: 198.19.0.1"))
    assert _run(setup, "git", "add", "--all").returncode == 0
    proc = _run(setup, "git", "commit", "-m", "a loopback without its prefix length")
    shown = proc.stdout + proc.stderr  # git shows the hook's output on standard error
    assert proc.returncode == 1, shown
    assert "inventory/devices/hq1-core01.yaml:" in shown
    assert "error[S201]" in shown and "has no prefix length" in shown
    assert git.Repo(infra).head.commit.summary == "pre-commit runs underlay"
