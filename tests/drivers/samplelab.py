"""The sample organisation's lab, converged, for the driver and collection tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine import lab
from engine.drivers import UnderlayDriver, get_driver
from engine.model.layout import Inventory
from engine.validate import validate
from tests.conftest import REPO_ROOT


@dataclass(frozen=True)
class SampleLab:
    state_dir: Path
    inventory: Inventory
    state: lab.LabState

    def driver(self, name: str, *, password: str = "", key: bool = True) -> UnderlayDriver:
        node = self.state.node(name)
        platform = str(self.inventory.node(name).platform)  # type: ignore[union-attr]
        cls = get_driver(platform)
        args = {"netns": self.state.mgmt_netns_path, "known_hosts": self.state.known_hosts}
        args |= {"key_file": self.state.private_key} if key else {}
        driver: UnderlayDriver = cls(node.mgmt_ip, self.state.user, password, 10, args)
        return driver


def require_lab_host() -> None:
    """In CI a lab test that cannot run fails: a silent skip would hide a broken runner."""
    problems = lab.preflight()
    if problems:
        reason = "lab host not ready: " + "; ".join(problems)
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


@contextmanager
def sample_lab(factory: pytest.TempPathFactory) -> Iterator[SampleLab]:
    """`underlay lab up --converged` in a private state dir; always taken down."""
    require_lab_host()
    inventory = validate(REPO_ROOT).inventory
    state_dir = factory.mktemp("samplelab") / "state"
    try:
        lab.up(lab.lab_spec(inventory, converged=True).spec, state_dir, timeout=60)
        yield SampleLab(state_dir, inventory, lab.read_state(lab.LabPaths(state_dir)))
    finally:
        lab.down(state_dir)
