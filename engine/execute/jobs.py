"""A device's task as a value (Job), its answer as a value (Reply), and who runs them.

    reply = executor.call(Job("fra1-leaf01", "fra1", "collect", {"target": {...}}))
    reply.kind     # "ok" | "no-worker" | "lost" | "error"; reply.value: the handler's answer

A Job's payload is JSON of names and values, never a secret; a handler runs it where the
device is reachable, with the credentials of that place, and answers JSON without a secret
(`scrub`). Failures of the execution itself are replies too: a queue with no worker, a worker
lost while it ran the job (the job may or may not have acted), an expired or failed task.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from engine.secrets import REDACTED, CredentialStore

ReplyKind = Literal["ok", "no-worker", "lost", "error"]
Handler = Callable[[Mapping[str, Any], CredentialStore], dict[str, Any]]


@dataclass(frozen=True)
class Job:
    """Example: Job(name="fra2-core01", site="fra2", kind="apply",
    payload={"op": "confirm", "target": {...}}, expires=40.0)"""

    name: str  # the device or server
    site: str  # routes the job: the executor maps it to a queue
    kind: str  # the handler that runs it: "collect", "apply"
    payload: Mapping[str, Any] = field(default_factory=dict)
    expires: float | None = None  # seconds: a job no worker has started by then never runs


@dataclass(frozen=True)
class Reply:
    """Example: Reply(name="fra2-core01", kind="no-worker", value=None,
    error="no worker for queue fra2 (waited 10 s)")"""

    name: str
    kind: ReplyKind
    value: Mapping[str, Any] | None = None
    error: str | None = None
    worker: str | None = None  # the worker that ran it, where known

    @property
    def ok(self) -> bool:
        return self.kind == "ok" and self.value is not None


class Executor(Protocol):
    """Runs jobs where their devices are reachable. Thread-safe: apply's batch threads call it
    at once."""

    def call(self, job: Job) -> Reply:
        """Run one job and wait for its reply (bounded: never blocks forever)."""
        ...

    def map(
        self, jobs: Sequence[Job], on_done: Callable[[Reply], None] | None = None
    ) -> dict[str, Reply]:
        """Run jobs in parallel; replies by job name; `on_done` hears of each as it comes."""
        ...


def scrub(value: Any, secrets: Sequence[str]) -> Any:
    """`value` (JSON) with every occurrence of each secret replaced by <redacted>, keys too:
    what a worker answers never carries a secret it resolved."""
    wanted = sorted({s for s in secrets if s}, key=len, reverse=True)
    if not wanted:
        return value
    pattern = re.compile("|".join(re.escape(s) for s in wanted))
    return _scrub(value, pattern)


def _scrub(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, Mapping):
        return {_scrub(k, pattern): _scrub(v, pattern) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v, pattern) for v in value]
    return value
