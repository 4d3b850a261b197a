"""Git history for the report: recent changes with their review trailers, and the compliance
trend (each recent commit that touched inventory/ or standards/, judged as of its own date).

A commit's tree is written to a temporary folder (only inventory/ and standards/) and assessed
like the working tree; results are cached per commit and engine version in .underlay/cache/,
so a report re-run only assesses commits it has not seen.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import git

from engine import __version__
from engine.report.compliance import assess
from engine.report.model import ChangeRow, TrendPoint

TRACKED = ("inventory", "standards")
CACHE = ".underlay/cache/trend"
TRAILERS = {"reviewed-by": "reviewed_by", "approved-by": "approved_by"}


def open_repo(repo: Path) -> git.Repo | None:
    try:
        handle = git.Repo(repo)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    return handle if handle.head.is_valid() else None


def _commits(handle: git.Repo, limit: int) -> list[git.Commit]:
    return list(handle.iter_commits(paths=list(TRACKED), max_count=limit))


def changes(handle: git.Repo, limit: int) -> tuple[ChangeRow, ...]:
    return tuple(_change(c) for c in _commits(handle, limit))


def _change(commit: git.Commit) -> ChangeRow:
    found: dict[str, list[str]] = {"reviewed_by": [], "approved_by": []}
    for key, value in _trailers(str(commit.message)):
        if key.lower() in TRAILERS:
            found[TRAILERS[key.lower()]].append(value)
    return ChangeRow(
        commit=commit.hexsha[:10],
        author=f"{commit.author.name} <{commit.author.email}>",
        date=commit.authored_datetime.isoformat(),
        subject=str(commit.summary),
        reviewed_by=tuple(found["reviewed_by"]),
        approved_by=tuple(found["approved_by"]),
    )


def _trailers(message: str) -> Iterator[tuple[str, str]]:
    """`Key: value` lines of the message's last paragraph (git's trailer block)."""
    last = message.strip().split("\n\n")[-1]
    for line in last.splitlines():
        key, sep, value = line.partition(":")
        if sep and key and " " not in key.strip():
            yield key.strip(), value.strip()


def trend(handle: git.Repo, repo: Path, limit: int) -> tuple[TrendPoint, ...]:
    """Oldest first."""
    return tuple(_point(handle, repo, c) for c in reversed(_commits(handle, limit)))


def _point(handle: git.Repo, repo: Path, commit: git.Commit) -> TrendPoint:
    cache = repo / CACHE / f"{commit.hexsha}-{__version__}.json"
    if cache.is_file():
        return TrendPoint.model_validate_json(cache.read_text(encoding="utf-8"))
    point = _assess(handle, commit)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(point.model_dump_json(), encoding="utf-8")
    return point


def _assess(handle: git.Repo, commit: git.Commit) -> TrendPoint:
    day = datetime.fromtimestamp(commit.committed_date, UTC).date()
    with tempfile.TemporaryDirectory(prefix="underlay-trend-") as tmp:
        _extract(commit, Path(tmp))
        if not (Path(tmp) / "inventory").is_dir():
            (Path(tmp) / "inventory").mkdir()
        c = assess(Path(tmp), day).compliance
    return TrendPoint(
        commit=commit.hexsha[:10], date=day, subject=str(commit.summary), valid=c.valid,
        ratio=c.ratio, errors=c.errors, warnings=c.warnings, waived=c.waived,
    )


def _extract(commit: git.Commit, dest: Path) -> None:
    for top in TRACKED:
        try:
            tree = commit.tree / top
        except KeyError:
            continue
        for blob in tree.traverse():
            if isinstance(blob, git.Blob):
                target = dest / blob.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(blob.data_stream.read())


def head_commit(handle: git.Repo | None) -> str | None:
    return None if handle is None else handle.head.commit.hexsha[:10]


