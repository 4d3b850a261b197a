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

from engine.collect.hosts import nornir_inventory, targets_of
from engine.collect.remote import collect_job, state_of
from engine.collect.task import DeviceState, collect_device
from engine.drivers import bundle
from engine.execute import Executor, Reply
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
    executor: Executor | None = None,
) -> dict[str, DeviceState]:
    """Live state of the devices and servers `names`, by name; each one's running config is
    compared with its `intended` artifacts (a name without them is not compared).

    A device that cannot be reached, refuses the credentials or times out is a DeviceState
    with that status; it never stops the others. SecretsError for undefined credentials.
    `progress` hears of each device as it starts and as it finishes (from the worker threads).
    With an `executor`, each device's task runs where that executor sends it (a worker at its
    site, which resolves the credentials: `store` is not asked for them here).
    """
    wanted = sorted(names)
    if executor is not None:
        return _distributed(inventory, wanted, intended, executor, timeout, progress)
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


def _distributed(
    inventory: Inventory,
    wanted: Sequence[str],
    intended: Mapping[str, Mapping[str, str]],
    executor: Executor,
    timeout: float,
    progress: Progress | None,
) -> dict[str, DeviceState]:
    targets = {t.name: t for t in targets_of(inventory, wanted)}
    jobs = [
        collect_job(t, bundle.encode(intended[n]) if n in intended else None, timeout)
        for n, t in targets.items()
    ]
    states: dict[str, DeviceState] = {}

    def done(reply: Reply) -> None:
        state = states[reply.name] = state_of(reply, targets[reply.name])
        if progress is not None:
            progress.done(state.name, state.status, state.status != "ok")

    if progress is not None:
        for name in wanted:
            progress.started(name)
    executor.map(jobs, on_done=done)
    return {name: states[name] for name in wanted}


class Progress(Protocol):
    """Who hears of each device of a run as it goes (the CLI's progress display)."""

    def started(self, name: str) -> None: ...

    def done(self, name: str, outcome: str, failed: bool) -> None: ...

    def batch(self, number: int, names: Sequence[str]) -> None: ...
