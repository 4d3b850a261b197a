"""The apply lock: two applies of one repository never overlap.

An exclusive `fcntl.flock` on `.underlay/apply.lock` is the lock; the file's content names its
owner ({pid, host, user, started, run}). A clean apply empties the file as it releases the lock.
So there are three cases:

- the flock is held: another apply is running now -> LockHeld (owner and age);
- the flock is free but the file names an owner: that apply died without cleaning up (killed,
  crashed, power loss) -> LockStale (owner and age). It is never broken silently: the devices
  it was changing may hold uncommitted changes. `underlay apply --break-lock` takes it over, but
  only when the owner ran on this host and its process is gone; the new run's audit record
  then acknowledges the owner's run;
- the file is empty or absent: free.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from engine.errors import EngineError
from engine.record import Actor

LOCK_FILE = ".underlay/apply.lock"


@dataclass(frozen=True)
class Owner:
    """Example: Owner(pid=4242, host="runner-3", user="ci", started="2024-03-01T10:15:00+00:00",
    run="apply-20240301T101500Z-3fa2c1", boot_ticks=123456)"""

    pid: int
    host: str
    user: str
    started: str
    run: str
    boot_ticks: int | None = None  # the process's start time (/proc): tells a reused pid apart

    def age(self, now: datetime) -> str:
        seconds = int((now - datetime.fromisoformat(self.started)).total_seconds())
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m{seconds % 60:02d}s"

    def describe(self, now: datetime) -> str:
        return (
            f"run {self.run} by {self.user} on {self.host}, pid {self.pid}, "
            f"started {self.started} ({self.age(now)} ago)"
        )

    def alive_here(self) -> bool | None:
        """True/False for an owner on this host; None when it ran elsewhere (unknowable)."""
        if self.host != socket.gethostname():
            return None
        return _start_ticks(self.pid) == self.boot_ticks if _exists(self.pid) else False


class LockError(EngineError):
    def __init__(self, message: str, owner: Owner | None) -> None:
        super().__init__(message)
        self.owner = owner


class LockHeld(LockError):
    """Another apply holds the lock right now."""


class LockStale(LockError):
    """An apply died holding the lock; --break-lock may take it over."""


class ApplyLock:
    """Example:
    with ApplyLock(repo, run="apply-...", break_lock=False) as lock:
        lock.broken      # the Owner whose stale lock this apply took over, or None
    """

    def __init__(self, repo: Path, run: str, *, break_lock: bool = False) -> None:
        self.path = repo / LOCK_FILE
        self.run = run
        self.break_lock = break_lock
        self.broken: Owner | None = None
        self._file: IO[str] | None = None

    def __enter__(self) -> ApplyLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            self._take(handle)
        except BaseException:
            handle.close()
            raise
        self._file = handle
        return self

    def _take(self, handle: IO[str]) -> None:
        now = datetime.now(UTC)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _read(handle)
            who = owner.describe(now) if owner else "an apply that has not written its name yet"
            raise LockHeld(f"another apply is running: {who} (lock {self.path})", owner) from None
        owner = _read(handle)
        if owner is not None:
            self._stale(owner, now)
        _write(handle, self._owner(now))

    def _stale(self, owner: Owner, now: datetime) -> None:
        left = f"a previous apply died holding the lock: {owner.describe(now)} (lock {self.path})"
        alive = owner.alive_here()
        if not self.break_lock:
            raise LockStale(
                f"{left}; check its devices, then run `underlay apply --break-lock ...`", owner
            )
        if alive is None:
            raise LockStale(f"{left}; it ran on another host: break it there", owner)
        if alive:
            raise LockStale(f"{left}; but its process {owner.pid} is still running", owner)
        self.broken = owner

    def _owner(self, now: datetime) -> Owner:
        pid = os.getpid()
        return Owner(
            pid=pid,
            host=socket.gethostname(),
            user=Actor.from_env().user,
            started=now.isoformat(timespec="seconds"),
            run=self.run,
            boot_ticks=_start_ticks(pid),
        )

    def __exit__(self, *exc: object) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            handle.truncate(0)  # a clean release: no owner left behind
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


def _read(handle: IO[str]) -> Owner | None:
    handle.seek(0)
    text = handle.read().strip()
    if not text:
        return None
    try:
        return Owner(**json.loads(text))
    except (ValueError, TypeError):
        # unreadable (a crash while writing it): breakable, as no process can own it
        now = datetime.now(UTC).isoformat(timespec="seconds")
        return Owner(pid=0, host=socket.gethostname(), user="?", started=now, run="?")


def _write(handle: IO[str], owner: Owner) -> None:
    handle.seek(0)
    handle.truncate(0)
    handle.write(json.dumps(asdict(owner)) + "\n")
    handle.flush()
    os.fsync(handle.fileno())


def _exists(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _start_ticks(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])
