"""Taking a lab down, whole or half-built, and checking that nothing is left behind."""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from engine.lab.errors import CorruptStateError, LabError
from engine.lab.host import (
    guard_route_present,
    other_labs,
    remove_guard_route,
    remove_user,
    run,
)
from engine.lab.procs import NsId, pids_in, runs_in, stop
from engine.lab.state import LabPaths, LabState, read_state

STOP_ROUNDS = 3  # a daemon may fork (an SSH session) while its siblings are being stopped


@dataclass(frozen=True)
class DownReport:
    """Example: DownReport(state_dir="/var/lib/underlay-lab", nodes=("r1", "r2"),
    stopped=(812, 820, ...), killed=(), user_removed=True, leftovers=(), seconds=0.8)"""

    state_dir: str
    nodes: tuple[str, ...]
    stopped: tuple[int, ...]
    killed: tuple[int, ...]
    user_removed: bool
    leftovers: tuple[str, ...]  # empty when the host is back as it was
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def down(state_dir: Path | str) -> DownReport:
    """Remove everything `up()` made, even if it stopped half-way; a no-op when nothing is there."""
    start = time.monotonic()
    paths = LabPaths(Path(state_dir))
    state = _state_or_none(paths)
    if os.geteuid() != 0 and (state or paths.ns_dir.exists()):
        raise LabError(f"{paths.root}: taking a lab down needs root; run it as root (sudo)")
    nodes = _node_names(paths, state)
    stopped, killed = _stop_monitoring(paths, state)
    more_stopped, more_killed = _stop_processes(_namespaces(paths, state, nodes))
    stopped, killed = stopped + more_stopped, killed + more_killed
    _remove_namespaces(paths, nodes)
    last = not other_labs(paths)  # the guard and the lab user serve every lab up on the host
    if state is not None and last:
        remove_guard_route()
    user_removed = bool(state and state.user_added and last and not remove_user(state.user))
    leftovers = _remove_state_dir(paths)
    return DownReport(
        state_dir=str(paths.root),
        nodes=nodes,
        stopped=tuple(stopped),
        killed=tuple(killed),
        user_removed=user_removed,
        leftovers=tuple(leftovers + leftovers_of(paths, state, nodes)),
        seconds=round(time.monotonic() - start, 3),
    )


def _state_or_none(paths: LabPaths) -> LabState | None:
    if not paths.state_file.exists():
        return None
    try:
        return read_state(paths)
    except CorruptStateError:
        return None  # unreadable record: fall back to what the ns dir shows


def _node_names(paths: LabPaths, state: LabState | None) -> tuple[str, ...]:
    recorded = {n.name for n in state.nodes} if state else set()
    if paths.ns_dir.is_dir():
        recorded |= {f.stem for f in paths.ns_dir.iterdir() if f.suffix in (".uts", ".mnt")}
    return tuple(sorted(recorded))


def _namespaces(paths: LabPaths, state: LabState | None, nodes: tuple[str, ...]) -> set[NsId]:
    """Recorded namespaces plus the ones the ns files point at now (for a half-built lab).

    An ns file that is not mounted yet stats as a plain file on another device: no process
    can have that as a namespace, so adding it is harmless.
    """
    ids = {ns for n in state.nodes for ns in n.namespaces} if state else set()
    for ns in (f for n in nodes for f in (paths.netns_path(n), paths.mnt_ns(n))):
        try:
            st = ns.stat()
        except OSError:
            continue
        ids.add((st.st_dev, st.st_ino))
    return ids


def _stop_monitoring(paths: LabPaths, state: LabState | None) -> tuple[list[int], list[int]]:
    """The monitoring daemons `lab up --monitoring` started in the management namespace, by
    their recorded PIDs (a PID that no longer runs there is someone else's now). Nothing else
    there is stopped: a login a user made through the namespace is theirs."""
    if state is None or not state.monitoring:
        return [], []
    try:
        st = paths.mgmt_netns_path.stat()
    except OSError:
        return [], []
    mgmt = {(st.st_dev, st.st_ino)}
    return stop([pid for pid in state.monitoring.values() if runs_in(pid, mgmt)], mgmt)


def _stop_processes(namespaces: set[NsId]) -> tuple[list[int], list[int]]:
    stopped: list[int] = []
    killed: list[int] = []
    for _ in range(STOP_ROUNDS):
        pids = pids_in(namespaces)
        if not pids:
            break
        done, forced = stop(pids, namespaces)
        stopped += done
        killed += forced
    return stopped, killed


def _remove_namespaces(paths: LabPaths, nodes: tuple[str, ...]) -> None:
    for name in [*(paths.netns(n) for n in nodes), paths.mgmt_netns]:
        if Path("/run/netns", name).exists():
            run(["ip", "netns", "del", name], check=False)  # the bridge and veths go with it
    for mount in sorted(_mounts_under(paths.root), key=len, reverse=True):
        if run(["umount", mount], check=False).returncode != 0:
            run(["umount", "--lazy", mount], check=False)


def _remove_state_dir(paths: LabPaths) -> list[str]:
    """Only what `up()` creates: a mistyped state_dir never loses unrelated files."""
    if _mounts_under(paths.root):
        return [f"{paths.root}: still has mounts {_mounts_under(paths.root)}; not deleting it"]
    for entry in paths.owned_entries():
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink(missing_ok=True)
    paths.state_file.with_suffix(".tmp").unlink(missing_ok=True)
    if paths.root.is_dir() and not any(paths.root.iterdir()):
        paths.root.rmdir()
    return []


def leftovers_of(paths: LabPaths, state: LabState | None, nodes: tuple[str, ...]) -> list[str]:
    """Anything of the lab still on the host; [] when `down()` finished its job."""
    names = [*(paths.netns(n) for n in nodes), paths.mgmt_netns]
    found = [f"netns {n} still exists" for n in names if Path("/run/netns", n).exists()]
    if state and guard_route_present() and not other_labs(paths):
        found.append("guard route unreachable 198.18.0.0/15 still present")
    found += [f"mount {m} still present" for m in _mounts_under(paths.root)]
    if paths.state_file.exists():
        found.append(f"{paths.state_file} still exists")
    return found


def _mounts_under(root: Path) -> list[str]:
    prefix = str(root.resolve()) if root.exists() else str(root)
    mounts = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = _unescape(line.split()[4])
        if point == prefix or point.startswith(prefix + "/"):
            mounts.append(point)
    return mounts


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash as \\ooo octal escapes."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)
