"""Lifecycle: the OS is recent enough, and the hardware is still supported."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Literal

from pydantic import Field

from engine.standards.builtin.shared import Params
from engine.standards.objects import Target
from engine.standards.registry import Context, Hit, python_rule


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text))


class OsParams(Params):
    minimum: dict[str, str] = Field(description="platform (or OS family) -> minimum version")
    by: Literal["platform", "family"] = "platform"
    when: Literal["below", "undefined"] = Field(
        default="below",
        description="below: the version is under its minimum; undefined: the platform (or "
        "family) has no minimum in the list, so nothing would judge its version",
    )


@python_rule(params=OsParams, placeholders=("version", "minimum", "platform"), scope="object")
def os_version_minimum(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """The OS version is at least the minimum for the platform (or OS family); with
    `when: undefined`, every platform (or family) in use has a minimum."""
    by_platform = ctx.params.by == "platform"
    for t in targets:
        os = t.obj.os
        key = str(t.obj.platform) if by_platform else os.family
        minimum = ctx.params.minimum.get(key)
        values = {"version": os.version, "minimum": minimum or "", "platform": key}
        if ctx.params.when == "undefined":
            if minimum is None:
                yield Hit(t.kind, t.name, ("platform",) if by_platform else ("os",), values)
        elif minimum is not None and _version(os.version) < _version(minimum):
            yield Hit(t.kind, t.name, ("os", "version"), values)


class EosParams(Params):
    when: Literal["passed", "upcoming"]
    days: int = Field(default=180, ge=1, description="how far ahead `upcoming` looks")


@python_rule(params=EosParams, placeholders=("end_of_support", "days"), scope="object")
def end_of_support(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """The hardware's end of support has passed, or falls within the next `days`."""
    for t in targets:
        eos = t.obj.lifecycle.end_of_support
        if eos is None:
            continue
        left = (eos - ctx.today).days
        hit = left < 0 if ctx.params.when == "passed" else 0 <= left < ctx.params.days
        if hit:
            values = {"end_of_support": eos.isoformat(), "days": abs(left)}
            yield Hit(t.kind, t.name, ("lifecycle", "end_of_support"), values)
