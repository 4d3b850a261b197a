"""Driver exceptions: one base under EngineError, one subclass per lifecycle step.

Each subclass is also the napalm exception a napalm caller expects at that step (a
`ConnectAuthError` is a `napalm.base.exceptions.ConnectAuthError`), so code written for any
napalm driver catches ours unchanged.
"""

from __future__ import annotations

from napalm.base import exceptions as napalm_errors

from engine.errors import EngineError


class DriverError(EngineError):
    """Base of every exception a driver of this package raises on purpose."""


class DriverNotFound(DriverError, napalm_errors.ModuleImportError):  # type: ignore[misc]  # napalm is untyped
    """No driver for a platform: not built in, not an entry point, not a napalm driver."""


class ConnectError(DriverError, napalm_errors.ConnectionException):  # type: ignore[misc]  # napalm is untyped
    """The device cannot be reached or the SSH session failed."""


class ConnectAuthError(ConnectError, napalm_errors.ConnectAuthError):  # type: ignore[misc]  # napalm is untyped
    """The device answered but refused the credentials."""


class ConnectTimeoutError(ConnectError, napalm_errors.ConnectTimeoutError):  # type: ignore[misc]  # napalm is untyped
    """The device did not answer within the timeout."""


class CommandError(DriverError, napalm_errors.CommandErrorException):  # type: ignore[misc]  # napalm is untyped
    """A command on the device failed (exit status, unparsable output, timeout)."""


class MergeConfigError(DriverError, napalm_errors.MergeConfigException):  # type: ignore[misc]  # napalm is untyped
    """A merge candidate was rejected; the device is unchanged."""


class ReplaceConfigError(DriverError, napalm_errors.ReplaceConfigException):  # type: ignore[misc]  # napalm is untyped
    """A replace candidate was rejected; the device is unchanged."""


class CommitError(DriverError, napalm_errors.CommitError):  # type: ignore[misc]  # napalm is untyped
    """The candidate could not be committed; the device was restored to its previous config."""


class CommitConfirmError(CommitError, napalm_errors.CommitConfirmException):  # type: ignore[misc]  # napalm is untyped
    """Confirming (or arming) a commit-confirm failed, or none is pending."""


class RollbackError(DriverError):
    """There is nothing to roll back to, or restoring the previous config failed."""
