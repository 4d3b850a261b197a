"""Platform -> driver class: built-ins, then the `underlay.drivers` entry points, then napalm.

    get_driver("frr")     # FrrDriver
    get_driver("eos")     # napalm's EOSDriver (napalm.get_network_driver)

A third-party package adds a platform with an entry point:

    [project.entry-points."underlay.drivers"]
    vyos = "underlay_vyos:VyosDriver"
"""

from __future__ import annotations

from importlib.metadata import entry_points

import napalm
from napalm.base import NetworkDriver
from napalm.base.exceptions import ModuleImportError

from engine.drivers.errors import DriverNotFound
from engine.drivers.frr import FrrDriver
from engine.drivers.linux import LinuxDriver

ENTRY_POINT_GROUP = "underlay.drivers"
BUILTIN: dict[str, type[NetworkDriver]] = {"frr": FrrDriver, "linux": LinuxDriver}


def get_driver(platform: str) -> type[NetworkDriver]:
    """The driver class for `platform`; DriverNotFound when no source has one."""
    if platform in BUILTIN:
        return BUILTIN[platform]
    plugin = _entry_point(platform)
    if plugin is not None:
        return plugin
    try:
        return napalm.get_network_driver(platform)  # type: ignore[no-any-return]
    except ModuleImportError:
        raise DriverNotFound(
            f"no driver for platform {platform!r}: not built in ({', '.join(BUILTIN)}), no "
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
