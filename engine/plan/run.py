"""Plan and drift: select -> collect (against the configs rendered once by the caller) -> plan
-> record. Credentials come from the caller's CredentialStore (the lab is one of its sources)."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from engine.collect import Progress, collect
from engine.errors import UsageError
from engine.execute import Executor
from engine.model.layout import Inventory
from engine.plan.build import make_plan
from engine.plan.drift import DriftReport, drift
from engine.plan.model import Action, Plan
from engine.record import Actor, AuditStore, DeviceOutcome, Outcome, Record, new_run
from engine.secrets import CredentialStore

SELECTORS = ("site", "role", "tag", "platform", "kind")


def select(inventory: Inventory, limit: Sequence[str]) -> list[str]:
    """Devices and servers matching any of `limit`: names (globs allowed) or key:value
    selectors (site:fra1, role:core, tag:fabric, platform:frr, kind:server). All when empty."""
    everything = sorted([*inventory.devices, *inventory.servers])
    if not limit:
        return everything
    chosen = [n for n in everything if any(_matches(inventory, n, s) for s in limit)]
    if not chosen:
        raise UsageError(f"--limit {' '.join(limit)} matches no device or server")
    return chosen


def _matches(inventory: Inventory, name: str, selector: str) -> bool:
    key, _, value = selector.partition(":")
    if not value:
        return fnmatch.fnmatchcase(name, selector)
    if key not in SELECTORS:
        raise UsageError(f"--limit {selector}: selectors are {', '.join(SELECTORS)} or names")
    obj = inventory.node(name)
    assert obj is not None
    found = {
        "site": [obj.site],
        "role": [str(obj.role)],
        "tag": obj.tags,
        "platform": [str(obj.platform)],
        "kind": ["device" if name in inventory.devices else "server"],
    }[key]
    return any(fnmatch.fnmatchcase(str(v), value) for v in found)


def run_plan(
    repo: Path,
    inventory: Inventory,
    intended: Mapping[str, Mapping[str, str]],
    store: CredentialStore,
    limit: Sequence[str] = (),
    *,
    workers: int = 20,
    timeout: float = 30,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> Plan:
    """The plan of the devices `limit` selects, against their `intended` artifacts (rendered
    once by the caller; a device without them is not compared). `store` resolves credentials
    and remembers every secret it handed out, for redaction. With an `executor`, each device
    is collected where it sends it (workers at the sites, with their own credentials)."""
    names = select(inventory, limit)
    states = collect(
        inventory,
        names,
        intended,
        store,
        workers=workers,
        timeout=timeout,
        progress=progress,
        executor=executor,
    )
    candidates = {n: intended[n] for n in names if n in intended}
    return make_plan(
        repo, inventory, states, candidates, redact=store.redactor().redact, limit=limit
    )


def run_drift(
    repo: Path,
    inventory: Inventory,
    intended: Mapping[str, Mapping[str, str]],
    store: CredentialStore,
    *,
    workers: int = 20,
    timeout: float = 30,
    record: bool = True,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> DriftReport:
    """A plan of the repository against live state, classified against the audit trail; the
    run itself is recorded as a drift record unless `record` is False."""
    plan = run_plan(
        repo,
        inventory,
        intended,
        store,
        workers=workers,
        timeout=timeout,
        progress=progress,
        executor=executor,
    )
    audit = AuditStore(repo)
    report = drift(plan, audit.last_applied())
    if record:
        audit.append(_record(report), redact=store.redactor().redact)
    return report


def _record(report: DriftReport) -> Record:
    run, started = new_run("drift")
    drifted = {i.device: i for i in report.items}
    devices = tuple(
        DeviceOutcome(
            name=d.name,
            outcome=_outcome(d.action, d.name in drifted),
            reason=drifted[d.name].origin if d.name in drifted else (d.error or ""),
            candidate_hash=d.candidate_hash,
            running_config_hash=d.running_config_hash,
            seconds=d.seconds,
        )
        for d in report.plan.devices
    )
    return Record(
        kind="drift",
        run=run,
        actor=Actor.from_env(),
        started=started,
        finished=datetime.now(UTC),
        commit=report.plan.repo_commit or "0" * 40,
        devices=devices,
    )


def _outcome(action: Action, drifted: bool) -> Outcome:
    if action is Action.UNREACHABLE:
        return Outcome.UNREACHABLE
    if action in (Action.FAILED, Action.SKIPPED):
        return Outcome.FAILED
    return Outcome.DRIFTED if drifted else Outcome.NOOP
