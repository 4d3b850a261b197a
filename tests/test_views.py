"""Views of diagnostics: text, JSON, GitHub workflow commands, SARIF 2.1.0 and JUnit."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import CASES, HERE, build_case

SARIF_SCHEMA = json.loads((HERE / "data/sarif-schema-2.1.0.json").read_text())


def _underlay(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", "--repo", str(repo), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    return build_case(CASES / "invalid/dangling-references", tmp_path / "repo")


def test_text_lines_start_with_path_line_col(broken: Path) -> None:
    proc = _underlay(broken, "validate")
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1
    assert lines[0].startswith("inventory/cabling.yaml:10:17: error[R301]: cable c2: ")
    assert lines[-1] == "Found 9 errors, 0 warnings in 11 files."


def test_json_has_the_same_diagnostics(broken: Path) -> None:
    body = json.loads(_underlay(broken, "validate", "--format", "json").stdout)
    assert body["valid"] is False and body["summary"]["errors"] == 9
    first = body["diagnostics"][0]
    assert (first["path"], first["line"], first["column"], first["code"]) == (
        "inventory/cabling.yaml",
        10,
        17,
        "R301",
    )


def test_github_workflow_commands(broken: Path) -> None:
    out = _underlay(broken, "validate", "--format", "github").stdout.splitlines()
    assert out[0].startswith(
        "::error file=inventory/cabling.yaml,line=10,col=17,"
        "title=R301 dangling reference::cable c2: "
    )


def test_sarif_validates_against_the_official_schema(broken: Path) -> None:
    log = json.loads(_underlay(broken, "validate", "--format", "sarif").stdout)
    jsonschema.validate(log, SARIF_SCHEMA)
    results = log["runs"][0]["results"]
    assert len(results) == 9
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (10, 17)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert rules[results[0]["ruleIndex"]]["id"] == results[0]["ruleId"] == "R301"


def test_sarif_of_a_clean_run_is_valid_too(base_repo: Path) -> None:
    log = json.loads(_underlay(base_repo, "validate", "--format", "sarif").stdout)
    jsonschema.validate(log, SARIF_SCHEMA)
    assert log["runs"][0]["results"] == []


def test_sarif_schema_rejects_a_broken_log() -> None:
    """The shipped schema is strict enough to catch a log without runs."""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "2.1.0"}, SARIF_SCHEMA)


def test_junit_is_xml_with_one_failure_per_error(broken: Path) -> None:
    root = ET.fromstring(_underlay(broken, "validate", "--format", "junit").stdout)
    assert root.get("failures") == "9"
    assert len(root.findall("testcase/failure")) == 9


def test_output_file(broken: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.sarif"
    proc = _underlay(broken, "validate", "--format", "sarif", "--output", str(out))
    assert proc.returncode == 1 and proc.stdout == ""
    jsonschema.validate(json.loads(out.read_text()), SARIF_SCHEMA)


def test_unknown_format_is_a_usage_error(base_repo: Path) -> None:
    proc = _underlay(base_repo, "validate", "--format", "yaml")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr
