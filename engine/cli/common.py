"""What several command groups share: the valid inventory, data problems, option helpers."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import UsageError
from engine.load.repo import resolve_repo
from engine.views.diagnostics import VIEWS, Report

if TYPE_CHECKING:
    from engine.cli.output import Output
    from engine.execute import Execution, Executor, Settings
    from engine.model.layout import Inventory
    from engine.monitoring.settings import MonitoringSettings
    from engine.render import Intended
    from engine.secrets import CredentialStore

Command = Callable[[argparse.Namespace, "Output"], int]


class DataProblems(Exception):
    """Problems in the user's data that stop a command before its stage runs (an invalid
    inventory, standards library or pipeline file): the report goes to standard error and the
    command exits 1 (engine.cli.exits)."""

    def __init__(self, report: Report) -> None:
        super().__init__(VIEWS["text"](report))


def require_valid(report: Report, ok: bool) -> None:
    """Go on only with valid data: else DataProblems shows `report`."""
    if not ok:
        raise DataProblems(report)


def valid_inventory(args: argparse.Namespace) -> tuple[Path, Inventory]:
    """The repository and its validated inventory, for every command that needs a valid one."""
    from engine.validate import validate  # noqa: PLC0415

    repo = resolve_repo(args.repo)
    result = validate(repo)
    require_valid(Report("validate", result.diagnostics, result.files), result.ok)
    return repo, result.inventory


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def today_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--today", type=iso_date, metavar="YYYY-MM-DD", help="judge dates as of this day"
    )


def format_option(
    parser: argparse.ArgumentParser, choices: Sequence[str], default: str = "text"
) -> None:
    help_text = f"output format (default: {default})"
    parser.add_argument("--format", choices=list(choices), default=default, help=help_text)


def report_options(parser: argparse.ArgumentParser, choices: Sequence[str]) -> None:
    """--format and --output of the commands that report (text by default)."""
    format_option(parser, choices)
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")


def limit_option(parser: argparse.ArgumentParser) -> None:
    """--limit: which devices and servers a device command contacts (all without it)."""
    parser.add_argument(
        "--limit",
        nargs="+",
        metavar="SELECTOR",
        help="names (globs) or site:X, role:X, tag:X, platform:X, kind:server",
    )


def device_options(parser: argparse.ArgumentParser) -> None:
    """What the commands that contact devices share."""
    from engine.lab.state import DEFAULT_STATE_DIR  # noqa: PLC0415 - device commands only

    parser.add_argument(
        "--lab-state-dir",
        type=Path,
        default=DEFAULT_STATE_DIR,
        help="for a repository whose devices live in the lab: its state dir",
    )


def device_inputs(
    args: argparse.Namespace, repo: Path, inventory: Inventory, names: Sequence[str]
) -> tuple[Intended, CredentialStore]:
    """What the commands that contact devices hand their stage: the configs of `names`
    rendered once, and the credentials (the lab's among them: LabNotUpError when the devices
    live in a lab that is down, before any is contacted) with the pinned host keys."""
    from engine.cli.lab_plug import credential_store  # noqa: PLC0415 - device commands only
    from engine.collect.hostkeys import pinned_keys  # noqa: PLC0415
    from engine.render import render_intended  # noqa: PLC0415

    store = credential_store(repo, inventory, args.lab_state_dir)
    pinned_keys(repo, store)  # a bad known_hosts file stops the command before any device
    return render_intended(inventory, names), store


def executor_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--executor",
        choices=["local", "celery"],
        help="where device tasks run: here, or on Celery workers at each site "
        "(default: underlay.yaml's execution.executor, else local)",
    )


def execution_settings(repo: Path) -> Execution:
    """underlay.yaml's execution settings (defaults without the file); DataProblems when the
    file is invalid."""
    return repository_settings(repo).execution


def monitoring_settings(repo: Path) -> MonitoringSettings:
    """underlay.yaml's monitoring settings (defaults without the file or the section);
    DataProblems when the file is invalid."""
    return repository_settings(repo).monitoring


def repository_settings(repo: Path) -> Settings:
    """underlay.yaml (defaults without it); DataProblems when it is invalid."""
    from engine.execute import SETTINGS_FILE, load  # noqa: PLC0415 - the commands that need it

    loaded = load(repo)
    require_valid(Report(SETTINGS_FILE, loaded.diagnostics, 1), loaded.settings is not None)
    assert loaded.settings is not None
    return loaded.settings


@contextmanager
def executor_for(args: argparse.Namespace, repo: Path) -> Iterator[Executor | None]:
    """The executor the command's device tasks run on: None for local (in this process), or
    a connected Celery executor (BrokerUnavailable, exit 1, when the broker does not answer)."""
    execution = execution_settings(repo)
    if (args.executor or execution.executor) == "local":
        yield None
        return
    with celery_module().CeleryExecutor.connect(execution) as executor:
        yield executor


def celery_module() -> Any:
    """engine.execute.distributed, or UsageError when the celery extra is not installed."""
    try:
        from engine.execute import distributed  # noqa: PLC0415 - optional: underlay[celery]
    except ImportError as exc:
        raise UsageError(
            f"the celery executor needs the celery extra ({exc}): pip install 'underlay[celery]'"
        ) from None
    return distributed
