"""The `underlay` command: parse arguments, call a stage, render its result through a view.

No business logic lives here. Exit codes (stable): 0 ok, 1 problems in the user's data or
devices, 2 usage error or engine fault.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import __version__
from engine.diagnostics import has_errors
from engine.errors import EngineError, Unavailable, UsageError
from engine.load.repo import resolve_repo
from engine.validate import ValidationResult, validate
from engine.views.diagnostics import VIEWS, Report

if TYPE_CHECKING:
    from engine.lab import LabError
    from engine.model.layout import Inventory

# Stage modules are imported inside the command that needs them: `underlay validate` must not
# pay for Nornir, NAPALM, paramiko or gitpython (the warm-validate target is one second).

EXIT_OK, EXIT_PROBLEMS, EXIT_FAULT = 0, 1, 2
Command = Callable[[argparse.Namespace], int]


def _emit(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


_BATCH = {"done": False}


def _one_batch() -> None:
    """This process runs one batch command, then exits: with the cyclic collector back on, its
    first pass would scan every object of the inventory once more (0.6 s for 15,000 files),
    and freeing them one by one on the way out costs 50 ms more (see `run`)."""
    gc.disable()
    _BATCH["done"] = True


def cmd_validate(args: argparse.Namespace) -> int:
    _one_batch()
    result = validate(resolve_repo(args.repo), incremental=not args.no_cache, models=False)
    _emit(VIEWS[args.format](Report("validate", result.diagnostics, result.files)), args.output)
    return EXIT_OK if result.ok else EXIT_PROBLEMS


def cmd_check(args: argparse.Namespace) -> int:
    from engine.secrets import redactor_for  # noqa: PLC0415
    from engine.standards import check as standards_check  # noqa: PLC0415

    repo = resolve_repo(args.repo)
    _one_batch()
    result = standards_check(repo, args.today or date.today(), incremental=not args.no_cache)
    report = Report("check", result.diagnostics, result.files, result.rules)
    # findings quote values; SARIF and annotations leave the machine
    redactor = redactor_for(repo, result.inventory, result.credentials)
    _emit(redactor.redact(VIEWS[args.format](report)), args.output)
    return EXIT_OK if result.ok else EXIT_PROBLEMS


def cmd_standards_docs(args: argparse.Namespace) -> int:
    from engine.standards import handbook  # noqa: PLC0415
    from engine.standards import load as standards_load  # noqa: PLC0415

    library = standards_load(resolve_repo(args.repo))
    if has_errors(library.diagnostics):
        report = Report("standards docs", library.diagnostics, library.files)
        sys.stderr.write(VIEWS["text"](report))
        return EXIT_PROBLEMS
    _emit(handbook.render(library), args.output)
    return EXIT_OK


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def cmd_schemas(args: argparse.Namespace) -> int:
    from engine import schemagen  # noqa: PLC0415

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
    from engine.views import codes  # noqa: PLC0415

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


class _InvalidInventory(Exception):
    """Raised by _inventory; main() shows validate's diagnostics and exits 1."""

    def __init__(self, result: ValidationResult) -> None:
        super().__init__("invalid inventory")
        self.result = result


def _inventory(args: argparse.Namespace) -> tuple[Path, Inventory]:
    """The repository and its validated inventory, for commands that need a valid one."""
    repo = resolve_repo(args.repo)
    result = validate(repo)
    if not result.ok:
        raise _InvalidInventory(result)
    return repo, result.inventory


def _invalid(result: ValidationResult) -> int:
    """Commands that need a valid inventory show validate's errors and stop."""
    sys.stderr.write(VIEWS["text"](Report("validate", result.diagnostics, result.files)))
    return EXIT_PROBLEMS


