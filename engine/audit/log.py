"""`audit log`: the records of the audit trail, filtered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from engine.record.model import Kind, Record
from engine.record.store import AuditStore, Entry


@dataclass(frozen=True)
class Filter:
    device: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    author: str | None = None  # a substring of the user or CI actor, any case
    kind: Kind | None = None

    def keeps(self, record: Record) -> bool:
        return (
            (self.device is None or record.device(self.device) is not None)
            and (self.since is None or record.time >= self.since)
            and (self.until is None or record.time <= self.until)
            and (self.author is None or record.actor.matches(self.author))
            and (self.kind is None or record.kind == self.kind)
        )


def log(repo: Path, keep: Filter) -> list[Entry]:
    """Matching records, oldest first, with the audit commit each lives at."""
    return [e for e in AuditStore(repo).entries() if e.record is not None and keep.keeps(e.record)]
