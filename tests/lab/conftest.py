"""Lab test plumbing: the `lab` marker, the root/packages gate, the chain lab fixture."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import lab
from tests.lab.helpers import Ssh, chain_spec


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "lab: builds a namespace lab; needs root and the lab's Debian packages"
    )


@functools.cache
def _host_problems() -> tuple[str, ...]:
    return tuple(lab.preflight())


def pytest_runtest_setup(item: pytest.Item) -> None:
    """In CI a lab test that cannot run is a failure: a silent skip would hide a broken runner."""
    if item.get_closest_marker("lab") is None or not _host_problems():
        return
    reason = "lab host not ready: " + "; ".join(_host_problems())
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chain_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The chain lab, built once per module and always taken down."""
    if _host_problems():
        pytest.skip("lab host not ready")  # pytest_runtest_setup already failed/skipped the test
    state_dir = tmp_path_factory.mktemp("lab") / "state"
    try:
        lab.up(chain_spec(), state_dir, timeout=30)
        yield state_dir
    finally:
        lab.down(state_dir)


@pytest.fixture
def ssh(chain_lab: Path) -> Iterator[dict[str, Ssh]]:
    """Key-authenticated sessions to every node of the chain lab, by node name."""
    state = lab.read_state(lab.LabPaths(chain_lab))
    netns = state.mgmt_netns_path
    sessions = {n.name: Ssh(netns, n.mgmt_ip, Path(state.private_key)) for n in state.nodes}
    yield sessions
    for session in sessions.values():
        session.close()
