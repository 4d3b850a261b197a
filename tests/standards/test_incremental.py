"""Incremental `check`: after a change, a run that re-reads only the changed files finds exactly
what a full run finds, for every rule's failing case, for waivers and for every kind of file.

Repositories are aged first (every file dated an hour back, as in a checkout made a while ago),
so that no file shares a clock tick with a cache write (such "racy" entries are re-read).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from engine.diagnostics import Diagnostic
from engine.standards import CheckResult, check
from engine.validate import validate
from tests.conftest import REPO_ROOT
from tests.standards.helpers import CASES, TODAY, build, change
from tests.test_cache import age

CACHE = ".underlay/cache/check"  # shards: 00.marshal ... 15.marshal


def _full(repo: Path, today: date = TODAY) -> list[Diagnostic]:
    return check(repo, today).diagnostics


def _warm(repo: Path, today: date = TODAY) -> CheckResult:
    return check(repo, today, incremental=True)


def _all(repo: Path) -> int:
    """The number of inventory files (what a full run re-reads)."""
    return validate(repo).files


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return age(build(tmp_path / "repo"))


def _fail_cases() -> list[str]:
    return sorted(p.stem for p in CASES.glob("*.yaml"))


@pytest.mark.parametrize("rule", _fail_cases())
def test_every_failing_case_found_incrementally(rule: str, repo: Path) -> None:
    """Warm the caches on the compliant base, make the rule's failing change, run again."""
    case: dict[str, Any] = YAML(typ="safe").load((CASES / f"{rule}.yaml").read_text())["fail"]
    today = date.fromisoformat(str(case.get("today", TODAY)))
    first = _warm(repo, today)
    assert first.ok and first.reread == _all(repo)  # every inventory file, once
    change(repo, case)
    result = _warm(repo, today)
    assert result.diagnostics == _full(repo, today)
    assert any(d.code == rule for d in result.diagnostics)
    edited = set(case.get("edit", {})) | set(case.get("files", {}))
    only_objects = "waivers" not in case and all(
        rel.startswith("inventory/") and rel != "inventory/groups.yaml" for rel in edited
    )
    if only_objects:  # the standards and groups are as before: only the edited files re-read
        assert result.reread == len(edited | {"inventory/groups.yaml"}), edited


def test_unchanged_repository_rereads_only_the_groups(repo: Path) -> None:
    cold = _warm(repo)
    warm = _warm(repo)
    assert warm.reread == 1 < cold.reread
    assert warm.diagnostics == cold.diagnostics == _full(repo)


def test_join_finding_blames_an_object_read_from_the_cache(repo: Path) -> None:
    """Removing a server from its contract: the server's file is not re-read, yet the
    coverage finding is reported at its `contracts:` line, as a full run does."""
    _warm(repo)
    change(
        repo,
        {"edit": {"inventory/contracts.yaml": [["fra1-backup01, fra2-dr01]", "fra1-backup01]"]]}},
    )
    result = _warm(repo)
    assert result.reread == 2  # contracts.yaml and groups.yaml
    found = [d for d in result.diagnostics if d.code == "SUP-COVERAGE"]
    assert [(d.pos.path, d.subject) for d in found] == [
        ("inventory/servers/fra2-dr01.yaml", "server fra2-dr01")
    ]
    assert result.diagnostics == _full(repo)
    again = _warm(repo)  # the position is remembered now
    assert again.reread == 1 and again.diagnostics == result.diagnostics


def test_changing_groups_reevaluates_every_object(repo: Path) -> None:
    _warm(repo)
    groups = repo / "inventory/groups.yaml"
    groups.write_text(groups.read_text().replace("198.18.0.6", "198.18.0.9", 1))
    result = _warm(repo)
    assert result.reread == 1 + 18  # groups.yaml and every device and server, not the rest
    (ntp,) = [d for d in result.diagnostics if d.code == "MGMT-NTP"]  # one cause, one finding
    assert len(ntp.subjects) == 18
    assert result.diagnostics == _full(repo)
    groups.write_text(groups.read_text().replace("198.18.0.9", "198.18.0.6", 1))
    fixed = _warm(repo)  # the group's value changed back: the finding is gone, warm as well
    assert fixed.ok and not [d for d in fixed.diagnostics if d.code == "MGMT-NTP"]
    assert fixed.diagnostics == _full(repo)
    again = _warm(repo)
    assert again.reread == 1 and again.diagnostics == fixed.diagnostics


def test_deleting_and_adding_objects(repo: Path) -> None:
    _warm(repo)
    web = repo / "inventory/servers/fra1-web01.yaml"
    text = web.read_text()
    web.unlink()  # a dangling reference now: validation fails, standards are not checked
    assert [d.code for d in _warm(repo).diagnostics if d.code != "T509"] == ["R301"]
    web.write_text(text.replace("site: fra1", "site: fra2"))  # back, in the wrong site
    result = _warm(repo)
    assert result.diagnostics == _full(repo)
    assert {d.code for d in result.diagnostics} >= {"NAME-SITE-PREFIX", "SRV-HYPERVISOR-SITE"}


def test_sample_waivers_by_selector_apply_to_cached_objects(tmp_path: Path) -> None:
    """The sample's waivers select by kind, role and site (one waives a rule across objects):
    after an unrelated change the same findings are waived by the same waivers."""
    repo = tmp_path / "sample"
    for folder in ("inventory", "standards"):
        shutil.copytree(REPO_ROOT / folder, repo / folder)
    age(repo)
    first = _warm(repo)
    assert sum(d.waiver is not None for d in first.diagnostics) >= 3
    site = repo / "inventory/sites.yaml"
    site.write_text(site.read_text() + "\n")
    result = _warm(repo)
    assert result.reread == 2
    assert result.diagnostics == first.diagnostics == _full(repo)


