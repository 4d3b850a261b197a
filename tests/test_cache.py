"""The incremental validation cache: same answers as a full run, re-reading only what changed."""

from __future__ import annotations

import os
from pathlib import Path

from engine.validate import validate


def _lines(repo: Path, *, incremental: bool) -> list[str]:
    return [f"{d.pos} {d.code} {d.message}"
            for d in validate(repo, incremental=incremental).diagnostics]  # fmt: skip


def _touch_later(path: Path, text: str) -> None:
    """Rewrite with a new mtime even on a coarse-clock file system."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))


def test_warm_run_rereads_nothing_and_agrees(base_repo: Path) -> None:
    cold = validate(base_repo, incremental=True)
    warm = validate(base_repo, incremental=True)
    assert cold.reread == 11 and warm.reread == 1  # groups.yaml is always read
    assert _lines(base_repo, incremental=True) == _lines(base_repo, incremental=False)


def test_a_changed_file_is_reread_and_its_problem_found(base_repo: Path) -> None:
    validate(base_repo, incremental=True)
    device = base_repo / "inventory/devices/r1.yaml"
    _touch_later(device, device.read_text().replace("remote_as: 65002", "remote_as: 65003"))
    result = validate(base_repo, incremental=True)
    assert result.reread == 2
    assert [d.code for d in result.diagnostics] == ["C407"]
    assert _lines(base_repo, incremental=True) == _lines(base_repo, incremental=False)


def test_cross_object_problem_reported_from_cached_facts(base_repo: Path) -> None:
    """r2 is unchanged (cached); breaking r1 must still report the mismatch seen from r2."""
    validate(base_repo, incremental=True)
    device = base_repo / "inventory/devices/r1.yaml"
    _touch_later(device, device.read_text().replace("65001", "65009"))
    codes = sorted(d.code for d in validate(base_repo, incremental=True).diagnostics)
    assert codes == ["C407"]
    assert _lines(base_repo, incremental=True) == _lines(base_repo, incremental=False)


def test_changing_groups_revalidates_every_object(base_repo: Path) -> None:
    validate(base_repo, incremental=True)
    groups = base_repo / "inventory/groups.yaml"
    _touch_later(groups, groups.read_text().replace("198.18.0.5]", "198.18.0.5, 'bad host!']"))
    result = validate(base_repo, incremental=True)
    assert result.reread == 5  # groups + the four objects that inherit from it
    assert len([d for d in result.diagnostics if d.code == "S201"]) == 4


def test_deleted_file_leaves_the_cache(base_repo: Path) -> None:
    validate(base_repo, incremental=True)
    (base_repo / "inventory/servers/vm01.yaml").unlink()
    codes = [d.code for d in validate(base_repo, incremental=True).diagnostics]
    assert codes == ["R301"]  # the service's dependency on vm01 now dangles


def test_corrupt_cache_is_ignored(base_repo: Path) -> None:
    validate(base_repo, incremental=True)
    (base_repo / ".underlay/cache/validate.marshal").write_bytes(b"\x00garbage")
    result = validate(base_repo, incremental=True)
    assert result.ok and result.reread == 11
