"""The commands on the repository alone: validate, check, standards docs, schemas, explain,
render. None contacts a device; validate and check are batch commands (engine.batch)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from engine.batch import one_batch_process
from engine.cli import exits
from engine.cli.common import (
    format_option,
    monitoring_settings,
    report_options,
    require_valid,
    today_option,
    valid_inventory,
)
from engine.cli.output import Output
from engine.diagnostics import Diagnostic, has_errors
from engine.errors import UsageError
from engine.load.repo import resolve_repo
from engine.views.diagnostics import VIEWS, Report

# engine.execute.settings's file, named here: validate imports that module only when it exists
SETTINGS_FILE = "underlay.yaml"

if TYPE_CHECKING:
    from engine.model.layout import Inventory

DIAGNOSTIC_FORMATS = list(VIEWS)


def cmd_validate(args: argparse.Namespace, out: Output) -> int:
    from engine.validate import validate  # noqa: PLC0415

    one_batch_process()
    repo = resolve_repo(args.repo)
    result = validate(repo, incremental=not args.no_cache, models=False)
    diagnostics, files = _with_settings(repo, result.diagnostics, result.files)
    out.to(args.output, VIEWS[args.format](Report("validate", diagnostics, files)))
    return exits.outcome(result.ok and not has_errors(diagnostics))


def _with_settings(
    repo: Path, diagnostics: Sequence[Diagnostic], files: int
) -> tuple[list[Diagnostic], int]:
    """The repository's settings file (underlay.yaml: where device tasks run, monitoring) is
    checked with the inventory, so a pull request that breaks it fails validate, not the
    next plan."""
    if not (repo / SETTINGS_FILE).is_file():
        return list(diagnostics), files
    from engine.execute.settings import load as load_settings  # noqa: PLC0415 - only with one

    return [*diagnostics, *load_settings(repo).diagnostics], files + 1


def cmd_check(args: argparse.Namespace, out: Output) -> int:
    from engine.standards import check  # noqa: PLC0415

    repo = resolve_repo(args.repo)
    one_batch_process()
    result = check(repo, args.today or date.today(), incremental=not args.no_cache)
    diagnostics, files = _with_settings(repo, result.diagnostics, result.files)
    report = Report("check", diagnostics, files, result.rules)
    out.to(args.output, VIEWS[args.format](report))
    return exits.outcome(result.ok and not has_errors(diagnostics))


def cmd_standards_docs(args: argparse.Namespace, out: Output) -> int:
    from engine.standards import handbook  # noqa: PLC0415
    from engine.standards import load as standards_load  # noqa: PLC0415

    library = standards_load(resolve_repo(args.repo))
    report = Report("standards docs", library.diagnostics, library.files)
    require_valid(report, not has_errors(library.diagnostics))
    out.to(args.output, handbook.render(library))
    return exits.OK


def cmd_schemas(args: argparse.Namespace, out: Output) -> int:
    from engine import schemagen  # noqa: PLC0415

    if args.markdown:
        from engine.views import inventory_doc  # noqa: PLC0415

        out.out(inventory_doc.render())
        return exits.OK
    folder = resolve_repo(args.repo) / "schemas"
    if not args.check:
        for status in schemagen.write(folder):
            out.say(f"wrote {status.path}")
        return exits.OK
    bad = [s for s in schemagen.check(folder) if s.state != "current"]
    for status in bad:
        out.say(f"{status.path}: {status.state}: run `underlay schemas` and commit the result")
    if not bad:
        out.say(f"schemas in {folder} are current")
    return exits.outcome(not bad)


def cmd_explain(args: argparse.Namespace, out: Output) -> int:
    from engine.views import codes  # noqa: PLC0415

    if args.all:
        out.out(codes.catalogue_markdown())
        return exits.OK
    if not args.code:
        raise UsageError("name a diagnostic code (e.g. `underlay explain Y102`) or use --all")
    text = codes.explain(args.code)
    if text is None:
        out.note(f"unknown diagnostic code {args.code!r}")
        return exits.PROBLEMS
    out.out(text)
    return exits.OK


def cmd_render(args: argparse.Namespace, out: Output) -> int:
    from engine.render import render_all  # noqa: PLC0415
    from engine.views import render as view  # noqa: PLC0415

    repo, inventory = valid_inventory(args)
    if args.monitoring or args.lab_monitoring:
        return _render_monitoring(args, out, repo, inventory)
    unknown = [name for name in args.device or [] if inventory.node(name) is None]
    if unknown:
        raise UsageError(f"--device {', '.join(unknown)}: no such device or server in the repo")
    rendered = render_all(inventory, args.device)
    for line in view.skipped_lines(rendered):
        out.note(line)
    if args.out:
        written = out.files(Path(args.out), view.files(rendered))
        out.say(f"wrote {len(written)} files under {args.out}")
    else:
        out.out(view.VIEWS[args.format](rendered))
    return exits.OK


def _render_monitoring(
    args: argparse.Namespace, out: Output, repo: Path, inventory: Inventory
) -> int:
    from engine.monitoring.generate import generate  # noqa: PLC0415
    from engine.monitoring.settings import for_lab  # noqa: PLC0415

    if args.device:
        raise UsageError("--monitoring covers every device and server: drop --device")
    settings = monitoring_settings(repo)
    files = generate(inventory, for_lab(settings) if args.lab_monitoring else settings)
    if args.out:
        written = out.files(Path(args.out), files)
        out.say(
            f"wrote {len(written)} files under {args.out}: promtool check config "
            f"{Path(args.out) / 'prometheus.yml'}"
        )
    elif args.format == "json":
        out.out(json.dumps({"files": files}, indent=1) + "\n")
    else:
        out.out("\n".join(f"==> {path} <==\n{text}" for path, text in files.items()))
    return exits.OK


def register(parsers: Mapping[str, argparse.ArgumentParser]) -> None:
    for name, func in (("validate", cmd_validate), ("check", cmd_check)):
        p = parsers[name]
        report_options(p, DIAGNOSTIC_FORMATS)
        p.add_argument(
            "--no-cache",
            action="store_true",
            help="re-read every file (by default unchanged files' results come from "
            ".underlay/cache/)",
        )
        p.set_defaults(func=func)
    today_option(parsers["check"])
    _standards(parsers["standards"])
    p = parsers["schemas"]
    p.add_argument("--check", action="store_true", help="exit 1 if schemas/ is stale")
    p.add_argument("--markdown", action="store_true",
                   help="print the inventory format (every kind and field, with examples) as "
                   "Markdown: docs/inventory.md")
    p.set_defaults(func=cmd_schemas)
    p = parsers["explain"]
    p.add_argument("code", nargs="?", help="a code such as Y102")
    p.add_argument("--all", action="store_true", help="the whole catalogue, as Markdown")
    p.set_defaults(func=cmd_explain)
    _render(parsers["render"])


def _standards(parser: argparse.ArgumentParser) -> None:
    verbs = parser.add_subparsers(dest="standards_command", metavar="COMMAND", required=True)
    p = verbs.add_parser("docs", help="render the standards as a Markdown handbook")
    p.add_argument("--output", "-o", metavar="FILE", help="write the handbook to FILE")
    p.set_defaults(func=cmd_standards_docs)


def _render(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", action="append", metavar="NAME", help="only NAME (repeatable)")
    p.add_argument("--out", metavar="DIR", help="write DIR/<name>/<path> files instead of printing")
    p.add_argument(
        "--monitoring",
        action="store_true",
        help="the Prometheus configuration instead: scrape targets, blackbox probes, alert "
        "rules from the SLAs (docs/monitoring.md)",
    )
    p.add_argument(
        "--lab-monitoring",
        action="store_true",
        help="--monitoring with the lab's short intervals: what `lab up --monitoring` runs",
    )
    format_option(p, ["text", "json"])  # engine.views.render's (it imports Jinja2)
    p.set_defaults(func=cmd_render)
