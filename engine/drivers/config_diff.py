"""FRR's configuration compared on the control host, with hier_config.

Both sides are FRR's canonical text: the running config as `show running-config` prints it, and
the candidate as render writes it (FRR's own order and indentation). hier_config parses each
into a tree by indentation; the diff lists, under the lines that give them context, the lines
the candidate drops (`-`) and adds (`+`) - what frr-reload.py will send on apply (it sends a
dropped line as its `no` form). Lines FRR cannot change at run time, or that only mark a block's
end, take no part: `frr version`, `frr defaults`, `!`, `exit`, `exit-address-family`, `end`.

    frr_diff(running, candidate, "/etc/frr/frr.conf") ->
        --- /etc/frr/frr.conf (running)
        +++ /etc/frr/frr.conf (candidate)
         router bgp 65011
        - neighbor 198.18.1.0 description old
        + neighbor 198.18.1.0 description fra1-spine01
"""

from __future__ import annotations

from collections.abc import Iterator

from hier_config import HConfig, HConfigChild, get_hconfig
from hier_config.models import PerLineSubRule
from hier_config.platforms.driver_base import HConfigDriverBase, HConfigDriverRules

from engine.drivers.parse import strip_banner

IGNORED = (
    r"^Building configuration\.\.\.$",
    r"^Current configuration:$",
    r"^\s*!.*$",
    r"^\s*exit(-address-family|-vrf|-vni)?$",
    r"^end$",
    r"^frr (version|defaults) .*$",
)


class FrrHConfigDriver(HConfigDriverBase):
    """hier_config's rules for FRR's configuration text (hier_config ships none for FRR)."""

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        return HConfigDriverRules(
            per_line_sub=[PerLineSubRule(search=pattern, replace="") for pattern in IGNORED]
        )


def frr_diff(running: str, candidate: str, path: str) -> str:
    """The candidate's changes to the running config as lines in context; "" when none."""
    driver = FrrHConfigDriver()
    before = get_hconfig(driver, _once(strip_banner(running)))
    after = get_hconfig(driver, _once(candidate))
    body = list(_diff(before, after, 0))
    if not body:
        return ""
    return f"--- {path} (running)\n+++ {path} (candidate)\n" + "\n".join(body) + "\n"


def _once(text: str) -> str:
    """A line FRR prints twice under one parent (`service password-encryption` set twice) is
    one setting: hier_config refuses duplicate siblings, so the repeats are dropped."""
    seen: list[tuple[int, set[str]]] = [(-1, set())]
    kept = []
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip(" "))
        while seen[-1][0] >= depth:
            seen.pop()
        siblings = seen[-1][1]
        if line.strip() and not line.lstrip().startswith("!") and line in siblings:
            continue
        siblings.add(line)
        seen.append((depth, set()))
        kept.append(line)
    return "\n".join(kept) + "\n"


Node = HConfig | HConfigChild


def _diff(before: Node, after: Node, depth: int) -> Iterator[str]:
    """Lines of `before` that `after` lacks, then lines of `after` that `before` lacks, each
    under its parents (FRR's indentation: one space a level)."""
    pad = " " * depth
    old, new = before.children, after.children
    for child in old:
        twin = new.get(child.text)
        if twin is None:
            yield from _all("-", child, depth)
            continue
        inner = list(_diff(child, twin, depth + 1))
        if inner:
            yield f" {pad}{child.text}"
            yield from inner
    for child in new:
        if child.text not in old:
            yield from _all("+", child, depth)


def _all(sign: str, node: HConfigChild, depth: int) -> Iterator[str]:
    yield f"{sign}{' ' * depth}{node.text}"
    for child in node.children:
        yield from _all(sign, child, depth + 1)
