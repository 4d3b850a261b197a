"""The saved plan: what applying the repository would do to each device, and what it saw.

A plan is a file (JSON). It carries what makes it stale: the repo commit and inventory content
hash it was computed from, and per device the hash of the running config the diff was computed
against. Actions are a closed set; flags say whether the plan is complete and applyable.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from engine.frozen import Frozen

FORMAT_VERSION = 1


class Action(StrEnum):
    NOOP = "no-op"
    UPDATE = "update"
    UNREACHABLE = "unreachable"
    FAILED = "failed"
    SKIPPED = "skipped"


ChangeKind = Literal["changed", "missing", "unexpected"]


class StateChange(Frozen):
    """One difference between what the model says and what the device's getters report.

    Example: StateChange(path="bgp.198.18.1.11.description", intended="fra1-leaf02",
    actual=None, kind="changed")
    """

    path: str
    intended: Any = None
    actual: Any = None
    kind: ChangeKind


class CablingFinding(Frozen):
    """Declared cabling vs LLDP. Example: CablingFinding(kind="wrong-port", cable="fra1-c103",
    declared="fra1-leaf03:eth3 <-> fra1-db01:eth1", seen="fra1-leaf03:eth3 <-> fra1-db01:eth2",
    message="...")"""

    kind: Literal["missing", "unexpected", "wrong-port"]
    cable: str | None
    declared: str | None
    seen: str | None
    message: str


class ServiceImpact(Frozen):
    name: str
    sla: str
    availability_pct: float | None
    owner: str


class DevicePlan(Frozen):
    name: str
    kind: Literal["device", "server"]
    platform: str
    action: Action
    config_diff: str = ""
    candidate_hash: str | None = None  # of the rendered artifacts the diff was computed for
    state_changes: tuple[StateChange, ...] = ()
    cabling: tuple[CablingFinding, ...] = ()
    running_config_hash: str | None = None
    # an unconfirmed commit was running when the plan looked: the device was about to revert,
    # so the diff was computed against a config it would not keep (apply refuses the device)
    pending_commit: bool = False
    error: str | None = None
    services: tuple[ServiceImpact, ...] = ()
    seconds: float = 0.0

    @property
    def changed_lines(self) -> int:
        return sum(
            1
            for line in self.config_diff.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        )


class Summary(Frozen):
    change: int
    unchanged: int
    unreachable: int
    failed: int
    skipped: int
    state_changes: int
    cabling_findings: int


class Plan(Frozen):
    format_version: int = FORMAT_VERSION
    engine_version: str
    created: str
    repo_commit: str | None
    repo_dirty: bool
    inventory_hash: str
    limit: tuple[str, ...] = ()
    devices: tuple[DevicePlan, ...]
    summary: Summary
    complete: bool  # every targeted device answered
    applyable: bool  # there is something to apply and nothing failed

    def device(self, name: str) -> DevicePlan:
        return next(d for d in self.devices if d.name == name)

    @property
    def pending(self) -> tuple[str, ...]:
        """Devices that ran an unconfirmed commit when the plan looked at them."""
        return tuple(d.name for d in self.devices if d.pending_commit)

    @property
    def has_changes(self) -> bool:
        """Something to apply, or a device whose next config is not known yet (an unconfirmed
        commit runs on it): such a plan never reads "no changes"."""
        return self.summary.change > 0 or bool(self.pending)
