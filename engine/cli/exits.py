"""The one table of exit codes: what every outcome and every exception means to a script.

    code  meaning
    0     ok, no changes
    1     problems in the user's data or with the devices (findings, invalid inventory,
          unreachable devices, a refused or failed apply, a lab or host that is not ready)
    2     usage error or engine fault
    130   interrupted (Ctrl-C)

Where 2 means "changes" (`plan --detailed-exitcode`, `drift`: CHANGES_COMMANDS), every error of any
kind - usage, engine fault, unreachable, interrupted - is 1, as in Terraform: a pipeline must
never read a crash as "changes". docs/cli.md shows this table per command.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from engine.pipeline.run import PipelineResult

OK, PROBLEMS, FAULT, INTERRUPTED = 0, 1, 2, 130
CHANGES = 2  # only for CHANGES_COMMANDS

# command -> the option that makes its exit code 2 mean "changes" (None: always)
CHANGES_COMMANDS: dict[str, str | None] = {"plan": "--detailed-exitcode", "drift": None}


class Fault(NamedTuple):
    """How an exception reaches the user: `underlay: PREFIXmessage` on stderr and a code."""

    code: int
    prefix: str | None  # `{command}`: its words (`lab up`); None: the text is a whole report
    traceback: bool = False  # --debug shows it


# exception class (by full name: this table imports no stage) -> fault; first match wins
FAULTS: dict[str, Fault] = {
    "engine.cli.common.DataProblems": Fault(PROBLEMS, None),
    "engine.errors.Unavailable": Fault(PROBLEMS, ""),  # the devices as a whole (lab down)
    "engine.lab.errors.LabError": Fault(PROBLEMS, "{command}: ", traceback=True),  # host or lab
    "engine.scaffold.create.InitRefused": Fault(PROBLEMS, "{command}: "),  # not empty
    "engine.drivers.hostkeys.KnownHostsError": Fault(PROBLEMS, None),  # path:line:col: ...
    "engine.onboard.targets.AddressError": Fault(PROBLEMS, None),  # path:line:col: ...
    "engine.cli.output.OutputError": Fault(FAULT, "{command}: "),  # --out somewhere unwritable
    "engine.errors.UsageError": Fault(FAULT, "usage error: "),
    "engine.errors.EngineError": Fault(FAULT, "error: ", traceback=True),
    "builtins.KeyboardInterrupt": Fault(INTERRUPTED, "interrupted"),
}
INTERNAL = Fault(FAULT, "internal error: ", traceback=True)  # a bug: anything else


def fault(exc: BaseException) -> Fault:
    kinds = {f"{kind.__module__}.{kind.__qualname__}" for kind in type(exc).__mro__}
    return next((found for name, found in FAULTS.items() if name in kinds), INTERNAL)


def outcome(ok: bool) -> int:
    """A command that ran: 0, or 1 when it found problems in the data or the devices."""
    return OK if ok else PROBLEMS


def changes(complete: bool, changed: bool, *, detailed: bool = True) -> int:
    """plan and drift: 1 when devices could not be planned, else 2 for changes (when asked)."""
    if not complete:
        return PROBLEMS
    return CHANGES if detailed and changed else OK


def error(code: int, *, two_means_changes: bool) -> int:
    """The exit code of an error (usage, fault, interrupt): where 2 means changes, always 1."""
    return PROBLEMS if two_means_changes and code != OK else code


def two_means_changes(command: str | None, words: Sequence[str]) -> bool:
    """Whether the command line `command words...` reads 2 as changes. Judged on the words,
    so that it holds for a command line argparse refuses too (`plan --detailed-exitcode -x`);
    a unique prefix of the option counts, as argparse accepts it."""
    if command not in CHANGES_COMMANDS:
        return False
    option = CHANGES_COMMANDS[command]
    return option is None or any(
        len(word) > 2 and option.startswith(word.partition("=")[0]) for word in words
    )


def pipeline(result: PipelineResult) -> int:
    """`pipeline run`: 0 every stage passed; 1 a failed stage found problems in the data or the
    devices (it exited 1); 2 any other failure (another exit code, a timeout, no artifact, a
    command this underlay lacks). A dry run runs nothing: 0."""
    if result.dry_run:
        return OK
    return max((PROBLEMS if s.exit_code == 1 else FAULT for s in result.failed), default=OK)
