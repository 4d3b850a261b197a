"""An FRR device's running configuration -> the Device fields it expresses, and the rest.

Each line is decided once: modelled if the frr template renders it back exactly, else kept
verbatim (the device's `verbatim` field, which render merges back in place), else reported as
a note: the template's own fixed lines (`frr defaults traditional`, `log file ...`, `no bgp
ebgp-requires-policy`) that the device has otherwise, which a plan after the import will
change. docs/import.md, "Configuration the model does not express".

    parsed = parse_running(show_running_config)
    parsed.fields    # {"hostname": "r1", "interfaces": {...}, "static_routes": [...], "bgp": {...}}
    parsed.verbatim  # "interface eth1\\n ip ospf area 0\\nexit\\n!\\nroute-map ..." or ""
    parsed.notes     # ("`frr defaults datacenter`: the template renders `frr defaults ...`",)
    round_trip(running, rendered)  # "" when the rendered config is the running one
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Interface
from typing import Any

from engine.drivers.config_diff import frr_diff
from engine.drivers.parse import strip_banner
from engine.model.frrtext import Node, parse
from engine.model.inventory import Device, Platform
from engine.model.layout import Inventory
from engine.render import FRR_RELEASE, PROFILES, render
from engine.render.verbatim import layout

# a line with one of these words carries a secret: never written to the inventory
SECRET_WORDS = frozenset({"password", "key-string", "authentication-key", "message-digest-key"})
CONFIG_PATH = PROFILES[Platform.FRR].config_path or "/etc/frr/frr.conf"


@dataclass(frozen=True)
class FrrParsed:
    """Example: FrrParsed(fields={"hostname": "r1", "interfaces": {"lo": {"ipv4":
    "198.19.0.1/32"}}, "bgp": {"asn": 65001, "router_id": "198.19.0.1", "neighbors":
    [{"address": "198.18.1.1", "remote_as": 65002}]}}, verbatim="route-map RM permit 10\\n
    exit\\n!\\n", notes=("neighbor 198.18.1.5 has no remote-as (peer-group PG): kept
    verbatim, not in bgp.neighbors",))"""

    fields: dict[str, Any]  # Device fields, YAML-ready, in the inventory's shape
    verbatim: str  # FRR text, each line under its section header(s); "" when nothing
    notes: tuple[str, ...]  # what the import report must say


@dataclass
class _Parse:
    fields: dict[str, Any] = field(default_factory=dict)
    kept: list[Node] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@functools.cache
def _template_fixed() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The template's fixed lines - top block, router bgp - read off a bare device's render:
    one owner of what the template says, the template itself."""
    device = Device.model_validate(
        {
            "name": "x", "site": "x", "role": "router", "platform": "frr", "vendor": "x",
            "model": "x", "os": {"version": FRR_RELEASE},
            "management": {"address": "198.18.0.1", "credentials": "x"},
            "bgp": {"asn": 1, "router_id": "198.19.0.1"},
        }
    )  # fmt: skip
    nodes = parse(render(Inventory(devices={"x": device}), "x").config or "")
    top = tuple(n.line for n in nodes if not n.is_section and n.words[0] not in ("frr", "hostname"))
    top = (*(n.line for n in nodes if n.line.startswith("frr defaults")), *top)
    bgp = next(n for n in nodes if n.line.startswith("router bgp"))
    return top, tuple(c.line for c in bgp.children if not c.line.startswith("bgp router-id"))


def parse_running(text: str) -> FrrParsed:
    """`show running-config` (banner or not) -> what the inventory can hold of it."""
    state = _Parse()
    seen: set[str] = set()
    for node in parse(strip_banner(text)):
        if not node.is_section and _top(state, node, seen):
            continue
        if not (_static_route(state, node) or _interface(state, node) or _bgp(state, node)):
            state.kept.append(node)
    top, _ = _template_fixed()
    state.notes += [f"no `{line}`: the template adds it" for line in top if line not in seen]
    kept = _without_secrets(state.kept, state.notes)
    return FrrParsed(state.fields, layout(kept), tuple(state.notes))


def round_trip(running: str, rendered: str) -> str:
    """What a plan would change: the rendered config against the running one ("" if none)."""
    return frr_diff(running, rendered, CONFIG_PATH)


def _top(state: _Parse, node: Node, seen: set[str]) -> bool:
    """The top block's lines the template owns: hostname, version, its fixed lines."""
    words, top = node.words, _template_fixed()[0]
    if words[0] == "hostname" and len(words) == 2:
        state.fields["hostname"] = words[1]
    elif words[:2] == ["frr", "version"]:
        if words[2:] != [FRR_RELEASE]:
            state.notes.append(f"`{node.line}`: the template stamps frr version {FRR_RELEASE}")
    elif node.line in top:
        seen.add(node.line)
    else:
        fixed = next((t for t in top if t.split()[:2] == words[:2]), None)
        if fixed is None:
            return False
        seen.add(fixed)
        state.notes.append(f"`{node.line}`: the template renders `{fixed}`")
    return True


def _without_secrets(nodes: list[Node] | tuple[Node, ...], notes: list[str]) -> list[Node]:
    """The nodes without the lines that carry a secret, each noted without its value."""
    out = []
    for node in nodes:
        secret = next((i for i, w in enumerate(node.words) if w in SECRET_WORDS), None)
        if secret is None:
            out.append(replace(node, children=tuple(_without_secrets(node.children, notes))))
            continue
        shown = " ".join(node.words[: secret + 1])
        notes.append(f"`{shown} ...` carries a secret: not written to the inventory")
    return out


def _static_route(state: _Parse, node: Node) -> bool:
    words = node.words
    if node.is_section or words[:2] != ["ip", "route"] or len(words) != 4:
        return False
    prefix, next_hop = _parsed(IPv4Network, words[2]), _parsed(IPv4Address, words[3])
    if prefix is None or next_hop is None:
        return False
    state.fields.setdefault("static_routes", []).append({"prefix": words[2], "next_hop": words[3]})
    return True


def _interface(state: _Parse, node: Node) -> bool:
    words = node.words
    if words[0] != "interface" or len(words) != 2:
        return False
    found: dict[str, Any] = {}
    rest = [child for child in node.children if not _interface_line(found, child)]
    if found:
        state.fields.setdefault("interfaces", {})[words[1]] = found
    if rest or not found:
        state.kept.append(replace(node, children=tuple(rest)))
    return True


def _interface_line(found: dict[str, Any], child: Node) -> bool:
    """Takes the line into `found` if the template renders it; False to keep it verbatim."""
    words, line = child.words, child.line
    if child.is_section:
        return False
    if words[0] == "description" and len(words) > 1 and "description" not in found:
        found["description"] = line.removeprefix("description ")
    elif line == "shutdown":
        found["enabled"] = False
    else:
        kind = {"ip address": "ipv4", "ipv6 address": "ipv6"}.get(" ".join(words[:2]))
        model = IPv4Interface if kind == "ipv4" else IPv6Interface
        if kind is None or kind in found or len(words) != 3 or _parsed(model, words[2]) is None:
            return False
        found[kind] = words[2]
    return True


def _bgp(state: _Parse, node: Node) -> bool:
    words = node.words
    if words[:2] != ["router", "bgp"] or len(words) != 3 or not words[2].isdigit():
        return False
    if "bgp" in state.fields:
        return False
    router_id = next((c.words[2] for c in node.children if c.line.startswith("bgp router-id ")), "")
    if not router_id:
        state.notes.append(f"`{node.line}` has no bgp router-id: the whole section kept verbatim")
        return False
    bgp: dict[str, Any] = {"asn": int(words[2]), "router_id": router_id}
    neighbors = _neighbors(node.children)
    rest = [kept for c in node.children if (kept := _bgp_line(bgp, neighbors, c)) is not None]
    _, fixed = _template_fixed()
    state.notes += [f"`{node.line}` lacks `{f}`: the template adds it" for f in fixed
                    if all(c.line != f for c in node.children)]  # fmt: skip
    state.notes += [
        f"neighbor {name} has no remote-as of its own ({' '.join(how)}): kept verbatim, not "
        "in bgp.neighbors"
        for name, how in _unmodelled(node.children, neighbors)
    ]
    if neighbors:
        bgp["neighbors"] = list(neighbors.values())
    state.fields["bgp"] = bgp
    if rest:
        state.kept.append(replace(node, children=tuple(rest)))
    return True


def _neighbors(children: tuple[Node, ...]) -> dict[str, dict[str, Any]]:
    """The neighbours the model holds: an IPv4 address with a numeric remote-as."""
    found: dict[str, dict[str, Any]] = {}
    for child in children:
        w = child.words
        numbered = len(w) == 4 and w[2] == "remote-as" and w[3].isdigit()
        if w[0] == "neighbor" and numbered and _parsed(IPv4Address, w[1]) and w[1] not in found:
            found[w[1]] = {"address": w[1], "remote_as": int(w[3])}
    return found


def _unmodelled(
    children: tuple[Node, ...], neighbors: dict[str, dict[str, Any]]
) -> list[tuple[str, list[str]]]:
    """Neighbours (addresses, not peer groups) the model does not hold, with their peer-group
    or remote-as words."""
    out: dict[str, list[str]] = {}
    for child in children:
        w = child.words
        how = len(w) == 4 and w[2] in ("peer-group", "remote-as")
        if w[0] == "neighbor" and how and w[1] not in neighbors and _parsed(IPv4Address, w[1]):
            out.setdefault(w[1], w[2:])
    return list(out.items())


def _bgp_line(
    bgp: dict[str, Any], neighbors: dict[str, dict[str, Any]], child: Node
) -> Node | None:
    """What of the line the template does not render: None if it renders all of it."""
    words, line = child.words, child.line
    if line.startswith("bgp router-id ") or line in _template_fixed()[1]:
        return None
    if child.line == "address-family ipv4 unicast":
        return _address_family(bgp, child)
    if child.is_section or words[0] != "neighbor" or words[1] not in neighbors:
        return child
    peer = neighbors[words[1]]
    if words[2:] == ["remote-as", str(peer["remote_as"])]:
        return None
    if words[2] == "description" and len(words) > 3 and "description" not in peer:
        peer["description"] = line.split(" ", 3)[3]
        return None
    return child


def _address_family(bgp: dict[str, Any], family: Node) -> Node | None:
    """`network P` lines are bgp.networks; the family's other lines stay verbatim."""
    rest = []
    for child in family.children:
        w = child.words
        plain = len(w) == 2 and not child.is_section
        if plain and w[0] == "network" and _parsed(IPv4Network, w[1]):
            bgp.setdefault("networks", []).append(w[1])
        else:
            rest.append(child)
    return replace(family, children=tuple(rest)) if rest else None


def _parsed(kind: type, text: str) -> Any:
    try:
        return kind(text)
    except ValueError:
        return None
