"""The plan file as apply reads it: parsed, hashed, and checked for what makes it unusable.

Every check returns a Refusal value (or None); none of them contacts a device.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from pydantic import ValidationError

from engine import __version__
from engine.apply.model import Refusal
from engine.plan.build import inventory_hash
from engine.plan.model import FORMAT_VERSION, Action, Plan


def read(path: Path) -> tuple[Plan | None, str | None, Refusal | None]:
    """(plan, sha256 of the file's bytes, refusal)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, None, Refusal(kind="invalid-plan", message=f"{path}: {exc.strerror}")
    digest = hashlib.sha256(raw).hexdigest()
    try:
        return Plan.model_validate_json(raw), digest, None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        message = f"{path}: not a plan file of this underlay: {where}: {first['msg']}"
        return None, digest, Refusal(kind="invalid-plan", message=message)


def compatible(plan: Plan) -> Refusal | None:
    """Same plan format; made by the same major.minor engine (templates and hashes agree)."""
    if plan.format_version != FORMAT_VERSION:
        return Refusal(
            kind="incompatible",
            message=f"the plan's format version is {plan.format_version}; this underlay "
            f"({__version__}) reads version {FORMAT_VERSION}: make a new plan",
        )
    if _minor(plan.engine_version) != _minor(__version__):
        return Refusal(
            kind="incompatible",
            message=f"the plan was made by underlay {plan.engine_version}, this is {__version__}: "
            "make a new plan with this version",
        )
    return None


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def incomplete(plan: Plan) -> Refusal | None:
    if plan.complete:
        return None
    bad = [
        f"{d.name}: {d.action.value}: {d.error or ''}".rstrip(": ")
        for d in plan.devices
        if d.action in (Action.UNREACHABLE, Action.FAILED)
    ]
    return Refusal(
        kind="incomplete",
        message=f"the plan is incomplete ({len(bad)} device(s) did not answer when it was made): "
        "it cannot say what would change there; make a new plan when they answer",
        details=tuple(bad),
    )


def inventory_changed(repo: Path, plan: Plan) -> Refusal | None:
    """The inventory content hash of the repository now vs the plan's; names changed files."""
    now = inventory_hash(repo)
    if now == plan.inventory_hash:
        return None
    files = _changed_files(repo, plan.repo_commit)
    return Refusal(
        kind="stale",
        message=f"the plan is stale: the inventory changed since it was made (content hash "
        f"{plan.inventory_hash[:12]} in the plan, {now[:12]} now): make a new plan",
        details=tuple(f"changed: {f}" for f in files),
    )


def _changed_files(repo: Path, commit: str | None) -> list[str]:
    """Files under inventory/ that differ from the plan's commit (empty outside git)."""
    if commit is None:
        return []
    commands = (
        ["git", "diff", "--name-only", commit, "--", "inventory"],
        ["git", "ls-files", "--others", "--exclude-standard", "--", "inventory"],
    )
    found: set[str] = set()
    for argv in commands:
        done = subprocess.run(argv, cwd=repo, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            found.update(line for line in done.stdout.splitlines() if line)
    return sorted(found)
