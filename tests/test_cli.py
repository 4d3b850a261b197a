"""The command line: command words, lazy stage imports, help, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import _command_word, main

HEAVY = (
    "nornir",
    "napalm",
    "paramiko",
    "git",
    "jinja2",
    "deepdiff",
    "engine.lab",
    "engine.standards",
)


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["validate"], "validate"),
        (["--repo", "x", "plan", "--out", "p"], "plan"),
        (["--debug", "--repo", "validate", "check"], "check"),
        (["--help"], None),
        ([], None),
    ],
)
def test_command_word(argv: list[str], word: str | None) -> None:
    assert _command_word(argv) == word


def test_validate_imports_no_device_or_git_library(base_repo: Path) -> None:
    """Warm validate must stay under a second: it may not pay for the device stack."""
    code = (
        "import sys; from engine.cli import main; rc = main(['--repo', sys.argv[1], 'validate', "
        "'--format', 'json']); print(sorted(m for m in sys.modules if m.startswith("
        f"{HEAVY!r})), file=sys.stderr); sys.exit(rc)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(base_repo)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["valid"] is True
    assert proc.stderr.strip() == "[]"


def test_every_command_is_listed_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in (
        "validate",
        "check",
        "plan",
        "drift",
        "lab",
        "audit",
        "report",
        "pipeline",
        "init",
        "render",
        "metrics",
        "explain",
        "schemas",
        "standards",
    ):
        assert f"    {command}" in out, command


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_a_corrupt_lab_state_is_reported_and_cleaned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    (state_dir / "state.json").write_text("{}")
    assert main(["lab", "status", "--state-dir", str(state_dir)]) == 1
    said = capsys.readouterr()
    assert "no lab in" in said.out + said.err
    assert main(["lab", "down", "--state-dir", str(state_dir)]) == 0
    assert not state_dir.exists()
