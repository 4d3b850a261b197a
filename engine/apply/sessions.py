"""What apply does on a device within one driver session, wherever the session runs.

Each operation opens a session, acts and closes it: `commit` (load the candidate, compare it
with the plan, commit with the commit-confirm timer armed), `confirm`, `rollback`, `pending`
(is an unconfirmed commit running?) and `recover` (roll such a commit back). The caller
(engine/apply/device.py) decides what comes next - verification, confirm, roll back, waiting
for the device's own timer - so the order of a device's transaction stays in the calling
process. Locally a session opens the driver here; with an executor it is a job for a worker
at the device's site (`run_session`), which resolves the credentials itself.

    answer = commit(driver, text, Planned(running_hash, diff), redact, revert_in=60)
    answer.kind      # "stopped" | "committed" | "rejected" | "no-answer"
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, Literal

from napalm.base import NetworkDriver

from engine.collect.hosts import Target
from engine.drivers import (
    CommitConfirmException,
    CommitError,
    ConnectionException,
    DriverError,
    HostKeyError,
    ReplaceConfigException,
    RollbackError,
    bundle,
    connection_args,
    get_driver,
)
from engine.execute import Executor, Job, Reply
from engine.plan.build import sha256
from engine.record import Outcome
from engine.secrets import CredentialStore

KIND = "apply"
Redact = Callable[[str], str]
AnswerKind = Literal["stopped", "committed", "rejected", "no-answer"]


class NoWorker(ConnectionException):
    """No worker serves the device's queue: nothing was sent to the device."""


class WorkerLost(DriverError):
    """The worker running the session was lost: it may or may not have acted."""


@dataclass(frozen=True)
class Planned:
    """What the plan computed the device's change against (its redacted hashes and diff)."""

    running_hash: str | None
    config_diff: str


@dataclass(frozen=True)
class Answer:
    """How a commit session ended. `stopped`: nothing changed (`outcome`, `reason`, and for
    a device already at the target its redacted running bundle and hash); `committed`: the
    timer is armed; `rejected`: the device refused at commit and restored its snapshot;
    `no-answer`: the session broke during the commit (it may or may not have happened).
    `since_commit`: seconds from the start of the commit to the end of the session."""

    kind: AnswerKind
    outcome: Outcome | None = None
    reason: str = ""
    after: str | None = None
    running_hash: str | None = None
    since_commit: float = 0.0

    @classmethod
    def stop(
        cls, outcome: Outcome, reason: str, after: str | None = None, running: str | None = None
    ) -> Answer:
        return cls("stopped", outcome, reason, after, running)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Answer:
        outcome = data.get("outcome")
        return cls(**{**data, "outcome": Outcome(outcome) if outcome else None})


# ---------- sessions on an open driver ---------------------------------------------------------


def commit(
    driver: NetworkDriver, text: str, planned: Planned, redact: Redact, revert_in: int
) -> Answer:
    """Load `text`, check it against the plan under the device's lock, commit with the
    commit-confirm timer armed for `revert_in` seconds."""
    stopped = _load_and_compare(driver, text, planned, redact)
    if stopped is not None:
        return stopped
    began = time.monotonic()
    try:
        driver.commit_config(revert_in=revert_in)
    except CommitConfirmException as exc:
        return Answer.stop(Outcome.FAILED, f"{exc}: nothing changed")
    except CommitError as exc:
        return Answer("rejected", reason=str(exc), since_commit=time.monotonic() - began)
    except DriverError as exc:  # the session broke: the commit may or may not have happened
        since = time.monotonic() - began
        return Answer("no-answer", reason=f"the commit did not answer ({exc})", since_commit=since)
    return Answer("committed", since_commit=time.monotonic() - began)


def _load_and_compare(
    driver: NetworkDriver, text: str, planned: Planned, redact: Redact
) -> Answer | None:
    """None to go on; else why this device stops here (it is unchanged)."""
    try:
        driver.load_replace_candidate(config=text)
    except ReplaceConfigException as exc:
        why = f"the device rejected the candidate: {exc}; nothing changed"
        return Answer.stop(Outcome.FAILED, why)
    diff = driver.compare_config()
    running = bundle.encode(driver.extensions.running_artifacts())
    stale = _stale(planned, diff, running, redact)
    if stale is not None:
        driver.discard_config()
    return stale


