"""An address's import read as a job for a worker at its site (engine.execute), and back.

    job = import_job(wanted, "netops", "fra1", port=22, timeout=10)   # names and values only
    run_import(job.payload, store)          # on the worker: the Read as JSON
    read = read_of(reply, wanted)           # in the caller

The worker resolves the credential set by name from its own store (its environment, secrets
file, a lab's user) and checks the host key against its own pinned files; nothing secret
travels through the broker (the reply passes engine.execute's scrub). A reply that is no
answer (no worker on the queue, a lost worker, an error) becomes the address's Read, like an
unreachable address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from ipaddress import IPv4Address
from typing import Any

from engine.drivers.hostkeys import KnownHosts
from engine.drivers.linux import Onboarding
from engine.execute import Job, Reply
from engine.onboard.read import HostKey, Read, ReadStatus, read_address
from engine.onboard.targets import Wanted
from engine.secrets import CredentialStore

KIND = "import"


def import_job(wanted: Wanted, credentials: str, site: str, *, port: int, timeout: float) -> Job:
    payload = {
        "address": str(wanted.address),
        "source": wanted.source,
        "depth": wanted.depth,
        "credentials": credentials,
        "port": port,
        "timeout": timeout,
    }
    return Job(str(wanted.address), site, KIND, payload)


def run_import(payload: Mapping[str, Any], store: CredentialStore) -> dict[str, Any]:
    """The worker's handler: read one address with this worker's credentials and pins."""
    wanted = _wanted(payload)
    credentials = store.resolve(str(payload["credentials"]))
    pinned = KnownHosts.read(store.known_hosts)
    read = read_address(
        wanted, credentials, pinned, port=int(payload["port"]), timeout=float(payload["timeout"])
    )
    return to_json(read)


def read_of(reply: Reply, wanted: Wanted) -> Read:
    """The Read a reply stands for."""
    if reply.ok and reply.value is not None:
        return from_json(reply.value)
    status: ReadStatus = "unreachable" if reply.kind == "no-worker" else "error"
    return Read(wanted, status, reply.error, None)


def to_json(read: Read) -> dict[str, Any]:
    return {
        "address": str(read.wanted.address),
        "source": read.wanted.source,
        "depth": read.wanted.depth,
        "status": read.status,
        "error": read.error,
        "key": asdict(read.key) if read.key else None,
        "onboarding": asdict(read.onboarding) if read.onboarding is not None else None,
        "seconds": read.seconds,
    }


def from_json(data: Mapping[str, Any]) -> Read:
    onboarding = None
    if data.get("onboarding") is not None:
        fields = dict(data["onboarding"])
        fields["packages"] = tuple(fields.get("packages", ()))
        onboarding = Onboarding(**fields)
    key = HostKey(**data["key"]) if data.get("key") else None
    return Read(_wanted(data), data["status"], data.get("error"), key, onboarding,
                float(data.get("seconds", 0.0)))  # fmt: skip


def _wanted(data: Mapping[str, Any]) -> Wanted:
    return Wanted(IPv4Address(str(data["address"])), str(data["source"]), int(data["depth"]))
