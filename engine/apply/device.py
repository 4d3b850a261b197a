"""One device's apply: load, compare, commit with commit-confirm ON THE DEVICE, verify, confirm.

The rollback is computed before anything changes: the driver's commit first snapshots every
file and the running config it touches, and arms a timer on the device that restores that
snapshot unless the confirm comes. So whatever happens to this process or to the management
path after the commit, the device returns to its previous config by itself.

    done = apply_device(step)   # a Done: outcome, reason, running bundle after; never raises

Outcomes:
- confirmed: committed, verified, confirmed;
- rolled-back: committed, then undone (verification failed and apply rolled back, the
  device rejected the config at commit and restored its snapshot, or the management path was
  lost and the device's timer reverted it: apply reconnects after the timer to prove it);
- failed: nothing was committed (the candidate was rejected, the device changed since the plan),
  or the device's state after a commit could not be established (still unreachable after its
  timer should have fired);
- unreachable: it could not be reached before anything was changed (or no worker serves its
  site's queue);
- unknown: after a commit was sent, no worker can reach it any more (the one running its
  session was lost): never confirmed; its own commit-confirm timer reverts it, and the next
  apply checks it (engine/apply/run.py, interrupted applies);
- no-op: it already matched the plan (applied before), nothing done.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from engine.apply import verify
from engine.apply.devices import Devices
from engine.apply.sessions import NoWorker, Planned
from engine.collect import DeviceState
from engine.drivers import CommitConfirmException, DriverError
from engine.plan.model import DevicePlan
from engine.record import Outcome

GRACE = 20.0  # seconds after a device's timer should have fired before giving up on it
POLL = 2.0


@dataclass(frozen=True)
class Step:
    """Everything one device's apply needs."""

    plan: DevicePlan
    before: DeviceState  # collected just before the rollout (BGP, LLDP, running config)
    devices: Devices
    confirm_timeout: int
    settle: float
    batch: int


@dataclass(frozen=True)
class Done:
    outcome: Outcome
    reason: str = ""
    after: str | None = None  # redacted running bundle after the run
    running_hash: str | None = None


def apply_device(step: Step) -> Done:
    """Never raises: every fault is this device's outcome."""
    try:
        return _apply(step)
    except Exception as exc:  # the device's value, not the run's crash
        return Done(Outcome.FAILED, f"unexpected fault: {type(exc).__name__}: {exc}")


def _apply(step: Step) -> Done:
    committed = _open_and_commit(step)
    if isinstance(committed, Done):
        return committed
    return _verify_and_confirm(step, committed)


def _open_and_commit(step: Step) -> Done | float:
    """The monotonic time of the commit, or why this device stops here."""
    plan = step.plan
    planned = Planned(plan.running_config_hash, plan.config_diff)
    answer = step.devices.commit(plan.name, planned, step.confirm_timeout)
    committed = time.monotonic() - answer.since_commit
    if answer.kind == "stopped":
        assert answer.outcome is not None
        return Done(answer.outcome, answer.reason, answer.after, answer.running_hash)
    if answer.kind == "rejected":
        return _reverted(
            step,
            f"the device rejected the change at commit and restored its snapshot: {answer.reason}",
        )
    if answer.kind == "no-answer":
        return _await_revert(step, committed, answer.reason)
    return committed


def _verify_and_confirm(step: Step, committed: float) -> Done:
    name, devices = step.plan.name, step.devices
    deadline = committed + step.settle
    while True:
        after = devices.observe([name])[name]
        reasons = verify.problems(devices.inventory, step.before, after)
        if not verify.settling(reasons) or time.monotonic() + POLL > deadline:
            break
        time.sleep(POLL)
    if after.status != "ok":
        return _await_revert(step, committed, f"unreachable after the commit ({after.error})")
    if reasons:
        return _roll_back(step, committed, "; ".join(reasons))
    return _confirm(step, committed, after)


def _confirm(step: Step, committed: float, after: DeviceState) -> Done:
    devices = step.devices
    try:
        devices.confirm(step.plan.name)
    except CommitConfirmException:
        return _await_revert(step, committed, "the commit-confirm timer fired before the confirm")
    except DriverError as exc:
        return _await_revert(step, committed, f"the confirm did not get through ({exc})")
    running = after.running_config or ""
    return Done(
        Outcome.CONFIRMED, "", devices.redact(running), devices.running_hash(after.running_config)
    )


def _roll_back(step: Step, committed: float, why: str) -> Done:
    try:
        step.devices.rollback(step.plan.name)
    except DriverError as exc:
        return _await_revert(step, committed, f"{why}; rolling back failed ({exc})")
    return _reverted(step, f"verification failed: {why}; rolled back")


def _await_revert(step: Step, committed: float, why: str) -> Done:
    """The device cannot be told what to do: wait until its own timer has reverted it."""
    fires = committed + step.confirm_timeout
    deadline = fires + GRACE
    while time.monotonic() < deadline:
        try:
            if step.devices.pending(step.plan.name, timeout=5):
                if time.monotonic() < fires:
                    time.sleep(POLL)
                    continue
                step.devices.rollback(step.plan.name)
            return _reverted(step, f"{why}; the device reverted by itself (commit-confirm timer)")
        except NoWorker as exc:
            return _unknown(step, committed, f"{why}; {exc}")
        except DriverError:
            time.sleep(POLL)
    return Done(
        Outcome.FAILED,
        f"{why}; still unreachable {GRACE:g} s after its commit-confirm timer should have "
        "reverted it: check the device",
    )


def _unknown(step: Step, committed: float, why: str) -> Done:
    """No worker can reach the device any more (the one that ran its session was lost)."""
    left = max(0, round(committed + step.confirm_timeout - time.monotonic()))
    return Done(
        Outcome.UNKNOWN,
        f"{why}: its state is unknown; an unconfirmed commit reverts by the device's own "
        f"commit-confirm timer (in {left} s at most); the next apply checks it",
    )


def _reverted(step: Step, why: str) -> Done:
    """Prove the revert: the running config is the one from before the commit."""
    after = step.devices.observe([step.plan.name])[step.plan.name]
    if after.status != "ok":
        return Done(Outcome.FAILED, f"{why}; but its state cannot be read now: {after.error}")
    running_hash = step.devices.running_hash(after.running_config)
    if running_hash != step.devices.running_hash(step.before.running_config):
        return Done(Outcome.FAILED, f"{why}; but its running config is not the one from before")
    return Done(
        Outcome.ROLLED_BACK, why, step.devices.redact(after.running_config or ""), running_hash
    )
