"""Collection against the converged sample lab: per-device results, failures isolated."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from engine.cli.lab_plug import lab_credentials
from engine.collect import GETTERS, collect
from engine.drivers import bundle
from engine.model.layout import Inventory
from engine.render import render, render_intended
from engine.secrets import CredentialStore
from tests.conftest import REPO_ROOT
from tests.drivers.samplelab import SampleLab, sample_lab
from tests.lab.helpers import lab_inputs

pytestmark = pytest.mark.lab

NOBODY = "fra1-hv02"  # gets a lab address nobody answers
WRONG = "fra1-leaf02"  # gets credentials the device refuses


@pytest.fixture(scope="module")
def lab_devices(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleLab]:
    with sample_lab(tmp_path_factory) as built:
        yield built


def _broken(inventory: Inventory) -> Inventory:
    def moved(name: str, **changes: object) -> dict[str, object]:
        obj = inventory.node(name)
        assert obj is not None
        return {"management": obj.management.model_copy(update=changes)}

    servers = dict(inventory.servers)
    servers[NOBODY] = servers[NOBODY].model_copy(
        update=moved(NOBODY, address=IPv4Address("198.18.0.250"))
    )
    devices = dict(inventory.devices)
    devices[WRONG] = devices[WRONG].model_copy(update=moved(WRONG, credentials="wrong"))
    return dataclasses.replace(inventory, servers=servers, devices=devices)


def test_converged_lab_collects_without_diffs(lab_devices: SampleLab) -> None:
    inventory = lab_devices.inventory
    names = [*inventory.devices, *inventory.servers]
    states = collect(inventory, names, *lab_inputs(REPO_ROOT, inventory, lab_devices.state_dir))
    assert sorted(states) == sorted(
        [*lab_devices.inventory.devices, *lab_devices.inventory.servers]
    )
    for name, state in states.items():
        assert (state.status, state.error, state.config_diff) == ("ok", None, ""), name
        assert set(state.getters) == set(GETTERS[state.platform])
        assert state.running_config is not None
        running = bundle.decode(state.running_config)
        assert running == render(lab_devices.inventory, name).artifacts()  # what was diffed


def test_failures_are_per_device(lab_devices: SampleLab) -> None:
    env = {
        "UNDERLAY_CREDENTIALS_WRONG_USERNAME": lab_devices.state.user,
        "UNDERLAY_CREDENTIALS_WRONG_PASSWORD": "not-the-password",
        "UNDERLAY_SECRETS_FILE": "/nonexistent/secrets.yaml",
    }
    inventory = _broken(lab_devices.inventory)
    lab_user = lab_credentials(lab_devices.state_dir)
    netns = lab_devices.state.mgmt_netns_path  # the wrong password too goes through the lab
    pinned = (Path(lab_devices.state.known_hosts),)  # the lab's nodes' host keys
    store = CredentialStore(
        inventory=inventory, env=env, sources=(lab_user,), netns=netns, known_hosts=pinned
    )
    names = [NOBODY, WRONG, "fra1-leaf01", "fra1-db01"]
    intended = render_intended(inventory, names)
    started = time.monotonic()
    states = collect(inventory, names, intended, store, timeout=10)
    assert time.monotonic() - started < 10
    assert states[NOBODY].status == "unreachable" and "198.18.0.250" in str(states[NOBODY].error)
    assert states[WRONG].status == "auth_failed"
    assert states["fra1-leaf01"].status == states["fra1-db01"].status == "ok"
    assert states["fra1-leaf01"].getters["bgp_neighbors"]["global"]["peers"]
    assert "not-the-password" not in repr(states)
