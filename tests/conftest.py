"""Shared fixtures: repositories built from the data-driven case folders, and REPO_ROOT.

REPO_ROOT is not the checkout: it is a private copy of it (without .git, .underlay/ and
caches), made once per test process as a fresh git repository of one commit. Tests run the
engine on the sample organisation there, so they never read or write the checkout's own
state (.underlay/, refs/underlay/*, caches): the README's main job may have run in the
checkout, or a lab may be up from it, and the suite does not see it.
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).parent
CASES = HERE / "cases"
CHECKOUT = HERE.parent
NOT_COPIED = (".git", ".underlay", "__pycache__", "*.egg-info", ".*_cache", "build", "dist")


def _private_copy() -> Path:
    root = Path(tempfile.mkdtemp(prefix="underlay-tests-"))
    atexit.register(shutil.rmtree, root, True)
    copy = root / "repo"
    shutil.copytree(CHECKOUT, copy, ignore=shutil.ignore_patterns(*NOT_COPIED), symlinks=True)
    git = ["git", "-c", "user.name=tests", "-c", "user.email=tests@example.com"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "sample"]):
        subprocess.run([*git, *args], cwd=copy, check=True)
    return copy


REPO_ROOT = _private_copy()


def build_case(case: Path, dest: Path) -> Path:
    """The base repository, with the case's files laid over it and its `remove` list deleted."""
    shutil.copytree(CASES / "base", dest)
    for src in case.rglob("*"):
        rel = src.relative_to(case)
        if src.is_file() and rel.parts[0] == "inventory":
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
    removals = case / "remove"
    if removals.is_file():
        for line in removals.read_text().split():
            (dest / line).unlink()
    return dest


@pytest.fixture
def base_repo(tmp_path: Path) -> Path:
    return build_case(CASES / "base", tmp_path / "repo")


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A private copy of the sample organisation (inventory, standards, schemas)."""
    dest = tmp_path / "sample"
    for folder in ("inventory", "standards", "schemas"):
        if (REPO_ROOT / folder).is_dir():
            shutil.copytree(REPO_ROOT / folder, dest / folder)
    return dest
