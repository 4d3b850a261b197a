"""The check stage: validate the inventory, then hold it against the standards."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from engine.apply import windows
from engine.batch import no_cyclic_gc
from engine.diagnostics import Diagnostic, Pos, Severity, has_errors
from engine.model.layout import Inventory
from engine.standards.evaluate import evaluate
from engine.standards.load import FOLDER, load
from engine.validate import validate


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    rules: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (title, rationale)
    inventory: Inventory | None = None  # what validated (for redaction of the output)

    @property
    def ok(self) -> bool:
        """False exactly when an unwaived error exists (validation, standards files or findings)."""
        return not has_errors(self.diagnostics)


def check(repo: Path, today: date) -> CheckResult:
    with no_cyclic_gc():
        return _check(repo, today)


def _check(repo: Path, today: date) -> CheckResult:
    validation = validate(repo)
    library = load(repo)
    change_windows = windows.load(repo)  # governance too: a broken file must fail the PR
    diags = [*validation.diagnostics, *library.diagnostics, *change_windows.diagnostics]
    if validation.ok:
        diags += evaluate(library, validation.inventory, today)
    elif library.rules:
        diags.append(_not_checked())
    diags.sort(key=Diagnostic.sort_key)
    files = validation.files + library.files + change_windows.present
    return CheckResult(diags, files, library.catalogue(), validation.inventory)


def _not_checked() -> Diagnostic:
    return Diagnostic(
        "T509",
        Severity.INFO,
        "standards were not checked: the inventory has validation errors",
        Pos(FOLDER, 1, 1),
        "fix the errors above, then run `underlay check` again",
    )
