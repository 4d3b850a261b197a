"""Platform -> driver class: built-ins, then the `underlay.drivers` entry points, then napalm.

    get_driver("frr")             # FrrDriver
    get_driver("linux")           # LinuxDriver (the inventory's platform name)
    get_driver("underlay_linux")  # LinuxDriver too: its name for napalm's tools, see ALIASES
    get_driver("eos")             # napalm's EOSDriver (napalm.get_network_driver)

NAPALM's tools (napalm.get_network_driver, nornir_napalm, the napalm CLI) find the built-ins
as "frr" and "underlay_linux" through the modules in engine/drivers/napalm_modules/
(docs/drivers.md).

A third-party package adds a platform with an entry point:

    [project.entry-points."underlay.drivers"]
    vyos = "underlay_vyos:VyosDriver"
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import napalm
from napalm.base import NetworkDriver
from napalm.base.exceptions import ModuleImportError

from engine.drivers.base import UnderlayDriver
from engine.drivers.errors import DriverNotFound
from engine.drivers.frr import FrrDriver
from engine.drivers.linux import LinuxDriver

ENTRY_POINT_GROUP = "underlay.drivers"
BUILTIN: dict[str, type[NetworkDriver]] = {"frr": FrrDriver, "linux": LinuxDriver}
# Other names of built-ins. For napalm's tools `linux` would be the napalm-linux package's
# driver (module napalm_linux), so ours is published as `underlay_linux`; the inventory keeps
# `platform: linux`.
ALIASES: dict[str, str] = {"underlay_linux": "linux"}


def get_driver(platform: str) -> type[NetworkDriver]:
    """The driver class for `platform`; DriverNotFound when no source has one."""
    builtin = BUILTIN.get(ALIASES.get(platform, platform))
    if builtin is not None:
        return builtin
    plugin = _entry_point(platform)
    if plugin is not None:
        return plugin
    try:
        return napalm.get_network_driver(platform)  # type: ignore[no-any-return]
    except ModuleImportError:
        names = ", ".join([*BUILTIN, *ALIASES])
        raise DriverNotFound(
            f"no driver for platform {platform!r}: not built in ({names}), no "
            f"{ENTRY_POINT_GROUP!r} entry point, no napalm driver"
        ) from None


def _entry_point(platform: str) -> type[NetworkDriver] | None:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == platform:
            loaded = ep.load()
            if not (isinstance(loaded, type) and issubclass(loaded, NetworkDriver)):
                raise DriverNotFound(
                    f"entry point {ep.value!r} for platform {platform!r} is not a napalm "
                    "NetworkDriver subclass"
                )
            return loaded
    return None


def connection_args(
    platform: str,
    *,
    port: int | None,
    key_file: str | None,
    netns: str | None,
    known_hosts: Sequence[str],
) -> dict[str, Any]:
    """The optional_args that reach a device and check its pinned host key before any
    authentication, whichever driver serves `platform`. underlay's drivers take the pinned
    files (`known_hosts`, searched in order) and the namespace to connect from. NAPALM's SSH
    drivers built on netmiko (ios, nxos_ssh, ...) take netmiko's strict checking against the
    first pinned file that exists (paramiko's RejectPolicy: an unknown or changed key fails
    the connection after the key exchange, before authentication; with no file at all, every
    key is unknown). Example: connection_args("ios", port=22, key_file=None, netns=None,
    known_hosts=["infra/inventory/known_hosts"]) -> {"port": 22, "key_file": None,
    "ssh_strict": True, "system_host_keys": False, "alt_host_keys": True, "alt_key_file":
    "infra/inventory/known_hosts"}"""
    args: dict[str, Any] = {"port": port, "key_file": key_file}
    if issubclass(get_driver(platform), UnderlayDriver):
        return args | ({"netns": netns} if netns else {}) | {"known_hosts": tuple(known_hosts)}
    pinned = next((str(p) for p in known_hosts if Path(p).is_file()), None)
    return args | {
        "ssh_strict": True,
        "system_host_keys": False,
        "alt_host_keys": pinned is not None,
        "alt_key_file": pinned or "",
    }
