"""plan and drift: the repository against the live devices. Their exit code 2 means
"changes" (plan with --detailed-exitcode, drift always): every error is then 1 (exits)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from engine.batch import setting_up
from engine.cli import exits
from engine.cli.common import (
    device_inputs,
    device_options,
    executor_for,
    executor_option,
    format_option,
    limit_option,
    report_options,
    valid_inventory,
)
from engine.cli.output import Output
from engine.cli.progress import progress_for


def cmd_plan(args: argparse.Namespace, out: Output) -> int:
    with setting_up():
        from engine.plan.run import run_plan, select  # noqa: PLC0415 - device commands only
        from engine.views import plan as view  # noqa: PLC0415

        repo, inventory = valid_inventory(args)
        limit = args.limit or ()
        names = select(inventory, limit)
        intended, store = device_inputs(args, repo, inventory, names)
    with executor_for(args, repo) as executor, progress_for(out, "plan", len(names)) as progress:
        plan = run_plan(
            repo,
            inventory,
            intended,
            store,
            limit,
            workers=args.workers,
            progress=progress,
            executor=executor,
        )
    if args.out:
        out.file(args.out, view.json_view(plan))
    if args.format == "markdown":
        artifact = args.out or "plan.json"
        out.out(view.markdown(plan, limit=args.comment_limit, artifact=artifact))
    else:
        out.out((view.json_view if args.format == "json" else view.text)(plan))
    return exits.changes(plan.complete, plan.has_changes, detailed=args.detailed_exitcode)


def cmd_drift(args: argparse.Namespace, out: Output) -> int:
    with setting_up():
        from engine.plan.run import run_drift  # noqa: PLC0415 - deferred: device commands only
        from engine.views import plan as view  # noqa: PLC0415

        repo, inventory = valid_inventory(args)
        names = [*inventory.devices, *inventory.servers]
        intended, store = device_inputs(args, repo, inventory, names)
    with executor_for(args, repo) as executor, progress_for(out, "drift", len(names)) as progress:
        report = run_drift(
            repo,
            inventory,
            intended,
            store,
            workers=args.workers,
            record=not args.no_record,
            progress=progress,
            executor=executor,
        )
    out.to(args.output, view.drift_views[args.format](report))
    return exits.changes(report.plan.complete, report.drifted)


def register(parsers: Mapping[str, argparse.ArgumentParser]) -> None:
    p = parsers["plan"]
    limit_option(p)
    p.add_argument("--out", metavar="FILE", help="save the plan (JSON) for `underlay apply`")
    format_option(p, ["text", "markdown", "json"])
    p.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 0 = no changes, 1 = error (any kind), 2 = changes",
    )
    p.add_argument(
        "--comment-limit",
        type=int,
        default=60_000,
        help="--format markdown: characters at most (a pull-request comment)",
    )
    p.set_defaults(func=cmd_plan)
    p = parsers["drift"]
    report_options(p, ["text", "json", "markdown"])
    p.add_argument("--no-record", action="store_true", help="do not write a drift record")
    p.set_defaults(func=cmd_drift)
    for verb in (parsers["plan"], parsers["drift"]):
        verb.add_argument("--workers", type=int, default=20, help="devices contacted in parallel")
        device_options(verb)
        executor_option(verb)
