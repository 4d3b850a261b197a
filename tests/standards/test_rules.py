"""Every rule has a passing and a failing case: tests/standards/cases/<RULE-ID>.yaml.

Each case file has `pass:` and `fail:`, each optionally with `edit` (file -> [[old, new]]),
`files`, `waivers` and `today`, over tests/standards/base (the sample organisation without its
deliberate exceptions). `expect` lists the rule's findings as `path:line`: none for `pass`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from engine.standards import load
from tests.conftest import REPO_ROOT
from tests.standards.helpers import CASES, TODAY, build, line, run


def _case(rule: str, outcome: str) -> dict[str, Any]:
    data = YAML(typ="safe").load((CASES / f"{rule}.yaml").read_text())
    return data[outcome] or {}


def _rule_ids() -> list[str]:
    return sorted(r.rule.id for r in load(REPO_ROOT).rules)


def test_every_rule_has_a_case_file() -> None:
    assert sorted(p.stem for p in CASES.glob("*.yaml")) == _rule_ids()


def _found(rule: str, case: dict[str, Any], tmp_path: Path) -> list[str]:
    today = case.get("today", TODAY)
    result = run(build(tmp_path / "repo", case), date.fromisoformat(str(today)))
    assert [d.message for d in result.diagnostics if d.code == "T509"] == []
    return sorted(line(d) for d in result.diagnostics if d.code == rule)


@pytest.mark.parametrize("rule", _rule_ids())
def test_rule_passes(rule: str, tmp_path: Path) -> None:
    case = _case(rule, "pass")
    assert _found(rule, case, tmp_path) == sorted(case.get("expect", []))


@pytest.mark.parametrize("rule", _rule_ids())
def test_rule_fails(rule: str, tmp_path: Path) -> None:
    case = _case(rule, "fail")
    assert case.get("expect"), f"{rule}: the failing case expects no finding"
    assert _found(rule, case, tmp_path) == sorted(case["expect"])
