"""One address read for `underlay import`: its host key, then everything else in one round trip.

The key is fetched first (a key exchange, no credential sent) and checked against the keys
already pinned (the repository's inventory/known_hosts, a lab's): a CHANGED key refuses the
address before any authentication; a key nobody pinned yet is trusted on first use - that is
what onboarding is - and the session that follows is pinned to exactly that key, so the device
read is the device whose key import writes into the repository. Then the linux driver (FRR
runs on a Linux userland too) reads everything in one script: `extensions.onboard()`.

    found = read_address(Wanted(IPv4Address("198.18.0.11"), "--address"), credentials, pinned)
    found.status, found.onboarding.platform   # "ok", "frr"
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from engine.collect.task import message_of, status_of
from engine.drivers import CommandErrorException, connection_args, get_driver, ssh
from engine.drivers.hostkeys import KnownHosts, describe, line
from engine.onboard.targets import Wanted
from engine.secrets import Credentials

# hostkey: the key is not the one pinned for the address: refused before authentication
# unknown_platform: it answers SSH, but not as a Linux shell (a network OS's own CLI)
ReadStatus = Literal[
    "ok", "unreachable", "auth_failed", "timeout", "hostkey", "unknown_platform", "error"
]
PLATFORM = "linux"  # the driver import connects with; onboard() tells FRR from the rest


@dataclass(frozen=True)
class HostKey:
    """Example: HostKey("ssh-ed25519", "AAAAC3Nz...", "ssh-ed25519 SHA256:3gYH...", pinned=False)"""

    keytype: str
    public: str  # base64, as a known_hosts line holds it
    shown: str  # type and fingerprint
    pinned: bool  # already pinned (the repository's known_hosts or a lab's)


@dataclass(frozen=True)
class Read:
    """One address's outcome. `onboarding` is an engine.drivers.linux.Onboarding when ok."""

    wanted: Wanted
    status: ReadStatus
    error: str | None
    key: HostKey | None
    onboarding: Any = None
    seconds: float = 0.0

    @property
    def address(self) -> str:
        return str(self.wanted.address)


def read_address(
    wanted: Wanted, credentials: Credentials, pinned: KnownHosts, *, port: int, timeout: float
) -> Read:
    """Never raises: every fault is this address's outcome."""
    started, address = time.monotonic(), str(wanted.address)
    key: HostKey | None = None
    try:
        target = ssh.Target(
            address, port, "", None, None, timeout, credentials.netns, credentials.known_hosts
        )
        seen = ssh.host_key(target)
        known = pinned.pinned(address, port)
        key = HostKey(seen.get_name(), seen.get_base64(), describe(seen), bool(known))
        if known and pinned.check(address, port, seen) is None:
            was = "; ".join(f"{e.keytype} {e.fingerprint} ({e.where})" for e in known)
            return Read(
                wanted,
                "hostkey",
                f"host key {key.shown} is not the pinned one ({was}): refused before "
                "authentication (check it on the console; `hostkeys scan --accept --replace`)",
                key,
                seconds=time.monotonic() - started,
            )
        with tempfile.TemporaryDirectory(prefix="underlay-import-") as tmp:
            file = Path(tmp) / "known_hosts"
            file.write_text(line(address, port, seen) + "\n", encoding="utf-8")
            onboarding = _onboard(address, credentials, port, timeout, str(file))
    except CommandErrorException as exc:  # logged in: what answered is no Linux shell
        why = (
            "answers SSH but not as a Linux shell: import reads FRR and Linux devices "
            f"(what it said: {message_of(exc)})"
        )
        return Read(wanted, "unknown_platform", why, key, seconds=time.monotonic() - started)
    except Exception as exc:  # every fault is this address's value
        status = status_of(exc)
        return Read(wanted, status, message_of(exc), key, seconds=time.monotonic() - started)
    return Read(wanted, "ok", None, key, onboarding, time.monotonic() - started)


def _onboard(address: str, credentials: Credentials, port: int, timeout: float, pin: str) -> Any:
    driver = get_driver(PLATFORM)(
        address,
        credentials.username,
        credentials.password or "",
        timeout=int(timeout),
        optional_args=connection_args(
            PLATFORM,
            port=port,
            key_file=credentials.key_file,
            netns=credentials.netns,
            known_hosts=(pin,),
        ),
    )
    driver.open()
    try:
        return driver.extensions.onboard()
    finally:
        driver.close()