def cmd_render(args: argparse.Namespace) -> int:
    from engine.render import render_all, write  # noqa: PLC0415
    from engine.views import render as render_view  # noqa: PLC0415

    result = validate(resolve_repo(args.repo))
    if not result.ok:
        return _invalid(result)
    unknown = [name for name in args.device or [] if result.inventory.node(name) is None]
    if unknown:
        raise UsageError(f"--device {', '.join(unknown)}: no such device or server in the repo")
    rendered = render_all(result.inventory, args.device)
    for line in render_view.skipped_lines(rendered):
        print(f"underlay: {line}", file=sys.stderr)
    if args.out:
        print(f"wrote {len(write(rendered, Path(args.out)))} files under {args.out}")
    else:
        sys.stdout.write(render_view.VIEWS[args.format](rendered))
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    from engine.plan.run import run_plan  # noqa: PLC0415 - deferred: device commands only
    from engine.views import plan as plan_view  # noqa: PLC0415

    repo, inventory = _inventory(args)
    plan = run_plan(
        repo, inventory, args.limit or (), workers=args.workers, lab_state_dir=args.lab_state_dir
    )
    if args.out:
        Path(args.out).write_text(plan_view.json_view(plan), encoding="utf-8")
    if args.format == "markdown":
        artifact = args.out or "plan.json"
        sys.stdout.write(plan_view.markdown(plan, limit=args.comment_limit, artifact=artifact))
    else:
        view = plan_view.json_view if args.format == "json" else plan_view.text
        sys.stdout.write(view(plan))
    if not plan.complete:
        return EXIT_PROBLEMS
    return 2 if args.detailed_exitcode and plan.has_changes else EXIT_OK


def cmd_drift(args: argparse.Namespace) -> int:
    from engine.plan.run import run_drift  # noqa: PLC0415 - deferred: device commands only
    from engine.views import plan as plan_view  # noqa: PLC0415

    repo, inventory = _inventory(args)
    report = run_drift(
        repo,
        inventory,
        workers=args.workers,
        record=not args.no_record,
        lab_state_dir=args.lab_state_dir,
    )
    _emit(plan_view.drift_views[args.format](report), args.output)
    if not report.plan.complete:
        return EXIT_PROBLEMS
    return 2 if report.drifted else EXIT_OK


def cmd_lab_up(args: argparse.Namespace) -> int:
    from engine import lab  # noqa: PLC0415
    from engine.views import lab as lab_view  # noqa: PLC0415

    result = validate(resolve_repo(args.repo))
    if not result.ok:
        return _invalid(result)
    build = lab.lab_spec(result.inventory, converged=args.converged)
    if lab.runs(build.spec, args.state_dir):
        print(
            f"the lab of this inventory is already up ({len(build.spec.nodes)} nodes in "
            f"{args.state_dir}); `underlay lab down` first to build it afresh"
        )
        return EXIT_OK
    try:
        report = lab.up(build.spec, args.state_dir, timeout=args.timeout)
    except lab.LabError as exc:
        return _lab_failed("up", exc, args.state_dir)
    if args.format == "json":
        sys.stdout.write(lab_view.up_json(build, report))
    else:
        state = lab.read_state(lab.LabPaths(Path(args.state_dir)))
        sys.stdout.write(lab_view.up_text(build, report, state))
    return EXIT_OK


def cmd_lab_down(args: argparse.Namespace) -> int:
    from engine import lab  # noqa: PLC0415
    from engine.views import lab as lab_view  # noqa: PLC0415

    try:
        report = lab.down(args.state_dir)
    except lab.LabError as exc:
        return _lab_failed("down", exc, args.state_dir)
    sys.stdout.write(lab_view.down_text(report))
    return EXIT_PROBLEMS if report.leftovers else EXIT_OK


def cmd_lab_status(args: argparse.Namespace) -> int:
    from engine import lab  # noqa: PLC0415
    from engine.views import lab as lab_view  # noqa: PLC0415

    try:
        status = lab.status(args.state_dir)
    except lab.LabNotUpError:
        print(f"underlay: no lab in {args.state_dir}: start one with `underlay lab up`")
        return EXIT_PROBLEMS
    view = lab_view.status_json if args.format == "json" else lab_view.status_text
    sys.stdout.write(view(status))
    return EXIT_OK


def _lab_failed(step: str, exc: LabError, state_dir: Path) -> int:
    from engine import lab  # noqa: PLC0415

    """The host or the lab, not the engine, is at fault: say what to do, exit 1."""
    print(f"underlay: lab {step}: {exc}", file=sys.stderr)
    if isinstance(exc, lab.LabBuildError | lab.ConvergenceTimeout):
        print(f"underlay: clean up: underlay lab down --state-dir {state_dir}", file=sys.stderr)
    return EXIT_PROBLEMS


