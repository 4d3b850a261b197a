"""`audit export`: the evidence of a period for auditors, as one value (views render it).

Changes are main's commits in the period that touch inventory/ or standards/, with authors and
approvals (Reviewed-by / Approved-by trailers of the commit or of the merge that landed it);
runs are the audit records of the period; standards status is the check of main at each
change that landed (up to `max_checks`) and at the period's end; verification is
`audit verify` of the whole chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import git

from engine.audit import history
from engine.audit.history import Change, Compliance
from engine.record import plumbing
from engine.record.model import Problem
from engine.record.store import AuditStore, Entry
from engine.record.verify import verify


@dataclass(frozen=True)
class Evidence:
    since: datetime
    until: datetime
    generated: datetime
    mainline: str
    end_commit: str | None  # main at the end of the period
    changes: tuple[Change, ...]
    runs: tuple[Entry, ...]
    standards: tuple[Compliance, ...]  # at landed changes (oldest first), then at the end
    standards_skipped: int  # landed changes not checked (over max_checks)
    problems: tuple[Problem, ...]  # of the whole chain

    @property
    def unapproved(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if not c.approved)


def export(
    repo: Path, since: datetime, until: datetime, main: str | None = None, max_checks: int = 25
) -> Evidence:
    store = AuditStore(repo)
    ref = history.mainline(store.repo, main)
    changes = _changes(store.repo, ref, since, until)
    end = history.commit_at(store.repo, ref, until)
    landed = list(dict.fromkeys(c.landed_in for c in changes if c.landed_in))
    checked = [*landed[-max_checks:], *([end] if end and end not in landed else [])]
    runs = tuple(
        e for e in store.entries() if e.record is not None and since <= e.record.time <= until
    )
    return Evidence(
        since=since,
        until=until,
        generated=datetime.now(UTC),
        mainline=ref,
        end_commit=end,
        changes=changes,
        runs=runs,
        standards=tuple(_status(store.repo, c, until) for c in checked),
        standards_skipped=max(0, len(landed) - max_checks),
        problems=tuple(verify(store, ref)),
    )


def _changes(repo: git.Repo, ref: str, since: datetime, until: datetime) -> tuple[Change, ...]:
    out = plumbing.run(
        repo, "log", "--reverse", "--format=%H",
        f"--since={history.git_date(since)}", f"--until={history.git_date(until)}",
        ref, "--", *history.FOLDERS,
    )  # fmt: skip
    return tuple(history.change(repo, sha, ref, with_files=True) for sha in out.decode().split())


def _status(repo: git.Repo, commit: str, until: datetime) -> Compliance:
    when = datetime.fromtimestamp(repo.commit(commit).committed_date, UTC)
    with history.checkout(repo, commit) as folder:
        return history.compliance(folder, commit, min(when, until).date())
