"""Naming: an object's name says where it is."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from engine.standards.objects import Target
from engine.standards.registry import Context, Hit, python_rule


@python_rule(placeholders=("site",), scope="object")
def name_site_prefix(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """The object's name starts with its site's name and a dash."""
    for t in targets:
        site = getattr(t.obj, "site", None)
        if site is not None and not t.name.startswith(f"{site}-"):
            yield Hit(t.kind, t.name, ("name",), {"site": site})
