"""`underlay`: parse the arguments, run the command, turn its outcome into an exit code.

Only the running command's group (engine.cli.registry) is imported and gets its full parser;
the stages are imported inside the commands that need them. Exit codes and what each exception
means come from one table, engine.cli.exits; everything the user sees goes through
engine.cli.output (redacted).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence

from engine import __version__
from engine.batch import is_one_batch_process, setting_up
from engine.cli import exits
from engine.cli.common import Command
from engine.cli.output import Output, Stream
from engine.cli.registry import COMMANDS, GROUPS

Register = Callable[[Mapping[str, argparse.ArgumentParser]], None]


def parser_class(out: Output) -> type[argparse.ArgumentParser]:
    """An ArgumentParser whose help, usage errors and version go through `out` (subparsers
    are made of the same class)."""

    class Parser(argparse.ArgumentParser):
        def _print_message(self, message: str, file: Stream | None = None) -> None:
            if message:
                out.stream(file or sys.stderr, message)

    return Parser


def build_parser(command: str | None = None, out: Output | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (for speed) only `command`'s group with the others as stubs."""
    parser = parser_class(out or Output())(
        prog="underlay", description="GitOps configuration-as-code for infrastructure."
    )
    parser.add_argument(
        "--repo",
        metavar="DIR",
        help="the infrastructure repository (default: the current directory if it has "
        "inventory/, else the built-in sample organisation)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of engine faults")
    parser.add_argument("--version", action="version", version=f"underlay {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module, commands in GROUPS.items():
        full = command is None or command in commands
        parsers = {
            name: sub.add_parser(name, help=text, description=text, add_help=full)
            for name, text in commands.items()
        }
        if full:
            _register(module)(parsers)
    return parser


def _register(module: str) -> Register:
    found: Register = importlib.import_module(f"engine.cli.{module}").register
    return found


def _command_word(argv: Sequence[str]) -> str | None:
    """The command in argv (after the global options), or None (e.g. for --help)."""
    words = iter(argv)
    for word in words:
        if word == "--repo":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    out = Output()
    command = _command_word(argv)
    changes = exits.two_means_changes(command, argv)
    try:
        with setting_up():  # the command's group is imported here
            args = build_parser(command if command in COMMANDS else None, out).parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return exits.error(int(exc.code or 0), two_means_changes=changes)
    func: Command = args.func
    try:
        return func(args, out)
    except (Exception, KeyboardInterrupt) as exc:
        return exits.error(_fault(exc, out, args), two_means_changes=changes)


def _fault(exc: BaseException, out: Output, args: argparse.Namespace) -> int:
    """What the user sees of an exception, and its code (never a traceback unless --debug)."""
    found = exits.fault(exc)
    debug: bool = args.debug
    if debug and found.traceback:
        out.err("".join(traceback.format_exception(exc)))
    if found.prefix is None:
        out.err(str(exc).rstrip("\n") + "\n")
    elif found is not exits.INTERNAL:
        prefix = found.prefix.format(command=" ".join(_command_path(args)))
        out.note(f"{prefix}{exc}".rstrip(": "))
        for note in getattr(exc, "__notes__", ()):
            out.note(note)
    elif not debug:
        out.note(
            f"{found.prefix}{type(exc).__name__}: {exc} "
            "(run with --debug for the traceback, and please report it)"
        )
    return found.code


def _command_path(args: argparse.Namespace) -> list[str]:
    """`lab up`: the command and its verb (each group's verbs are `<command>_command`)."""
    verb = getattr(args, f"{args.command}_command", None)
    return [args.command, *([verb] if verb else [])]


def run() -> None:
    """The `underlay` command: main(), then exit. After a batch command (validate, check) the
    process leaves without freeing the inventory object by object: its output is flushed and
    it holds nothing else (no files, locks or workers) the operating system would not free."""
    code = main()
    if not is_one_batch_process():
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # e.g. a closed pipe (`underlay check | head`)
        code = code or exits.FAULT
    os._exit(code)
