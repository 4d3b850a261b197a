"""The incremental validation cache: same answers as a full run, re-reading only what changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from engine.validate import validate


def age(repo: Path, seconds: int = 3600) -> Path:
    """Date every file back, as in a checkout made a while ago (a file modified in the same
    clock tick as a cache write is not trusted: the tests must not depend on the clock)."""
    then = time.time_ns() - seconds * 10**9
    for path in repo.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(then, then))
    return repo


@pytest.fixture
def repo(base_repo: Path) -> Path:
    return age(base_repo)


def _lines(repo: Path, *, incremental: bool) -> list[str]:
    return [f"{d.pos} {d.code} {d.message}"
            for d in validate(repo, incremental=incremental).diagnostics]  # fmt: skip


def _touch_later(path: Path, text: str) -> None:
    """Rewrite with a new mtime even on a coarse-clock file system."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))


def test_warm_run_rereads_nothing_and_agrees(repo: Path) -> None:
    cold = validate(repo, incremental=True)
    warm = validate(repo, incremental=True)
    assert cold.reread == 11 and warm.reread == 1  # groups.yaml is always read
    assert _lines(repo, incremental=True) == _lines(repo, incremental=False)


def test_a_changed_file_is_reread_and_its_problem_found(repo: Path) -> None:
    validate(repo, incremental=True)
    device = repo / "inventory/devices/r1.yaml"
    _touch_later(device, device.read_text().replace("remote_as: 65002", "remote_as: 65003"))
    result = validate(repo, incremental=True)
    assert result.reread == 2
    assert [d.code for d in result.diagnostics] == ["C407"]
    assert _lines(repo, incremental=True) == _lines(repo, incremental=False)


def test_cross_object_problem_reported_from_cached_facts(repo: Path) -> None:
    """r2 is unchanged (cached); breaking r1 must still report the mismatch seen from r2."""
    validate(repo, incremental=True)
    device = repo / "inventory/devices/r1.yaml"
    _touch_later(device, device.read_text().replace("65001", "65009"))
    codes = sorted(d.code for d in validate(repo, incremental=True).diagnostics)
    assert codes == ["C407"]
    assert _lines(repo, incremental=True) == _lines(repo, incremental=False)


def test_changing_groups_revalidates_every_object(repo: Path) -> None:
    validate(repo, incremental=True)
    groups = repo / "inventory/groups.yaml"
    _touch_later(groups, groups.read_text().replace("198.18.0.5]", "198.18.0.5, 'bad host!']"))
    result = validate(repo, incremental=True)
    assert result.reread == 5  # groups + the four objects that inherit from it
    (bad,) = [d for d in result.diagnostics if d.code == "S201"]  # one cause, four objects
    assert len(bad.subjects) == 4


def test_deleted_file_leaves_the_cache(repo: Path) -> None:
    validate(repo, incremental=True)
    (repo / "inventory/servers/vm01.yaml").unlink()
    codes = [d.code for d in validate(repo, incremental=True).diagnostics]
    assert codes == ["R301"]  # the service's dependency on vm01 now dangles


def test_corrupt_cache_is_ignored(repo: Path) -> None:
    validate(repo, incremental=True)
    for shard in (repo / ".underlay/cache/validate").glob("*.marshal"):
        shard.write_bytes(b"\x00garbage")
    result = validate(repo, incremental=True)
    assert result.ok and result.reread == 11


def _same_tick_as_the_cache(repo: Path, *files: Path) -> None:
    """Give the cache's shards the mtime of `files`, as a coarse clock does when a file is
    modified in the same tick as the cache is written (a tick cannot be made to last on
    demand, so the timestamps are set)."""
    newest = max(f.stat().st_mtime_ns for f in files)
    for shard in (repo / ".underlay/cache").rglob("*.marshal"):
        os.utime(shard, ns=(newest, newest))


def test_same_size_edit_in_the_same_clock_tick_is_seen(repo: Path) -> None:
    """An edit in the clock tick of the cache write keeps the mtime the cache recorded: such a
    "racy" entry is not trusted (as in git's index), so the edit is seen."""
    validate(repo, incremental=True)
    device = repo / "inventory/devices/r1.yaml"
    text = device.read_text()
    device.write_text(text.replace("remote_as: 65002", "remote_as: 65003"))  # same size
    assert [d.code for d in validate(repo, incremental=True).diagnostics] == ["C407"]
    mtime = device.stat().st_mtime_ns
    _same_tick_as_the_cache(repo, device)
    device.write_text(text)  # back to the original: same size, and in that same tick ...
    os.utime(device, ns=(mtime, mtime))  # ... the same mtime
    result = validate(repo, incremental=True)
    assert [d.code for d in result.diagnostics] == []
    assert result.reread == 2


def test_a_change_rewrites_only_its_shard(repo: Path) -> None:
    """The cache is kept in shards: one changed file means one shard written, and entries of
    other shards keep the moment their own shard was written."""
    validate(repo, incremental=True)
    folder = repo / ".underlay/cache/validate"
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.marshal")}
    assert len(before) > 1
    time.sleep(0.01)
    device = repo / "inventory/devices/r1.yaml"
    _touch_later(device, device.read_text() + "\n")
    assert validate(repo, incremental=True).reread == 2
    after = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.marshal")}
    assert len([n for n in after if after[n] != before.get(n)]) == 1
    assert validate(repo, incremental=True).reread == 1  # r1 is trusted: modified long ago


def test_after_a_groups_change_the_next_runs_are_warm_again(repo: Path) -> None:
    """A groups change that changes no result: every object is re-read once, and every shard
    is then stamped with the new groups (an equal entry alone would not rewrite its shard)."""
    validate(repo, incremental=True)
    groups = repo / "inventory/groups.yaml"
    _touch_later(groups, groups.read_text() + "# reviewed\n")
    assert validate(repo, incremental=True).reread == 5  # groups + the four objects
    assert validate(repo, incremental=True).reread == 1


def test_groups_modified_in_the_tick_of_a_cache_write_settle(repo: Path) -> None:
    """groups.yaml modified in the clock tick of the cache write is not trusted: the objects
    are read again, and the shards written afresh, so the run after is warm."""
    validate(repo, incremental=True)
    groups = repo / "inventory/groups.yaml"
    groups.write_text(groups.read_text() + "# reviewed\n")
    assert validate(repo, incremental=True).reread == 5  # groups + the four objects
    _same_tick_as_the_cache(repo, groups)
    assert validate(repo, incremental=True).reread == 5  # racy: read again
    assert validate(repo, incremental=True).reread == 1


def test_without_a_groups_file_runs_are_warm(repo: Path) -> None:
    (repo / "inventory/groups.yaml").unlink()
    for path in (repo / "inventory").rglob("*.yaml"):  # no object lists a group any more
        text = path.read_text()
        path.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith("groups:")))
    age(repo)
    cold = validate(repo, incremental=True)
    assert validate(repo, incremental=True).reread == 0 < cold.reread
    assert _lines(repo, incremental=True) == _lines(repo, incremental=False)
