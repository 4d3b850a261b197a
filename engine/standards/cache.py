"""The incremental cache of `underlay check`: what the standards learnt of each file's objects.

Per file (keyed by size and mtime, like validate's cache): the Record of every object in it
(engine.standards.evaluate). A run after one file changed re-reads and evaluates that file's
objects only; the second step of the rules across objects and the waivers run afresh over all
records. Object files also depend on inventory/groups.yaml (a change there re-evaluates them
all). The whole cache is dropped when the engine, anything under standards/, a rule plugin or
the date changes (end of support, renewals and waiver expiry depend on the day). It is an
optimisation only: any read or write problem means "no cache", never a failure.
"""

from __future__ import annotations

import marshal
import sys
from dataclasses import dataclass, field
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
    dump_diagnostics,
    engine_digest,
    load_diagnostics,
    now_ns,
    stat,
    trusted,
)
from engine.validate.run import ValidationResult

_OBJECT_FILES = tuple(folder + "/" for folder, _ in OBJECT_FOLDERS.values())


@dataclass
class CheckCache:
    path: Path
    fingerprint: str
    groups: Stat | None  # inventory/groups.yaml now
    cached_groups: Stat | None = None  # ... when the cache was written
    entries: dict[str, tuple[Stat, list[Any]]] = field(default_factory=dict)
    written: int = 0  # when the cache was saved (ns since the epoch)

    @classmethod
    def open(cls, repo: Path, today: date) -> CheckCache:
        cache = cls(
            repo / ".underlay/cache/check.marshal", _fingerprint(repo, today), stat(repo / GROUPS)
        )
        try:
            body = marshal.loads(cache.path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return cache
        if isinstance(body, dict) and body.get("fingerprint") == cache.fingerprint:
            cache.cached_groups = body["groups"]
            cache.entries = body["entries"]
            cache.written = body["written"]
        return cache

    def reusable(self, rel: str, current: Stat | None) -> bool:
        """True when the file's records are here (validate need not give us its models)."""
        entry = self.entries.get(rel)
        if entry is None or not trusted(entry[0], current, self.written):
            return False
        groups = self.cached_groups
        return not rel.startswith(_OBJECT_FILES) or (
            groups is not None and trusted(groups, self.groups, self.written)
        )

    def known(self, validation: ValidationResult) -> dict[Key, Record] | None:
        """The records of the objects in files validate did not re-read (None: some are
        missing, so evaluate everything)."""
        assert validation.facts is not None
        wanted = {rel for rel, _ in validation.facts.origins.values()} - set(validation.fresh)
        found: dict[Key, Record] = {}
        for rel in wanted:
            entry = self.entries.get(rel)
            if entry is None:
                return None
            for kind, name, *fields in entry[1]:
                found[(kind, name)] = _record(fields)
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
        present = {rel for rel, _ in origins.values()} | set(validation.fresh)
        self.entries = {rel: e for rel, e in self.entries.items() if rel in present}
        for rel, rows in by_file.items():
            current = validation.fresh.get(rel) or self.entries.get(rel, (None, []))[0]
            if current is not None:
                self.entries[rel] = (current, rows)
            else:
                self.entries.pop(rel, None)

    def save(self) -> None:
        body = {
            "fingerprint": self.fingerprint,
            "written": now_ns(),
            "groups": self.groups,
            "entries": self.entries,
        }
        try:
            data = marshal.dumps(body)
        except ValueError:
            return  # a rule plugin extracted something marshal does not take: no cache
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(self.path)
        except OSError:
            pass  # a read-only checkout simply runs without a cache


def _row(record: Record) -> tuple[Any, ...]:
    findings = [(kind, name, *dump_diagnostics([diag])[0]) for kind, name, diag in record.findings]
    places = [
        (path, key, (pos.path, pos.line, pos.col), group)
        for (path, key), (pos, group) in record.places.items()
    ]
    return (record.selected, record.waivable, record.extracts, findings, places)


def _record(fields: list[Any]) -> Record:
    """A cached record (marshal gives back lists and dicts: they are used as they are)."""
    selected, waivable, extracts, findings, places = fields
    rows = [(kind, name, load_diagnostics([tuple(diag)])[0]) for kind, name, *diag in findings]
    where = {(tuple(path), key): (Pos(*pos), group) for path, key, pos, group in places}
    return Record(selected, waivable, extracts, rows, where)


def _fingerprint(repo: Path, today: date) -> str:
    digest = engine_digest("load", "model", "validate", "standards")
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
