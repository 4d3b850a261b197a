"""Interface names checked against the object's platform (engine.model.ifnames), in the worker
that validated the object: its diagnostics are cached with its file. A name inherited from a
group is reported at the group's line, once for every object that inherits it (folded)."""

from __future__ import annotations

from engine.diagnostics import Diagnostic, Pos, Severity, about
from engine.load.sourcemap import SourceMap
from engine.model.ifnames import PLATFORMS, key, problem
from engine.model.inventory import Device, Server


def interface_names(kind: str, obj: Device | Server, source: SourceMap) -> list[Diagnostic]:
    """S205 for a name the platform does not have, S206 for two names of one port."""
    platform, subject = str(obj.platform), f"{kind} {obj.name}"
    if not obj.interfaces or platform not in PLATFORMS:
        return []
    diags: list[Diagnostic] = []
    seen: dict[str, str] = {}
    for name in obj.interfaces:
        why = problem(platform, name)
        if why is not None:
            hint = f"use the name {platform} shows in its configuration"
            diags.append(_diag("S205", why, source, name, subject, hint))
            continue
        first = seen.setdefault(key(platform, name), name)
        if first != name:
            text = f"interfaces {first!r} and {name!r} are one port on {platform}"
            also = (source.pos(("interfaces", first), key=True),)
            diags.append(
                _diag("S206", text, source, name, subject, "declare each port once", also)
            )
    return diags


def _diag(
    code: str,
    text: str,
    source: SourceMap,
    name: str,
    subject: str,
    hint: str,
    related: tuple[Pos, ...] = (),
) -> Diagnostic:
    path = ("interfaces", name)
    pos = source.pos(path, key=True)
    group = (source.inherited_from(path) or "") if pos.path != source.file else ""
    listing = (source.listing(),) if group else ()
    return Diagnostic(
        code, Severity.ERROR, about(subject, group, text), pos, hint, subject,
        related=related + listing, inherited_from=group,
    )  # fmt: skip
