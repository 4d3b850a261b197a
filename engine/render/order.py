"""The orders FRR prints things in, so a rendered config and `show running-config` agree.

Learnt from FRR 8.4: interfaces in zebra's natural name order (eth2 before eth10, lo after
eth*), BGP neighbours, networks and static routes in numeric address order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from ipaddress import IPv4Network

from engine.model.inventory import BgpNeighbor, Interface, StaticRoute

_CHUNK = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """zebra's if_cmp_name_func: text compares as text, digit runs as numbers."""
    return tuple(
        (1, int(part)) if part.isdigit() else (0, part) for part in _CHUNK.split(name) if part
    )


def interfaces(items: Mapping[str, Interface]) -> list[tuple[str, Interface]]:
    return sorted(items.items(), key=lambda kv: natural_key(kv[0]))


def neighbors(items: Iterable[BgpNeighbor]) -> list[BgpNeighbor]:
    return sorted(items, key=lambda n: int(n.address))


def networks(items: Iterable[IPv4Network]) -> list[IPv4Network]:
    return sorted(items, key=lambda n: (int(n.network_address), n.prefixlen))


def static_routes(items: Iterable[StaticRoute]) -> list[StaticRoute]:
    return sorted(
        items,
        key=lambda r: (int(r.prefix.network_address), r.prefix.prefixlen, int(r.next_hop)),
    )
