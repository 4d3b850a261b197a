"""The lab stopped under a running plan: a fault, never "changes" (issue 12's exit-code table).

`plan --detailed-exitcode` and `drift` say 2 only for changes: a plan whose devices vanish
half-way ends 1 (its plan is incomplete), with no traceback, whatever the timing.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import lab
from engine.cli import exits
from tests.lab.test_plan_lab import _git_copy, _up

pytestmark = pytest.mark.lab


@pytest.fixture
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield from _up(tmp_path_factory, "stopped-under-plan", converged=False)


def test_the_lab_stopped_under_a_running_plan_is_1(state_dir: Path, tmp_path: Path) -> None:
    repo = _git_copy(tmp_path)
    argv = [sys.executable, "-m", "engine.cli", "--repo", str(repo), "plan",
            "--detailed-exitcode", "--lab-state-dir", str(state_dir), "--workers", "1"]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _until_first_device(proc)  # one device collected; one worker: the rest are still to come
    assert proc.poll() is None, "the plan ended before the lab could be stopped under it"
    lab.down(state_dir)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == exits.PROBLEMS, out + err
    assert "Traceback" not in out + err
    assert "unreachable" in out or "failed" in out


def _until_first_device(proc: subprocess.Popen[str]) -> None:
    """Until the plan's progress line for its first device (standard error, not a terminal)."""
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert line.startswith("underlay: plan 1/"), line
