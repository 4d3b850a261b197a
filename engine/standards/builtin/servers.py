"""Servers: a virtual server runs on a hypervisor in its own site."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from engine.standards.builtin.shared import extract
from engine.standards.model import Kind
from engine.standards.registry import Context, Extracts, Hit, facts_rule


@facts_rule(extract, reads=(Kind.SERVER,), placeholders=("host", "host_site"))
def hypervisor_same_site(
    selected: Sequence[tuple[str, str]], extracts: Extracts, ctx: Context
) -> Iterator[Hit]:
    """A virtual server runs on a hypervisor in its own site."""
    servers = extracts["server"]
    for kind, name in selected:
        site, virtual, host = servers.get(name) or (None, False, None)
        found = servers.get(host or "")
        if kind == "server" and virtual and found is not None and found[0] != site:
            yield Hit(kind, name, ("host",), {"host": host, "host_site": found[0]}, key=False)