def _stale(planned: Planned, diff: str, running: str, redact: Redact) -> Answer | None:
    now_hash = sha256(redact(running))
    if now_hash != planned.running_hash:
        if not diff.strip():
            return Answer.stop(Outcome.NOOP, "already matches the plan", redact(running), now_hash)
        return Answer.stop(Outcome.FAILED, "stale: its running config changed since the plan")
    if redact(diff) != planned.config_diff:
        return Answer.stop(Outcome.FAILED, "stale: the diff now differs from the planned diff")
    return None


def recover(driver: NetworkDriver) -> bool:
    """Roll back an unconfirmed commit if one runs; whether one did."""
    if not driver.has_pending_commit():
        return False
    driver.rollback()
    return True


# ---------- opening a session, here or on a worker -----------------------------------------------


@contextmanager
def open_driver(target: Target, store: CredentialStore, timeout: float) -> Iterator[NetworkDriver]:
    """An open driver with the credentials `store` resolves; ConnectionException when the
    device cannot be reached."""
    creds = store.resolve(target.credentials)
    driver = get_driver(target.platform)(
        target.address,
        creds.username,
        creds.password or "",
        timeout=int(timeout),
        optional_args=connection_args(
            target.platform,
            port=target.port,
            key_file=creds.key_file,
            netns=creds.netns,
            known_hosts=creds.known_hosts,
        ),
    )
    driver.open()
    try:
        yield driver
    finally:
        driver.close()


def commit_on(
    target: Target,
    store: CredentialStore,
    timeout: float,
    text: str,
    planned: Planned,
    revert_in: int,
) -> Answer:
    """A commit session: opening it is part of it (unreachable: nothing changed)."""
    redact = store.redactor().redact
    try:
        with open_driver(target, store, timeout) as driver:
            return commit(driver, text, planned, redact, revert_in)
    except HostKeyError as exc:  # checked before any authentication: nothing was sent
        return Answer.stop(Outcome.FAILED, f"refused: {exc}")
    except ConnectionException as exc:
        return Answer.stop(Outcome.UNREACHABLE, f"unreachable at apply time: {exc}")
    except DriverError as exc:
        return Answer.stop(Outcome.FAILED, f"{exc}: nothing changed")


OPERATIONS: dict[str, Callable[[NetworkDriver], Any]] = {
    "confirm": lambda driver: driver.confirm_commit(),
    "rollback": lambda driver: driver.rollback(),
    "pending": lambda driver: bool(driver.has_pending_commit()),
    "recover": recover,
}
# the exceptions a session may raise that the caller tells apart, by name (a worker's answer)
ERRORS: dict[str, type[DriverError]] = {
    kind.__name__: kind
    for kind in (
        CommitConfirmException,
        RollbackError,
        HostKeyError,
        ConnectionException,
        DriverError,
    )
}


def session_job(target: Target, op: str, timeout: float, expires: float, **args: Any) -> Job:
    payload = {"op": op, "target": target.to_json(), "timeout": timeout, **args}
    return Job(target.name, target.site, KIND, payload, expires=expires)


def run_session(payload: Mapping[str, Any], store: CredentialStore) -> dict[str, Any]:
    """The worker's handler: one session on the payload's target, with this worker's
    credentials. Answers {"answer": ...} or {"raised": kind, "message": ...}."""
    target = Target.from_json(payload["target"])
    timeout, op = float(payload["timeout"]), payload["op"]
    if op == "commit":
        planned = Planned(**payload["planned"])
        answer = commit_on(target, store, timeout, payload["text"], planned, payload["revert_in"])
        return {"answer": answer.to_json()}
    try:
        with open_driver(target, store, timeout) as driver:
            return {"answer": OPERATIONS[op](driver)}
    except DriverError as exc:
        kind = next((k for k in ERRORS.values() if isinstance(exc, k)), DriverError)
        return {"raised": kind.__name__, "message": str(exc)}


def remote(executor: Executor, job: Job) -> Any:
    """The answer of a session run by `executor`; what it raised, raised here again (NoWorker
    when no worker serves the queue, WorkerLost when its worker died during it)."""
    reply: Reply = executor.call(job)
    if reply.kind == "no-worker":
        raise NoWorker(reply.error or "no worker")
    if reply.kind == "lost":
        raise WorkerLost(reply.error or "worker lost")
    if not reply.ok or reply.value is None:
        raise DriverError(reply.error or "no answer")
    if "raised" in reply.value:
        raise ERRORS.get(reply.value["raised"], DriverError)(reply.value["message"])
    return reply.value["answer"]
