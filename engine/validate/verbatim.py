"""A device's `verbatim` configuration checked against its platform's syntax, in the worker
that validated the device (its diagnostics are cached with its file)."""

from __future__ import annotations

from engine.diagnostics import Diagnostic, Severity, about
from engine.load.sourcemap import SourceMap
from engine.model.frrtext import FrrTextError, parse
from engine.model.inventory import Device, Platform, Server


def verbatim(kind: str, obj: Device | Server, source: SourceMap) -> list[Diagnostic]:
    """S207 for verbatim text FRR cannot read, or on a platform that takes none."""
    text = obj.verbatim if isinstance(obj, Device) else None
    if not text:
        return []
    if obj.platform != Platform.FRR:
        why, hint = f"platform {obj.platform} takes no verbatim configuration", "remove it"
    else:
        try:
            parse(text)
        except FrrTextError as error:
            why = f"verbatim line {error.line}, column {error.col}: {error.message}"
            hint = "write it as `show running-config` prints it"
        else:
            return []
    pos = source.pos(("verbatim",))
    group = (source.inherited_from(("verbatim",)) or "") if pos.path != source.file else ""
    subject = f"{kind} {obj.name}"
    return [
        Diagnostic(
            "S207", Severity.ERROR, about(subject, group, why), pos, hint, subject,
            inherited_from=group,
        )
    ]  # fmt: skip
