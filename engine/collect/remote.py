"""A device's collection as a job for a worker at its site (engine.execute), and back.

    job = collect_job(target, bundle_text, timeout=30)       # names and values only
    run_collect(job.payload, store)                          # on the worker: a DeviceState's JSON
    state = state_of(reply, target)                          # in the caller

The worker resolves the target's credential set from its own store and runs the same task
as the local runner (engine.collect.task); a reply that is no answer (no worker on the queue,
a lost worker, an error) becomes the device's DeviceState, like an unreachable device.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from nornir.core import Nornir
from nornir.plugins.runners import SerialRunner

from engine.collect.hosts import Target, target_inventory
from engine.collect.task import DeviceState, Status, collect_device
from engine.execute import Job, Reply
from engine.secrets import CredentialStore

KIND = "collect"


def collect_job(target: Target, intended: str | None, timeout: float) -> Job:
    payload = {"target": target.to_json(), "intended": intended, "timeout": timeout}
    return Job(target.name, target.site, KIND, payload)


def run_collect(payload: Mapping[str, Any], store: CredentialStore) -> dict[str, Any]:
    """The worker's handler: collect one target with this worker's credentials."""
    target = Target.from_json(payload["target"])
    nr = Nornir(
        inventory=target_inventory(target, store, float(payload["timeout"])),
        runner=SerialRunner(),
    )
    results = nr.run(task=collect_device, intended=payload["intended"], on_failed=True)
    state: DeviceState = results[target.name][0].result
    return asdict(state)


def state_of(reply: Reply, target: Target) -> DeviceState:
    """The DeviceState a reply stands for."""
    if reply.ok and reply.value is not None:
        return DeviceState(**reply.value)
    status: Status = "unreachable" if reply.kind == "no-worker" else "error"
    return DeviceState(target.name, target.platform, status, reply.error, None, "", {}, 0.0)
