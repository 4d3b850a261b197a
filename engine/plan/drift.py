"""Drift: a plan of main against live state, each difference classified by where it came from.

- out-of-band: the device changed since underlay last applied it (live config != the one
  recorded after that apply), and the inventory did not;
- pending: the inventory changed since the last apply (intended != what was applied), and the
  device did not - merged, not applied yet;
- both: each changed;
- unrecorded: underlay never applied this device, so nothing tells the two apart; it differs
  from the repository all the same;
- in-flight: an unconfirmed commit is running on the device: whether it stays (confirmed) or
  goes (its timer reverts it) is unknown now; the next run finds out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from engine.plan.model import Action, DevicePlan, Plan
from engine.record.model import AppliedRecord

Origin = Literal["out-of-band", "pending", "both", "unrecorded", "in-flight"]
ORIGINS: tuple[Origin, ...] = ("out-of-band", "pending", "both", "unrecorded", "in-flight")


@dataclass(frozen=True)
class DriftItem:
    device: str
    origin: Origin
    config_diff: str
    state_changes: int
    cabling_findings: int
    last_applied_commit: str | None


@dataclass(frozen=True)
class DriftReport:
    plan: Plan
    items: tuple[DriftItem, ...]

    @property
    def drifted(self) -> bool:
        return bool(self.items)

    def count(self, origin: Origin) -> int:
        return sum(1 for i in self.items if i.origin == origin)


def classify(device: DevicePlan, record: AppliedRecord | None) -> Origin:
    if device.pending_commit:
        return "in-flight"
    if record is None:
        return "unrecorded"
    device_changed = device.running_config_hash != record.running_config_hash
    repo_changed = device.candidate_hash != record.candidate_hash
    if device_changed and repo_changed:
        return "both"
    return "pending" if repo_changed else "out-of-band"


def drift(plan: Plan, records: Mapping[str, AppliedRecord]) -> DriftReport:
    items = []
    for device in plan.devices:
        differs = device.action is Action.UPDATE or device.state_changes or device.cabling
        if not (differs or device.pending_commit):
            continue
        record = records.get(device.name)
        items.append(
            DriftItem(
                device=device.name,
                origin=classify(device, record),
                config_diff=device.config_diff,
                state_changes=len(device.state_changes),
                cabling_findings=len(device.cabling),
                last_applied_commit=record.commit if record else None,
            )
        )
    return DriftReport(plan, tuple(items))
