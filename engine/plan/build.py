"""Make a plan: intended (rendered, modelled) against live (collected), device by device."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine import __version__
from engine.collect import DeviceState
from engine.errors import GitError
from engine.model.inventory import Device
from engine.model.layout import Inventory
from engine.plan import cabling
from engine.plan.model import (
    Action,
    CablingFinding,
    DevicePlan,
    Plan,
    ServiceImpact,
    Summary,
)
from engine.plan.state import actual_state, intended_state, state_changes
from engine.render import artifacts_hash, as_rendered

Redact = Callable[[str], str]
_STATUS_ACTION = {"unreachable": Action.UNREACHABLE, "timeout": Action.UNREACHABLE}


def inventory_hash(repo: Path) -> str:
    """Content hash of everything under inventory/: a plan is stale when it changes."""
    digest = hashlib.sha256()
    root = repo / "inventory"
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(repo).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def repo_commit(repo: Path) -> tuple[str | None, bool]:
    """(HEAD commit, dirty: staged, changed or untracked files) of the repository, or
    (None, False) outside git; GitError when it is a git repository that git cannot read (a
    plan must not silently lose its commit). One `git status` (gitpython's import alone would
    cost every plan 25 ms)."""
    argv = ["git", "--no-optional-locks", "status", "--porcelain=v2", "--branch"]
    argv.append("--untracked-files=normal")  # whatever status.showUntrackedFiles says
    try:
        done = subprocess.run(argv, cwd=repo, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise GitError(f"{repo}: git cannot run: {exc}") from None
    if done.returncode != 0:
        if any((folder / ".git").exists() for folder in (repo, *repo.resolve().parents)):
            raise GitError(f"{repo}: git cannot read this repository: {done.stderr.strip()}")
        return None, False
    lines = done.stdout.splitlines()
    head = next((line.split()[2] for line in lines if line.startswith("# branch.oid ")), None)
    dirty = any(not line.startswith("#") for line in lines)
    return (None if head in (None, "(initial)") else head), dirty


def sha256(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


def make_plan(
    repo: Path,
    inventory: Inventory,
    states: Mapping[str, DeviceState],
    candidates: Mapping[str, Mapping[str, str]],
    *,
    redact: Redact,
    limit: Sequence[str] = (),
    skipped: Mapping[str, str] | None = None,
) -> Plan:
    """`states` from engine.collect, `candidates` the rendered artifacts per device."""
    lldp = {
        n: s.getters["lldp_neighbors"]
        for n, s in states.items()
        if s.status == "ok" and "lldp_neighbors" in s.getters
    }
    findings = cabling.verify(inventory, lldp)
    devices = [
        _device_plan(inventory, name, state, candidates.get(name, {}), findings, redact)
        for name, state in sorted(states.items())
    ]
    devices += [_skipped(inventory, name, why) for name, why in sorted((skipped or {}).items())]
    commit, dirty = repo_commit(repo)
    summary = _summary(devices)
    return Plan(
        engine_version=__version__,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        repo_commit=commit,
        repo_dirty=dirty,
        inventory_hash=inventory_hash(repo),
        limit=tuple(limit),
        devices=tuple(devices),
        summary=summary,
        complete=summary.unreachable == 0 and summary.failed == 0,
        applyable=summary.change > 0 and summary.failed == 0,
    )


def _device_plan(
    inventory: Inventory,
    name: str,
    state: DeviceState,
    candidate: Mapping[str, str],
    findings: list[CablingFinding],
    redact: Redact,
) -> DevicePlan:
    obj = inventory.node(name)
    assert obj is not None, name
    kind = "device" if isinstance(obj, Device) else "server"
    base: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "platform": str(obj.platform),
        "seconds": round(state.seconds, 3),
    }
    if state.status != "ok":
        action = _STATUS_ACTION.get(state.status, Action.FAILED)
        return DevicePlan(**base, action=action, error=redact(state.error or state.status))
    shown = as_rendered(inventory, obj)  # as its configuration shows it (circuits' descriptions)
    changes = state_changes(intended_state(shown), actual_state(shown, state.getters))
    action = Action.UPDATE if state.config_diff.strip() else Action.NOOP
    return DevicePlan(
        **base,
        action=action,
        config_diff=redact(state.config_diff),
        candidate_hash=artifacts_hash(candidate),
        state_changes=changes,
        cabling=cabling.for_device(findings, name),
        # of the redacted text: a hash of a config whose secret is the only unknown part
        # would let anyone with the plan guess a weak secret offline
        running_config_hash=sha256(redact(state.running_config or "")),
        pending_commit=state.pending_commit,
        services=impacts(inventory, name) if action is Action.UPDATE else (),
    )


def _skipped(inventory: Inventory, name: str, why: str) -> DevicePlan:
    obj = inventory.node(name)
    assert obj is not None, name
    kind = "device" if isinstance(obj, Device) else "server"
    return DevicePlan(
        name=name, kind=kind, platform=str(obj.platform), action=Action.SKIPPED, error=why
    )


def impacts(inventory: Inventory, name: str) -> tuple[ServiceImpact, ...]:
    """Business services that depend on `name` (directly, or on a VM it hosts)."""
    hosted = {s for s, srv in inventory.servers.items() if srv.host == name}
    out = []
    for service_name, service in sorted(inventory.services.items()):
        deps = set(service.depends_on.devices) | set(service.depends_on.servers)
        if name in deps or hosted & deps:
            sla = inventory.slas.get(service.sla)
            out.append(
                ServiceImpact(
                    name=service_name,
                    sla=service.sla,
                    owner=service.owner,
                    availability_pct=sla.availability_pct if sla else None,
                )
            )
    return tuple(out)


def _summary(devices: list[DevicePlan]) -> Summary:
    def count(action: Action) -> int:
        return sum(1 for d in devices if d.action is action)

    return Summary(
        change=count(Action.UPDATE),
        unchanged=count(Action.NOOP),
        unreachable=count(Action.UNREACHABLE),
        failed=count(Action.FAILED),
        skipped=count(Action.SKIPPED),
        state_changes=sum(len(d.state_changes) for d in devices),
        cabling_findings=len({f.message for d in devices for f in d.cabling}),
    )
