"""Repositories for standards tests: a compliant copy of the sample, edited per case."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

from engine.diagnostics import Diagnostic
from engine.standards import CheckResult, check
from tests.conftest import REPO_ROOT

HERE = Path(__file__).parent
BASE = HERE / "base"  # the sample organisation without its deliberate exceptions
CASES = HERE / "cases"
TODAY = date(2026, 11, 27)


def build(dest: Path, case: dict[str, Any] | None = None) -> Path:
    """BASE plus the repository's standards (without its waivers), then the case's changes.

    A case may `edit` files (each [old, new] must occur exactly once, so a case cannot go stale
    silently), write whole `files`, and give `waivers` (the text of standards/waivers.yaml).
    """
    shutil.copytree(BASE, dest)
    shutil.copytree(REPO_ROOT / "standards", dest / "standards")
    (dest / "standards/waivers.yaml").unlink()
    return change(dest, case or {})


def change(dest: Path, case: dict[str, Any]) -> Path:
    """Apply a case's `edit`, `files` and `waivers` to a repository."""
    for rel, edits in case.get("edit", {}).items():
        path = dest / rel
        text = path.read_text()
        for old, new in edits:
            assert text.count(old) == 1, f"{rel}: {old!r} occurs {text.count(old)} times"
            text = text.replace(old, new)
        path.write_text(text)
    for rel, text in case.get("files", {}).items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(text)
    if "waivers" in case:
        (dest / "standards/waivers.yaml").write_text(case["waivers"])
    return dest


def run(repo: Path, today: date = TODAY, *, incremental: bool = False) -> CheckResult:
    return check(repo, today, incremental=incremental)


def line(d: Diagnostic) -> str:
    """`path:line`, and ` waived` when a waiver covers it."""
    return f"{d.pos.path}:{d.pos.line}" + (" waived" if d.waiver else "")
