"""Plan and drift, end to end: validate -> select -> render -> collect -> plan -> record."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from engine.collect import collect
from engine.errors import UsageError
from engine.lab.state import DEFAULT_STATE_DIR
from engine.model.layout import Inventory
from engine.plan.build import make_plan
from engine.plan.drift import DriftReport, drift
from engine.plan.model import Action, Plan
from engine.record import Actor, AuditStore, DeviceOutcome, Outcome, Record, new_run
from engine.render import PROFILES, render
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
    limit: Sequence[str] = (),
    *,
    workers: int = 20,
    timeout: float = 30,
    lab_state_dir: Path = DEFAULT_STATE_DIR,
    store: CredentialStore | None = None,
) -> Plan:
    """`store` resolves credentials and remembers every secret it handed out, for redaction."""
    names = select(inventory, limit)
    store = store or CredentialStore(repo, inventory, lab_state_dir=lab_state_dir)
    states = collect(
        inventory,
        names,
        workers=workers,
        timeout=timeout,
        store=store,
        lab_state_dir=lab_state_dir,
    )
    candidates = {n: render(inventory, n).artifacts() for n in names if _renders(inventory, n)}
    return make_plan(
        repo, inventory, states, candidates, redact=store.redactor().redact, limit=limit
    )


def _renders(inventory: Inventory, name: str) -> bool:
    obj = inventory.node(name)
    return obj is not None and obj.platform in PROFILES


def run_drift(
    repo: Path,
    inventory: Inventory,
    *,
    workers: int = 20,
    timeout: float = 30,
    record: bool = True,
    lab_state_dir: Path = DEFAULT_STATE_DIR,
) -> DriftReport:
    """A plan of the repository against live state, classified against the audit trail; the
    run itself is recorded as a drift record unless `record` is False."""
    secrets = CredentialStore(repo, inventory, lab_state_dir=lab_state_dir)
    plan = run_plan(
        repo,
        inventory,
        workers=workers,
        timeout=timeout,
        lab_state_dir=lab_state_dir,
        store=secrets,
    )
    audit = AuditStore(repo)
    report = drift(plan, audit.last_applied())
    if record:
        audit.append(_record(report), redact=secrets.redactor().redact)
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
