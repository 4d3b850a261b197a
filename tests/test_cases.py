"""Data-driven cases: tests/cases/{valid,invalid}/<case>/ over tests/cases/base/.

Each case folder holds inventory files that replace or add to the base repository, an optional
`remove` file (paths to delete), and for invalid cases `expected`: one `path:line CODE` per
line, exactly the diagnostics validate must report (errors and warnings).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.diagnostics import Severity
from engine.validate import validate
from tests.conftest import CASES, build_case


def _cases(kind: str) -> list[Path]:
    return sorted(p for p in (CASES / kind).iterdir() if p.is_dir())


def _found(repo: Path) -> list[str]:
    result = validate(repo)
    return sorted(
        f"{d.pos.path}:{d.pos.line} {d.code}"
        for d in result.diagnostics
        if d.severity is not Severity.INFO
    )


@pytest.mark.parametrize("case", _cases("valid"), ids=lambda p: p.name)
def test_valid_case(case: Path, tmp_path: Path) -> None:
    assert _found(build_case(case, tmp_path / "repo")) == []


@pytest.mark.parametrize("case", _cases("invalid"), ids=lambda p: p.name)
def test_invalid_case(case: Path, tmp_path: Path) -> None:
    expected = sorted(
        line.strip()
        for line in (case / "expected").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert expected, f"{case}/expected lists no diagnostics"
    assert _found(build_case(case, tmp_path / "repo")) == expected
