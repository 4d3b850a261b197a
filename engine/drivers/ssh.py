"""One SSH session per driver `open()`: connect with a key or a password, run commands.

Commands run through `exec_command`; anything secret (file contents, scripts) goes through
stdin, never argv, so it never shows up in the device's process list.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

import paramiko

from engine import netns
from engine.drivers.errors import (
    CommandErrorException,
    ConnectAuthError,
    ConnectionException,
    ConnectTimeoutError,
)


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


def _connect(target: Target) -> paramiko.SSHClient:
    where = f"{target.host}:{target.port}"
    for attempt in range(1, _HANDSHAKE_ATTEMPTS + 1):
        began = time.monotonic()
        try:
            return _connect_once(target)
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


def _connect_once(target: Target) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    # Devices are identified by the inventory's management address; host keys are not pinned yet.
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
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
    except BaseException:
        client.close()
        raise
    return client
