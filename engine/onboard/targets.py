"""The addresses `underlay import` may contact: given ones, a file of them, or a subnet, each
inside the allowed management ranges (underlay.yaml `onboarding.allowed`, `--allow`).

An address outside them is refused and reported, never contacted: import connects only where
the organisation said its management network is (and a lab's addresses stay in the lab).

    wanted = addresses(["198.18.0.11"], files=[Path("mgmt.txt")], subnets=["198.18.0.0/28"])
    allowed, refused = within(wanted, [IPv4Network("198.18.0.0/15")])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, ip_address, ip_network
from pathlib import Path

from engine.errors import EngineError, UsageError

MAX_SUBNET_HOSTS = 4096  # a /20: a bigger sweep is a mistake more often than an estate


class AddressError(EngineError):
    """A file of addresses holds a line that is not one: `path:line:col: ...`."""


@dataclass(frozen=True)
class Wanted:
    """One address to import, and where it was named. Example: Wanted(IPv4Address(
    "198.18.0.11"), "mgmt.txt:3:1") or Wanted(IPv4Address("198.18.0.12"), "lldp of fra1-leaf01")"""

    address: IPv4Address
    source: str
    depth: int = 0  # LLDP hops from an address given


@dataclass(frozen=True)
class Refused:
    address: str
    source: str
    reason: str


def addresses(
    given: Sequence[str], *, files: Sequence[Path] = (), subnets: Sequence[str] = ()
) -> list[Wanted]:
    """Every address named, in order, once; UsageError (`path:line:col: ...` for a file) for
    one that is not an IPv4 address, a subnet that is not one or is too big to sweep."""
    found: list[Wanted] = [Wanted(_address(a, "--address"), "--address") for a in given]
    for path in files:
        found += _from_file(path)
    for text in subnets:
        found += _from_subnet(text)
    unique: dict[IPv4Address, Wanted] = {}
    for w in found:
        unique.setdefault(w.address, w)
    return list(unique.values())


def within(
    wanted: Iterable[Wanted], allowed: Sequence[IPv4Network]
) -> tuple[list[Wanted], list[Refused]]:
    """The addresses inside the allowed ranges, and the others refused with the reason."""
    ok: list[Wanted] = []
    refused: list[Refused] = []
    ranges = ", ".join(str(n) for n in allowed) or "none"
    for w in wanted:
        if any(w.address in net for net in allowed):
            ok.append(w)
        else:
            reason = (
                f"outside the allowed ranges ({ranges}: underlay.yaml onboarding.allowed, "
                "--allow): not contacted"
            )
            refused.append(Refused(str(w.address), w.source, reason))
    return ok, refused


def _address(text: str, where: str, error: type[EngineError] = UsageError) -> IPv4Address:
    try:
        found = ip_address(text.strip())
    except ValueError:
        raise error(f"{where}: {text.strip()!r} is not an IPv4 address") from None
    if not isinstance(found, IPv4Address):
        raise error(f"{where}: {text.strip()!r}: only IPv4 management addresses")
    return found


def _from_file(path: Path) -> list[Wanted]:
    """One address a line; `#` starts a comment; blank lines are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AddressError(f"{path}: cannot read: {exc.strerror}") from None
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        body = line.split("#", 1)[0]
        if not body.strip():
            continue
        column = len(body) - len(body.lstrip()) + 1
        where = f"{path}:{number}:{column}"
        found.append(Wanted(_address(body, where, AddressError), where))
    return found


def _from_subnet(text: str) -> list[Wanted]:
    try:
        net = ip_network(text.strip(), strict=False)
    except ValueError:
        raise UsageError(f"--subnet {text!r}: not a subnet such as 198.18.0.0/24") from None
    if not isinstance(net, IPv4Network):
        raise UsageError(f"--subnet {text!r}: only IPv4 management subnets")
    if net.num_addresses > MAX_SUBNET_HOSTS:
        raise UsageError(
            f"--subnet {net}: {net.num_addresses} addresses; at most {MAX_SUBNET_HOSTS} "
            "(a /20) in one sweep"
        )
    hosts = list(net.hosts()) if net.prefixlen < 31 else list(net)
    return [Wanted(a, f"--subnet {net}") for a in hosts]
