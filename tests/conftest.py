"""Shared fixtures: repositories built from the data-driven case folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).parent
CASES = HERE / "cases"
REPO_ROOT = HERE.parent


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
