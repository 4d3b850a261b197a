"""The HTTP APIs of Prometheus (v1) and Alertmanager (v2), with the standard library only.

A server on a lab's management network is reached from inside the lab's network namespace
(`netns`, engine.netns), as the engine reaches the lab's devices; any other from here.

    prom = Prometheus(Api("http://198.18.0.1:9090", netns="/run/netns/ul3fa2c1_mgmt"))
    prom.query('underlay:service_up{service="webshop"}')  # [{"metric": {...}, "value": [t, "1"]}]
    am = Alertmanager(Api("http://198.18.0.1:9093"))
    silence = am.silence({"name": "fra1-leaf02"}, minutes=10, by="underlay apply", why="...")
"""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from engine import netns as namespaces
from engine.errors import EngineError


class ApiError(EngineError):
    """The server did not answer, or answered with an error: the message says which."""


@dataclass(frozen=True)
class Api:
    url: str
    netns: str | None = None  # a network namespace's path: connect from inside it
    timeout: float = 10.0

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """The decoded JSON answer (None for an empty body); ApiError for anything else."""
        conn = self._connection()
        payload = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if payload else {}
        try:
            conn.request(method, self._prefix + path, body=payload, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException) as exc:
            raise ApiError(f"{self.url}: no answer ({exc})") from None
        finally:
            conn.close()
        if answer.status >= 300:
            text = data.decode(errors="replace").strip()[:300]
            raise ApiError(f"{self.url}{path}: HTTP {answer.status}: {text}")
        return json.loads(data) if data.strip() else None

    @property
    def _prefix(self) -> str:
        return urlsplit(self.url).path.rstrip("/")

    def _connection(self) -> http.client.HTTPConnection:
        parts = urlsplit(self.url)
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        cls = http.client.HTTPSConnection if https else http.client.HTTPConnection
        conn = cls(parts.hostname or "", port, timeout=self.timeout)
        if self.netns is not None:
            where, host = self.netns, parts.hostname or ""
            timeout = self.timeout

            def connect() -> socket.socket:
                return namespaces.connect(where, host, port, timeout)

            conn._create_connection = lambda *_a, **_k: connect()  # type: ignore[attr-defined]  # http.client's seam for its socket, set in __init__
        return conn


class Prometheus:
    """The queries the engine makes. Example: Prometheus(Api(url)).query("up")"""

    def __init__(self, api: Api) -> None:
        self.api = api

    def query(self, expr: str, at: datetime | None = None) -> list[dict[str, Any]]:
        """An instant query's vector: [{"metric": {labels}, "value": [time, "0.99"]}]."""
        params = {"query": expr} | ({"time": f"{at.timestamp():.3f}"} if at else {})
        return list(self._data(f"/api/v1/query?{urlencode(params)}")["result"])

    def alerts(self) -> list[dict[str, Any]]:
        """Active alerts: [{"labels": {...}, "state": "firing" | "pending", ...}]."""
        return list(self._data("/api/v1/alerts")["alerts"])

    def targets(self) -> list[dict[str, Any]]:
        """Active scrape targets: [{"labels": {...}, "health": "up", "lastError": ""}]."""
        return list(self._data("/api/v1/targets?state=active")["activeTargets"])

    def _data(self, path: str) -> Any:
        answer = self.api.request("GET", path)
        if not isinstance(answer, dict) or answer.get("status") != "success":
            raise ApiError(f"{self.api.url}{path}: {answer!r:.300}")
        return answer["data"]


@dataclass(frozen=True)
class Silence:
    """Example: Silence(id="1d0f...", matchers={"name": "fra1-leaf02|fra1-leaf03"},
    ends="2024-03-01T10:45:00Z")"""

    id: str
    matchers: dict[str, str]  # label -> regular expression
    ends: str


class Alertmanager:
    def __init__(self, api: Api) -> None:
        self.api = api

    def silence(self, matchers: dict[str, str], minutes: float, by: str, why: str) -> Silence:
        """Silence every alert whose labels match (each value a regular expression) from now
        for `minutes`; expire it earlier with `expire`."""
        now = datetime.now(UTC)
        ends = (now + timedelta(minutes=minutes)).isoformat(timespec="seconds")
        body = {
            "matchers": [
                {"name": k, "value": v, "isRegex": True, "isEqual": True}
                for k, v in matchers.items()
            ],
            "startsAt": now.isoformat(timespec="seconds"),
            "endsAt": ends,
            "createdBy": by,
            "comment": why,
        }
        answer = self.api.request("POST", "/api/v2/silences", body)
        return Silence(id=str(answer["silenceID"]), matchers=dict(matchers), ends=ends)

    def expire(self, silence_id: str) -> None:
        self.api.request("DELETE", f"/api/v2/silence/{silence_id}")

    def silences(self) -> list[dict[str, Any]]:
        """Every silence: [{"id": ..., "status": {"state": "active"}, "matchers": [...]}]."""
        return list(self.api.request("GET", "/api/v2/silences") or [])

    def alerts(self) -> list[dict[str, Any]]:
        """Alerts Prometheus sent: [{"labels": {...}, "status": {"state": "suppressed",
        "silencedBy": ["1d0f..."]}}]."""
        return list(self.api.request("GET", "/api/v2/alerts") or [])