def _formats(parser: argparse.ArgumentParser, choices: Sequence[str]) -> None:
    parser.add_argument(
        "--format", choices=list(choices), default="text", help="output format (default: text)"
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (for speed) only `command`'s group with the others as stubs."""
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
    for names, register, helps in GROUPS:
        if command is None or command in names:
            _registrar(register)(sub)
        else:
            for name, text in zip(names, helps, strict=True):
                sub.add_parser(name, help=text, add_help=False)
    return parser


def _registrar(register: str | Callable[[Any], None]) -> Callable[[Any], None]:
    """A group's registration function; "module:function" is imported only when needed."""
    if callable(register):
        return register
    module, _, function = register.partition(":")
    found: Callable[[Any], None] = getattr(importlib.import_module(module), function)
    return found


def _no_cache(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="re-read every file (by default unchanged files' results come from .underlay/cache/)",
    )


def _add_core(sub: Any) -> None:
    p = sub.add_parser("validate", help="check YAML, schemas, references and consistency")
    _formats(p, ["text", "json", "github", "sarif", "junit"])
    _no_cache(p)
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("check", help="validate, then check the standards (with waivers)")
    _formats(p, ["text", "json", "github", "sarif", "junit"])
    _no_cache(p)
    p.add_argument(
        "--today", type=_iso_date, metavar="YYYY-MM-DD", help="judge dates as of this day"
    )
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("standards", help="the standards library (standards/*.yaml)")
    standards = p.add_subparsers(dest="standards_command", metavar="COMMAND", required=True)
    p = standards.add_parser("docs", help="render the standards as a Markdown handbook")
    p.add_argument("--output", "-o", metavar="FILE", help="write the handbook to FILE")
    p.set_defaults(func=cmd_standards_docs)
    p = sub.add_parser("schemas", help="write the JSON Schemas into schemas/ (or --check them)")
    p.add_argument("--check", action="store_true", help="exit 1 if schemas/ is stale")
    p.set_defaults(func=cmd_schemas)
    p = sub.add_parser("explain", help="explain a diagnostic code (or --all as Markdown)")
    p.add_argument("code", nargs="?", help="a code such as Y102")
    p.add_argument("--all", action="store_true", help="the whole catalogue, as Markdown")
    p.set_defaults(func=cmd_explain)
    _add_render(sub)


def _add_render(sub: Any) -> None:
    p = sub.add_parser("render", help="render the intended configs of devices and servers")
    p.add_argument("--device", action="append", metavar="NAME", help="only NAME (repeatable)")
    p.add_argument("--out", metavar="DIR", help="write DIR/<name>/<path> files instead of printing")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_render)


def _add_plan(sub: Any) -> None:
    from engine.lab.state import DEFAULT_STATE_DIR  # noqa: PLC0415

    plan = p = sub.add_parser(
        "plan", help="what applying the repository would change, device by device"
    )
    p.add_argument(
        "--limit",
        nargs="+",
        metavar="SELECTOR",
        help="names (globs) or site:X, role:X, tag:X, platform:X, kind:server",
    )
    p.add_argument("--out", metavar="FILE", help="save the plan (JSON) for `underlay apply`")
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    p.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 0 = no changes, 1 = error, 2 = changes",
    )
    p.add_argument("--workers", type=int, default=20, help="devices contacted in parallel")
    p.add_argument(
        "--comment-limit",
        type=int,
        default=60_000,
        help="--format markdown: characters at most (a pull-request comment)",
    )
    p.set_defaults(func=cmd_plan)
    p = sub.add_parser("drift", help="live state against main: out-of-band or pending changes")
    _formats(p, ["text", "json", "markdown"])
    p.add_argument("--workers", type=int, default=20, help="devices contacted in parallel")
    p.add_argument("--no-record", action="store_true", help="do not write a drift record")
    p.set_defaults(func=cmd_drift)
    for verb in (plan, p):
        verb.add_argument(
            "--lab-state-dir",
            type=Path,
            default=DEFAULT_STATE_DIR,
            help="for a repository whose devices live in the lab: its state dir",
        )


