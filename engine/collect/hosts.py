"""The Nornir inventory, built in code from the models (no second inventory file)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from nornir.core.inventory import (
    ConnectionOptions,
    Defaults,
    Group,
    Groups,
    Host,
    Hosts,
    ParentGroups,
)
from nornir.core.inventory import Inventory as NornirInventory

from engine.collect.task import CONNECTION
from engine.model.inventory import Device, Server
from engine.model.layout import Inventory
from engine.secrets import Credentials, CredentialStore


@dataclass(frozen=True)
class Target:
    """How to reach one device, by names and values only (what a job to a worker carries).
    Example: Target(name="fra1-leaf01", site="fra1", platform="frr", address="198.18.0.13",
    port=22, credentials="lab", kind="device")"""

    name: str
    site: str
    platform: str
    address: str
    port: int | None
    credentials: str  # the credential set's name: whoever connects resolves it
    kind: str = "device"

    @classmethod
    def of(cls, obj: Device | Server) -> Target:
        mgmt = obj.management
        kind = "device" if isinstance(obj, Device) else "server"
        address, port = str(mgmt.address), mgmt.port
        return cls(obj.name, obj.site, str(obj.platform), address, port, mgmt.credentials, kind)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Target:
        return cls(**data)


def nornir_inventory(
    inventory: Inventory, names: Sequence[str], store: CredentialStore, timeout: float
) -> NornirInventory:
    """One Host per device or server in `names`, grouped by platform and site."""
    targets = targets_of(inventory, names)
    groups = Groups({g: Group(g) for t in targets for g in _target_groups(t)})
    hosts = Hosts({t.name: _host(t, groups, store, timeout) for t in targets})
    return NornirInventory(hosts=hosts, groups=groups, defaults=Defaults())


def targets_of(inventory: Inventory, names: Sequence[str]) -> list[Target]:
    return [Target.of(_object(inventory, name)) for name in names]


def target_inventory(target: Target, store: CredentialStore, timeout: float) -> NornirInventory:
    """The Nornir inventory of one target (a worker's job), its credentials resolved here."""
    groups = Groups({g: Group(g) for g in _target_groups(target)})
    host = _host(target, groups, store, timeout)
    return NornirInventory(hosts=Hosts({target.name: host}), groups=groups, defaults=Defaults())


def _object(inventory: Inventory, name: str) -> Device | Server:
    obj = inventory.node(name)
    if obj is None:
        raise KeyError(f"{name}: no device or server of that name in the inventory")
    return obj


def _target_groups(target: Target) -> list[str]:
    return [f"platform:{target.platform}", f"site:{target.site}"]


def _host(target: Target, groups: Groups, store: CredentialStore, timeout: float) -> Host:
    creds = store.resolve(target.credentials)
    return Host(
        target.name,
        hostname=target.address,
        port=target.port,
        username=creds.username,
        password=creds.password,
        platform=target.platform,
        groups=ParentGroups([groups[g] for g in _target_groups(target)]),
        data={"kind": target.kind},
        connection_options={CONNECTION: _options(target, creds, timeout)},
    )


def _options(target: Target, creds: Credentials, timeout: float) -> ConnectionOptions:
    return ConnectionOptions(
        hostname=target.address,
        port=target.port,
        username=creds.username,
        password=creds.password,
        platform=target.platform,
        extras={
            "key_file": creds.key_file,
            "timeout": timeout,
            "netns": creds.netns,
            "known_hosts": creds.known_hosts,
        },
    )