def test_a_new_waiver_or_a_new_day_reevaluates_everything(repo: Path) -> None:
    _warm(repo)
    change(
        repo,
        {
            "edit": {
                "inventory/devices/fra1-leaf01.yaml": [['version: "8.4.4"', 'version: "7.5.1"']]
            }
        },
    )
    waivers = (
        "waivers:\n  - rule: OS-MIN-DEVICE\n    target: {kind: device, role: access}\n"
        "    reason: lab\n    owner: ops\n    ticket: T-1\n    expires: 2026-11-30\n"
    )
    (repo / "standards/waivers.yaml").write_text(waivers)
    result = _warm(repo)
    assert result.reread == _all(repo)
    assert [d.waiver is not None for d in result.diagnostics if d.code == "OS-MIN-DEVICE"] == [True]
    later = date(2026, 12, 1)  # the waiver has expired
    expired = _warm(repo, later)
    assert expired.diagnostics == _full(repo, later)
    assert {d.code for d in expired.diagnostics} >= {"OS-MIN-DEVICE", "T507"}


def test_validate_cache_without_check_cache(repo: Path) -> None:
    """validate alone fills its cache; check then still needs every model once."""
    validate(repo, incremental=True)
    same = ["model: AS7326-56X", "model: AS7326-56X"]  # rewritten as it was: a new mtime
    change(repo, {"edit": {"inventory/devices/fra1-leaf02.yaml": [same]}})
    result = _warm(repo)
    assert result.reread == _all(repo)
    assert result.diagnostics == _full(repo)


def test_corrupt_or_unwritable_cache_is_no_failure(repo: Path) -> None:
    _warm(repo)
    shards = sorted((repo / CACHE).glob("*.marshal"))
    assert shards
    for shard in shards:
        shard.write_bytes(b"\x00garbage")
    result = _warm(repo)
    assert result.ok and result.reread == _all(repo)
    shutil.rmtree(repo / CACHE)
    (repo / CACHE).write_text("")  # a file where the cache folder should be
    assert _warm(repo).diagnostics == _full(repo)


def test_secrets_redacted_from_cached_findings(repo: Path) -> None:
    """A secret quoted by a finding of a file that the warm run does not re-read is still
    redacted: the redactor knows every credential set in use, not only the re-read ones."""
    secret = "Wint3r-Is-Coming"
    device = repo / "inventory/devices/fra2-leaf01.yaml"
    text = device.read_text().replace("credentials: lab", "credentials: ops")
    device.write_text(text.replace("\nbgp:", f'\nbanner: "Welcome {secret}"\nbgp:', 1))
    age(repo)
    env = {
        **os.environ,
        "UNDERLAY_CREDENTIALS_OPS_USERNAME": "ops",
        "UNDERLAY_CREDENTIALS_OPS_PASSWORD": secret,
        "PYTHONPATH": str(REPO_ROOT),
    }
    outputs = []
    for touched in (None, "inventory/devices/fra1-leaf01.yaml"):
        if touched:
            path = repo / touched
            path.write_text(path.read_text() + "\n")
        for fmt in ("text", "json", "sarif"):
            proc = subprocess.run(
                [sys.executable, "-m", "engine.cli", "--repo", str(repo), "check",
                 "--today", "2026-11-27", "--format", fmt],
                capture_output=True, text=True, env=env, timeout=120, check=False,
            )  # fmt: skip
            assert proc.returncode == 1, proc.stderr
            outputs.append(proc.stdout + proc.stderr)
    assert list((repo / CACHE).glob("*.marshal"))
    assert all("MGMT-BANNER" in out and "<redacted>" in out for out in outputs)
    assert not [out for out in outputs if secret in out]


def test_worker_processes_find_what_one_process_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large inventories are validated and checked in worker processes (each returns
    diagnostics, facts and records, never models). Lowering the size from which workers are
    used runs that path on the sample, with its waivers and a few findings more."""
    from engine.validate import parallel  # noqa: PLC0415

    repo = tmp_path / "sample"
    for folder in ("inventory", "standards"):
        shutil.copytree(REPO_ROOT / folder, repo / folder)
    device = repo / "inventory/devices/fra1-leaf01.yaml"
    device.write_text(device.read_text().replace("version: \"8.4.4\"", "version: \"7.5.1\""))
    contracts = repo / "inventory/contracts.yaml"
    contracts.write_text(contracts.read_text().replace("fra1-backup01, ", "", 1))
    one = check(repo, TODAY)
    one_validate = validate(repo, models=False).diagnostics
    monkeypatch.setattr(parallel, "MIN_JOBS_FOR_WORKERS", 1)
    monkeypatch.setattr(parallel, "CHUNK", 3)
    many = check(repo, TODAY)
    assert many.diagnostics == one.diagnostics
    assert {d.code for d in many.diagnostics} >= {"OS-MIN-DEVICE", "SUP-COVERAGE"}
    assert any(d.waiver is not None for d in many.diagnostics)
    assert validate(repo, models=False).diagnostics == one_validate
    warm = _warm(repo)  # through the cache, with workers too
    assert warm.diagnostics == one.diagnostics
