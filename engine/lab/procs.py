"""Finding and stopping lab processes: only those living in a lab node's namespaces.

A process is a lab process when its network or mount namespace is one recorded for a node.
That covers the daemons `up()` started, their children and SSH sessions, and never anything
else on the host, so no name matching (pkill -f, killall) is ever needed.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Collection
from pathlib import Path

NsId = tuple[int, int]  # (st_dev, st_ino) of a /proc/PID/ns/* file


def ns_ids(pid: int) -> set[NsId]:
    ids = set()
    for kind in ("net", "mnt"):
        try:
            st = Path(f"/proc/{pid}/ns/{kind}").stat()
        except OSError:
            continue  # exited, or a kernel thread
        ids.add((st.st_dev, st.st_ino))
    return ids


def pids_in(namespaces: Collection[NsId]) -> list[int]:
    """Every live process inside any of these namespaces."""
    wanted = set(namespaces)
    me = os.getpid()
    return sorted(
        pid for pid in _all_pids() if pid != me and ns_ids(pid) & wanted and not is_gone(pid)
    )


def runs_in(pid: int, namespaces: Collection[NsId]) -> bool:
    """True if `pid` is alive and still one of ours (a reused pid elsewhere is not)."""
    return not is_gone(pid) and bool(ns_ids(pid) & set(namespaces))


def is_gone(pid: int) -> bool:
    """Exited, or a zombie (its parent may reap it late: it holds nothing any more)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in status


def stop(
    pids: Collection[int], namespaces: Collection[NsId], grace: float = 5.0
) -> tuple[list[int], list[int]]:
    """SIGTERM, then SIGKILL whatever is left after `grace` s; returns (stopped, killed)."""
    _signal(pids, namespaces, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(not is_gone(p) for p in pids):
        time.sleep(0.05)
    stubborn = [p for p in pids if not is_gone(p)]
    _signal(stubborn, namespaces, signal.SIGKILL)
    return sorted(set(pids) - set(stubborn)), stubborn


def _signal(pids: Collection[int], namespaces: Collection[NsId], sig: signal.Signals) -> None:
    for pid in pids:
        if not runs_in(pid, namespaces):
            continue  # exited meanwhile; its pid may already belong to someone else
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            continue


def _all_pids() -> list[int]:
    return [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit()]


def pss_kib(pid: int) -> int:
    """Proportional set size of one process in KiB (0 if it has exited meanwhile)."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return sum(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
