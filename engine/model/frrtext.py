"""FRR configuration text as a tree: FRR's syntax, one space of indentation per level.

Below render (the verbatim merge) and validate (a device's `verbatim` must parse), and used by
`underlay import` to read `show running-config`. Separator lines (`!`) are not nodes: FRR
prints them by rule, so the top level's are dropped and a nested one is a flag on the section
it precedes (` !` before each BGP address family).

    parse("interface eth1\\n ip ospf area 0\\nexit\\n") ->
        (Node(line="interface eth1", children=(Node(line="ip ospf area 0"),), tail="exit"),)
"""

from __future__ import annotations

from dataclasses import dataclass, field

# the lines that close a section (FRR 8.4 prints them; a hand-written text may leave them out)
TAILS = frozenset({"exit", "exit-address-family", "exit-vrf", "exit-link-params", "exit-vni"})


class FrrTextError(ValueError):
    """The text is not FRR's syntax; `line` and `col` are 1-based, in the text parsed."""

    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(f"line {line}, column {col}: {message}")
        self.line, self.col, self.message = line, col, message


@dataclass(frozen=True)
class Node:
    """One line of configuration with the lines under it.
    Example: Node(line="router bgp 65011", children=(...), tail="exit", lead=False)"""

    line: str  # without its indentation
    children: tuple[Node, ...] = ()
    tail: str | None = None  # the line that closes it, e.g. "exit-address-family"
    lead: bool = False  # a `!` precedes it at its level

    @property
    def words(self) -> list[str]:
        return self.line.split()

    @property
    def is_section(self) -> bool:
        return bool(self.children) or self.tail is not None


@dataclass
class _Open:
    line: str
    lead: bool
    children: list[_Open] = field(default_factory=list)
    tail: str | None = None

    def freeze(self) -> Node:
        kids = tuple(c.freeze() for c in self.children)
        return Node(self.line, kids, self.tail, self.lead)


def parse(text: str) -> tuple[Node, ...]:
    """The text's top-level nodes; FrrTextError where the indentation is not FRR's. Empty
    lines and `end` are skipped (`end` only closes a file)."""
    root = _Open("", False)
    stack = [root]  # stack[d] is the open section whose children sit at depth d
    lead = False
    for number, raw in enumerate(text.splitlines(), start=1):
        body = raw.lstrip(" ")
        depth = len(raw) - len(body)
        if not body.strip() or (depth == 0 and body == "end"):
            continue
        if body[0] == "\t":
            raise FrrTextError(number, depth + 1, "a tab in the indentation; FRR uses spaces")
        if depth >= len(stack):
            raise FrrTextError(number, 1, _too_deep(depth, len(stack) - 1))
        del stack[depth + 1 :]
        if body.startswith("!"):
            lead = depth > 0
        elif body in TAILS:
            _close(stack, depth, body, number)
        else:
            node = _Open(body, lead)
            stack[depth].children.append(node)
            stack.append(node)
            lead = False
    return tuple(c.freeze() for c in root.children)


def _close(stack: list[_Open], depth: int, tail: str, number: int) -> None:
    opened = stack[depth].children[-1] if stack[depth].children else None
    if opened is None or opened.tail is not None:
        raise FrrTextError(number, depth + 1, f"{tail} closes no section")
    opened.tail = tail
    del stack[depth + 1 :]


def _too_deep(depth: int, most: int) -> str:
    return (
        f"indented {depth} spaces where at most {most} fit: FRR indents one space a level, "
        "under a section's header line"
    )


def lines(node: Node, depth: int = 0) -> list[str]:
    """The node as FRR prints it, with its children and closing line."""
    pad = " " * depth
    out = [f"{pad}!"] if node.lead else []
    out.append(pad + node.line)
    for child in node.children:
        out += lines(child, depth + 1)
    if node.tail is not None:
        out.append(pad + node.tail)
    return out
