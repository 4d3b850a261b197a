"""Verify the audit trail: the hash chain, the commits it names, and the backups.

Every problem names the record (seq and id) and the commit of the audit ref it was found at:
- chain: each record hashes to its commit's Record-Hash, links to the hash of the record
  before it, and its seq follows on (a gap is a deleted record);
- main: every apply acted on a commit that exists and is on the first-parent history of main
  (what was merged), not on a branch or a rewritten main;
- backups: each config the tree holds hashes to what the record says, and no backup changed
  in a commit whose record does not account for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from engine.record import plumbing
from engine.record.model import Problem, Record
from engine.record.store import AuditStore, Entry, backup_path

MAINLINES = ("refs/heads/main", "refs/heads/master", "refs/remotes/origin/main", "HEAD")


def verify(
    store: AuditStore, mainline: str | None = None, expect_head: str | None = None
) -> list[Problem]:
    entries = store.entries()
    problems = chain(entries)
    problems += on_main(store, entries, mainline)
    problems += backups(store, entries)
    if expect_head is not None:
        problems += _head(entries, expect_head)
    return problems


def _problem(entry: Entry, message: str) -> Problem:
    record = entry.record
    return Problem(
        record=record.id if record else None,
        seq=record.seq if record else None,
        commit=entry.commit,
        message=message,
    )


def chain(entries: list[Entry]) -> list[Problem]:
    problems: list[Problem] = []
    before: tuple[str, Record | None] | None = None  # (hash, record) of the previous entry
    for entry in entries:
        problems += _links(entry, before)
        digest = entry.record.hash() if entry.record else entry.claimed_hash or "?"
        before = (digest, entry.record)
    return problems


def _links(entry: Entry, before: tuple[str, Record | None] | None) -> list[Problem]:
    if entry.record is None:
        return [_problem(entry, entry.error or "no record")]
    record, out = entry.record, []
    if len(entry.parents) > 1:
        out.append(_problem(entry, "the audit ref has a merge commit: records are a line"))
    digest = record.hash()
    if digest != entry.claimed_hash:
        out.append(
            _problem(
                entry,
                f"content hashes to {digest[:16]}, but its commit says "
                f"Record-Hash {(entry.claimed_hash or 'none')[:16]}: the "
                "record was edited after it was written",
            )
        )
    out += _previous(entry, record, before)
    return out


def _previous(
    entry: Entry, record: Record, before: tuple[str, Record | None] | None
) -> list[Problem]:
    if before is None:
        if record.previous is None and record.seq == 0:
            return []
        return [
            _problem(
                entry,
                f"the first record on the ref has seq {record.seq} and links to "
                f"{(record.previous or 'none')[:16]}: earlier records were deleted",
            )
        ]
    digest, prior = before
    out = []
    if prior is not None and record.seq != prior.seq + 1:
        missing = f"seq {prior.seq + 1}" + (
            f"..{record.seq - 1}" if record.seq > prior.seq + 2 else ""
        )
        out.append(
            _problem(
                entry,
                f"follows record {prior.seq} ({prior.id}): {missing} is "
                "missing (deleted) or out of order",
            )
        )
    if record.previous != digest:
        name = f"record {prior.seq} ({prior.id})" if prior else "the record before it"
        out.append(
            _problem(
                entry,
                f"previous is {(record.previous or 'none')[:16]}, but {name} "
                f"hashes to {digest[:16]}: that record was edited, or one "
                "between them was deleted",
            )
        )
    return out


def _head(entries: list[Entry], expect: str) -> list[Problem]:
    last = entries[-1] if entries else None
    if last is not None and last.record is not None and last.record.hash().startswith(expect):
        return []
    seen = last.record.hash()[:16] if last and last.record else "nothing"
    return [
        Problem(
            record=None,
            seq=None,
            commit=last.commit if last else None,
            message=f"the newest record hashes to {seen}, expected {expect[:16]}: "
            "records were removed from the end or the chain was rewritten",
        )
    ]


def mainline_ref(store: AuditStore, mainline: str | None) -> str | None:
    for ref in (mainline,) if mainline else MAINLINES:
        if plumbing.resolve(store.repo, ref):
            return ref
    return None


def on_main(store: AuditStore, entries: list[Entry], mainline: str | None) -> list[Problem]:
    applies = [e for e in entries if e.record is not None and e.record.kind == "apply"]
    if not applies:
        return []
    ref = mainline_ref(store, mainline)
    if ref is None:
        return [
            Problem(
                record=None,
                seq=None,
                commit=None,
                message=f"no mainline ({mainline or ' / '.join(MAINLINES)}) to check "
                "applies against",
            )
        ]
    merged = set(plumbing.run(store.repo, "rev-list", "--first-parent", ref).decode().split())
    exists = _existing(store, {e.record.commit for e in applies if e.record} - merged)
    return [
        _problem(e, _not_merged(e.record.commit, ref, e.record.commit in exists))
        for e in applies
        if e.record is not None and e.record.commit not in merged
    ]


def _not_merged(commit: str, ref: str, exists: bool) -> str:
    if not exists:
        return f"applied commit {commit[:12]} does not exist in this repository"
    return (
        f"applied commit {commit[:12]} is not on the first-parent history of {ref} "
        "(a branch commit, or main was rewritten)"
    )


def _existing(store: AuditStore, commits: Iterable[str]) -> set[str]:
    names = sorted(commits)
    found = plumbing.cat_files(store.repo, [f"{c}^{{commit}}" for c in names])
    return {c for c, data in zip(names, found, strict=True) if data is not None}


def backups(store: AuditStore, entries: list[Entry]) -> list[Problem]:
    wanted: list[tuple[Entry, str, str]] = []  # (entry, path, expected sha256)
    for entry in entries:
        for d in entry.record.devices if entry.record else ():
            if d.after_sha256:
                wanted.append((entry, backup_path(d.name), d.after_sha256))
            if d.before_sha256:
                wanted.append((entry, backup_path(d.name, "before"), d.before_sha256))
    blobs = plumbing.cat_files(store.repo, [f"{e.commit}:{path}" for e, path, _ in wanted])
    problems = []
    for (entry, path, expected), data in zip(wanted, blobs, strict=True):
        if data is None:
            problems.append(_problem(entry, f"{path} is missing"))
        elif hashlib.sha256(data).hexdigest() != expected:
            problems.append(_problem(entry, f"{path} does not match the record (edited backup)"))
    return problems + _unaccounted(store, entries)


def _unaccounted(store: AuditStore, entries: list[Entry]) -> list[Problem]:
    """Backups changed in a commit whose record has no config of that device."""
    if not entries:
        return []
    by_commit = {e.commit: e for e in entries}
    out = plumbing.run(
        store.repo,
        "log",
        "--first-parent",
        "--no-renames",
        "--name-only",
        "--format=%x00%H",
        entries[-1].commit,
        "--",
        "backups",
    ).decode()
    problems = []
    for chunk in out.split("\0")[1:]:
        commit, *paths = chunk.split()
        entry = by_commit.get(commit)
        if entry is None or entry.record is None:
            continue
        recorded = {d.name for d in entry.record.devices if d.after_sha256}
        problems += [
            _problem(entry, f"{p} changed, but the record has no config of that device")
            for p in paths
            if p.split("/")[1] not in recorded
        ]
    return problems
