"""The check stage: validate the inventory, then hold it against the standards.

With `incremental=True` (the CLI's default) both stages keep a cache in .underlay/cache/: a run
after one file changed re-reads and evaluates that file only (see engine.standards.cache). A
rule plugin without a `scope` may look at anything, so with one in the library every run reads
the whole inventory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from engine.batch import no_cyclic_gc
from engine.diagnostics import Diagnostic, Pos, Severity, has_errors
from engine.model.layout import Inventory
from engine.standards import windows
from engine.standards.cache import CheckCache
from engine.standards.evaluate import Evaluator, incremental
from engine.standards.load import FOLDER, load
from engine.validate import ValidationResult, validate


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    rules: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (title, rationale)
    inventory: Inventory | None = None  # what validated (an incremental run: what it re-read)
    credentials: set[str] = field(default_factory=set)  # credential sets the inventory uses
    reread: int = 0  # files read in this run

    @property
    def ok(self) -> bool:
        """False exactly when an unwaived error exists (validation, standards files or findings)."""
        return not has_errors(self.diagnostics)


def check(repo: Path, today: date, *, incremental: bool = False) -> CheckResult:
    with no_cyclic_gc():
        return _check(repo, today, incremental)


def _check(repo: Path, today: date, use_cache: bool) -> CheckResult:
    library = load(repo)
    change_windows = windows.load(repo)  # governance too: a broken file must fail the PR
    per_object = incremental(library)  # else a rule plugin needs the whole inventory at once
    cache = CheckCache.open(repo, today) if use_cache and per_object else None
    evaluator = Evaluator(library, Inventory(), today)
    validation = validate(
        repo,
        incremental=cache is not None,
        reuse=cache.reusable if cache else None,
        models=not per_object,  # else the evaluator sees each model where it was validated
        into=evaluator.inventory,
        visitor=evaluator if library.rules else None,
    )
    diags = [*validation.diagnostics, *library.diagnostics, *change_windows.diagnostics]
    if validation.ok:
        diags += _standards(repo, evaluator, validation, cache)
    elif library.rules:
        diags.append(_not_checked())
    diags.sort(key=Diagnostic.sort_key)
    files = validation.files + library.files + change_windows.present
    facts = validation.facts
    nodes = [] if facts is None else [*facts.devices.values(), *facts.servers.values()]
    return CheckResult(
        diags,
        files,
        library.catalogue(),
        validation.inventory,
        {n.credentials for n in nodes},
        validation.reread,
    )


def _standards(
    repo: Path, evaluator: Evaluator, validation: ValidationResult, cache: CheckCache | None
) -> list[Diagnostic]:
    known = cache.known(validation) if cache is not None else {}
    if known is None:  # the caches disagree (one was removed): read everything once more
        validation = validate(repo)
        evaluator = Evaluator(evaluator.library, validation.inventory, evaluator.today)
        known = {}
    facts = validation.facts
    evaluation = evaluator.finish(known, facts.source if facts is not None else None)
    if cache is not None and evaluation.complete:
        cache.update(validation, evaluation.records, known)
        cache.save()
    return evaluation.diagnostics


def _not_checked() -> Diagnostic:
    return Diagnostic(
        "T509",
        Severity.INFO,
        "standards were not checked: the inventory has validation errors",
        Pos(FOLDER, 1, 1),
        "fix the errors above, then run `underlay check` again",
    )
