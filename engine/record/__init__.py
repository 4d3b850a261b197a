"""The record stage: audit records of apply and drift runs, hash-chained on a git ref.

store = AuditStore(repo)
run, started = new_run("apply")
store.append(Record(kind="apply", phase="started", run=run, actor=Actor.from_env(),
                    commit=sha, plan_hash=h, started=started), redact=redact)
... apply ...
store.append(Record(..., phase="finished", finished=now, devices=outcomes),
             redact=redact, configs={"fra1-leaf01": Configs(before=old, after=new)})
store.interrupted()     # started applies that never finished
store.last_applied()    # for drift: device -> AppliedRecord
verify(store)           # problems: edited or missing records, applies not on main, backups
"""

from engine.errors import GitError
from engine.record.model import (
    FORMAT_VERSION,
    SUCCESS,
    Actor,
    AppliedRecord,
    DeviceOutcome,
    Marking,
    Outcome,
    Problem,
    Record,
    RecordRef,
    new_run,
)
from engine.record.store import REF, AuditStore, Configs, Entry
from engine.record.verify import verify

__all__ = [
    "FORMAT_VERSION",
    "REF",
    "SUCCESS",
    "Actor",
    "AppliedRecord",
    "AuditStore",
    "Configs",
    "DeviceOutcome",
    "Entry",
    "GitError",
    "Marking",
    "Outcome",
    "Problem",
    "Record",
    "RecordRef",
    "new_run",
    "verify",
]
