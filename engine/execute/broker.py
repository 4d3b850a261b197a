"""The Celery application both sides share, and the broker's worker heartbeats.

One task, `underlay.device(kind, payload)`, serialized as JSON (never pickle); its result is
the handler's answer. Connections fail fast (a broker that does not answer is an error within
seconds, not a retry loop). A worker serves one queue and says so every second with a key
that expires: `underlay:workers:<queue>:<node>`; the caller reads those keys to know whether a
queue has a worker and whether the worker that started a job still lives.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import redis
from celery import Celery

from engine.errors import Unavailable

TASK = "underlay.device"
HEARTBEAT_PREFIX = "underlay:workers"
HEARTBEAT_EVERY = 1.0  # seconds
HEARTBEAT_TTL_MS = 5000  # a worker silent this long is gone (slack for a busy host)
CONNECT_TIMEOUT = 3.0  # seconds: an unreachable broker is an error well within 10 s


class BrokerUnavailable(Unavailable):
    """The broker cannot be reached: nothing was sent (exit 1)."""


def heartbeat_key(queue: str, node: str = "*") -> str:
    return f"{HEARTBEAT_PREFIX}:{queue}:{node}"


def shown(url: str) -> str:
    """The URL as messages may show it: without a password."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def client(url: str) -> redis.Redis:
    """A Redis client to the broker that answers or fails within CONNECT_TIMEOUT seconds;
    BrokerUnavailable when it does not answer now."""
    conn = redis.Redis.from_url(
        url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT * 2
    )
    try:
        conn.ping()
    except redis.RedisError as exc:
        conn.close()
        why = str(exc).rstrip(".")
        raise BrokerUnavailable(
            f"cannot reach the broker {shown(url)}: {why}. Start it (or fix execution.broker "
            "in underlay.yaml / $UNDERLAY_BROKER_URL), or run with --executor local"
        ) from None
    return conn


def make_app(url: str) -> Celery:
    app = Celery("underlay", broker=url, backend=url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_track_started=True,  # STARTED names the worker: the caller watches it live
        task_acks_late=False,  # at most once: a device's commit is never run twice
        worker_prefetch_multiplier=1,
        broker_connection_retry=False,
        broker_connection_retry_on_startup=False,
        broker_connection_max_retries=0,
        broker_connection_timeout=CONNECT_TIMEOUT,
        redis_socket_connect_timeout=CONNECT_TIMEOUT,
        redis_socket_timeout=30,
        redis_retry_on_timeout=False,
        result_backend_always_retry=False,
        result_expires=3600,
        worker_send_task_events=False,
        task_send_sent_event=False,
    )
    return app
