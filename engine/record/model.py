"""The audit record: one apply or drift run, as a frozen, hash-chained value.

A record's hash is the sha256 of its canonical JSON (sorted keys, no whitespace), which includes
`previous`, the hash of the record before it: editing or removing any record breaks the link
of the one after it. Configs are not inside the record; the record holds the sha256 of each
redacted config, and the texts are backups in the audit ref's tree (see engine.record.store).
Fields added after records were first written (LATER_FIELDS) are left out of the stored and
hashed form while empty, so every record written before them still hashes as it did.
`AppliedRecord` is what the records tell of a device's last successful apply (drift reads it).

Example (JSON, as stored in `record.json`):
    {"format_version": 1, "kind": "apply", "phase": "finished",
     "run": "apply-20240301T101500Z-3fa2c1", "seq": 7, "previous": "9c1e...",
     "actor": {"user": "alice", "ci_actor": "alice",
     "host": "runner-3", "ci_run": "https://github.com/org/infra/actions/runs/42"},
     "commit": "5d0e...", "plan_hash": "a41f...", "started": "2024-03-01T10:15:00Z",
     "finished": "2024-03-01T10:16:12Z", "emergency_reason": null, "acknowledges": [],
     "devices": [{"name": "fra1-leaf01", "outcome": "confirmed", "reason": "",
                  "candidate_hash": "77ab...", "running_config_hash": "e3b0...",
                  "before_sha256": "01ff...", "after_sha256": "e3b0...", "seconds": 11.2}]}
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from engine.frozen import Frozen

FORMAT_VERSION = 1
LATER_FIELDS = frozenset({"overridden_findings", "monitoring"})
Kind = Literal["apply", "drift"]
Phase = Literal["started", "finished"]


class Outcome(StrEnum):
    COMMITTED = "committed"  # committed with commit-confirm armed, not confirmed yet
    CONFIRMED = "confirmed"  # verified and confirmed: the apply of this device succeeded
    ROLLED_BACK = "rolled-back"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    UNKNOWN = "unknown"  # after a commit, its worker was lost: reverts by its own timer
    NOOP = "no-op"  # nothing to change (apply) or in sync (drift)
    DRIFTED = "drifted"  # drift runs: live differs from the repository; `reason` says why


SUCCESS = frozenset({Outcome.CONFIRMED, Outcome.NOOP})


@dataclass(frozen=True)
class AppliedRecord:
    """What the audit trail knows of a device's last successful apply."""

    commit: str
    candidate_hash: str  # the rendered artifacts that were applied
    running_config_hash: str  # the running config right after the apply


class Actor(Frozen):
    """Who or what ran it. Example: Actor(user="alice", ci_actor="alice", host="runner-3",
    ci_run="https://github.com/org/infra/actions/runs/42")"""

    user: str
    ci_actor: str | None = None
    host: str
    ci_run: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Actor:
        env = dict(os.environ) if env is None else env
        user = env.get("GITHUB_ACTOR") or env.get("USER") or env.get("LOGNAME") or _login()
        return cls(
            user=user,
            ci_actor=env.get("GITHUB_ACTOR"),
            host=socket.gethostname(),
            ci_run=_ci_run(env),
        )

    def matches(self, who: str) -> bool:
        who = who.casefold()
        return any(who in (v or "").casefold() for v in (self.user, self.ci_actor))


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers): not worth failing a record for
        return "unknown"


def _ci_run(env: dict[str, str]) -> str | None:
    run, repo = env.get("GITHUB_RUN_ID"), env.get("GITHUB_REPOSITORY")
    if not (run and repo):
        return None
    return f"{env.get('GITHUB_SERVER_URL', 'https://github.com')}/{repo}/actions/runs/{run}"


class DeviceOutcome(Frozen):
    """One device in one run. The hashes of configs are of the redacted texts the backups hold;
    `running_config_hash` is the plan's hash of the running config after the run (what drift
    compares against), `candidate_hash` the plan's hash of the rendered artifacts applied."""

    name: str
    outcome: Outcome
    reason: str = ""
    candidate_hash: str | None = None
    running_config_hash: str | None = None
    before_sha256: str | None = None
    after_sha256: str | None = None
    seconds: float = 0.0


class Marking(Frozen):
    """How an apply kept the monitoring from paging anyone for its planned change.
    Example: Marking(how="silence", where="http://198.18.0.1:9093", id="1d0f...",
    devices=("fra1-leaf02",), until="2024-03-01T10:45:00+00:00", note="expired after the run")
    or Marking(how="none", note="no Alertmanager is configured: nothing was silenced")."""

    how: Literal["silence", "none"]
    where: str | None = None  # the Alertmanager's URL
    id: str | None = None  # the silence's id
    devices: tuple[str, ...] = ()
    until: str | None = None  # when the silence ends by itself, should the run never finish
    note: str = ""


class Record(Frozen):
    format_version: int = FORMAT_VERSION
    kind: Kind
    phase: Phase = "finished"
    run: str  # shared by the started and finished records of one apply
    seq: int = 0  # position in the chain, from 0; set by the store
    previous: str | None = None  # hash of the record before; set by the store
    actor: Actor
    commit: str  # the repository commit the run acted on
    plan_hash: str | None = None  # sha256 of the plan file's bytes
    started: datetime
    finished: datetime | None = None
    emergency_reason: str | None = None
    # unwaived standard errors the emergency applied despite, as `path:line:col: error[CODE]: ...`
    overridden_findings: tuple[str, ...] = ()
    acknowledges: tuple[str, ...] = ()  # runs of interrupted applies this run has dealt with
    devices: tuple[DeviceOutcome, ...] = ()
    monitoring: Marking | None = None  # the devices' alerts silenced during the run

    @property
    def id(self) -> str:
        return f"{self.run}/{self.phase}"

    @property
    def time(self) -> datetime:
        """When the record was written: the end of the run, or its start for a 'started'."""
        return self.finished or self.started

    def stored(self) -> dict[str, Any]:
        """The record as stored and hashed: JSON data without the empty LATER_FIELDS."""
        empty = {name for name in LATER_FIELDS if not getattr(self, name)}
        return self.model_dump(mode="json", exclude=empty)

    def canonical(self) -> bytes:
        return canonical_json(self.stored())

    def hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    def device(self, name: str) -> DeviceOutcome | None:
        return next((d for d in self.devices if d.name == name), None)


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def new_run(kind: Kind, now: datetime | None = None) -> tuple[str, datetime]:
    """A fresh run id and its start time. Example: ("apply-20240301T101500Z-3fa2c1", ...)"""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{kind}-{now:%Y%m%dT%H%M%SZ}-{os.urandom(3).hex()}", now


class RecordRef(Frozen):
    """Where a record landed: its commit on the audit ref and its hash."""

    id: str
    seq: int
    hash: str
    commit: str


class Problem(Frozen):
    """A broken link found by verify. Example: Problem(record="apply-...-3fa2c1/finished",
    seq=7, commit="c0ffee...", message="previous is 9c1e..., but record 6 hashes to 4b2a...")"""

    record: str | None
    seq: int | None
    commit: str | None
    message: str

    def __str__(self) -> str:
        where = f"record {self.seq} ({self.record})" if self.record else "audit ref"
        at = f" at {self.commit[:12]}" if self.commit else ""
        return f"{where}{at}: {self.message}"
