"""apply_plan(): the whole run, refusals first, then the rollout in batches, then the record.

Order (each step may end the run with a Refusal; nothing is touched before step 7, and no
device is contacted before step 6):
1. read the plan file (hash of its bytes); format/engine version; complete; anything to do;
2. change windows and freezes at `now` (or --emergency --reason);
3. the inventory content hash of the repository now;
4. the standards gate: `check` of the repository must find no unwaived error (or
   --emergency --reason: the records keep the errors it overrode);
5. the lock (.underlay/apply.lock);
6. interrupted applies in the audit store: every managed device is checked for a commit left
   pending (rolled back now: it was never confirmed, its timer would do the same);
7. re-collect the devices to change: each running config must be the one planned (by hash);
   a device already at the plan's target is "already applied", any other change is stale;
8. a 'started' record; the canary batch, then batches of N in parallel; stop after the first
   batch with a failure; a 'finished' record with every outcome and the configs before/after.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from engine.apply import gate, planfile, silence
from engine.apply.device import Done, Step, apply_device
from engine.apply.devices import Devices
from engine.apply.lock import ApplyLock, LockError
from engine.apply.model import (
    ApplyReport,
    DeviceResult,
    Interrupted,
    Options,
    Refusal,
)
from engine.collect import DeviceState, Progress
from engine.drivers import DriverError
from engine.execute import Executor
from engine.model.layout import Inventory
from engine.plan.model import Action, DevicePlan, Plan
from engine.record import (
    Actor,
    AuditStore,
    Configs,
    DeviceOutcome,
    Marking,
    Outcome,
    Record,
    new_run,
)
from engine.render import Intended
from engine.secrets import CredentialStore
from engine.standards import windows

FAILURES = frozenset({Outcome.FAILED, Outcome.ROLLED_BACK, Outcome.UNREACHABLE, Outcome.UNKNOWN})
NO_COMMIT = "0" * 40


@dataclass(frozen=True)
class Cleared:
    """What the checks before the lock let through: why the change windows allow the run, and
    the unwaived standard errors an emergency overrides."""

    window: str
    overridden: tuple[str, ...] = ()


@dataclass(frozen=True)
class Run:
    """One apply run as its records name it."""

    id: str
    started: datetime
    plan_hash: str | None
    overridden: tuple[str, ...] = ()


def apply_plan(
    repo: Path,
    inventory: Inventory,
    plan_path: Path,
    options: Options,
    intended: Intended,
    store: CredentialStore,
    *,
    now: datetime | None = None,
    on_started: Callable[[str], None] | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> ApplyReport:
    """Apply the saved plan at `plan_path` to the devices; the outcome is always a report.
    `intended` is the repository's configs rendered now (at least the plan's devices): a
    device whose rendered config is not the planned one is stale. With an `executor`, each
    device session runs on a worker at its site; everything else stays here."""
    clock = time.monotonic()
    plan, plan_hash, refusal = planfile.read(plan_path)
    if plan is None or refusal is not None:
        return _refused(refusal, plan_hash)
    early = _check_plan(repo, plan, options, now or datetime.now(UTC))
    if isinstance(early, ApplyReport):
        return early.model_copy(update={"plan_hash": plan_hash, "commit": plan.repo_commit})
    devices = Devices(
        inventory,
        store,
        intended,
        options.timeout,
        workers=options.workers,
        progress=progress,
        executor=executor,
    )
    run = Run(*new_run("apply"), plan_hash, early.overridden)
    try:
        with ApplyLock(repo, run.id, break_lock=options.break_lock) as lock:
            report = _locked(repo, plan, devices, options, run, lock, on_started)
            broken = lock.broken.describe(datetime.now(UTC)) if lock.broken else None
    except LockError as exc:
        return _refused(Refusal(kind="locked", message=str(exc)), plan_hash)
    return report.model_copy(
        update={
            "plan_hash": plan_hash,
            "window": early.window,
            "lock_broken": broken,
            "seconds": round(time.monotonic() - clock, 3),
        }
    )


def _refused(refusal: Refusal | None, plan_hash: str | None) -> ApplyReport:
    return ApplyReport(status="refused", refusal=refusal, plan_hash=plan_hash)


def _check_plan(repo: Path, plan: Plan, options: Options, now: datetime) -> ApplyReport | Cleared:
    """A report that ends the run here, or what let it through."""
    for check in (planfile.compatible, planfile.incomplete):
        refusal = check(plan)
        if refusal is not None:
            return ApplyReport(status="refused", refusal=refusal)
    if not plan.has_changes:
        return ApplyReport(status="no-changes")
    allowed = _window(repo, options, now)
    if isinstance(allowed, Refusal):
        return ApplyReport(status="refused", refusal=allowed)
    stale = planfile.inventory_changed(repo, plan)
    if stale is not None:
        return ApplyReport(status="refused", refusal=stale)
    errors = gate.unwaived_errors(repo, now.astimezone().date())
    if errors and not options.emergency_reason:
        return ApplyReport(status="refused", refusal=gate.refusal(errors))
    return Cleared(allowed, errors)


def _window(repo: Path, options: Options, now: datetime) -> Refusal | str:
    loaded = windows.load(repo)
    if loaded.windows is None:
        return Refusal(
            kind="settings",
            message=f"{windows.WINDOWS_FILE} is invalid: fix it (or run with a valid one)",
            details=tuple(
                f"{d.pos}: {d.severity}[{d.code}]: {d.message}" for d in loaded.diagnostics
            ),
        )
    decision = windows.decide(loaded.windows, now)
    if decision.allowed:
        return decision.reason
    if options.emergency_reason:
        return f"EMERGENCY change ({decision.reason}): {options.emergency_reason}"
    return Refusal(
        kind="window",
        message=f"no change allowed now ({now.isoformat(timespec='minutes')}): {decision.reason}",
        details=("an emergency change needs `--emergency --reason TEXT` (it is recorded)",),
    )


# ---------- inside the lock ----------------------------------------------------------------


def _locked(
    repo: Path,
    plan: Plan,
    devices: Devices,
    options: Options,
    run: Run,
    lock: ApplyLock,
    on_started: Callable[[str], None] | None,
) -> ApplyReport:
    audit = AuditStore(repo)
    interrupted, rolled_back = _interrupted(audit, devices)
    wanted = [d for d in plan.devices if d.action is Action.UPDATE]
    # a device the plan leaves alone is looked at again when the recovery rolled it back, or
    # when the plan saw an unconfirmed commit on it: that commit may have ended since (its own
    # timer, the commit's own cleanup when its session died), so the plan's "no change" may
    # have been computed against a config it no longer runs
    recheck = [
        d
        for d in plan.devices
        if (d.name in rolled_back or d.pending_commit) and d.action is not Action.UPDATE
    ]
    before = devices.observe([d.name for d in [*wanted, *recheck]])
    stale, done = _preflight(plan, wanted, before, devices)
    stale += _moved_by_the_recovery(recheck, before, devices)
    base = ApplyReport(
        status="refused",
        run=run.id,
        commit=plan.repo_commit,
        interrupted=interrupted,
        overridden_findings=run.overridden,
    )
    if stale:
        refusal = Refusal(
            kind="stale",
            message=f"the plan is stale: {len(stale)} device(s) changed since it was made: "
            "make a new plan",
            details=tuple(stale),
        )
        return base.model_copy(update={"refusal": refusal})
    todo = [d for d in wanted if d.name not in done]
    if not todo:
        already = tuple(done.values())
        return base.model_copy(update={"status": "already-applied", "devices": already})
    batches = _batches([d.name for d in todo], options.canary, options.batch)
    ack = tuple(i.run for i in interrupted)
    if lock.broken is not None and lock.broken.run not in ack:
        ack += (lock.broken.run,)  # the audit trail says whose lock this run broke
    redact = devices.redact
    changing, minutes = [d.name for d in todo], _minutes(batches, options)
    marking = silence.silence(options.monitoring, changing, run.id, minutes)
    audit.append(_record(plan, run, "started", ack, options, marking=marking), redact=redact)
    if on_started is not None:
        on_started(run.id)
    try:
        results = _rollout(plan, batches, before, devices, options)
    finally:
        marking = silence.unsilence(options.monitoring, marking)
    results += list(done.values())
    results += _skipped(plan, {r.name for r in results})
    report = base.model_copy(
        update={
            "status": "failed" if any(r.outcome in FAILURES for r in results) else "applied",
            "batches": tuple(tuple(b) for b in batches),
            "devices": tuple(sorted(results, key=lambda r: r.name)),
            "emergency_reason": options.emergency_reason,
            "monitoring": marking,
        }
    )
    finished = _record(plan, run, "finished", ack, options, report.devices, marking)
    ref = audit.append(finished, redact=redact, configs=_configs(report.devices))
    return report.model_copy(update={"record": ref.id})


def _preflight(
    plan: Plan, wanted: Sequence[DevicePlan], states: dict[str, DeviceState], devices: Devices
) -> tuple[list[str], dict[str, DeviceResult]]:
    """(why devices are stale, devices already at the plan's target)."""
    stale: list[str] = []
    done: dict[str, DeviceResult] = {}
    for device in wanted:
        state = states[device.name]
        if device.pending_commit:
            stale.append(f"{device.name}: {PLANNED_PENDING}")
            continue
        if state.status != "ok":
            continue  # it fails in its own batch, as unreachable, unless it is back by then
        _, candidate_hash = devices.candidate(device.name)
        running_hash = devices.running_hash(state.running_config)
        if candidate_hash != device.candidate_hash:
            stale.append(f"{device.name}: its rendered config is not the one planned")
        elif running_hash == device.running_config_hash:
            if devices.redact(state.config_diff) != device.config_diff:
                stale.append(f"{device.name}: the diff is not the planned diff")
        elif not state.config_diff.strip():
            done[device.name] = DeviceResult(
                name=device.name,
                outcome=Outcome.NOOP,
                reason="already matches the plan (applied before)",
                candidate_hash=candidate_hash,
                running_config_hash=running_hash,
            )
        else:
            stale.append(f"{device.name}: its running config changed since the plan")
    return stale, done


PLANNED_PENDING = (
    "planned while an unconfirmed commit was pending on it (a config its timer was about to "
    "revert)"
)


def _moved_by_the_recovery(
    recheck: Sequence[DevicePlan], states: dict[str, DeviceState], devices: Devices
) -> list[str]:
    """Devices the plan leaves alone that the recovery just rolled back or the plan saw with
    an unconfirmed commit: the plan's "no change" was computed against a config they may no
    longer run."""
    stale = []
    for device in recheck:
        state = states[device.name]
        moved = devices.running_hash(state.running_config) != device.running_config_hash
        if device.pending_commit or state.status != "ok" or moved:
            stale.append(
                f"{device.name}: rolled back just now (an interrupted run's unconfirmed "
                "commit): its running config is not the one planned"
            )
    return stale


def _batches(names: Sequence[str], canary: int, size: int) -> list[list[str]]:
    first = list(names[: max(1, canary)])
    rest = list(names[len(first) :])
    return [first, *(rest[i : i + max(1, size)] for i in range(0, len(rest), max(1, size)))]


def _rollout(
    plan: Plan,
    batches: list[list[str]],
    before: dict[str, DeviceState],
    devices: Devices,
    options: Options,
) -> list[DeviceResult]:
    results: list[DeviceResult] = []
    for number, names in enumerate(batches, start=1):
        steps = [
            Step(
                plan.device(n),
                before[n],
                devices,
                options.confirm_timeout,
                options.settle_seconds,
                number,
            )
            for n in names
        ]
        if devices.progress is not None:
            devices.progress.batch(number, names)
        with ThreadPoolExecutor(max_workers=len(steps)) as pool:
            results += _batch(pool, steps, devices.progress)
        failed = [r.name for r in results if r.outcome in FAILURES]
        if failed:
            why = f"not started: batch {number} failed ({', '.join(failed)})"
            results += [
                DeviceResult(name=n, outcome=Outcome.NOOP, reason=why, batch=i)
                for i, b in enumerate(batches[number:], start=number + 1)
                for n in b
            ]
            break
    return results


def _batch(
    pool: ThreadPoolExecutor, steps: Sequence[Step], progress: Progress | None
) -> list[DeviceResult]:
    """The batch's devices in parallel; `progress` hears of each as it finishes."""
    futures = [pool.submit(_timed, step) for step in steps]
    if progress is not None:
        for step in steps:
            progress.started(step.plan.name)
    results = []
    for future in as_completed(futures):
        result = future.result()
        if progress is not None:
            progress.done(result.name, str(result.outcome), result.outcome in FAILURES)
        results.append(result)
    return results


def _timed(step: Step) -> DeviceResult:
    began = time.monotonic()
    done: Done = apply_device(step)
    return DeviceResult(
        name=step.plan.name,
        outcome=done.outcome,
        reason=done.reason,
        batch=step.batch,
        candidate_hash=step.plan.candidate_hash,
        running_config_hash=done.running_hash,
        before=step.devices.redact(step.before.running_config or "") or None,
        after=done.after,
        seconds=round(time.monotonic() - began, 3),
    )


def _skipped(plan: Plan, seen: set[str]) -> list[DeviceResult]:
    """The plan's no-op devices: untouched, in sync with the plan's commit."""
    return [
        DeviceResult(
            name=d.name,
            outcome=Outcome.NOOP,
            reason="no change planned",
            candidate_hash=d.candidate_hash,
            running_config_hash=d.running_config_hash,
        )
        for d in plan.devices
        if d.action is Action.NOOP and d.name not in seen
    ]


def _configs(results: Sequence[DeviceResult]) -> dict[str, Configs]:
    return {r.name: Configs(r.before, r.after) for r in results if r.before or r.after}


def _record(
    plan: Plan,
    run: Run,
    phase: str,
    acknowledges: tuple[str, ...],
    options: Options,
    results: Sequence[DeviceResult] = (),
    marking: Marking | None = None,
) -> Record:
    return Record(
        kind="apply",
        phase="started" if phase == "started" else "finished",
        run=run.id,
        actor=Actor.from_env(),
        commit=plan.repo_commit or NO_COMMIT,
        plan_hash=run.plan_hash,
        started=run.started,
        finished=datetime.now(UTC) if phase == "finished" else None,
        emergency_reason=options.emergency_reason,
        overridden_findings=run.overridden,
        acknowledges=acknowledges,
        devices=tuple(
            DeviceOutcome(
                name=r.name,
                outcome=r.outcome,
                reason=r.reason,
                candidate_hash=r.candidate_hash,
                running_config_hash=r.running_config_hash,
                seconds=r.seconds,
            )
            for r in results
        ),
        monitoring=marking,
    )


def _minutes(batches: Sequence[Sequence[str]], options: Options) -> float:
    """The longest the rollout can take: every batch's commit-confirm timer and its settling."""
    return len(batches) * (options.confirm_timeout + options.settle_seconds) / 60


# ---------- interrupted applies --------------------------------------------------------------


def _interrupted(
    audit: AuditStore, devices: Devices
) -> tuple[tuple[Interrupted, ...], frozenset[str]]:
    """Earlier applies that never finished, what a check of every device found, and the
    devices whose pending commit was rolled back now."""
    found = audit.interrupted()
    if not found:
        return (), frozenset()
    names = devices.manageable()
    with ThreadPoolExecutor(max_workers=min(devices.workers, max(1, len(names)))) as pool:
        checked = list(zip(names, pool.map(lambda n: _consistent(devices, n), names), strict=True))
    findings = [text for _, (text, _) in checked if text]
    rolled_back = frozenset(name for name, (_, undone) in checked if undone)
    return tuple(
        Interrupted(
            run=r.run,
            started=r.started.isoformat(timespec="seconds"),
            user=r.actor.user,
            findings=tuple(findings),
            unknown=tuple(d.name for d in r.devices if d.outcome is Outcome.UNKNOWN),
        )
        for r in found
    ), rolled_back


def _consistent(devices: Devices, name: str) -> tuple[str | None, bool]:
    """(what was found and done, if anything; whether a pending commit was rolled back)."""
    try:
        if not devices.recover(name, timeout=5):
            return None, False
        return f"{name}: an unconfirmed commit was pending: rolled back now", True
    except DriverError as exc:
        why = f"{name}: cannot be checked ({exc}); a pending commit reverts on its own timer"
        return why, True
