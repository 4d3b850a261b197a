"""Git history for the report: recent changes with who reviewed and approved them, and the
compliance trend (each recent commit that touched inventory/ or standards/, judged as of its
own date).

History is read as the audit stage reads it (engine.audit.history): a change's approvals are
the trailers of the commit and of the merge that landed it, exactly as `underlay audit` shows
them, and a commit's inventory/ and standards/ are checked out aside (the work tree
untouched). Trend points are cached in .underlay/cache/trend/ per commit and per engine code
(the digest the validate and check caches use), so a report re-run only assesses commits it
has not seen, and a changed engine assesses them again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import git

from engine.audit.history import FOLDERS, change, checkout
from engine.report.compliance import assess
from engine.report.model import ChangeRow, TrendPoint
from engine.validate.cache import engine_digest

CACHE = ".underlay/cache/trend"
BRANCH = "HEAD"  # the report is about the branch checked out: approvals of what landed on it
# the engine's code that decides a trend point: check (validate, the standards, change windows)
# and the assessment ("" is the package's own modules: diagnostics, ...)
DECIDING = ("", "load", "model", "validate", "standards", "standards/builtin", "report", "audit")


def open_repo(repo: Path) -> git.Repo | None:
    try:
        handle = git.Repo(repo)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    return handle if handle.head.is_valid() else None


def _commits(handle: git.Repo, limit: int) -> list[git.Commit]:
    return list(handle.iter_commits(paths=list(FOLDERS), max_count=limit))


def changes(handle: git.Repo, limit: int) -> tuple[ChangeRow, ...]:
    return tuple(_change(handle, c) for c in _commits(handle, limit))


def _change(handle: git.Repo, commit: git.Commit) -> ChangeRow:
    found = change(handle, commit.hexsha, BRANCH)
    return ChangeRow(
        commit=commit.hexsha[:10],
        author=f"{found.author} <{found.email}>",
        date=commit.authored_datetime.isoformat(),
        subject=found.subject,
        reviewed_by=found.reviewed_by,
        approved_by=found.approved_by,
    )


def trend(handle: git.Repo, repo: Path, limit: int) -> tuple[TrendPoint, ...]:
    """Oldest first."""
    engine = engine_digest(*DECIDING).hexdigest()[:16]
    return tuple(_point(handle, repo, c, engine) for c in reversed(_commits(handle, limit)))


def _point(handle: git.Repo, repo: Path, commit: git.Commit, engine: str) -> TrendPoint:
    cache = repo / CACHE / f"{commit.hexsha}-{engine}.json"
    if cache.is_file():
        return TrendPoint.model_validate_json(cache.read_text(encoding="utf-8"))
    point = _assess(handle, commit)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(point.model_dump_json(), encoding="utf-8")
    return point


def _assess(handle: git.Repo, commit: git.Commit) -> TrendPoint:
    day = datetime.fromtimestamp(commit.committed_date, UTC).date()
    with checkout(handle, commit.hexsha) as folder:
        (folder / "inventory").mkdir(exist_ok=True)  # before the first inventory: an empty one
        c = assess(folder, day).compliance
    return TrendPoint(
        commit=commit.hexsha[:10], date=day, subject=str(commit.summary), valid=c.valid,
        ratio=c.ratio, errors=c.errors, warnings=c.warnings, waived=c.waived,
    )


def head_commit(handle: git.Repo | None) -> str | None:
    return None if handle is None else handle.head.commit.hexsha[:10]


