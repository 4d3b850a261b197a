"""`underlay import`: read the addresses (and, when asked, their LLDP neighbours), build the
objects, and check that each renders back to what its device runs.

    result = discover(wanted, allowed, Here(credentials, pinned), options)  # every address read
    built = build(result.reads, rules)                                    # engine.onboard.build
    ... written by engine.onboard.write, then:
    verify(built, inventory)      # each object rendered against its device's running config

Reading is parallel (`workers` threads, one SSH session per address); following LLDP is
breadth-first to `follow` hops from the addresses given, each neighbour's advertised
management address read once, and only inside the allowed ranges.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, ip_address

from engine.drivers.config_diff import frr_diff
from engine.drivers.frr import FRR_CONF
from engine.drivers.hostkeys import KnownHosts
from engine.execute import Executor
from engine.model.layout import Inventory
from engine.onboard.build import Built, Finding
from engine.onboard.read import Read, read_address
from engine.onboard.remote import import_job, read_of
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


@dataclass(frozen=True)
class Here:
    """Reads in this process: the credentials resolved here, the keys pinned here."""

    credentials: Credentials
    pinned: KnownHosts


@dataclass(frozen=True)
class Remote:
    """Reads as jobs on workers at the sites (engine.execute): each address's site picked by
    `site_of` (None: no queue to send it to), the credential set named, resolved there."""

    executor: Executor
    credentials: str
    site_of: Callable[[Wanted], str | None]


def discover(
    wanted: Sequence[Wanted],
    allowed: Sequence[IPv4Network],
    where: Here | Remote,
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
            if isinstance(where, Remote):
                batch = _remote(queue, where, options, progress, found)
            else:
                batch = list(pool.map(lambda w: _here(w, where, options, progress), queue))
            found.reads += batch
            nxt = _neighbours(batch, options.follow, seen, found)
            queue, refused = within(nxt, allowed)
            found.refused += refused
    found.seconds = time.monotonic() - started
    return found


def _here(w: Wanted, here: Here, options: Options, progress: Progress) -> Read:
    read = read_address(w, here.credentials, here.pinned, port=options.port,
                        timeout=options.timeout)  # fmt: skip
    progress(read)
    return read


def _remote(
    queue: Sequence[Wanted], remote: Remote, options: Options, progress: Progress,
    found: Discovered,
) -> list[Read]:  # fmt: skip
    """One batch as jobs; an address without a site has no queue: refused, not read."""
    jobs, by_name = [], {}
    for w in queue:
        site = remote.site_of(w)
        if site is None:
            why = ("no site for its address, so no queue to send it to: the celery executor "
                   "routes by site (--site-rule SITE=CIDR)")  # fmt: skip
            found.refused.append(Refused(str(w.address), w.source, why))
            continue
        job = import_job(w, remote.credentials, site, port=options.port, timeout=options.timeout)
        jobs.append(job)
        by_name[job.name] = w
    replies = remote.executor.map(
        jobs, on_done=lambda reply: progress(read_of(reply, by_name[reply.name]))
    )
    return [read_of(replies[job.name], by_name[job.name]) for job in jobs]


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


def verify(built: Built, inventory: Inventory, skip: Collection[str] = ()) -> list[Finding]:
    """Each imported object (those in `skip` aside: ones import did not write) rendered from
    the written inventory, against what its device runs: a finding for every object that does
    not render back exactly (the difference, as plan would show it), none when exact."""
    problems = []
    for name, running in sorted(built.running.items()):
        if name in skip:
            continue
        rendered = render(inventory, name).artifacts()
        lines = []
        for path in sorted({*rendered, *running}):
            have, want = running.get(path), rendered.get(path)
            if path == FRR_CONF and have is not None and want is not None:
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
