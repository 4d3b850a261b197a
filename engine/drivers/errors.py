# mypy: disable-error-code="misc"
# (napalm ships no type stubs: subclassing its exceptions is subclassing Any)
"""Driver exceptions: one base under EngineError, one subclass per lifecycle step.

Each subclass is also the napalm exception a napalm caller expects at that step, under napalm's
own name (a `ConnectAuthError` is a `napalm.base.exceptions.ConnectAuthError`), so code written
for any napalm driver catches ours unchanged, and napalm's `with driver:` block recognises them
(it prints a "NAPALM didn't catch this exception" plea for any name it does not know).
`RollbackError` is the one step napalm has no exception for: it is a `NapalmException`.
"""

from __future__ import annotations

from napalm.base import exceptions as napalm_errors

from engine.errors import EngineError


class DriverError(EngineError, napalm_errors.NapalmException):
    """Base of every exception a driver of this package raises on purpose."""


class DriverNotFound(DriverError, napalm_errors.ModuleImportError):
    """No driver for a platform: not built in, not an entry point, not a napalm driver."""


class ConnectionException(DriverError, napalm_errors.ConnectionException):
    """The device cannot be reached or the SSH session failed."""


class ConnectAuthError(ConnectionException, napalm_errors.ConnectAuthError):
    """The device answered but refused the credentials."""


class ConnectTimeoutError(ConnectionException, napalm_errors.ConnectTimeoutError):
    """The device did not answer (or did not speak SSH) within the timeout."""


class CommandErrorException(DriverError, napalm_errors.CommandErrorException):
    """A command on the device failed (exit status, unparsable output, timeout)."""


class MergeConfigException(DriverError, napalm_errors.MergeConfigException):
    """A merge candidate was rejected; the device is unchanged."""


class ReplaceConfigException(DriverError, napalm_errors.ReplaceConfigException):
    """A replace candidate was rejected; the device is unchanged."""


class LockError(DriverError, napalm_errors.LockError):
    """Another session holds the device's configuration lock (its holder is named)."""


class CommitError(DriverError, napalm_errors.CommitError):
    """The candidate could not be committed; the device was restored to its previous config."""


class CommitConfirmException(DriverError, napalm_errors.CommitConfirmException):
    """Confirming a commit failed because none is pending (the timer fired and reverted it, or
    there was none), or a commit cannot be armed because another one is pending."""


class RollbackError(DriverError):
    """There is nothing to roll back to, or restoring the previous config failed."""


class HostKeyError(ConnectionException):
    """The host's SSH key is not the one pinned for it (unknown or changed): the connection
    was closed after the key exchange, before any authentication - nothing was sent to it."""

    @classmethod
    def unknown(cls, host: str, seen: str, searched: str) -> HostKeyError:
        return cls(
            f"{host}: host key not pinned: the host presents {seen}; refused before "
            f"authentication, nothing was sent to it. If this is the device, pin its key: "
            f"`underlay hostkeys scan --accept` (known hosts: {searched})"
        )

    @classmethod
    def changed(cls, host: str, seen: str, pinned: str) -> HostKeyError:
        return cls(
            f"{host}: HOST KEY CHANGED: the host presents {seen}, pinned is {pinned}. Someone "
            f"may be impersonating the device, or its key was regenerated; refused before "
            f"authentication, nothing was sent to it. Check the new key on the device's "
            f"console, then `underlay hostkeys scan --accept --replace`"
        )
