"""Rendering: one device's or server's complete intended configuration from the model."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2

from engine.errors import EngineError
from engine.model.ifnames import canonical, resolve
from engine.model.inventory import Circuit, CircuitStatus, Common, Device, Server
from engine.model.layout import Inventory
from engine.render import order
from engine.render.platforms import (
    AUTHORIZED_KEYS_DIR,
    FRR_RELEASE,
    PROFILES,
    SYSTEM_FILES,
    PlatformProfile,
)

TEMPLATES = Path(__file__).parent / "templates"


class RenderError(EngineError):
    """A render was asked for something that does not exist (an unknown name or platform)."""


@dataclass(frozen=True)
class Rendered:
    """Example: Rendered(name="fra1-leaf01", kind="device", platform="frr",
    config="frr version 8.4.4\\n...end\\n", config_path="/etc/frr/frr.conf",
    files={"/etc/chrony/chrony.conf": "...", "/etc/ssh/authorized_keys/netops": "..."})"""

    name: str
    kind: Literal["device", "server"]
    platform: str
    config: str | None  # the device's own config (frr.conf, IOS running-config); None for linux
    config_path: str | None
    files: Mapping[str, str] = field(default_factory=dict)  # managed system files by path

    def artifacts(self) -> dict[str, str]:
        """Everything rendered, by the path it has on the device."""
        main = {self.config_path: self.config} if self.config and self.config_path else {}
        return main | dict(self.files)


@dataclass(frozen=True)
class Skipped:
    name: str
    platform: str
    reason: str


@dataclass(frozen=True)
class RenderResult:
    rendered: tuple[Rendered, ...]
    skipped: tuple[Skipped, ...]

    def get(self, name: str) -> Rendered:
        return next(r for r in self.rendered if r.name == name)


def render(inventory: Inventory, name: str) -> Rendered:
    """The intended configuration of the device or server `name`; RenderError if it cannot be."""
    obj = inventory.node(name)
    if obj is None:
        raise RenderError(f"{name}: no device or server of that name in the inventory")
    profile = PROFILES.get(obj.platform)
    if profile is None:
        raise RenderError(f"{name}: platform {obj.platform} has no templates; {_supported()}")
    kind: Literal["device", "server"] = "device" if isinstance(obj, Device) else "server"
    obj = as_rendered(inventory, obj)
    context = {"obj": obj, "source": inventory.pos(kind, name).path, "frr_release": FRR_RELEASE}
    return Rendered(
        name=name,
        kind=kind,
        platform=str(obj.platform),
        config=_config(profile, obj, context),
        config_path=profile.config_path,
        files=_system_files(obj, context) if profile.system_files else {},
    )


def _config(
    profile: PlatformProfile, obj: Device | Server, context: Mapping[str, Any]
) -> str | None:
    """The platform's config from its template, with the device's `verbatim` merged in."""
    if not profile.config_template:
        return None
    config = _template(profile.config_template).render(context)
    extra = obj.verbatim if isinstance(obj, Device) else None
    if not extra:
        return config
    if profile.merge_verbatim is None:
        raise RenderError(f"{obj.name}: platform {obj.platform} takes no verbatim configuration")
    return profile.merge_verbatim(config, extra)


def render_all(inventory: Inventory, names: list[str] | None = None) -> RenderResult:
    """Every device and server (or those in `names`), in name order; unsupported ones skipped."""
    wanted = sorted(names if names is not None else [*inventory.devices, *inventory.servers])
    rendered, skipped = [], []
    for name in wanted:
        obj = inventory.node(name)
        if obj is not None and obj.platform not in PROFILES:
            skipped.append(Skipped(name, str(obj.platform), f"no templates; {_supported()}"))
        else:
            rendered.append(render(inventory, name))
    return RenderResult(tuple(rendered), tuple(skipped))


def as_rendered(inventory: Inventory, obj: Device | Server) -> Device | Server:
    """The object as its configuration shows it: interfaces by the platform's own names
    (Gi0/1 is rendered GigabitEthernet0/1), and a port that terminates an active circuit
    without a description of its own described by the circuit (its far end, provider and
    circuit id: what the NOC needs to call the provider)."""
    platform = str(obj.platform)
    described = _circuit_descriptions(inventory, obj)
    interfaces = {
        canonical(platform, name): (
            itf.model_copy(update={"description": described[name]})
            if name in described and not itf.description
            else itf
        )
        for name, itf in obj.interfaces.items()
    }
    if interfaces == obj.interfaces:
        return obj
    return obj.model_copy(update={"interfaces": interfaces})


def _circuit_descriptions(inventory: Inventory, obj: Device | Server) -> dict[str, str]:
    found: dict[str, str] = {}
    for circuit in inventory.circuits.values():
        if circuit.status is not CircuitStatus.ACTIVE:
            continue
        for end, far in ((circuit.a, circuit.b), (circuit.b, circuit.a)):
            port = end.port if end.device == obj.name and end.port else None
            declared = resolve(str(obj.platform), port, obj.interfaces) if port else None
            if declared is not None:
                found[declared] = circuit_description(circuit, far.device, far.port, far.handoff)
    return found


def circuit_description(
    circuit: Circuit, device: str | None, port: str | None, handoff: str | None
) -> str:
    """Example: 'to fra2-edge01:eth1 (metrofibre dark-fibre MF-DF-0815)'."""
    far = f"to {device}:{port}" if device else f"to {handoff}"
    return f"{far} ({circuit.provider} {circuit.kind} {circuit.circuit_id})"


def system_files(obj: Common, source: str) -> dict[str, str]:
    """The managed system files of `obj` by device path, their header naming `source` (the
    object's file): what `render` gives a device or server, and what `underlay import`
    compares a device's own files with."""
    return _system_files(obj, {"obj": obj, "source": source})


def _system_files(obj: Common, context: Mapping[str, Any]) -> dict[str, str]:
    files = {
        path: _template(template).render(context)
        for path, (template, needs) in SYSTEM_FILES.items()
        if not needs or getattr(obj, needs) is not None
    }
    keys = _template("linux/authorized_keys.j2")
    for user, spec in sorted(obj.users.items()):
        if spec.ssh_keys:
            files[f"{AUTHORIZED_KEYS_DIR}/{user}"] = keys.render(context, user=user, spec=spec)
    return files


def _supported() -> str:
    return "supported platforms: " + ", ".join(sorted(str(p) for p in PROFILES))


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly, never renders ""
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # configs, not HTML
    )
    env.filters |= {
        "by_ifname": order.interfaces,
        "by_neighbor": order.neighbors,
        "by_network": order.networks,
        "by_route": order.static_routes,
    }
    return env


def _template(name: str) -> jinja2.Template:
    return _environment().get_template(name)
