"""Cabling: cables between sites use the allowed media, and both ends describe the far end."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import Field

from engine.model.ifnames import resolve
from engine.model.inventory import Cable, Media
from engine.standards.builtin.shared import Params, extract
from engine.standards.model import Kind
from engine.standards.objects import Target
from engine.standards.registry import Context, Extracts, Hit, facts_rule


class MediaParams(Params):
    media: list[Media] = Field(default_factory=lambda: [Media.FIBER_SM, Media.FIBER_MM])


@facts_rule(
    extract,
    reads=(Kind.CABLE, Kind.DEVICE, Kind.SERVER),
    params=MediaParams,
    placeholders=("media", "site_a", "site_b", "allowed"),
)
def cable_intersite_media(
    selected: Sequence[tuple[str, str]], extracts: Extracts, ctx: Context
) -> Iterator[Hit]:
    """A cable between two sites uses one of the allowed media."""
    allowed = {str(m) for m in ctx.params.media}
    for _, cid in selected:
        (a, _), (b, _), media = extracts["cable"][cid]
        site_a, site_b = _site(extracts, a), _site(extracts, b)
        if site_a is None or site_b is None or site_a == site_b or media in allowed:
            continue
        values = {
            "media": media,
            "site_a": site_a,
            "site_b": site_b,
            "allowed": ", ".join(str(m) for m in ctx.params.media),
        }
        yield Hit("cable", cid, ("media",), values, key=False)


def _site(extracts: Extracts, name: str) -> str | None:
    """A cable end's site (a device's or a server's)."""
    device = extracts["device"].get(name)
    if device is not None:
        return str(device)
    server = extracts["server"].get(name)
    return None if server is None else str(server[0])


def _ports(target: Target, params: Any) -> Any:
    """A cable's ends, or a device's or server's platform and interface descriptions (None:
    none)."""
    obj = target.obj
    if isinstance(obj, Cable):
        return ((obj.a.device, obj.a.port), (obj.b.device, obj.b.port))
    return (str(obj.platform), {name: itf.description for name, itf in obj.interfaces.items()})


@facts_rule(
    _ports,
    reads=(Kind.CABLE, Kind.DEVICE, Kind.SERVER),
    placeholders=("port", "far_end", "cable"),
)
def cable_end_descriptions(
    selected: Sequence[tuple[str, str]], extracts: Extracts, ctx: Context
) -> Iterator[Hit]:
    """Both cabled interfaces describe the far end as `to NAME:PORT`."""
    devices = extracts["device"]
    for _, cid in selected:
        ends = extracts["cable"][cid]
        for (device, named), far in (ends, ends[::-1]):
            kind = "device" if device in devices else "server"
            platform, ports = _interfaces(extracts, device)
            port = resolve(platform, named, ports)
            if port is None:
                continue  # validate reports undeclared ports
            description = ports[port]
            far_platform, far_ports = _interfaces(extracts, far[0])
            far_port = resolve(far_platform, far[1], far_ports) or far[1]
            far_end = f"{far[0]}:{far_port}"
            spellings = {far_end, f"{far[0]}:{far[1]}"}  # the declared name, or the cable's
            if not any(names_far_end(description or "", end) for end in spellings):
                path = ("interfaces", port) + (("description",) if description else ())
                values = {"port": port, "far_end": far_end, "cable": cid}
                yield Hit(kind, device, path, values, key=not description)


def _interfaces(extracts: Extracts, node: str) -> tuple[str, dict[str, str | None]]:
    """A device's or server's platform and interface descriptions (none: undeclared)."""
    found = extracts["device"].get(node) or extracts["server"].get(node)
    return (str(found[0]), dict(found[1])) if found else ("", {})


def names_far_end(description: str, far_end: str) -> bool:
    """True when the description says `to NAME:PORT` (not a longer port such as eth10)."""
    needle = f"to {far_end}"
    start = description.find(needle)
    while start >= 0:
        after = description[start + len(needle) : start + len(needle) + 1]
        before = description[start - 1 : start] if start else " "
        if not before.isalnum() and not (after.isalnum() or (after and after in ":._-")):
            return True
        start = description.find(needle, start + 1)
    return False
