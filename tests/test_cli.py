"""The command line: command words, lazy stage imports, help, the one layer and exit table."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import exits, main
from engine.cli.app import _command_word
from engine.cli.registry import COMMANDS
from engine.errors import EngineError, Unavailable, UsageError

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


# ---------------------------------------------------------------- one layer, one table
ENGINE = Path(__file__).parent.parent / "engine"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    return found | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}


def test_only_the_cli_parses_arguments_and_picks_views() -> None:
    outside = [p for p in ENGINE.rglob("*.py") if p.parent.name not in ("cli", "views")]
    assert [p.name for p in outside if p.name == "commands.py"] == []
    assert [str(p) for p in outside if any(m.startswith("engine.views") for m in _imports(p))] == []
    assert [str(p) for p in outside if "argparse" in _imports(p)] == []


def test_every_exception_in_the_exit_table_exists() -> None:
    for name in exits.FAULTS:
        module, _, kind = name.rpartition(".")
        assert issubclass(getattr(importlib.import_module(module), kind), BaseException), name


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (UsageError("x"), exits.FAULT),
        (EngineError("x"), exits.FAULT),
        (Unavailable("x"), exits.PROBLEMS),
        (KeyboardInterrupt(), exits.INTERRUPTED),
        (ValueError("a bug"), exits.FAULT),
    ],
)
def test_exceptions_map_to_codes_through_one_table(exc: BaseException, code: int) -> None:
    assert exits.fault(exc).code == code
    assert exits.error(exits.fault(exc).code, two_means_changes=True) == exits.PROBLEMS


@pytest.mark.parametrize(
    ("argv", "changes"),
    [
        (["drift"], True),
        (["plan", "--detailed-exitcode"], True),
        (["plan", "--out", "p.json", "--detailed"], True),
        (["plan", "--d"], True),
        (["plan", "--out", "p.json"], False),
        (["check"], False),
        ([], False),
    ],
)
def test_where_2_means_changes(argv: list[str], changes: bool) -> None:
    assert exits.two_means_changes(_command_word(argv), argv) is changes


def test_help_texts_are_defined_once(capsys: pytest.CaptureFixture[str]) -> None:
    """The one-line help of the command list is the description of the command's own help."""
    for command, text in COMMANDS.items():
        assert main([command, "--help"]) == 0
        assert f"\n\n{text}\n" in capsys.readouterr().out, command
