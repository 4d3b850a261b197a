"""collect(): run the collection task on every target in parallel, against its intended config.

It takes values: the targets, their intended artifacts (rendered once by the caller) and a
credential store. It knows nothing of the render stage or the lab; a lab is one more source of
credentials, plugged in by the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from nornir.core import Nornir
from nornir.core.task import Result, Task
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
    progress: Progress | None = None,
) -> dict[str, DeviceState]:
    """Live state of the devices and servers `names`, by name; each one's running config is
    compared with its `intended` artifacts (a name without them is not compared).

    A device that cannot be reached, refuses the credentials or times out is a DeviceState
    with that status; it never stops the others. SecretsError for undefined credentials.
    `progress` hears of each device as it starts and as it finishes (from the worker threads).
    """
    wanted = sorted(names)
    nr = Nornir(
        inventory=nornir_inventory(inventory, wanted, store, timeout),
        runner=ThreadedRunner(num_workers=max(1, workers)),
    )
    bundles = {n: bundle.encode(intended[n]) if n in intended else None for n in wanted}
    def task(task: Task) -> Result:
        if progress is not None:
            progress.started(task.host.name)
        result = collect_device(task, bundles[task.host.name])
        if progress is not None:
            progress.done(task.host.name, result.result.status, result.failed)
        return result

    results = nr.run(task=task, name="collect", on_failed=True)
    return {name: results[name][0].result for name in wanted}


class Progress(Protocol):
    """Who hears of each device of a run as it goes (the CLI's progress display)."""

    def started(self, name: str) -> None: ...

    def done(self, name: str, outcome: str, failed: bool) -> None: ...

    def batch(self, number: int, names: Sequence[str]) -> None: ...
