"""`audit show`: a device's intended and actual configuration at a date, who changed it, who
approved it, and whether the repository was compliant then."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from engine.audit import history
from engine.audit.history import Change, Compliance
from engine.errors import EngineError
from engine.record.store import AuditStore
from engine.render import render
from engine.validate import validate


@dataclass(frozen=True)
class Intended:
    commit: str  # the main commit in force at the date
    artifacts: dict[str, str]  # {path on the device: content}; empty when it could not render
    problem: str | None = None  # why there is no intended config (not declared, invalid, ...)


@dataclass(frozen=True)
class Actual:
    record: str  # id of the audit record whose backup this is
    recorded: datetime
    audit_commit: str
    outcome: str
    config: str


@dataclass(frozen=True)
class DeviceAt:
    device: str
    at: datetime
    intended: Intended | None  # None: main has no commit that old
    actual: Actual | None  # None: no record of this device at or before the date
    change: Change | None  # the last change to the device's files, with its approvals
    compliance: Compliance | None

    @property
    def found(self) -> bool:
        return self.intended is not None or self.actual is not None


def show(repo: Path, device: str, at: datetime, main: str | None = None) -> DeviceAt:
    store = AuditStore(repo)
    ref = history.mainline(store.repo, main)
    commit = history.commit_at(store.repo, ref, at)
    actual = _actual(store, device, at)
    if commit is None:
        return DeviceAt(device, at, None, actual, None, None)
    with history.checkout(store.repo, commit) as folder:
        intended, paths = _intended(folder, commit, device)
        compliance = history.compliance(folder, commit, at.date(), device)
    changed = history.last_change(store.repo, commit, paths) if paths else None
    change = history.change(store.repo, changed, ref) if changed else None
    return DeviceAt(device, at, intended, actual, change, compliance)


def _intended(folder: Path, commit: str, device: str) -> tuple[Intended, list[str]]:
    """The rendered config, and the files its values come from (for 'who changed it')."""
    result = validate(folder)
    obj = result.inventory.node(device)
    if obj is None:
        return Intended(commit, {}, f"{device} is not declared (or not valid) at that commit"), []
    kind = "device" if device in result.inventory.devices else "server"
    source = result.inventory.sources[(kind, device)]
    paths = sorted({layer.doc.path for layer in source.layers})
    if not result.ok:
        return Intended(commit, {}, "the inventory did not validate at that commit"), paths
    try:
        return Intended(commit, render(result.inventory, device).artifacts()), paths
    except EngineError as exc:
        return Intended(commit, {}, str(exc)), paths


def _actual(store: AuditStore, device: str, at: datetime) -> Actual | None:
    last = None
    for entry in store.entries():
        record = entry.record
        if record is None or record.time > at:
            continue
        mine = record.device(device)
        if mine is not None and mine.after_sha256:
            last = (entry.commit, record, mine.outcome.value)
    if last is None:
        return None
    commit, record, outcome = last
    config = store.backup(commit, device) or ""
    return Actual(record.id, record.time, commit, outcome, config)
