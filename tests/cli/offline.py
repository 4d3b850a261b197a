"""The sample organisation as a real git repository whose devices cannot be reached: every
device and server at its own 127.0.0.N on a closed port. Plan, drift and apply then run to the
end at once (each device "unreachable"), no lab is in question and no packet leaves the host.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.audit.conftest import commit_all, git
from tests.conftest import REPO_ROOT

USERNAME, PASSWORD = "UNDERLAY_CREDENTIALS_LAB_USERNAME", "UNDERLAY_CREDENTIALS_LAB_PASSWORD"
_MANAGEMENT = re.compile(r"^(management:\n  address: )\S+(\n  port: )\d+", re.MULTILINE)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the probe is


def offline_sample(dest: Path) -> Path:
    """A copy of the sample (inventory, standards, schemas, pipelines), devices unreachable,
    committed on main."""
    for folder in ("inventory", "standards", "schemas", "pipelines"):
        shutil.copytree(REPO_ROOT / folder, dest / folder)
    port = closed_port()
    nodes = sorted((dest / "inventory").glob("*/*.yaml"))
    for n, path in enumerate(nodes, start=2):
        text, found = _MANAGEMENT.subn(rf"\g<1>127.0.0.{n}\g<2>{port}", path.read_text())
        if found:
            path.write_text(text)
    (dest / ".gitignore").write_text(".underlay/\n")
    git(dest, "init", "-q", "-b", "main")
    commit(dest, "the sample organisation, offline")
    return dest


def move(repo: Path, node: str, address: str, port: int) -> None:
    """Point the management of the device `node` at address:port."""
    path = repo / "inventory/devices" / f"{node}.yaml"
    text, found = _MANAGEMENT.subn(rf"\g<1>{address}\g<2>{port}", path.read_text())
    assert found == 1, path
    path.write_text(text)


class SilentDevice:
    """A TCP port that accepts connections and never says a word: a device that hangs. `hung`
    is set once a connection waits; after `hang_up()` every connection, waiting or new, is
    closed at once (the device's worker fails then, whether it retries or not)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.server.getsockname()[1]
        self.hung = threading.Event()
        self._gone = threading.Event()
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._gone.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:  # shut down by hang_up
                return
            self._held.append(connection)
            self.hung.set()
            if self._gone.is_set():
                connection.close()

    def hang_up(self) -> None:
        if self._gone.is_set():
            return
        self._gone.set()
        for connection in self._held:
            connection.close()
        self.server.shutdown(socket.SHUT_RDWR)  # wakes the accept() that waits
        self.server.close()


@contextmanager
def silent_device() -> Iterator[SilentDevice]:
    device = SilentDevice()
    try:
        yield device
    finally:
        device.hang_up()


def commit(repo: Path, message: str) -> str:
    return commit_all(repo, message, "2024-01-10T09:00:00Z", "tess")


def environment(tmp: Path, **extra: str) -> dict[str, str]:
    """This process's environment without credentials, GitHub or CI settings: the secrets
    file is one that does not exist unless `extra` says otherwise."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("UNDERLAY_", "GITHUB_")) and k != "CI"
    }
    return {**keep, "UNDERLAY_SECRETS_FILE": str(tmp / "no-secrets.yaml"), **extra}


def underlay(
    repo: Path, *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", "--repo", str(repo), *args],
        capture_output=True, text=True, timeout=120, check=False, env=env, cwd=cwd,
    )  # fmt: skip
