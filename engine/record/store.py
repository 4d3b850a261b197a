"""The audit store: records of apply and drift runs, on a dedicated git ref.

Why a dedicated ref (`refs/underlay/audit`) with one commit per record, not git notes:
- one commit per record makes the history of records the ref's first-parent log, and git's own
  object hashes chain the commits on top of the records' hash chain;
- the ref's tree carries the per-device running-config backups, so
  `git log -p refs/underlay/audit -- backups/fra1-leaf01/` is the device's config history;
- it is pushed and fetched like any ref (`git push origin refs/underlay/audit`), needs no
  remote, and never touches main, the index, the work tree or HEAD (notes would attach records
  to main's commits, but a drift run or two applies of one commit do not fit one note);
- appends are a compare-and-swap on the ref (engine.record.plumbing.update_ref): concurrent
  writers retry, readers always see a complete commit.

Tree of each record commit:
    record.json                   the record (pretty JSON; its hash is over the canonical form)
    backups/<device>/running.conf the device's latest recorded running config (redacted),
                                  carried forward from commit to commit
    before/<device>/running.conf  the config before this run touched the device (this commit only)

The commit message carries `Record-Hash:`; an edit of the newest record, which no later link
covers, is caught by it unless the message was forged as well. Only a copy of the newest hash
kept elsewhere (a pushed ref, a CI log: `underlay audit verify --expect HEAD_HASH`) defends
against rewriting the whole chain.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.errors import GitError
from engine.record import plumbing
from engine.record.model import (
    SUCCESS,
    AppliedRecord,
    DeviceOutcome,
    Outcome,
    Record,
    RecordRef,
)
from engine.record.plumbing import BLOB_MODE, TREE_MODE, TreeEntry

REF = "refs/underlay/audit"
Redact = Callable[[str], str]
BACKUP_FILE = "running.conf"
_RETRIES = 40  # with jittered back-off: about 3 s of contention at most


@dataclass(frozen=True)
class Configs:
    """A device's running config before and after a run (raw: the store redacts them)."""

    before: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class Entry:
    """One commit of the audit ref as read back: the record, or why it could not be read."""

    commit: str
    parents: tuple[str, ...]
    claimed_hash: str | None  # Record-Hash from the commit message
    record: Record | None
    error: str | None = None


def sha256(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


def backup_path(device: str, folder: str = "backups") -> str:
    if not device or "/" in device or device.startswith("."):
        raise GitError(f"{device!r} cannot name a backup folder")
    return f"{folder}/{device}/{BACKUP_FILE}"


class AuditStore:
    """Example:
    store = AuditStore(Path("."))
    ref = store.append(record, redact=redactor, configs={"fra1-leaf01": Configs(a, b)})
    store.last_applied()["fra1-leaf01"].commit
    """

    def __init__(self, repo_path: Path, ref: str = REF) -> None:
        self.repo = plumbing.open_repo(repo_path)
        self.ref = ref

    @property
    def root(self) -> Path:
        return Path(self.repo.working_tree_dir or self.repo.git_dir)

    def head(self) -> str | None:
        return plumbing.resolve(self.repo, self.ref)

    def append(
        self, record: Record, *, redact: Redact, configs: Mapping[str, Configs] | None = None
    ) -> RecordRef:
        """Write `record` (its seq and previous are set here) as the newest commit of the ref.

        Every text (configs, reasons) goes through `redact` before it is hashed or stored.
        """
        clean = _redacted(record, redact, configs or {})
        texts = {
            n: Configs(_opt(redact, c.before), _opt(redact, c.after))
            for n, c in (configs or {}).items()
        }
        for attempt in range(_RETRIES):
            try:
                return self._append_once(clean, texts)
            except plumbing.RefMoved:
                time.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 6)))  # jitter: no lockstep
        raise GitError(f"{self.ref}: could not append after {_RETRIES} concurrent updates")

    def _append_once(self, record: Record, texts: Mapping[str, Configs]) -> RecordRef:
        parent = self.head()
        last = self._last_record(parent)
        record = record.model_copy(
            update={"seq": last.seq + 1 if last else 0, "previous": last.hash() if last else None}
        )
        tree = self._tree(parent, record, texts)
        digest = record.hash()
        who = f"{_safe(record.actor.user)} <{_safe(record.actor.user)}@{_safe(record.actor.host)}>"
        commit = plumbing.write_commit(
            self.repo, tree, parent, who, record.time, _message(record, digest)
        )
        plumbing.update_ref(self.repo, self.ref, commit, parent, f"underlay audit {record.id}")
        return RecordRef(id=record.id, seq=record.seq, hash=digest, commit=commit)

    def _last_record(self, commit: str | None) -> Record | None:
        if commit is None:
            return None
        data = next(plumbing.cat_files(self.repo, [f"{commit}:record.json"]))
        if data is None:
            raise GitError(f"{self.ref} at {commit[:12]} holds no record.json")
        return Record.model_validate_json(data)

    def _tree(self, parent: str | None, record: Record, texts: Mapping[str, Configs]) -> str:
        backups = self._subtree(parent, "backups")
        before: dict[str, TreeEntry] = {}
        for name, configs in texts.items():
            backup_path(name)
            if configs.after is not None:
                backups[name] = self._device_tree(name, configs.after)
            if configs.before is not None:
                before[name] = self._device_tree(name, configs.before)
        body = json.dumps(record.stored(), indent=1, sort_keys=True) + "\n"
        entries = [TreeEntry("record.json", BLOB_MODE, plumbing.write_blob(self.repo, body))]
        for folder, table in (("backups", backups), ("before", before)):
            if table:
                sha = plumbing.write_tree(self.repo, table.values())
                entries.append(TreeEntry(folder, TREE_MODE, sha))
        return plumbing.write_tree(self.repo, entries)

    def _device_tree(self, name: str, text: str) -> TreeEntry:
        blob = TreeEntry(BACKUP_FILE, BLOB_MODE, plumbing.write_blob(self.repo, text))
        return TreeEntry(name, TREE_MODE, plumbing.write_tree(self.repo, [blob]))

    def _subtree(self, commit: str | None, folder: str) -> dict[str, TreeEntry]:
        if commit is None:
            return {}
        top = plumbing.read_tree(self.repo, self.repo.commit(commit).tree.hexsha)
        entry = top.get(folder)
        return plumbing.read_tree(self.repo, entry.sha) if entry else {}

    def entries(self) -> list[Entry]:
        """Every commit of the ref, oldest first, with its record parsed (or the error)."""
        head = self.head()
        if head is None:
            return []
        metas = plumbing.first_parent_log(self.repo, head)
        blobs = plumbing.cat_files(self.repo, [f"{m.sha}:record.json" for m in metas])
        return [_entry(meta, data) for meta, data in zip(metas, blobs, strict=True)]

    def records(self) -> Iterator[Record]:
        """The records that could be read, oldest first."""
        return (e.record for e in self.entries() if e.record is not None)

    def backup(self, commit: str, device: str, folder: str = "backups") -> str | None:
        data = next(plumbing.cat_files(self.repo, [f"{commit}:{backup_path(device, folder)}"]))
        return None if data is None else data.decode()

    def last_applied(self) -> dict[str, AppliedRecord]:
        """Per device, what its last successful apply applied and left running (for drift)."""
        found: dict[str, AppliedRecord] = {}
        for record in self.records():
            if record.kind != "apply" or record.phase != "finished":
                continue
            for device in record.devices:
                applied = _applied(record, device)
                if applied is not None:
                    found[device.name] = applied
        return found

    def interrupted(self) -> list[Record]:
        """'started' apply records with no 'finished' record, and 'finished' ones that left a
        device in an unknown state (its worker was lost after the commit), not acknowledged by
        a later run.

        Call it while holding the apply lock: an apply running right now looks the same.
        """
        started: dict[str, Record] = {}
        for record in self.records():
            if record.phase == "started" or _left_unknown(record):
                started[record.run] = record
            else:
                started.pop(record.run, None)
            for run in record.acknowledges:
                started.pop(run, None)
        return list(started.values())


