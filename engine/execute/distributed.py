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
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any

import redis
from celery import Celery, states
from celery.result import AsyncResult

from engine.errors import UsageError
from engine.execute.broker import TASK, client, heartbeat_key, make_app
from engine.execute.jobs import Job, Reply
from engine.execute.settings import Execution

POLL = 0.05  # seconds between looks at a job's state
CHECK = 1.0  # seconds between looks at the heartbeats of a job's queue and worker
MAX_PARALLEL = 64


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
        queue = self.execution.queue(job.site)
        if not self._await_worker(queue):
            return self._no_worker(job, queue)
        try:
            result = self.app.send_task(
                TASK,
                args=[job.kind, dict(job.payload)],
                queue=queue,
                expires=job.expires or self.execution.task_timeout,
            )
        except Exception as exc:  # the broker went away: this job's value, not a crash
            return Reply(job.name, "error", error=f"could not queue the task on {queue}: {exc}")
        try:
            return self._wait(job, queue, result)
        finally:
            result.forget()

    def map(
        self, jobs: Sequence[Job], on_done: Callable[[Reply], None] | None = None
    ) -> dict[str, Reply]:
        if not jobs:
            return {}
        replies: dict[str, Reply] = {}
        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(jobs))) as pool:
            for future in as_completed([pool.submit(self.call, job) for job in jobs]):
                reply = future.result()
                replies[reply.name] = reply
                if on_done is not None:
                    on_done(reply)
        return replies

    # ---------- a queue's workers ----------------------------------------------------------

    def workers(self, queue: str) -> set[str]:
        """The nodes serving `queue` now (their heartbeat has not expired)."""
        keys = self.redis.scan_iter(match=heartbeat_key(queue), count=100)
        return {key.decode().rpartition(":")[2] for key in keys}

    def _alive(self, queue: str, node: str) -> bool:
        return bool(self.redis.exists(heartbeat_key(queue, node)))

    def _await_worker(self, queue: str) -> bool:
        """Whether `queue` has a worker, waiting up to wait_for_worker seconds once per run."""
        if self.workers(queue):
            with self._lock:
                self._absent.discard(queue)
            return True
        with self._lock:
            if queue in self._absent:
                return False
        deadline = time.monotonic() + self.execution.wait_for_worker
        while time.monotonic() < deadline:
            time.sleep(min(0.2, self.execution.wait_for_worker))
            if self.workers(queue):
                return True
        with self._lock:
            self._absent.add(queue)
        return False

    def _no_worker(self, job: Job, queue: str) -> Reply:
        waited = f"waited {self.execution.wait_for_worker:g} s"
        return Reply(job.name, "no-worker", error=f"no worker for queue {queue} ({waited})")

    # ---------- one job's result ------------------------------------------------------------

    def _wait(self, job: Job, queue: str, result: AsyncResult) -> Reply:
        began = time.monotonic()
        hard = began + self.execution.task_timeout
        unserved: float | None = None  # since when the queue has had no worker
        checked = began
        while True:
            state = result.state
            if state in states.READY_STATES:
                return _ready(job, queue, state, result.result)
            now = time.monotonic()
            if now > hard:
                result.revoke()
                waited = f"{self.execution.task_timeout:g}"
                return Reply(job.name, "error", error=f"no answer from queue {queue} in {waited} s")
            if now - checked >= CHECK:
                checked = now
                if state == states.STARTED:
                    node = _node(result.info)
                    if node and not self._alive(queue, node):
                        return _lost(job, queue, node)
                elif self.workers(queue):
                    unserved = None
                else:
                    unserved = unserved or now
                    if now - unserved > self.execution.wait_for_worker:
                        result.revoke()
                        return self._no_worker(job, queue)
            time.sleep(POLL)


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
