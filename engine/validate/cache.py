"""The incremental cache of `underlay validate`: per-file results keyed by size and mtime.

A file's own diagnostics and its facts (engine.validate.facts) are kept, so that a run after
one file changed re-reads only that file; the checks across objects always run afresh on the
facts. Device and server results also depend on inventory/groups.yaml, so a change there
invalidates them all. The cache lives in <repo>/.underlay/cache/ (git-ignored) and is
dropped whole when the engine changes. As in git's index, an entry is trusted only for a file
last modified well before the cache was written (RACY_NS): a same-size edit within one tick of
a coarse file system clock would otherwise keep the old mtime and go unseen. It is an
optimisation only: any read or write problem means "no cache", never a failure.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import engine
from engine.diagnostics import Diagnostic, Pos, Severity

GROUPS = "inventory/groups.yaml"
Stat = tuple[int, int]  # (mtime_ns, size)
RACY_NS = 2 * 10**9  # FAT and some network file systems keep mtimes to 2 s


def trusted(cached: Stat, current: Stat | None, written: int) -> bool:
    """The file is as it was when its entry was made, and was not modified so close to the
    moment the cache was written that a later edit could keep the same mtime."""
    return current is not None and tuple(cached) == current and current[0] + RACY_NS < written


def now_ns() -> int:
    return time.time_ns()


def engine_digest(*folders: str) -> hashlib._Hash:
    """A digest of the engine's own files in `folders`: a changed engine never trusts results
    of the old one."""
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
        )
        for code, sev, msg, path, line, col, hint, subject, related in rows
    ]


@dataclass
class ValidationCache:
    path: Path
    fingerprint: str
    groups: Stat | None = None
    entries: dict[str, tuple[Stat, list[tuple[Any, ...]], Any]] = field(default_factory=dict)
    written: int = 0  # when the cache was saved (ns since the epoch)

    @classmethod
    def open(cls, repo: Path) -> ValidationCache:
        cache = cls(repo / ".underlay/cache/validate.marshal", _fingerprint())
        try:
            body = marshal.loads(cache.path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return cache
        if isinstance(body, dict) and body.get("fingerprint") == cache.fingerprint:
            cache.groups = body["groups"]
            cache.entries = body["entries"]
            cache.written = body["written"]
        return cache

    def get(
        self,
        rel: str,
        current: Stat | None,
        *,
        needs_groups: Stat | None = None,
        object_file: bool = False,
    ) -> tuple[list[Diagnostic], Any] | None:
        entry = self.entries.get(rel)
        if entry is None or not trusted(entry[0], current, self.written):
            return None
        if object_file and (
            self.groups is None or not trusted(self.groups, needs_groups, self.written)
        ):
            return None
        return load_diagnostics(entry[1]), entry[2]

    def put(self, rel: str, current: Stat | None, diags: list[Diagnostic], payload: Any) -> None:
        if current is not None:
            self.entries[rel] = (current, dump_diagnostics(diags), payload)

    def save(self, groups: Stat | None, keep: set[str]) -> None:
        body = {
            "fingerprint": self.fingerprint,
            "written": now_ns(),
            "groups": groups,
            "entries": {k: v for k, v in self.entries.items() if k in keep},
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_bytes(marshal.dumps(body))
            tmp.replace(self.path)
        except OSError:
            pass  # a read-only checkout simply runs without a cache