def _left_unknown(record: Record) -> bool:
    return record.kind == "apply" and any(d.outcome is Outcome.UNKNOWN for d in record.devices)


def _applied(record: Record, device: DeviceOutcome) -> AppliedRecord | None:
    if device.outcome not in SUCCESS:
        return None
    if device.candidate_hash is None or device.running_config_hash is None:
        return None
    return AppliedRecord(record.commit, device.candidate_hash, device.running_config_hash)


def _entry(meta: plumbing.CommitMeta, data: bytes | None) -> Entry:
    claimed = plumbing.trailers(meta.message).first("Record-Hash")
    if data is None:
        return Entry(meta.sha, meta.parents, claimed, None, "the commit holds no record.json")
    try:
        return Entry(meta.sha, meta.parents, claimed, Record.model_validate_json(data))
    except ValueError as exc:
        first = str(exc).splitlines()[0:3]
        return Entry(meta.sha, meta.parents, claimed, None, f"unreadable record: {' '.join(first)}")


def _redacted(record: Record, redact: Redact, configs: Mapping[str, Configs]) -> Record:
    devices = []
    for d in record.devices:
        texts = configs.get(d.name, Configs())
        devices.append(
            d.model_copy(
                update={
                    "reason": redact(d.reason),
                    "before_sha256": sha256(_opt(redact, texts.before)) or d.before_sha256,
                    "after_sha256": sha256(_opt(redact, texts.after)) or d.after_sha256,
                }
            )
        )
    unknown = set(configs) - {d.name for d in record.devices}
    if unknown:
        raise GitError(f"configs for devices not in the record: {', '.join(sorted(unknown))}")
    return record.model_copy(
        update={
            "devices": tuple(devices),
            "emergency_reason": _opt(redact, record.emergency_reason),
            "overridden_findings": tuple(redact(f) for f in record.overridden_findings),
        }
    )


def _opt(redact: Redact, text: str | None) -> str | None:
    return None if text is None else redact(text)


def _safe(text: str) -> str:
    return "".join(c for c in text if c not in "<>\n\r") or "unknown"


def _message(record: Record, digest: str) -> str:
    counts: dict[str, int] = {}
    for d in record.devices:
        counts[d.outcome.value] = counts.get(d.outcome.value, 0) + 1
    summary = ", ".join(f"{n} {o}" for o, n in sorted(counts.items())) or "no devices"
    return (
        f"underlay audit: {record.kind} {record.phase} at {record.commit[:12]} ({summary})\n\n"
        f"Record: {record.id}\nRecord-Seq: {record.seq}\nRecord-Hash: {digest}\n"
        f"Previous: {record.previous or 'none'}\n"
    )
