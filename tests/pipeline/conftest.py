"""A stand-in for the GitHub API, for the pipeline's PR comment."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest


class FakeGitHub(BaseHTTPRequestHandler):
    """Stands in for api.github.com on 127.0.0.1: the real API cannot be reached from tests."""

    comments: ClassVar[list[dict[str, Any]]] = []
    calls: ClassVar[list[tuple[str, str, str]]] = []

    def _reply(self, data: Any) -> None:
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> dict[str, Any]:
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

    def do_GET(self) -> None:
        self.calls.append(("GET", self.path, self.headers["Authorization"]))
        self._reply(self.comments)

    def do_POST(self) -> None:
        body = self._body()
        self.calls.append(("POST", self.path, body["body"]))
        self.comments.append({"id": 7, "body": body["body"]})
        self._reply({"id": 7})

    def do_PATCH(self) -> None:
        body = self._body()
        self.calls.append(("PATCH", self.path, body["body"]))
        self._reply({"id": 7})

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def fake_github() -> Iterator[str]:
    """FakeGitHub serving on 127.0.0.1, its calls and comments cleared; yields its URL."""
    FakeGitHub.comments.clear()
    FakeGitHub.calls.clear()
    server = HTTPServer(("127.0.0.1", 0), FakeGitHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture
def github() -> Iterator[str]:
    with fake_github() as url:
        yield url
