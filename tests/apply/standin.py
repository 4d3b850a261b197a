"""A stand-in device for the apply orchestration tests: a napalm NetworkDriver over memory.

Why a stand-in and not the lab: these tests are about what `apply_plan` does around the
devices (refusal order, canary and batches, stopping after a failed batch, the audit records),
and they must run anywhere, without root. The lab needs root (network namespaces, FRR, sshd);
the real `frr` and `linux` drivers are tested live there (tests/drivers, tests/lab). Besides,
some faults the lab cannot produce on demand: a commit-confirm timer that fires in the instant
between a passed verification and the confirm, or a device that starts refusing a candidate
after the plan was made.

What it keeps: per device (by management address) a `Box`: its running bundle
{path: content}, the snapshot of its last commit (one level, as the real drivers keep), and
whether a commit-confirm is pending. Every driver instance for one address shares its Box, as
apply opens a device several times (load/compare/commit, observe, confirm). The faults are
switches on the Box:

- `reachable=False`: open() raises ConnectionException (nothing answers);
- `rejects=True`: load_replace_candidate() raises ReplaceConfigException. A device that rejects
  a candidate rejects it in the plan's compare too, so tests turn it on after the plan;
- `breaks_bgp=True`: the BGP sessions the running frr.conf declares are down whenever the box
  runs another config than the one it started with (the change broke BGP; a rollback heals it);
- `timer_wins=True`: the commit-confirm timer fires just before the confirm arrives: the box
  restores its snapshot and confirm_commit() raises CommitConfirmException ("nothing pending"),
  as the real drivers do when their on-device timer has fired (no real timer: deterministic).

How apply finds it: the registry's `BUILTIN` dict maps `frr` to this class for the test's
duration (monkeypatch.setitem). The `underlay.drivers` entry point group cannot be used: an
inventory platform is one of engine.model.inventory.Platform, render has templates only for
frr/linux/ios, built-ins win over entry points in engine.drivers.registry, and only platforms
in BUILTIN get the recovery check of interrupted runs (engine.apply.devices.manageable).
"""

from __future__ import annotations

import difflib
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from napalm.base import NetworkDriver, models

from engine.drivers import (
    CommitConfirmException,
    CommitError,
    ConnectionException,
    ReplaceConfigException,
    RollbackError,
    bundle,
)

FRR_CONF = "/etc/frr/frr.conf"
NEIGHBOR = re.compile(r"^ neighbor (\S+) remote-as (\d+)$", re.MULTILINE)


@dataclass
class Box:
    """One simulated device. `initial` is the config it started the test with."""

    name: str
    running: dict[str, str]
    initial: dict[str, str] = field(default_factory=dict)
    snapshot: dict[str, str] | None = None  # what rollback() restores: the last commit's
    pending: bool = False  # a commit-confirm timer is armed
    reachable: bool = True
    rejects: bool = False
    breaks_bgp: bool = False
    timer_wins: bool = False

    def __post_init__(self) -> None:
        self.initial = dict(self.running)

    def restore(self) -> None:
        """What the device's rollback script (or its timer) does."""
        if self.snapshot is None:
            raise RollbackError(f"{self.name}: nothing to roll back to")
        self.running, self.snapshot, self.pending = self.snapshot, None, False


@dataclass
class Network:
    """The stand-in devices by management address, and what happened to them, in order."""

    boxes: dict[str, Box] = field(default_factory=dict)
    events: list[tuple[str, str]] = field(default_factory=list)  # (device, "commit"/"confirm"...)
    opened: int = 0  # sessions opened (reachable or not): 0 means no device was contacted
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, address: str, box: Box) -> None:
        self.boxes[address] = box

    def box(self, name: str) -> Box:
        return next(b for b in self.boxes.values() if b.name == name)

    def log(self, name: str, what: str) -> None:
        self.events.append((name, what))

    def commits(self) -> list[str]:
        """The devices committed, in the order the commits reached them."""
        return [name for name, what in self.events if what == "commit"]


