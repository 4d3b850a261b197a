"""The distributed executor: each job goes to the Celery queue of its device's site.

    with CeleryExecutor.connect(settings.execution) as executor:   # BrokerUnavailable: exit 1
        reply = executor.call(job)

Bounded everywhere: a queue with no worker is waited for `wait_for_worker` seconds, then its
jobs are answered "no worker for queue X" without being sent; a job whose worker stops
beating while it runs is "lost" (it may have acted: the caller decides what that means for a
device); a job no worker has started before it expires is dropped by the workers. Results are
deleted from the broker as soon as they are read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import redis
from celery import Celery, states
from celery.result import AsyncResult

from engine.errors import UsageError
from engine.execute.broker import TASK, client, heartbeat_key, make_app
from engine.execute.jobs import Job, Reply
from engine.execute.settings import Execution

POLL = 0.05  # seconds between looks at the results of the jobs in flight
CHECK = 1.0  # seconds between looks at the heartbeats of a job's queue and worker


class CeleryExecutor:
    def __init__(self, execution: Execution, url: str, conn: redis.Redis) -> None:
        self.execution = execution
        self.redis = conn
        self.app: Celery = make_app(url)
        self._absent: set[str] = set()  # queues already found without a worker in this run
        self._lock = threading.Lock()

    @classmethod
    @contextmanager
    def connect(cls, execution: Execution) -> Iterator[CeleryExecutor]:
        url = execution.broker_url()
        if not url:
            raise UsageError(
                "the celery executor needs a broker: set execution.broker in underlay.yaml "
                "or $UNDERLAY_BROKER_URL"
            )
        executor = cls(execution, url, client(url))
        try:
            yield executor
        finally:
            executor.close()

    def close(self) -> None:
        self.app.close()
        self.redis.close()

    def call(self, job: Job) -> Reply:
        return self.map([job])[job.name]

    def map(
        self, jobs: Sequence[Job], on_done: Callable[[Reply], None] | None = None
    ) -> dict[str, Reply]:
        """Every job is queued at once (a queue's workers take them as they can); one loop
        then watches them all: one read of the results per round, the heartbeats every
        second."""
        replies: dict[str, Reply] = {}

        def done(reply: Reply) -> None:
            replies[reply.name] = reply
            if on_done is not None:
                on_done(reply)

        served = self._serving({self.execution.queue(job.site) for job in jobs})
        flight: list[Flight] = []
        for job in jobs:
            queue = self.execution.queue(job.site)
            sent = self._send(job, queue) if queue in served else self._no_worker(job, queue)
            if isinstance(sent, Reply):
                done(sent)
            else:
                flight.append(sent)
        self._gather(flight, done)
        return replies

    def _send(self, job: Job, queue: str) -> Flight | Reply:
        try:
            result = self.app.send_task(
                TASK,
                args=[job.kind, dict(job.payload)],
                queue=queue,
                expires=job.expires or self.execution.task_timeout,
            )
        except Exception as exc:  # the broker went away: this job's value, not a crash
            return Reply(job.name, "error", error=f"could not queue the task on {queue}: {exc}")
        return Flight(job, queue, result, time.monotonic())

    # ---------- a queue's workers ----------------------------------------------------------

    def workers(self, queue: str) -> set[str]:
        """The nodes serving `queue` now (their heartbeat has not expired)."""
        keys = self.redis.scan_iter(match=heartbeat_key(queue), count=100)
        return {key.decode().rpartition(":")[2] for key in keys}

    def _serving(self, queues: set[str]) -> set[str]:
        """The queues that have a worker, waiting up to wait_for_worker seconds for the
        others (all at once; a queue found without one in this run is not waited for again)."""
        deadline = time.monotonic() + self.execution.wait_for_worker
        with self._lock:
            waiting = queues - self._absent
        served = {q for q in queues if self.workers(q)}
        while waiting - served and time.monotonic() < deadline:
            time.sleep(0.2)
            served |= {q for q in waiting - served if self.workers(q)}
        with self._lock:
            self._absent = (self._absent | (queues - served)) - served
        return served

    def _no_worker(self, job: Job, queue: str) -> Reply:
        waited = f"waited {self.execution.wait_for_worker:g} s"
        return Reply(job.name, "no-worker", error=f"no worker for queue {queue} ({waited})")

    # ---------- results ---------------------------------------------------------------------

    def _gather(self, flight: list[Flight], done: Callable[[Reply], None]) -> None:
        checked = time.monotonic()
        while flight:
            metas = self._metas([f.result.id for f in flight])
            now = time.monotonic()
            live = None
            if now - checked >= CHECK:
                checked, live = now, {q: self.workers(q) for q in {f.queue for f in flight}}
            still = []
            for f, meta in zip(flight, metas, strict=True):
                reply = self._settled(f, meta, now, live)
                if reply is None:
                    still.append(f)
                    continue
                f.result.forget()
                done(reply)
            flight = still
            if flight:
                time.sleep(min(1.0, max(POLL, len(flight) / 10_000)))  # big runs: fewer reads

    def _metas(self, ids: Sequence[str]) -> list[Mapping[str, Any] | None]:
        """Each task's state as the result store holds it (one MGET); None: not started."""
        backend = self.app.backend
        raw = self.redis.mget([backend.get_key_for_task(i) for i in ids])
        return [None if r is None else backend.decode_result(r) for r in raw]

    def _settled(
        self,
        f: Flight,
        meta: Mapping[str, Any] | None,
        now: float,
        live: Mapping[str, set[str]] | None,
    ) -> Reply | None:
        """The job's reply, or None while it may still come. `live`: the nodes serving each
        queue, when this round looks at them."""
        state = meta["status"] if meta else states.PENDING
        if state in states.READY_STATES:
            return _ready(f.job, f.queue, state, meta["result"] if meta else None)
        if now > f.sent + self.execution.task_timeout:
            f.result.revoke()
            why = f"no answer from queue {f.queue} in {self.execution.task_timeout:g} s"
            if state == states.STARTED:  # it runs, or ran: whatever it did is unknown
                return Reply(f.job.name, "lost", error=f"{why} (a worker started it)")
            return Reply(f.job.name, "error", error=f"{why} (no worker started it)")
        if live is None:
            return None
        if state == states.STARTED:
            node = _node(meta["result"] if meta else None)
            return _lost(f.job, f.queue, node) if node and node not in live[f.queue] else None
        return self._unserved(f, now, bool(live[f.queue]))

    def _unserved(self, f: Flight, now: float, served: bool) -> Reply | None:
        """A job no worker has started: "no worker" once its queue has had none for
        wait_for_worker seconds (revoked, and it expires: it never runs later)."""
        if served:
            f.unserved = None
            return None
        f.unserved = f.unserved or now
        if now - f.unserved <= self.execution.wait_for_worker:
            return None
        f.result.revoke()
        return self._no_worker(f.job, f.queue)


@dataclass
class Flight:
    """A job sent, until its reply."""

    job: Job
    queue: str
    result: AsyncResult
    sent: float
    unserved: float | None = None  # since when its queue has had no worker


def _node(info: Any) -> str | None:
    return str(info["hostname"]) if isinstance(info, Mapping) and "hostname" in info else None


def _lost(job: Job, queue: str, node: str) -> Reply:
    return Reply(
        job.name,
        "lost",
        error=f"worker {node} of queue {queue} was lost while it ran the task",
        worker=node,
    )


def _ready(job: Job, queue: str, state: str, answer: Any) -> Reply:
    if state == states.REVOKED:
        return Reply(
            job.name, "error", error=f"not started: it expired on queue {queue} (no free worker)"
        )
    if state != states.SUCCESS or not isinstance(answer, Mapping):
        return Reply(job.name, "error", error=f"the task failed on queue {queue}: {answer}")
    worker = answer.get("worker")
    if answer.get("error"):
        return Reply(job.name, "error", error=str(answer["error"]), worker=worker)
    return Reply(job.name, "ok", value=answer.get("value") or {}, worker=worker)
