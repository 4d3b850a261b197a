"""collect(): render the intended bundles, run the task on every host in parallel."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nornir.core import Nornir
from nornir.plugins.runners import ThreadedRunner

from engine.collect.hosts import nornir_inventory
from engine.collect.task import DeviceState, collect_device
from engine.drivers import bundle
from engine.lab.inventory import require_running
from engine.lab.state import DEFAULT_STATE_DIR
from engine.model.layout import Inventory
from engine.render import PROFILES, render
from engine.secrets import CredentialStore

DEFAULT_WORKERS = 20


def collect(
    inventory: Inventory,
    names: Sequence[str] | None = None,
    *,
    workers: int = DEFAULT_WORKERS,
    timeout: float = 30,
    store: CredentialStore | None = None,
    lab_state_dir: Path | str = DEFAULT_STATE_DIR,
) -> dict[str, DeviceState]:
    """Live state of the devices and servers `names` (default: all), by name.

    A device that cannot be reached, refuses the credentials or times out is a DeviceState
    with that status; it never stops the others. LabNotUpError (before any contact) when the
    repo's devices live in the lab and the lab is down; SecretsError for undefined credentials.
    """
    require_running(inventory, lab_state_dir)
    wanted = sorted(names if names is not None else [*inventory.devices, *inventory.servers])
    store = store or CredentialStore(inventory=inventory, lab_state_dir=lab_state_dir)
    nr = Nornir(
        inventory=nornir_inventory(inventory, wanted, store, timeout),
        runner=ThreadedRunner(num_workers=max(1, workers)),
    )
    intended = {name: _intended(inventory, name) for name in wanted}
    results = nr.run(
        task=lambda task: collect_device(task, intended[task.host.name]),
        name="collect",
        on_failed=True,
    )
    return {name: results[name][0].result for name in wanted}


def _intended(inventory: Inventory, name: str) -> str | None:
    """The rendered bundle, or None for a platform the render stage has no templates for."""
    obj = inventory.node(name)
    if obj is None or obj.platform not in PROFILES:
        return None
    return bundle.encode(render(inventory, name).artifacts())
