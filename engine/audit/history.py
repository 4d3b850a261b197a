"""The repository's own history, as the audit commands and the report need it: main at a date,
a commit's inventory checked out aside, who made a change and who approved it (the trailers of
the commit and of the merge that landed it, read by git's rules: engine.record.plumbing)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import git

from engine.diagnostics import Diagnostic, Severity
from engine.errors import GitError
from engine.record import plumbing
from engine.record.verify import MAINLINES
from engine.standards import check

FOLDERS = ("inventory", "standards")


@dataclass(frozen=True)
class Change:
    """A commit, with the approvals found in its trailers and in the merge that landed it."""

    commit: str
    author: str
    email: str
    date: datetime
    subject: str
    reviewed_by: tuple[str, ...] = ()
    approved_by: tuple[str, ...] = ()
    landed_in: str | None = None  # the first-parent commit of main that brought it in
    files: tuple[str, ...] = ()

    @property
    def approved(self) -> bool:
        return bool(self.reviewed_by or self.approved_by)


@dataclass(frozen=True)
class Compliance:
    """Standards status of the repository at one commit (validate + standards, then)."""

    commit: str
    errors: int  # unwaived errors, anywhere
    warnings: int
    waived: int
    device_errors: tuple[str, ...] = ()  # unwaived errors about the device asked for

    @property
    def compliant(self) -> bool:
        return self.errors == 0


def mainline(repo: git.Repo, explicit: str | None = None) -> str:
    for ref in (explicit,) if explicit else MAINLINES:
        if plumbing.resolve(repo, ref):
            return ref
    raise GitError(f"no mainline branch ({explicit or ', '.join(MAINLINES)})")


def commit_at(repo: git.Repo, ref: str, at: datetime) -> str | None:
    """The newest first-parent commit of `ref` committed at or before `at`."""
    out = plumbing.run(repo, "rev-list", "--first-parent", "-1", f"--before={git_date(at)}", ref)
    return out.decode().strip() or None


def git_date(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


@contextmanager
def checkout(repo: git.Repo, commit: str) -> Iterator[Path]:
    """inventory/ and standards/ of `commit` in a temporary folder (the work tree untouched)."""
    with tempfile.TemporaryDirectory(prefix="underlay-audit-") as tmp:
        tree = repo.commit(commit).tree
        for folder in FOLDERS:
            if folder not in tree:
                continue
            for item in tree[folder].traverse():
                if isinstance(item, git.Blob):
                    target = Path(tmp, item.path)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(item.data_stream.read())
        yield Path(tmp)


def change(repo: git.Repo, sha: str, main: str, with_files: bool = False) -> Change:
    commit = repo.commit(sha)
    landed = landed_in(repo, sha, main)
    found = plumbing.trailers(str(commit.message))
    if landed and landed != sha:
        found += plumbing.trailers(str(repo.commit(landed).message))
    return Change(
        commit=sha,
        author=str(commit.author.name),
        email=str(commit.author.email),
        date=datetime.fromtimestamp(commit.authored_date, UTC),
        subject=str(commit.summary),
        reviewed_by=_unique(found.all("Reviewed-by")),
        approved_by=_unique(found.all("Approved-by")),
        landed_in=landed,
        files=tuple(sorted(str(f) for f in commit.stats.files)) if with_files else (),
    )


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))  # "Reviewed-by:" alone names nobody


def landed_in(repo: git.Repo, sha: str, main: str) -> str | None:
    """`sha` itself when it is on main's first-parent line, else the merge that brought it."""
    first = plumbing.run(repo, "rev-list", "--first-parent", main).decode().split()
    if sha in first:
        return sha
    path = plumbing.run(repo, "rev-list", "--first-parent", "--ancestry-path", f"{sha}..{main}")
    after = path.decode().split()
    return after[-1] if after else None


def last_change(repo: git.Repo, commit: str, paths: list[str]) -> str | None:
    out = plumbing.run(repo, "log", "-1", "--format=%H", commit, "--", *paths)
    return out.decode().strip() or None


def compliance(folder: Path, commit: str, today: date, device: str | None = None) -> Compliance:
    result = check(folder, today)
    counted = [d for d in result.diagnostics if d.waiver is None]
    mine = tuple(
        f"{d.pos}: {d.code}: {d.message}"
        for d in counted
        if d.severity is Severity.ERROR and device and _about(d, device)
    )
    return Compliance(
        commit=commit,
        errors=sum(1 for d in counted if d.severity is Severity.ERROR),
        warnings=sum(1 for d in counted if d.severity is Severity.WARNING),
        waived=sum(1 for d in result.diagnostics if d.waiver is not None),
        device_errors=mine,
    )


def _about(d: Diagnostic, device: str) -> bool:
    names = {s.rsplit(" ", maxsplit=1)[-1] for s in d.subjects or [d.subject]}
    return device in names or Path(d.pos.path).stem == device