def _add_lab(sub: Any) -> None:
    from engine import lab  # noqa: PLC0415

    lab_parser = sub.add_parser("lab", help="the local device lab built from the inventory")
    verbs = lab_parser.add_subparsers(dest="lab_command", metavar="VERB", required=True)
    up = verbs.add_parser("up", help="build the lab (brownfield unless --converged) and wait")
    up.add_argument(
        "--converged", action="store_true", help="start every node with its intended config"
    )
    up.add_argument("--timeout", type=float, default=60, help="seconds to wait for convergence")
    up.add_argument("--format", choices=["text", "json"], default="text")
    up.set_defaults(func=cmd_lab_up)
    down = verbs.add_parser("down", help="remove everything the lab created")
    down.set_defaults(func=cmd_lab_down)
    status = verbs.add_parser("status", help="nodes, daemons, BGP sessions, LLDP neighbours")
    status.add_argument("--format", choices=["text", "json"], default="text")
    status.set_defaults(func=cmd_lab_status)
    for verb in (up, down, status):
        verb.add_argument(
            "--state-dir",
            type=Path,
            default=lab.DEFAULT_STATE_DIR,
            help=f"where the lab keeps its state (default: {lab.DEFAULT_STATE_DIR})",
        )


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
    command = _command_word(argv)
    known = {name for names, _, _ in GROUPS for name in names}
    parser = build_parser(command if command in known else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    func: Command = args.func
    try:
        return func(args)
    except (Exception, KeyboardInterrupt) as exc:
        return _fault(exc, debug=args.debug)


def _fault(exc: BaseException, *, debug: bool) -> int:
    """What the user sees of an exception, and the exit code (never a traceback unless --debug)."""
    if isinstance(exc, _InvalidInventory):
        return _invalid(exc.result)
    if debug and not isinstance(exc, UsageError | Unavailable | KeyboardInterrupt):
        traceback.print_exception(exc)
    message, code = next(
        (found for kind, found in _FAULTS.items() if isinstance(exc, kind)), ("", EXIT_FAULT)
    )
    if isinstance(exc, EngineError | UsageError | KeyboardInterrupt):
        print(f"underlay: {message}{exc}".rstrip(": "), file=sys.stderr)
    elif not debug:
        print(
            f"underlay: internal error: {type(exc).__name__}: {exc} "
            "(run with --debug for the traceback, and please report it)",
            file=sys.stderr,
        )
    return code


# exception kind -> (message prefix, exit code), most specific first
_FAULTS: dict[type[BaseException], tuple[str, int]] = {
    Unavailable: ("", EXIT_PROBLEMS),
    UsageError: ("usage error: ", EXIT_FAULT),
    EngineError: ("error: ", EXIT_FAULT),
    KeyboardInterrupt: ("interrupted", 130),
}


# (command names, registration, one-line help of each): the parser of a group is built only
# when its command runs, so its imports are paid for only then
GROUPS: tuple[tuple[tuple[str, ...], str | Callable[[Any], None], tuple[str, ...]], ...] = (
    (
        ("validate", "check", "standards", "schemas", "explain", "render"),
        _add_core,
        (
            "check YAML, schemas, references and consistency",
            "validate, then check the standards (with waivers)",
            "the standards library",
            "write the JSON Schemas into schemas/ (or --check them)",
            "explain a diagnostic code",
            "render the intended configs of devices and servers",
        ),
    ),
    (("lab",), _add_lab, ("the local device lab built from the inventory",)),
    (
        ("plan", "drift"),
        _add_plan,
        (
            "what applying the repository would change, device by device",
            "live state against main: out-of-band or pending changes",
        ),
    ),
    (("pipeline",), "engine.pipeline.commands:add_parser", ("run a declared CI pipeline",)),
    (
        ("report", "metrics"),
        "engine.report.commands:add_parsers",
        ("the standard status report", "Prometheus metrics for a textfile collector"),
    ),
    (("init",), "engine.scaffold.commands:add_parser", ("scaffold a new repository",)),
    (("audit",), "engine.audit.commands:add_parser", ("the audit trail in git",)),
    (("apply",), "engine.apply.commands:add_parser", ("apply a saved plan, safely",)),
)


def run() -> None:
    """The `underlay` command: main(), then exit. After a batch command (validate, check) the
    process leaves without freeing the inventory object by object: its output is flushed and
    it holds nothing else (no files, locks or workers) the operating system would not free."""
    code = main()
    if not _BATCH["done"]:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # e.g. a closed pipe (`underlay check | head`)
        code = code or EXIT_FAULT
    os._exit(code)


if __name__ == "__main__":
    run()
