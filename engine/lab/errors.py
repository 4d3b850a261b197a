"""Faults of the lab itself or of the host it runs on. Every message says what to do next."""

from __future__ import annotations

from engine.errors import EngineError, Unavailable


class LabError(EngineError):
    """Base class of every lab fault."""


class LabSpecError(LabError):
    """The spec was refused before anything on the host was touched."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("lab spec refused:\n  " + "\n  ".join(problems))


class PreflightError(LabError):
    """The host is not ready to run a lab (see `preflight()`)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("host not ready for a lab:\n  " + "\n  ".join(problems))


class LabExistsError(LabError):
    """Something the lab needs (state dir, bridge, namespace) already exists."""


class LabBuildError(LabError):
    """A build step failed; the lab is half-built and `down()` cleans it."""


class ConvergenceTimeout(LabError):
    """The lab started but did not converge in time; it is left running for inspection."""

    def __init__(self, pending: list[str], timeout: float, state_dir: str) -> None:
        self.pending = tuple(pending)
        super().__init__(
            f"lab did not converge within {timeout:g}s; still pending:\n  "
            + "\n  ".join(pending)
            + f"\nInspect with engine.lab.status({state_dir!r}), "
            f"then clean up with engine.lab.down({state_dir!r})."
        )


class LabNotUpError(LabError, Unavailable):
    """No lab (or no such node) is recorded in the state dir."""


class CorruptStateError(LabNotUpError):
    """state.json exists but cannot be read as a lab's state: no usable lab is recorded."""


class CommandError(LabError):
    """A host command failed (ip, nsenter, useradd...)."""

    def __init__(self, argv: list[str], returncode: int, stderr: str) -> None:
        self.argv = tuple(argv)
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"`{' '.join(argv)}` exited {returncode}: {stderr.strip()[:2000]}")
