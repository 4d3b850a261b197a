"""The `underlay` command: parse arguments, call a stage, render its result through a view.

No business logic lives here. Exit codes (stable): 0 ok, 1 problems in the user's data or
devices, 2 usage error or engine fault.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from engine import __version__, schemagen
from engine.errors import EngineError, UsageError
from engine.load.repo import resolve_repo
from engine.validate import validate
from engine.views import codes
from engine.views.diagnostics import VIEWS, Report

EXIT_OK, EXIT_PROBLEMS, EXIT_FAULT = 0, 1, 2
Command = Callable[[argparse.Namespace], int]


def _emit(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def cmd_validate(args: argparse.Namespace) -> int:
    result = validate(resolve_repo(args.repo))
    _emit(VIEWS[args.format](Report("validate", result.diagnostics, result.files)), args.output)
    return EXIT_OK if result.ok else EXIT_PROBLEMS


def cmd_schemas(args: argparse.Namespace) -> int:
    folder = resolve_repo(args.repo) / "schemas"
    if not args.check:
        for status in schemagen.write(folder):
            print(f"wrote {status.path}")
        return EXIT_OK
    bad = [s for s in schemagen.check(folder) if s.state != "current"]
    for status in bad:
        print(f"{status.path}: {status.state}: run `underlay schemas` and commit the result")
    if not bad:
        print(f"schemas in {folder} are current")
    return EXIT_PROBLEMS if bad else EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    if args.all:
        sys.stdout.write(codes.catalogue_markdown())
        return EXIT_OK
    if not args.code:
        raise UsageError("name a diagnostic code (e.g. `underlay explain Y102`) or use --all")
    text = codes.explain(args.code)
    if text is None:
        print(f"underlay: unknown diagnostic code {args.code!r}", file=sys.stderr)
        return EXIT_PROBLEMS
    sys.stdout.write(text)
    return EXIT_OK


def _formats(parser: argparse.ArgumentParser, choices: Sequence[str]) -> None:
    parser.add_argument(
        "--format", choices=list(choices), default="text", help="output format (default: text)"
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="underlay", description="GitOps configuration-as-code for infrastructure."
    )
    parser.add_argument(
        "--repo",
        metavar="DIR",
        help="the infrastructure repository "
        "(default: the current directory if it has inventory/, else the "
        "built-in sample organisation)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of engine faults")
    parser.add_argument("--version", action="version", version=f"underlay {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = sub.add_parser("validate", help="check YAML, schemas, references and consistency")
    _formats(p, ["text", "json", "github", "sarif", "junit"])
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("schemas", help="write the JSON Schemas into schemas/ (or --check them)")
    p.add_argument("--check", action="store_true", help="exit 1 if schemas/ is stale")
    p.set_defaults(func=cmd_schemas)
    p = sub.add_parser("explain", help="explain a diagnostic code (or --all as Markdown)")
    p.add_argument("code", nargs="?", help="a code such as Y102")
    p.add_argument("--all", action="store_true", help="the whole catalogue, as Markdown")
    p.set_defaults(func=cmd_explain)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    func: Command = args.func
    try:
        return func(args)
    except UsageError as exc:
        print(f"underlay: usage error: {exc}", file=sys.stderr)
        return EXIT_FAULT
    except EngineError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"underlay: error: {exc}", file=sys.stderr)
        return EXIT_FAULT
    except KeyboardInterrupt:
        print("underlay: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        else:
            print(
                f"underlay: internal error: {type(exc).__name__}: {exc} "
                "(run with --debug for the traceback, and please report it)",
                file=sys.stderr,
            )
        return EXIT_FAULT


if __name__ == "__main__":
    sys.exit(main())
