"""collect(): run the collection task on every target in parallel, against its intended config.

It takes values: the targets, their intended artifacts (rendered once by the caller) and a
credential store. It knows nothing of the render stage or the lab; a lab is one more source of
credentials, plugged in by the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from nornir.core import Nornir
from nornir.plugins.runners import ThreadedRunner

from engine.collect.hosts import nornir_inventory
from engine.collect.task import DeviceState, collect_device
from engine.drivers import bundle
from engine.model.layout import Inventory
from engine.secrets import CredentialStore

DEFAULT_WORKERS = 20


def collect(
    inventory: Inventory,
    names: Sequence[str],
    intended: Mapping[str, Mapping[str, str]],
    store: CredentialStore,
    *,
    workers: int = DEFAULT_WORKERS,
    timeout: float = 30,
) -> dict[str, DeviceState]:
    """Live state of the devices and servers `names`, by name; each one's running config is
    compared with its `intended` artifacts (a name without them is not compared).

    A device that cannot be reached, refuses the credentials or times out is a DeviceState
    with that status; it never stops the others. SecretsError for undefined credentials.
    """
    wanted = sorted(names)
    nr = Nornir(
        inventory=nornir_inventory(inventory, wanted, store, timeout),
        runner=ThreadedRunner(num_workers=max(1, workers)),
    )
    bundles = {n: bundle.encode(intended[n]) if n in intended else None for n in wanted}
    results = nr.run(
        task=lambda task: collect_device(task, bundles[task.host.name]),
        name="collect",
        on_failed=True,
    )
    return {name: results[name][0].result for name in wanted}
