"""A Celery worker serving one queue: it runs each job with the handler of its kind and the
credentials of the place it runs (its own environment, secrets file, lab), answers JSON
without a secret, and beats a heartbeat key the callers watch.

    serve(url, "fra1", {"collect": run_collect, "apply": run_session}, store, concurrency=20)
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Mapping
from typing import Any

import redis
from celery import signals

from engine.execute.broker import (
    HEARTBEAT_EVERY,
    HEARTBEAT_TTL_MS,
    TASK,
    client,
    heartbeat_key,
    make_app,
)
from engine.execute.jobs import Handler, scrub
from engine.secrets import CredentialStore


def node_name(queue: str) -> str:
    """Example: node_name("fra1") -> "fra1@ops-host.4711" (one process, one node)."""
    return f"{queue}@{socket.gethostname()}.{os.getpid()}"


def run_job(
    handlers: Mapping[str, Handler],
    store: CredentialStore,
    node: str,
    kind: str,
    payload: Mapping[str, Any],
) -> dict[str, Any]:
    """One job's answer; never raises. Every secret value this worker resolved is scrubbed."""
    handler = handlers.get(kind)
    value: dict[str, Any] | None = None
    error = None
    if handler is None:
        error = f"worker {node} has no handler for {kind!r} jobs (another underlay version?)"
    else:
        try:
            value = handler(payload, store)
        except Exception as exc:  # the job's value, not the worker's crash
            error = f"{type(exc).__name__}: {exc}"
    answer = {"worker": node, "value": value, "error": error}
    scrubbed: dict[str, Any] = scrub(answer, sorted(store.secret_values()))
    return scrubbed


def serve(
    url: str,
    queue: str,
    handlers: Mapping[str, Handler],
    store: CredentialStore,
    *,
    concurrency: int = 20,
    loglevel: str = "WARNING",
) -> None:
    """Serve `queue` until stopped (SIGTERM, Ctrl-C). BrokerUnavailable when unreachable."""
    conn = client(url)
    node = node_name(queue)
    app = make_app(url)

    @app.task(name=TASK)  # type: ignore[untyped-decorator]  # celery ships no annotations
    def device(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return run_job(handlers, store, node, kind, payload)

    stop = threading.Event()
    beat = threading.Thread(target=_beat, args=(conn, queue, node, stop), daemon=True)
    signals.worker_ready.connect(lambda **_: beat.start(), weak=False)
    try:
        app.Worker(
            hostname=node,
            queues=[queue],
            pool="threads",
            concurrency=concurrency,
            loglevel=loglevel,
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            quiet=True,
        ).start()
    finally:
        stop.set()
        conn.delete(heartbeat_key(queue, node))
        conn.close()


def _beat(conn: redis.Redis, queue: str, node: str, stop: threading.Event) -> None:
    """Say every second that `node` serves `queue`; a killed worker falls silent."""
    while not stop.is_set():
        with contextlib.suppress(redis.RedisError):  # Celery itself reports a lost broker
            conn.set(heartbeat_key(queue, node), node, px=HEARTBEAT_TTL_MS)
        stop.wait(HEARTBEAT_EVERY)