class StandInDriver(NetworkDriver):  # type: ignore[misc]  # napalm ships no type stubs
    """napalm's contract over a Box of `network` (set by the test, see the module docstring)."""

    network: Network = Network()

    def __init__(
        self,
        hostname: str,
        username: str,
        password: str,
        timeout: int = 60,
        optional_args: dict[str, Any] | None = None,
    ) -> None:
        self.hostname, self.username, self.password, self.timeout = (
            hostname,
            username,
            password,
            timeout,
        )
        self.extensions = Extensions(self)
        self._box: Box | None = None
        self._candidate: dict[str, str] | None = None

    # ---------- connection ---------------------------------------------------------------------

    def open(self) -> None:
        net = self.network
        with net.lock:
            net.opened += 1
            box = net.boxes.get(self.hostname)
            if box is None or not box.reachable:
                raise ConnectionException(f"{self.hostname}:22: no answer within {self.timeout} s")
            self._box = box

    def close(self) -> None:
        self._candidate, self._box = None, None

    def _live(self) -> Box:
        if self._box is None:
            raise ConnectionException(f"{self.hostname}: not connected: call open() first")
        return self._box

    # ---------- candidate, commit, confirm, rollback -------------------------------------------

    def load_replace_candidate(
        self, filename: str | None = None, config: str | None = None
    ) -> None:
        box = self._live()
        text = Path(filename).read_text(encoding="utf-8") if filename is not None else config
        if box.rejects or text is None:
            raise ReplaceConfigException(f"{self.hostname}: candidate rejected: line 3: bad")
        self._candidate = bundle.decode(text)

    def compare_config(self) -> str:
        if self._candidate is None:
            return ""
        running = self._live().running
        paths = sorted({*running, *self._candidate})
        return "".join(_diff(p, running.get(p), self._candidate.get(p)) for p in paths).strip()

    def discard_config(self) -> None:
        self._candidate = None

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        box, candidate = self._live(), self._candidate
        if candidate is None:
            raise CommitError(f"{self.hostname}: nothing to commit: load a candidate first")
        with self.network.lock:
            if box.pending:
                raise CommitConfirmException(f"{self.hostname}: a commit is pending; unchanged")
            box.snapshot, box.running = dict(box.running), dict(candidate)
            box.pending = revert_in is not None
            self.network.log(box.name, "commit")
        self._candidate = None

    def confirm_commit(self) -> None:
        box = self._live()
        with self.network.lock:
            if box.timer_wins and box.pending:
                box.restore()
                self.network.log(box.name, "timer fired")
            if not box.pending:
                raise CommitConfirmException(f"{self.hostname}: no commit is pending")
            box.pending = False
            self.network.log(box.name, "confirm")

    def has_pending_commit(self) -> bool:
        return self._live().pending

    def rollback(self) -> None:
        box = self._live()
        with self.network.lock:
            box.restore()
            self.network.log(box.name, "rollback")

    # ---------- getters (what collect asks a frr device for) ------------------------------------

    def get_config(
        self,
        retrieve: str = "all",
        full: bool = False,
        sanitized: bool = False,
        format: str = "text",
    ) -> models.ConfigDict:
        return {"running": bundle.encode(self._live().running), "startup": "", "candidate": ""}

    def get_facts(self) -> models.FactsDict:
        box = self._live()
        return {
            "hostname": box.name,
            "fqdn": box.name,
            "vendor": "stand-in",
            "model": "stand-in",
            "serial_number": "",
            "os_version": "0",
            "uptime": 1.0,
            "interface_list": [],
        }

    def get_interfaces(self) -> dict[str, models.InterfaceDict]:
        return {}

    def get_interfaces_ip(self) -> dict[str, models.InterfacesIPDict]:
        return {}

    def get_lldp_neighbors(self) -> dict[str, list[models.LLDPNeighborDict]]:
        return {}

    def get_ntp_servers(self) -> dict[str, models.NTPServerDict]:
        return {}

    def get_bgp_neighbors(self) -> dict[str, models.BGPStateNeighborsPerVRFDict]:
        """The neighbours the running frr.conf declares; all up unless the change broke them."""
        box = self._live()
        up = not (box.breaks_bgp and box.running != box.initial)
        peers = {
            address: {
                "local_as": 0,
                "remote_as": int(remote_as),
                "remote_id": "",
                "is_up": up,
                "is_enabled": True,
                "description": "",
                "uptime": 0,
                "address_family": {},
            }
            for address, remote_as in NEIGHBOR.findall(box.running.get(FRR_CONF, ""))
        }
        return {"global": {"router_id": "", "peers": peers}}


class Extensions:
    """underlay's calls beyond napalm's contract, as on the real drivers (see base.py)."""

    def __init__(self, driver: StandInDriver) -> None:
        self._driver = driver

    def running_artifacts(self) -> dict[str, str]:
        """What compare_config diffs against: the whole running bundle."""
        return dict(sorted(self._driver._live().running.items()))


def _diff(path: str, current: str | None, intended: str | None) -> str:
    lines = difflib.unified_diff(
        (current or "").splitlines(keepends=True),
        (intended or "").splitlines(keepends=True),
        fromfile="/dev/null" if current is None else path,
        tofile="/dev/null" if intended is None else path,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
