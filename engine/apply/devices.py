"""How apply reaches devices: sessions with the repository's credentials, re-collection.

devices = Devices(inventory, store, intended, timeout=15)
devices.pending("fra1-leaf01")                                  # one session on the device
devices.observe(["fra1-leaf01"])["fra1-leaf01"].config_diff   # a fresh collect

With an `executor`, every session and collection is a job for a worker at the device's site
(engine/apply/sessions.py); without, they run here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from napalm.base import NetworkDriver

from engine.apply import sessions
from engine.collect import DeviceState, Progress, collect
from engine.collect.hosts import Target
from engine.drivers import BUILTIN, DriverError, bundle
from engine.execute import Executor
from engine.model.inventory import Device, Server
from engine.model.layout import Inventory
from engine.plan.build import sha256
from engine.record import Outcome
from engine.render import Intended
from engine.secrets import CredentialStore

EXPIRES = 30.0  # seconds past its timeout a session no worker has started is dropped


@dataclass(frozen=True)
class Devices:
    inventory: Inventory
    store: CredentialStore
    intended: Intended  # rendered once for the whole run
    timeout: float
    workers: int = 20
    progress: Progress | None = None  # hears of each batch and each device's outcome
    executor: Executor | None = None  # None: sessions and collection run in this process

    def redact(self, text: str) -> str:
        return self.store.redactor().redact(text)

    @contextmanager
    def open(self, name: str, timeout: float | None = None) -> Iterator[NetworkDriver]:
        """An open driver in this process; ConnectionException (a DriverError) when it
        cannot be reached."""
        with sessions.open_driver(self.target(name), self.store, timeout or self.timeout) as d:
            yield d

    def target(self, name: str) -> Target:
        obj = self.inventory.node(name)
        assert obj is not None, name
        return Target.of(obj)

    def commit(self, name: str, planned: sessions.Planned, revert_in: int) -> sessions.Answer:
        """Load the rendered candidate, check it against the plan, commit it with the
        commit-confirm timer armed (engine.apply.sessions.commit)."""
        text, _ = self.candidate(name)
        if self.executor is None:
            target = self.target(name)
            return sessions.commit_on(target, self.store, self.timeout, text, planned, revert_in)
        args = {"text": text, "planned": vars(planned), "revert_in": revert_in}
        try:
            answer = self._remote(name, "commit", self.timeout, **args)
        except sessions.NoWorker as exc:
            return sessions.Answer.stop(Outcome.UNREACHABLE, f"unreachable at apply time: {exc}")
        except sessions.WorkerLost as exc:  # the commit may or may not have happened
            return sessions.Answer("no-answer", reason=f"the commit did not answer ({exc})")
        except DriverError as exc:  # the worker never ran it, or failed before the device
            return sessions.Answer.stop(Outcome.FAILED, f"{exc}: nothing changed")
        return sessions.Answer.from_json(answer)

    def confirm(self, name: str) -> None:
        self._session(name, "confirm")

    def rollback(self, name: str) -> None:
        self._session(name, "rollback")

    def pending(self, name: str, timeout: float | None = None) -> bool:
        """Whether an unconfirmed commit runs on the device."""
        return bool(self._session(name, "pending", timeout))

    def recover(self, name: str, timeout: float | None = None) -> bool:
        """Roll back an unconfirmed commit if one runs; whether one did."""
        return bool(self._session(name, "recover", timeout))

    def _session(self, name: str, op: str, timeout: float | None = None) -> Any:
        if self.executor is None:
            with self.open(name, timeout) as driver:
                return sessions.OPERATIONS[op](driver)
        return self._remote(name, op, timeout or self.timeout)

    def _remote(self, name: str, op: str, timeout: float, **args: Any) -> Any:
        assert self.executor is not None
        expires = timeout + EXPIRES
        job = sessions.session_job(self.target(name), op, timeout, expires, **args)
        return sessions.remote(self.executor, job)

    def observe(self, names: Sequence[str], timeout: float | None = None) -> dict[str, DeviceState]:
        """Collect the live state of `names` now (diff against the rendered config, getters)."""
        return collect(
            self.inventory,
            names,
            self.intended,
            self.store,
            workers=min(self.workers, max(1, len(names))),
            timeout=timeout or self.timeout,
            executor=self.executor,
        )

    def candidate(self, name: str) -> tuple[str, str | None]:
        """(the rendered bundle, its hash as the plan computes candidate_hash)."""
        return bundle.encode(self.intended[name]), self.intended.hash(name)

    def manageable(self) -> list[str]:
        """Every device and server a built-in driver (with commit-confirm) manages."""
        nodes: list[Device | Server] = [
            *self.inventory.devices.values(),
            *self.inventory.servers.values(),
        ]
        return sorted(o.name for o in nodes if str(o.platform) in BUILTIN)

    def running_hash(self, running: str | None) -> str | None:
        """The plan's hash of a running bundle: of its redacted text."""
        return sha256(self.redact(running or ""))
