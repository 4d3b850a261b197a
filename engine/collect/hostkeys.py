"""`hostkeys scan`: the SSH host key each device presents, against the pinned ones.

A scan is a key exchange and nothing more: no credential is resolved or sent, so it can run
anywhere the management network is reachable. Pinning writes the repository's
inventory/known_hosts; a changed key is replaced only when asked (`replace`), after it was
checked out of band.

    report = scan(repo, inventory, names, store, workers=20, timeout=10)
    report.devices[0]   # Seen(name="fra1-leaf01", host="198.18.0.11", status="new",
                        #      key="ssh-ed25519 SHA256:3gYH...", pinned="", error=None, ...)
    pinned = accept(repo, inventory, report, replace=False)   # the names now pinned
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import paramiko

from engine.drivers import ConnectionException, ssh
from engine.drivers.hostkeys import KnownHosts, describe, host_name, pin
from engine.model.layout import KNOWN_HOSTS, Inventory
from engine.secrets import CredentialStore

# known: the key is pinned; new: nothing is pinned for the host; changed: another key is
ScanStatus = Literal["known", "new", "changed", "unreachable"]


@dataclass(frozen=True)
class Seen:
    """One device's key. Example: Seen(name="fra1-leaf02", host="198.18.0.12",
    status="changed", key="ssh-ed25519 SHA256:Xb1...", pinned="ssh-ed25519 SHA256:3gY...
    (inventory/known_hosts:4)", error=None, address="198.18.0.12", port=22, public="AAAAC3...",
    keytype="ssh-ed25519")"""

    name: str
    host: str  # as known_hosts names it
    status: ScanStatus
    key: str  # type and fingerprint of the key seen; "" when unreachable
    pinned: str  # what is pinned for the host (type, fingerprint, file:line); "" when nothing
    error: str | None
    address: str
    port: int
    public: str = ""  # the key seen, base64 (what a known_hosts line holds)
    keytype: str = ""


@dataclass(frozen=True)
class ScanReport:
    devices: tuple[Seen, ...]
    known_hosts: str  # the repository's file, relative to the repository

    @property
    def ok(self) -> bool:
        return all(d.status == "known" for d in self.devices)

    def count(self, status: ScanStatus) -> int:
        return sum(1 for d in self.devices if d.status == status)


def scan(
    repo: Path,
    inventory: Inventory,
    names: Sequence[str],
    store: CredentialStore,
    *,
    workers: int = 20,
    timeout: float = 10,
) -> ScanReport:
    """Every device's key in `names`, against the store's known_hosts files (the repository's,
    then any plugged in: a lab's). KnownHostsError for an unusable known_hosts file."""
    pinned = pinned_keys(repo, store)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(names) or 1))) as pool:
        seen = pool.map(lambda n: _scan_one(inventory, n, store, pinned, timeout), sorted(names))
        return ScanReport(tuple(seen), KNOWN_HOSTS)


def pinned_keys(repo: Path, store: CredentialStore) -> KnownHosts:
    """The keys pinned in the store's known_hosts files, a file of the repository named
    relative to it; KnownHostsError (`path:line:col: ...`) for a bad line."""
    return KnownHosts.read(store.known_hosts, [_shown(repo, p) for p in store.known_hosts])


def accept(repo: Path, inventory: Inventory, report: ScanReport, *, replace: bool) -> list[str]:
    """Pin every new key (and every changed one when `replace`) in the repository's
    known_hosts; the names of the devices pinned."""
    wanted = ("new", "changed") if replace else ("new",)
    chosen = [d for d in report.devices if d.status in wanted]
    pins = [(d.address, d.port, _pkey(d), d.name) for d in chosen]
    if pins:
        pin(repo / KNOWN_HOSTS, pins)
    return [d.name for d in chosen]


def _scan_one(
    inventory: Inventory, name: str, store: CredentialStore, pinned: KnownHosts, timeout: float
) -> Seen:
    obj = inventory.node(name)
    assert obj is not None, name
    address, port = str(obj.management.address), obj.management.port
    pins = "; ".join(
        f"{e.keytype} {e.fingerprint} ({e.where})" for e in pinned.pinned(address, port)
    )
    target = ssh.Target(address, port, "", None, None, timeout, store.netns, store.known_hosts)
    try:
        key = ssh.host_key(target)
    except ConnectionException as exc:
        return Seen(
            name, host_name(address, port), "unreachable", "", pins, str(exc), address, port
        )
    status: ScanStatus = (
        "new" if not pins else "known" if pinned.check(address, port, key) else "changed"
    )
    return Seen(
        name,
        host_name(address, port),
        status,
        describe(key),
        pins,
        None,
        address,
        port,
        key.get_base64(),
        key.get_name(),
    )


def _pkey(seen: Seen) -> paramiko.PKey:
    return paramiko.PKey.from_type_string(seen.keytype, base64.b64decode(seen.public))


def _shown(repo: Path, path: str) -> str:
    """A file of the repository as a path relative to it; any other as it is."""
    return str(Path(path).relative_to(repo)) if Path(path).is_relative_to(repo) else path
