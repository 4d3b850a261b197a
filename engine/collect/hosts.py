"""The Nornir inventory, built in code from the models (no second inventory file)."""

from __future__ import annotations

from collections.abc import Sequence

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
from engine.secrets import CredentialStore


def nornir_inventory(
    inventory: Inventory, names: Sequence[str], store: CredentialStore, timeout: float
) -> NornirInventory:
    """One Host per device or server in `names`, grouped by platform and site."""
    objects = [_object(inventory, name) for name in names]
    groups = Groups({g: Group(g) for o in objects for g in _group_names(o)})
    hosts = Hosts({o.name: _host(o, groups, store, timeout) for o in objects})
    return NornirInventory(hosts=hosts, groups=groups, defaults=Defaults())


def _object(inventory: Inventory, name: str) -> Device | Server:
    obj = inventory.node(name)
    if obj is None:
        raise KeyError(f"{name}: no device or server of that name in the inventory")
    return obj


def _group_names(obj: Device | Server) -> list[str]:
    return [f"platform:{obj.platform}", f"site:{obj.site}"]


def _host(obj: Device | Server, groups: Groups, store: CredentialStore, timeout: float) -> Host:
    mgmt = obj.management
    creds = store.resolve(mgmt.credentials)
    options = ConnectionOptions(
        hostname=str(mgmt.address),
        port=mgmt.port,
        username=creds.username,
        password=creds.password,
        platform=str(obj.platform),
        extras={
            "key_file": creds.key_file,
            "timeout": timeout,
            "netns": creds.netns,
            "known_hosts": creds.known_hosts,
        },
    )
    return Host(
        obj.name,
        hostname=str(mgmt.address),
        port=mgmt.port,
        username=creds.username,
        password=creds.password,
        platform=str(obj.platform),
        groups=ParentGroups([groups[g] for g in _group_names(obj)]),
        data={"kind": "device" if isinstance(obj, Device) else "server"},
        connection_options={CONNECTION: options},
    )
