"""`underlay lab up|down|status`: the device lab of the inventory. A fault of the lab or of
the host (engine.lab.LabError) exits 1, saying what to do (engine.cli.exits)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from engine import lab
from engine.cli import exits
from engine.cli.common import format_option, valid_inventory
from engine.cli.output import Output
from engine.cli.progress import progress_for
from engine.views import lab as view


def cmd_up(args: argparse.Namespace, out: Output) -> int:
    _, inventory = valid_inventory(args)
    build = lab.lab_spec(inventory, converged=args.converged)
    if lab.runs(build.spec, args.state_dir):
        out.say(
            f"the lab of this inventory is already up ({len(build.spec.nodes)} nodes in "
            f"{args.state_dir}); `underlay lab down` first to build it afresh"
        )
        return exits.OK
    steps = 3 * len(build.spec.nodes)  # built, started, converged
    try:
        with progress_for(out, "lab up", total=steps) as progress:
            report = lab.up(
                build.spec,
                args.state_dir,
                timeout=args.timeout,
                step=lambda node, what: progress.done(node, what, False),
            )
    except (lab.LabBuildError, lab.ConvergenceTimeout) as exc:
        exc.add_note(f"clean up: underlay lab down --state-dir {args.state_dir}")
        raise
    if args.format == "json":
        out.out(view.up_json(build, report))
    else:
        out.out(view.up_text(build, report, lab.read_state(lab.LabPaths(args.state_dir))))
    return exits.OK


def cmd_down(args: argparse.Namespace, out: Output) -> int:
    report = lab.down(args.state_dir)
    out.out(view.down_text(report))
    return exits.outcome(not report.leftovers)


def cmd_status(args: argparse.Namespace, out: Output) -> int:
    try:
        status = lab.status(args.state_dir)
    except lab.LabNotUpError:  # a status like any other: there is none
        out.say(f"underlay: no lab in {args.state_dir}: start one with `underlay lab up`")
        return exits.PROBLEMS
    out.out((view.status_json if args.format == "json" else view.status_text)(status))
    return exits.OK


def register(parsers: Mapping[str, argparse.ArgumentParser]) -> None:
    verbs = parsers["lab"].add_subparsers(dest="lab_command", metavar="VERB", required=True)
    up = verbs.add_parser("up", help="build the lab (brownfield unless --converged) and wait")
    up.add_argument(
        "--converged", action="store_true", help="start every node with its intended config"
    )
    up.add_argument("--timeout", type=float, default=60, help="seconds to wait for convergence")
    format_option(up, ["text", "json"])
    up.set_defaults(func=cmd_up)
    down = verbs.add_parser("down", help="remove everything the lab created")
    down.set_defaults(func=cmd_down)
    status = verbs.add_parser("status", help="nodes, daemons, BGP sessions, LLDP neighbours")
    format_option(status, ["text", "json"])
    status.set_defaults(func=cmd_status)
    for verb in (up, down, status):
        verb.add_argument(
            "--state-dir",
            type=Path,
            default=lab.DEFAULT_STATE_DIR,
            help=f"where the lab keeps its state (default: {lab.DEFAULT_STATE_DIR})",
        )
