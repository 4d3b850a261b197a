"""The apply lock: held, stale after a crash (reported with owner and age), broken only safely."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.apply.lock import LOCK_FILE, ApplyLock, LockHeld, LockStale, _start_ticks


def test_a_clean_apply_leaves_the_lock_free(tmp_path: Path) -> None:
    with ApplyLock(tmp_path, "apply-1"):
        owner = json.loads((tmp_path / LOCK_FILE).read_text())
        assert owner["run"] == "apply-1" and owner["pid"] > 0
    assert (tmp_path / LOCK_FILE).read_text() == ""
    with ApplyLock(tmp_path, "apply-2"):
        pass


def test_a_held_lock_names_its_owner(tmp_path: Path) -> None:
    with ApplyLock(tmp_path, "apply-1"), pytest.raises(LockHeld) as caught, \
            ApplyLock(tmp_path, "apply-2"):
        pass
    assert "another apply is running: run apply-1" in str(caught.value)
    assert caught.value.owner is not None


def _crash(repo: Path) -> int:
    """An apply process that dies holding the lock (SIGKILL: no cleanup at all)."""
    code = (
        "import os, sys; from pathlib import Path; from engine.apply.lock import ApplyLock\n"
        "ApplyLock(Path(sys.argv[1]), 'apply-crashed').__enter__(); os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(repo)], check=False)
    assert proc.returncode == -9
    return int(json.loads((repo / LOCK_FILE).read_text())["pid"])


def test_a_lock_left_by_a_crash_is_reported_never_silently_broken(tmp_path: Path) -> None:
    pid = _crash(tmp_path)
    with pytest.raises(LockStale) as caught, ApplyLock(tmp_path, "apply-2"):
        pass
    message = str(caught.value)
    assert "died holding the lock" in message and f"pid {pid}" in message
    assert "ago" in message and "--break-lock" in message
    with ApplyLock(tmp_path, "apply-3", break_lock=True) as lock:
        assert lock.broken is not None and lock.broken.run == "apply-crashed"


def test_break_lock_refuses_an_owner_that_is_alive_or_elsewhere(tmp_path: Path) -> None:
    _crash(tmp_path)
    path = tmp_path / LOCK_FILE
    owner = json.loads(path.read_text())
    path.write_text(json.dumps(owner | {"host": "another-host"}))
    with pytest.raises(LockStale, match="another host"), \
            ApplyLock(tmp_path, "x", break_lock=True):
        pass
    # this very process, written as the owner of a lock nobody holds: alive, not breakable
    me = {"pid": os.getpid(), "boot_ticks": _start_ticks(os.getpid())}
    path.write_text(json.dumps(owner | me))
    with pytest.raises(LockStale, match="still running"), \
            ApplyLock(tmp_path, "x", break_lock=True):
        pass
