"""The incremental cache of `underlay validate`: per-file results keyed by size and mtime.

A file's own diagnostics and its facts (engine.validate.facts) are kept, so that a run after
one file changed re-reads only that file; the checks across objects always run afresh on the
facts. Device and server results also depend on inventory/groups.yaml, so a change there
invalidates them all. The cache lives in <repo>/.underlay/cache/ (git-ignored) and is
dropped whole when the engine changes. As in git's index, an entry is trusted only for a file
last modified before its shard of the cache was written, by the file system's own clock: a
file modified in the same clock tick as the write ("racy") is read again, since a later
same-size edit in that tick would keep the mtime and go unseen. It is an
optimisation only: any read or write problem means "no cache", never a failure.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import engine
from engine.diagnostics import Diagnostic, Pos, Severity

GROUPS = "inventory/groups.yaml"
Stat = tuple[int, int]  # (mtime_ns, size)


def trusted(cached: Stat, current: Stat | None, written: int) -> bool:
    """The file is as it was when its entry was made, and was modified before the cache was
    written (`written`: the cache file's mtime, the same clock as the file's)."""
    return current is not None and tuple(cached) == current and current[0] < written


def engine_digest(*folders: str) -> hashlib._Hash:
    """A digest of the engine's own files in `folders`: a changed engine never trusts results
    of the old one (a copy: callers add to it)."""
    return _engine_digest(folders).copy()


@cache
def _engine_digest(folders: tuple[str, ...]) -> hashlib._Hash:  # read once per process
    package = Path(engine.__file__).parent
    digest = hashlib.sha256(engine.__version__.encode())
    for folder in folders:
        for path in sorted((package / folder).glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest


def _fingerprint() -> str:
    return engine_digest("load", "model", "validate").hexdigest()  # what decides a result


def stat(path: Path | str) -> Stat | None:
    try:
        st = os.stat(path)  # noqa: PTH116 - 15,000 calls: Path objects cost more than stat
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def dump_diagnostics(diags: list[Diagnostic]) -> list[tuple[Any, ...]]:
    return [
        (
            d.code,
            str(d.severity),
            d.message,
            d.pos.path,
            d.pos.line,
            d.pos.col,
            d.hint,
            d.subject,
            [(r.path, r.line, r.col) for r in d.related],
            d.inherited_from,
        )
        for d in diags
    ]


def load_diagnostics(rows: list[tuple[Any, ...]]) -> list[Diagnostic]:
    return [
        Diagnostic(
            code,
            Severity(sev),
            msg,
            Pos(path, line, col),
            hint,
            subject,
            tuple(Pos(*r) for r in related),
            inherited_from=group,
        )
        for code, sev, msg, path, line, col, hint, subject, related, group in rows
    ]


SHARDS = 16  # a run that changed a few files rewrites only the shards holding them


def shard_of(rel: str) -> int:
    return zlib.crc32(rel.encode()) % SHARDS


def _stamped(meta: tuple[int, Stat | None] | None, groups: Stat | None) -> bool:
    """True when a shard's entries were made with the groups file as it is now (or with none,
    as now)."""
    if meta is None:
        return False
    written, stamp = meta
    if stamp is None or groups is None:
        return stamp == groups
    return trusted(stamp, groups, written)


@dataclass
class Store:
    """Per-file cache entries (entry[0] is the file's Stat) in marshal shards under `folder`.

    Each shard is dated by its file's mtime and records the stat of inventory/groups.yaml its
    entries were made with, so an entry is trusted on its own shard's terms (also when two runs
    wrote different shards). Any read or write problem means "no cache", never a failure."""

    folder: Path
    fingerprint: str
    shards: list[dict[str, Any]] = field(default_factory=lambda: [{} for _ in range(SHARDS)])
    meta: list[tuple[int, Stat | None] | None] = field(default_factory=lambda: [None] * SHARDS)
    dirty: set[int] = field(default_factory=set)

    @classmethod
    def open(cls, folder: Path, fingerprint: str) -> Store:
        store = cls(folder, fingerprint)
        for i in range(SHARDS):
            path = folder / f"{i:02d}.marshal"
            try:
                written = path.stat().st_mtime_ns
                body = marshal.loads(path.read_bytes())
            except (OSError, EOFError, ValueError, TypeError):
                continue
            if isinstance(body, dict) and body.get("fingerprint") == fingerprint:
                store.shards[i] = body["entries"]
                store.meta[i] = (written, body["groups"])
        return store

    def get(self, rel: str, current: Stat | None, *groups: Stat | None) -> Any:
        """The entry when the file is as it was (and, given the current stat of the groups
        file, the groups too); else None."""
        i = shard_of(rel)
        entry, meta = self.shards[i].get(rel), self.meta[i]
        if entry is None or meta is None or not trusted(entry[0], current, meta[0]):
            return None
        if groups and not _stamped(meta, groups[0]):
            return None
        return entry

    def entry(self, rel: str) -> Any:
        """The entry as stored, trusted or not (None: none)."""
        return self.shards[shard_of(rel)].get(rel)

    def put(self, rel: str, entry: Any) -> None:
        i = shard_of(rel)
        meta = self.meta[i]
        if self.shards[i].get(rel) == entry and meta and entry[0][0] < meta[0]:
            return  # the same, and trusted as it is (groups.yaml is re-read on every run)
        self.shards[i][rel] = entry
        self.dirty.add(i)

    def pop(self, rel: str) -> None:
        i = shard_of(rel)
        if self.shards[i].pop(rel, None) is not None:
            self.dirty.add(i)

    def keep(self, present: set[str]) -> None:
        """Forget the files that are gone."""
        for i, shard in enumerate(self.shards):
            gone = [rel for rel in shard if rel not in present]
            for rel in gone:
                del shard[rel]
            if gone:
                self.dirty.add(i)

    def save(self, groups: Stat | None) -> bool:
        """Write the shards that changed; False when an entry cannot be written (no cache)."""
        # a shard stamped with other groups, or with groups modified too close to its writing:
        # its object entries were all re-read in this run (an equal entry does not mark its
        # shard dirty), so it is written again, stamped with the current groups and time
        self.dirty.update(
            i
            for i, meta in enumerate(self.meta)
            if self.shards[i] and not _stamped(meta, groups)
        )
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for i in sorted(self.dirty):
                entries = self.shards[i]
                body = {"fingerprint": self.fingerprint, "groups": groups, "entries": entries}
                tmp, path = self.folder / f"{i:02d}.tmp", self.folder / f"{i:02d}.marshal"
                tmp.write_bytes(marshal.dumps(body))
                tmp.replace(path)
                self.meta[i] = (path.stat().st_mtime_ns, groups)
        except ValueError:
            return False  # something marshal does not take (a rule plugin's extract)
        except OSError:
            pass  # a read-only checkout simply runs without a cache
        self.dirty.clear()
        return True


@dataclass
class ValidationCache:
    store: Store

    @classmethod
    def open(cls, repo: Path) -> ValidationCache:
        return cls(Store.open(repo / ".underlay/cache/validate", _fingerprint()))

    def get(
        self,
        rel: str,
        current: Stat | None,
        *,
        needs_groups: Stat | None = None,
        object_file: bool = False,
    ) -> tuple[list[Diagnostic], Any] | None:
        entry = self.store.get(rel, current, *((needs_groups,) if object_file else ()))
        return None if entry is None else (load_diagnostics(entry[1]), entry[2])

    def put(self, rel: str, current: Stat | None, diags: list[Diagnostic], payload: Any) -> None:
        if current is not None:
            self.store.put(rel, (current, dump_diagnostics(diags), payload))

    def save(self, groups: Stat | None, keep: set[str]) -> None:
        self.store.keep(keep)
        self.store.save(groups)
