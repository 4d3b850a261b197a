"""`underlay import`: read the addresses (and, when asked, their LLDP neighbours), build the
objects, and check that each renders back to what its device runs.

    result = discover(wanted, allowed, credentials, pinned, options)      # every address read
    built = build(result.reads, rules)                                    # engine.onboard.build
    ... written by engine.onboard.write, then:
    verify(built, inventory)      # each object rendered against its device's running config

Reading is parallel (`workers` threads, one SSH session per address); following LLDP is
breadth-first to `follow` hops from the addresses given, each neighbour's advertised
management address read once, and only inside the allowed ranges.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, ip_address

from engine.drivers.config_diff import frr_diff
from engine.drivers.hostkeys import KnownHosts
from engine.model.layout import Inventory
from engine.onboard.build import Built, Finding
from engine.onboard.read import Read, read_address
from engine.onboard.targets import Refused, Wanted, within
from engine.render.run import render
from engine.secrets import Credentials

Progress = Callable[[Read], None]


@dataclass(frozen=True)
class Options:
    workers: int = 20
    timeout: float = 10
    follow: int = 0  # LLDP hops beyond the addresses given
    port: int = 22


@dataclass
class Discovered:
    reads: list[Read] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    again: list[str] = field(default_factory=list)  # LLDP led back to an address already read
    seconds: float = 0.0


def discover(
    wanted: Sequence[Wanted],
    allowed: Sequence[IPv4Network],
    credentials: Credentials,
    pinned: KnownHosts,
    options: Options,
    progress: Progress = lambda read: None,
) -> Discovered:
    """Every allowed address read; LLDP followed `options.follow` hops."""
    started = time.monotonic()
    found = Discovered()
    queue, refused = within(wanted, allowed)
    found.refused += refused
    seen: set[IPv4Address] = {w.address for w in wanted}
    with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
        while queue:

            def one(w: Wanted) -> Read:
                read = read_address(
                    w, credentials, pinned, port=options.port, timeout=options.timeout
                )
                progress(read)
                return read

            batch = list(pool.map(one, queue))
            found.reads += batch
            nxt = _neighbours(batch, options.follow, seen, found)
            queue, refused = within(nxt, allowed)
            found.refused += refused
    found.seconds = time.monotonic() - started
    return found


def _neighbours(
    batch: Sequence[Read], follow: int, seen: set[IPv4Address], found: Discovered
) -> list[Wanted]:
    """The management addresses the batch's LLDP neighbours advertise, not yet read."""
    nxt: list[Wanted] = []
    for read in batch:
        if read.status != "ok" or read.wanted.depth >= follow:
            continue
        name = read.onboarding.getters["facts"]["hostname"]
        for port, addresses in sorted(read.onboarding.lldp_addresses.items()):
            for text in addresses:
                try:
                    address = ip_address(text)
                except ValueError:
                    continue
                if not isinstance(address, IPv4Address):
                    continue
                if address in seen:
                    found.again.append(f"{name}:{port} -> {address}")
                    continue
                seen.add(address)
                source = f"LLDP of {name} ({read.address}) on {port}"
                nxt.append(Wanted(address, source, read.wanted.depth + 1))
    return nxt


def verify(built: Built, inventory: Inventory) -> list[Finding]:
    """Each imported object rendered from the written inventory, against what its device
    runs: a finding for every object that does not render back exactly (the difference,
    as plan would show it), none when the round trip is exact."""
    problems = []
    for name, running in sorted(built.running.items()):
        rendered = render(inventory, name).artifacts()
        lines = []
        for path in sorted({*rendered, *running}):
            have, want = running.get(path), rendered.get(path)
            if path.endswith("frr.conf") and have is not None and want is not None:
                diff = frr_diff(have, want, path)
                if diff:
                    lines.append(diff.rstrip())
            elif have != want:
                state = "absent on the device" if have is None else "not rendered"
                lines.append(f"{path}: differs" if have and want else f"{path}: {state}")
        if lines:
            address = built.objects()[name]["management"]["address"]
            detail = "does not render back exactly: a plan would change it"
            problems.append(Finding(address, name, "round-trip", detail, tuple(lines)))
    return problems
