"""A device's `verbatim` configuration merged into its rendered FRR configuration.

A verbatim section whose header line the rendered config has (`interface eth1`, `router bgp
65011`, and `address-family ipv4 unicast` inside it) gets its lines added inside that section;
any other section or line is added whole, where FRR 8.4's `show running-config` prints it.
vtysh prints the sections by kind, in the order of FRR's node types (SECTIONS, learnt from
FRR 8.4.4's output), lines of no known kind in the top block before `service
integrated-vtysh-config`; inside a section FRR's own line order applies (CHILD_ORDER). A
verbatim text taken from the device itself therefore merges back into the text it came from.

    merge("...interface eth1\\n ip address 198.18.1.0/31\\nexit\\n!\\nend\\n",
          "interface eth1\\n ip ospf area 0\\nexit\\n!\\nroute-map RM permit 10\\nexit\\n")
    -> "...interface eth1\\n ip address 198.18.1.0/31\\n ip ospf area 0\\nexit\\n!\\n"
       "route-map RM permit 10\\nexit\\n!\\nend\\n"
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from ipaddress import ip_address, ip_network
from typing import Any

from engine.model.frrtext import Node, lines, parse
from engine.render.order import natural_key

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Kind:
    """Sections whose header starts with one of `headers` (whole words); `grouped`: one-line
    sections printed as one block with a single `!` after it (FRR's NO_DELIMITER nodes);
    `key`: FRR's order of the sections of this kind (None: the order they come in)."""

    headers: tuple[str, ...]
    grouped: bool = False
    key: Callable[[Node], Key] | None = None

    def matches(self, node: Node) -> bool:
        return any(node.words[: len(h.split())] == h.split() for h in self.headers)


def _route_key(node: Node) -> Key:
    """zebra's router-id first, then staticd's IPv4 and IPv6 routes by prefix and next hop."""
    words = node.words
    if words[1] != "route" or len(words) < 4:
        return (0, words[0])
    try:
        net = ip_network(words[2], strict=False)
    except ValueError:
        return (3, node.line)
    return (1, net.version, int(net.network_address), net.prefixlen, _address_key(words[3]))


def _address_key(text: str) -> Key:
    try:
        address = ip_address(text)
    except ValueError:
        return (2, text)
    return (address.version - 4, int(address))


def _interface_key(node: Node) -> Key:
    return natural_key(node.words[1]) if len(node.words) > 1 else ()


# FRR 8.4's node types in the order vtysh prints them (lib/command.h). Observed on FRR 8.4.4:
# debug, password, ip route, vrf, interface, router bgp, router ospf, access-list, ip
# prefix-list, ipv6 access-list, ipv6 prefix-list, bgp as-path, community lists, route-map,
# ip nht, ipv6 nht, ip protocol; the others are placed by the node type enum.
SECTIONS: tuple[Kind, ...] = (
    Kind(("debug",), grouped=True),
    Kind(("password", "enable password"), grouped=True),
    Kind(("key chain",)),
    Kind(("ip router-id", "ipv6 router-id", "ip route", "ipv6 route"), True, _route_key),
    Kind(("vrf",)),
    Kind(("interface",), key=_interface_key),
    Kind(("nexthop-group",)),
    Kind(("router rip",)),
    Kind(("router ripng",)),
    Kind(("router babel",)),
    Kind(("router eigrp",)),
    Kind(("router bgp",)),
    Kind(("router ospf",)),
    Kind(("router ospf6",)),
    Kind(("mpls ldp",)),
    Kind(("l2vpn",)),
    Kind(("router isis",)),
    Kind(("router openfabric",)),
    Kind(("access-list",), grouped=True),
    Kind(("ip prefix-list",), grouped=True),
    Kind(("ipv6 access-list",), grouped=True),
    Kind(("mac access-list",), grouped=True),
    Kind(("ipv6 prefix-list",), grouped=True),
    Kind(("bgp as-path access-list",), grouped=True),
    Kind(
        ("bgp community-list", "bgp extcommunity-list", "bgp large-community-list"),
        grouped=True,
    ),
    Kind(("route-map",)),
    Kind(("pbr-map",)),
    Kind(("ip nht",)),
    Kind(("ipv6 nht",)),
    Kind(("ip protocol", "ipv6 protocol")),
    Kind(("mpls",), grouped=True),
    Kind(("line",)),
    Kind(("bfd",)),
)
# vtysh adds it after every daemon's top lines
TOP_LAST = "service integrated-vtysh-config"

# the leading lines of a `router bgp` section in bgpd's order; the others follow them
BGP_FIRST = ("bgp router-id", "bgp log-neighbor-changes", "no bgp ebgp-requires-policy")
# a neighbour's lines in bgpd's order; the others follow them
NEIGHBOR_FIRST = ("interface", "remote-as", "local-as", "description")
ADDRESS_FAMILY_FIRST = ("network", "aggregate-address")


def _first(order: Sequence[str], line: str) -> int:
    return next((i for i, head in enumerate(order) if line.startswith(head)), len(order))


def _bgp_order(children: Sequence[Node]) -> Callable[[Node], Key]:
    """bgpd's order: global lines, peer groups (with their members), neighbours by address
    (each one's lines in NEIGHBOR_FIRST order), address families."""
    said = [c.words for c in children if c.words[0] == "neighbor" and len(c.words) > 2]
    groups = {w[1] for w in said if w[2:] == ["peer-group"]}
    members = {w[1] for w in said if len(w) == 4 and w[2] == "peer-group"}

    def key(node: Node) -> Key:
        words = node.words
        if node.is_section:
            return (9,)
        if words[0] != "neighbor" or len(words) < 3:
            return (0, _first(BGP_FIRST, node.line))
        if words[1] in groups or words[1] in members:
            return (1, words[1] in members)
        return (2, _address_key(words[1]), _first(NEIGHBOR_FIRST, words[2]))

    return key


def _sorted_lines(_: Sequence[Node]) -> Callable[[Node], Key]:
    """vtysh sorts an interface's lines (its blocks, link-params, come last)."""
    return lambda node: (1, "") if node.is_section else (0, node.line)


def _address_family(_: Sequence[Node]) -> Callable[[Node], Key]:
    return lambda node: (9,) if node.is_section else (0, _first(ADDRESS_FAMILY_FIRST, node.line))


def _leaves_first(_: Sequence[Node]) -> Callable[[Node], Key]:
    return lambda node: (int(node.is_section),)


# header -> the order of a section's lines; a section not listed keeps its lines first, its
# blocks after them
CHILD_ORDER: dict[str, Callable[[Sequence[Node]], Callable[[Node], Key]]] = {
    "interface": _sorted_lines,
    "router bgp": _bgp_order,
    "address-family": _address_family,
}


def merge(rendered: str, verbatim: str) -> str:
    """The rendered FRR configuration with `verbatim` merged in (both FRR text)."""
    base = list(parse(rendered))
    for node in parse(verbatim):
        twin = next((i for i, b in enumerate(base) if b.line == node.line), None)
        if twin is None:
            base.append(node)
        else:
            base[twin] = _merge_node(base[twin], node)
    return _emit(base)


def _merge_node(base: Node, extra: Node) -> Node:
    children = list(base.children)
    for child in extra.children:
        twin = next((i for i, c in enumerate(children) if c.line == child.line), None)
        if twin is None:
            children.append(child)
        elif child.is_section:
            children[twin] = _merge_node(children[twin], child)
    header = next((h for h in CHILD_ORDER if base.words[: len(h.split())] == h.split()), None)
    order = CHILD_ORDER.get(header or "", _leaves_first)(children)
    return replace(base, children=tuple(sorted(children, key=order)))


def _rank(node: Node) -> int | None:
    return next((i for i, kind in enumerate(SECTIONS) if kind.matches(node)), None)


def _emit(nodes: list[Node]) -> str:
    """FRR's layout: the top block, then each kind's sections in SECTIONS order, a `!` after
    each section (after each block of a grouped kind), `end`."""
    top = [n for n in nodes if _rank(n) is None]
    last = [n for n in top if n.line == TOP_LAST]
    out = [line for n in [*(n for n in top if n.line != TOP_LAST), *last] for line in lines(n)]
    out.append("!")
    for rank, kind in enumerate(SECTIONS):
        sections = [n for n in nodes if _rank(n) == rank]
        if kind.key is not None:
            sections.sort(key=kind.key)
        for node in sections:
            out += lines(node)
            if not kind.grouped:
                out.append("!")
        if sections and kind.grouped:
            out.append("!")
    return "\n".join([*out, "end"]) + "\n"


def layout(nodes: Sequence[Node]) -> str:
    """Nodes laid out as FRR prints them, without `end`: what a device's `verbatim` holds
    ("" for none)."""
    return _emit(list(nodes)).removeprefix("!\n").removesuffix("end\n")
