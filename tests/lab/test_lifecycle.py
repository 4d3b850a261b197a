"""Refusal, half-built labs and repeated teardown: each test builds (or refuses) its own lab."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from engine import lab
from engine.cli import main
from tests.conftest import REPO_ROOT
from tests.lab.helpers import chain_spec, leftovers

pytestmark = pytest.mark.lab


def test_invalid_frr_config_is_refused_before_touching_the_host(tmp_path: Path) -> None:
    spec = chain_spec()
    r2 = spec.node("r2")
    broken = replace(
        r2, frr_config=r2.frr_config.replace(" no bgp ebgp", " bgp bogus-knob\n no bgp ebgp")
    )
    spec = replace(spec, nodes=tuple(broken if n.name == "r2" else n for n in spec.nodes))
    with pytest.raises(lab.LabSpecError, match=r"node r2: frr_config line \d+: % Unknown command"):
        lab.up(spec, tmp_path / "state")
    assert not (tmp_path / "state").exists()
    assert not lab.LabPaths(tmp_path / "state").netns_path("r1").exists()


def test_half_built_lab_is_cleaned_up(tmp_path: Path) -> None:
    """A lab that timed out converging, then lost half its daemons and a netns, still goes away."""
    state_dir = tmp_path / "state"
    with pytest.raises(lab.ConvergenceTimeout, match="still pending"):
        lab.up(chain_spec(), state_dir, timeout=0.01)
    state = lab.read_state(lab.LabPaths(state_dir))
    for name in ("r1", "r2"):
        for pid in state.node(name).pids.values():
            os.kill(pid, signal.SIGKILL)
    r3 = lab.LabPaths(state_dir).netns("r3")
    subprocess.run(["ip", "netns", "del", r3], check=True)  # its daemons keep the netns alive
    assert not lab.is_up(state_dir)
    report = lab.down(state_dir)
    assert report.leftovers == ()
    assert leftovers(state_dir, state) == []
    assert lab.down(state_dir).nodes == ()


def test_down_of_nothing_is_a_no_op(tmp_path: Path) -> None:
    report = lab.down(tmp_path / "never-built")
    assert (report.nodes, report.stopped, report.leftovers) == ((), (), ())
    assert not (tmp_path / "never-built").exists()


def test_lab_up_over_a_lab_whose_daemons_are_gone(tmp_path: Path) -> None:
    """After a host restart the state dir still records a lab whose processes are gone (here:
    every recorded daemon killed, by its recorded PID): `lab up` takes it down and builds it
    afresh instead of refusing."""
    state_dir = tmp_path / "state"
    argv = ["--repo", str(REPO_ROOT), "lab", "up", "--state-dir", str(state_dir)]
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert main(argv) == 0
        for node in lab.read_state(lab.LabPaths(state_dir)).nodes:
            for pid in node.pids.values():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        assert lab.stale(state_dir)
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            assert main(argv) == 0
        assert "is no longer running" in err.getvalue()
        assert lab.is_up(state_dir) and not lab.stale(state_dir)
    finally:
        lab.down(state_dir)
