"""Plan file checks before anything is touched: unreadable, incompatible, incomplete, stale."""

from __future__ import annotations

import subprocess
from pathlib import Path

from engine.apply import planfile
from engine.plan.build import inventory_hash
from engine.plan.model import Action, DevicePlan, Plan, Summary


def _plan(repo: Path, **changes: object) -> Plan:
    devices = (DevicePlan(name="r1", kind="device", platform="frr", action=Action.UPDATE),)
    summary = Summary(change=1, unchanged=0, unreachable=0, failed=0, skipped=0,
                      state_changes=0, cabling_findings=0)
    plan = Plan(engine_version="0.1.0", created="2026-01-01T00:00:00+00:00", repo_commit=None,
                repo_dirty=False, inventory_hash=inventory_hash(repo), devices=devices,
                summary=summary, complete=True, applyable=True)
    return plan.model_copy(update=changes)


def test_a_file_that_is_not_a_plan_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"format_version": 1}')
    plan, digest, refusal = planfile.read(path)
    assert plan is None and digest and refusal is not None and refusal.kind == "invalid-plan"
    assert planfile.read(tmp_path / "missing.json")[2] is not None


def test_versions(base_repo: Path) -> None:
    assert planfile.compatible(_plan(base_repo)) is None
    old = planfile.compatible(_plan(base_repo, format_version=0))
    assert old is not None and "format version is 0" in old.message
    other = planfile.compatible(_plan(base_repo, engine_version="0.2.3"))
    assert other is not None and "made by underlay 0.2.3" in other.message


def test_an_incomplete_plan_names_the_devices(base_repo: Path) -> None:
    bad = DevicePlan(name="r2", kind="device", platform="frr", action=Action.UNREACHABLE,
                     error="no answer")
    refusal = planfile.incomplete(_plan(base_repo, complete=False, devices=(bad,)))
    assert refusal is not None and refusal.details == ("r2: unreachable: no answer",)


def test_a_changed_inventory_is_stale_and_the_files_are_named(base_repo: Path) -> None:
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=T", "-c", "user.email=t@e", "commit", "-qm", "s"]):
        subprocess.run(["git", *args], cwd=base_repo, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=base_repo, capture_output=True,
                          text=True, check=True).stdout.strip()
    plan = _plan(base_repo, repo_commit=head)
    assert planfile.inventory_changed(base_repo, plan) is None
    sites = base_repo / "inventory/sites.yaml"
    sites.write_text(sites.read_text() + "# a comment changes the content hash\n")
    refusal = planfile.inventory_changed(base_repo, plan)
    assert refusal is not None and refusal.kind == "stale"
    assert "the inventory changed since it was made" in refusal.message
    assert refusal.details == ("changed: inventory/sites.yaml",)
