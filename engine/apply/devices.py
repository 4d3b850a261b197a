"""How apply reaches devices: drivers opened with the repository's credentials, re-collection.

devices = Devices(inventory, store, intended, timeout=15)
with devices.open("fra1-leaf01") as driver: driver.has_pending_commit()
devices.observe(["fra1-leaf01"])["fra1-leaf01"].config_diff   # a fresh collect
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from napalm.base import NetworkDriver

from engine.collect import DeviceState, Progress, collect
from engine.drivers import BUILTIN, bundle, get_driver
from engine.model.inventory import Device, Server
from engine.model.layout import Inventory
from engine.plan.build import sha256
from engine.render import Intended
from engine.secrets import CredentialStore


@dataclass(frozen=True)
class Devices:
    inventory: Inventory
    store: CredentialStore
    intended: Intended  # rendered once for the whole run
    timeout: float
    workers: int = 20
    progress: Progress | None = None  # hears of each batch and each device's outcome

    def redact(self, text: str) -> str:
        return self.store.redactor().redact(text)

    @contextmanager
    def open(self, name: str, timeout: float | None = None) -> Iterator[NetworkDriver]:
        """An open driver; ConnectionException (a DriverError) when it cannot be reached."""
        obj = self.inventory.node(name)
        assert obj is not None, name
        creds = self.store.resolve(obj.management.credentials)
        driver = get_driver(str(obj.platform))(
            str(obj.management.address),
            creds.username,
            creds.password or "",
            timeout=int(timeout or self.timeout),
            optional_args={"port": obj.management.port, "key_file": creds.key_file}
            | ({"netns": creds.netns} if creds.netns else {})
            | {"known_hosts": creds.known_hosts},
        )
        driver.open()
        try:
            yield driver
        finally:
            driver.close()

    def observe(self, names: Sequence[str], timeout: float | None = None) -> dict[str, DeviceState]:
        """Collect the live state of `names` now (diff against the rendered config, getters)."""
        return collect(
            self.inventory,
            names,
            self.intended,
            self.store,
            workers=min(self.workers, max(1, len(names))),
            timeout=timeout or self.timeout,
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
