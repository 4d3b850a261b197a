"""The incremental cache of `underlay check`: what the standards learnt of each file's objects.

Per file (keyed by size and mtime, in shards like validate's cache): the Record of every
object in it (engine.standards.evaluate). A run after one file changed re-reads and evaluates
that file's objects only; the second step of the rules across objects and the waivers run
afresh over all records. Object files also depend on inventory/groups.yaml (a change there
re-evaluates them all). The whole cache is dropped when the engine, anything under standards/,
a rule plugin or the date changes (end of support, renewals and waiver expiry depend on the
day). It is an optimisation only: any read or write problem means "no cache", never a failure.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from engine.diagnostics import Pos
from engine.model.layout import OBJECT_FOLDERS
from engine.standards.evaluate import Key, Record
from engine.standards.load import FOLDER
from engine.standards.registry import ENTRY_POINT_GROUP
from engine.validate.cache import (
    GROUPS,
    Stat,
    Store,
    dump_diagnostics,
    engine_digest,
    load_diagnostics,
    stat,
)
from engine.validate.run import ValidationResult

_OBJECT_FILES = tuple(folder + "/" for folder, _ in OBJECT_FOLDERS.values())


@dataclass
class CheckCache:
    store: Store
    groups: Stat | None  # inventory/groups.yaml now

    @classmethod
    def open(cls, repo: Path, today: date) -> CheckCache:
        folder = repo / ".underlay/cache/check"
        return cls(Store.open(folder, _fingerprint(repo, today)), stat(repo / GROUPS))

    def reusable(self, rel: str, current: Stat | None) -> bool:
        """True when the file's records are here (validate need not give us its models)."""
        groups = (self.groups,) if rel.startswith(_OBJECT_FILES) else ()
        return self.store.get(rel, current, *groups) is not None

    def known(self, validation: ValidationResult) -> dict[Key, Record] | None:
        """The records of the objects in files validate did not re-read (None: some are
        missing, so evaluate everything)."""
        assert validation.facts is not None
        wanted = {rel for rel, _ in validation.facts.origins.values()} - set(validation.fresh)
        found: dict[Key, Record] = {}
        for rel in wanted:
            entry = self.store.entry(rel)
            if entry is None:
                return None
            for kind, name, selected, waivable, extracts, findings, places in entry[1]:
                found[(kind, name)] = (
                    _record(findings, places, Record(selected, waivable, extracts))
                    if findings or places
                    else Record(selected, waivable, extracts)
                )
        return found

    def update(
        self, validation: ValidationResult, records: dict[Key, Record], known: dict[Key, Record]
    ) -> None:
        """Keep the records of the files re-read in this run, and of files whose objects got
        new positions looked up; forget files that are gone."""
        assert validation.facts is not None
        origins = validation.facts.origins
        by_file: dict[str, list[Any]] = {rel: [] for rel in validation.fresh}
        for key, record in records.items():
            by_file.setdefault(origins[key][0], []).append((*key, *_row(record)))
        touched = {origins[key][0] for key, record in known.items() if record.placed}
        for key, record in known.items():
            if origins[key][0] in touched:
                by_file.setdefault(origins[key][0], []).append((*key, *_row(record)))
        self.store.keep({rel for rel, _ in origins.values()} | set(validation.fresh))
        for rel, rows in by_file.items():
            old = self.store.entry(rel)
            current = validation.fresh.get(rel) or (old[0] if old else None)
            if current is not None:
                self.store.put(rel, (current, rows))
            else:
                self.store.pop(rel)

    def save(self) -> None:
        self.store.save(self.groups)


def _row(record: Record) -> tuple[Any, ...]:
    findings = [(kind, name, *dump_diagnostics([diag])[0]) for kind, name, diag in record.findings]
    places = [
        (path, key, _pos(pos), group, listing and _pos(listing))
        for (path, key), (pos, group, listing) in record.places.items()
    ]
    return (record.selected, record.waivable, record.extracts, findings, places)


def _pos(pos: Pos) -> tuple[str, int, int]:
    return (pos.path, pos.line, pos.col)


def _record(findings: list[Any], places: list[Any], record: Record) -> Record:
    """A cached record's findings and positions back as diagnostics and positions."""
    record.findings = [
        (kind, name, load_diagnostics([tuple(diag)])[0]) for kind, name, *diag in findings
    ]
    record.places = {
        (tuple(path), key): (Pos(*pos), group, listing and Pos(*listing))
        for path, key, pos, group, listing in places
    }
    return record


def _fingerprint(repo: Path, today: date) -> str:
    digest = engine_digest("load", "model", "validate", "standards", "standards/builtin")
    digest.update(today.isoformat().encode())
    folder = repo / FOLDER
    for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
        if path.is_file():
            digest.update(path.relative_to(repo).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    for ep in entry_points(group=ENTRY_POINT_GROUP):  # plugins: their code decides findings
        digest.update(f"{ep.name}={ep.value}".encode())
        module = sys.modules.get(ep.module)
        source = Path(getattr(module, "__file__", None) or "")
        if source.is_file():
            digest.update(source.read_bytes())
    return digest.hexdigest()
