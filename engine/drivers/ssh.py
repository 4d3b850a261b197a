"""One SSH session per driver `open()`: verify the host's key, log in with a key or a
password, run commands.

The host key is checked against the pinned keys (engine.drivers.hostkeys) after the key
exchange and before any authentication: a host whose key is unknown or changed never sees a
username, a password or a signature (HostKeyError). Commands run through `exec_command`;
anything secret (file contents, scripts) goes through stdin, never argv, so it never shows up
in the device's process list.

    key = host_key(target)   # the key the host presents (a key exchange only: `hostkeys scan`)
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import paramiko

from engine import netns
from engine.drivers.errors import (
    CommandErrorException,
    ConnectAuthError,
    ConnectionException,
    ConnectTimeoutError,
)
from engine.drivers.hostkeys import USER_FILE, KnownHosts, host_name


@dataclass(frozen=True)
class Completed:
    """Example: Completed(command="hostname", status=0, stdout="fra1-leaf01\\n", stderr="")"""

    command: str
    status: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    username: str
    password: str | None
    key_file: str | None
    timeout: float
    netns: str | None = None  # connect from inside this network namespace (engine.netns)
    known_hosts: tuple[str, ...] = (USER_FILE,)  # the pinned keys, searched in order

    def pinned(self) -> KnownHosts:
        return KnownHosts.read(self.known_hosts)


class Session:
    """An open SSH connection to one device."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.client = _connect(target)

    def run(self, command: str, *, stdin: str | None = None) -> Completed:
        """Run `command`; its exit status is returned, never raised."""
        try:
            chan_in, out, err = self.client.exec_command(command, timeout=self.target.timeout)
            if stdin is not None:
                chan_in.write(stdin.encode())
            chan_in.channel.shutdown_write()
            stdout, stderr = out.read().decode(), err.read().decode()
            status = out.channel.recv_exit_status()
        except TimeoutError as exc:
            message = f"{self.target.host}: {command!r} timed out: {exc}"
            raise CommandErrorException(message) from None
        except (paramiko.SSHException, OSError) as exc:
            raise ConnectionException(f"{self.target.host}: SSH session lost: {exc}") from None
        return Completed(command, status, stdout, stderr)

    def check(self, command: str, *, stdin: str | None = None) -> str:
        """Run `command` and return its stdout; CommandErrorException unless it exits 0."""
        done = self.run(command, stdin=stdin)
        if done.status != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise CommandErrorException(
                f"{self.target.host}: {command!r} exited {done.status}: {' / '.join(detail)}"
            )
        return done.stdout

    def alive(self) -> bool:
        transport = self.client.get_transport()
        return transport is not None and transport.is_active()

    def close(self) -> None:
        self.client.close()


# A device busy with other sessions sometimes garbles the SSH handshake ("Invalid packet
# blocking", "Error reading SSH protocol banner") at once: that is worth one more try. A refused
# password, a refused connection, or a port that accepts TCP but never speaks SSH (the handshake
# fails only after the timeout) is not.
_HANDSHAKE_ATTEMPTS = 2
_RETRY_PAUSE = 0.5
T = TypeVar("T")


def _connect(target: Target) -> paramiko.SSHClient:
    return _attempt(target, _connect_once)


def _attempt(target: Target, once: Callable[[Target], T]) -> T:
    """`once(target)`, tried again after a garbled handshake; the drivers' exceptions."""
    where = f"{target.host}:{target.port}"
    for attempt in range(1, _HANDSHAKE_ATTEMPTS + 1):
        began = time.monotonic()
        try:
            return once(target)
        except paramiko.AuthenticationException as exc:
            message = f"{where}: authentication failed for {target.username}: {exc}"
            raise ConnectAuthError(message) from None
        except TimeoutError:
            raise ConnectTimeoutError(f"{where}: no answer within {target.timeout:g} s") from None
        except paramiko.SSHException as exc:
            if time.monotonic() - began >= target.timeout / 2:
                raise ConnectTimeoutError(
                    f"{where}: no SSH handshake within {target.timeout:g} s ({exc})"
                ) from None
            if attempt == _HANDSHAKE_ATTEMPTS:
                raise ConnectionException(f"{where}: cannot connect: {exc}") from None
            time.sleep(_RETRY_PAUSE)
        except OSError as exc:
            raise ConnectionException(f"{where}: cannot connect: {exc}") from None
    raise AssertionError("unreachable: the last attempt returns or raises")


def _socket(target: Target) -> socket.socket | None:
    """A connection made in the target's network namespace; None: paramiko makes its own."""
    if target.netns is None:
        return None
    return netns.connect(target.netns, target.host, target.port, target.timeout)


class _Unpinned(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]  # no stubs
    """No key pinned for the host: HostKeyError, raised inside SSHClient.connect between the
    key exchange and the first authentication request."""

    def __init__(self, pinned: KnownHosts, target: Target) -> None:
        self.pinned, self.target = pinned, target

    def missing_host_key(self, client: object, hostname: str, key: paramiko.PKey) -> None:
        self.pinned.verify(self.target.host, self.target.port, key)


def _connect_once(target: Target) -> paramiko.SSHClient:
    pinned = target.pinned()
    client = paramiko.SSHClient()
    # the host's pinned keys: paramiko prefers their types in the key exchange, then compares
    # the server's key with them (BadHostKeyException) or asks the policy (none pinned)
    for entry in pinned.pinned(target.host, target.port):
        client.get_host_keys().add(host_name(target.host, target.port), entry.keytype, entry.pkey())
    client.set_missing_host_key_policy(_Unpinned(pinned, target))
    try:
        client.connect(
            target.host,
            port=target.port,
            username=target.username,
            password=target.password,
            key_filename=target.key_file,
            sock=_socket(target),
            timeout=target.timeout,
            banner_timeout=target.timeout,
            auth_timeout=target.timeout,
            look_for_keys=False,
            allow_agent=False,
        )
    except paramiko.BadHostKeyException as exc:
        client.close()
        pinned.verify(target.host, target.port, exc.key)  # raises: the key is not pinned
        raise AssertionError("a key paramiko refused is pinned") from None
    except BaseException:
        client.close()
        raise
    return client


_RSA_SHA2 = {"ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")}


def host_key(target: Target) -> paramiko.PKey:
    """The key the host presents: a key exchange and nothing more (no authentication: the
    target's credentials are not used). The pinned key types are preferred, as for a session.
    ConnectionException / ConnectTimeoutError when the host cannot be reached."""
    return _attempt(target, _host_key_once)


def _host_key_once(target: Target) -> paramiko.PKey:
    sock = _socket(target) or socket.create_connection((target.host, target.port), target.timeout)
    transport = paramiko.Transport(sock)
    try:
        options = transport.get_security_options()
        pinned = [e.keytype for e in target.pinned().pinned(target.host, target.port)]
        # an RSA key is pinned as ssh-rsa and offered with SHA-2 signatures (as SSHClient does)
        types = [t for p in pinned for t in _RSA_SHA2.get(p, (p,)) if t in options.key_types]
        options.key_types = [*types, *(t for t in options.key_types if t not in types)]
        transport.banner_timeout = target.timeout
        transport.start_client(timeout=target.timeout)
        return transport.get_remote_server_key()
    finally:
        transport.close()
