"""`underlay lab up|down|status`: the device lab of the inventory. A fault of the lab or of
the host (engine.lab.LabError) exits 1, saying what to do (engine.cli.exits)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from engine import lab
from engine.cli import exits
from engine.cli.common import format_option, monitoring_settings, valid_inventory
from engine.cli.output import Output
from engine.cli.progress import progress_for
from engine.views import lab as view

if TYPE_CHECKING:
    from engine.model.layout import Inventory


def cmd_up(args: argparse.Namespace, out: Output) -> int:
    repo, inventory = valid_inventory(args)
    build = lab.lab_spec(inventory, converged=args.converged)
    bridge = str(build.spec.bridge_address.ip)
    files = _monitoring_files(repo, inventory, bridge) if args.monitoring else None
    if lab.runs(build.spec, args.state_dir):
        out.say(
            f"the lab of this inventory is already up ({len(build.spec.nodes)} nodes in "
            f"{args.state_dir}); `underlay lab down` first to build it afresh"
        )
        if files is not None and not lab.read_state(lab.LabPaths(args.state_dir)).monitoring:
            _start_monitoring(args, out, *files)
        return exits.OK
    if lab.stale(args.state_dir):  # recorded, but its daemons are gone: a reboot, a crash
        out.note(
            f"lab up: the lab recorded in {args.state_dir} is no longer running (daemons gone: "
            "the host restarted?); taking it down first"
        )
        lab.down(args.state_dir)
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
    if files is not None:
        _start_monitoring(args, out, *files)
    return exits.OK


def _monitoring_files(
    repo: Path, inventory: Inventory, bridge: str
) -> tuple[dict[str, str], lab.Listen]:
    """What `render --lab-monitoring` writes, and where the lab's daemons listen: at the
    addresses the repository's settings name (the bridge's, by default)."""
    from engine.monitoring.generate import generate  # noqa: PLC0415
    from engine.monitoring.settings import for_lab  # noqa: PLC0415

    settings = monitoring_settings(repo)
    listen = lab.Listen(
        prometheus=_netloc(settings.prometheus.url if settings.prometheus else None, bridge, 9090),
        alertmanager=_netloc(settings.alertmanager.url, bridge, 9093)
        if settings.alertmanager
        else None,
        blackbox=settings.blackbox_exporter,
        node_exporter_port=settings.node_exporter_port,
    )
    return generate(inventory, for_lab(settings)), listen


def _netloc(url: str | None, host: str, port: int) -> str:
    parts = urlsplit(url or "")
    return f"{parts.hostname or host}:{parts.port or port}"


def _start_monitoring(
    args: argparse.Namespace, out: Output, files: dict[str, str], listen: lab.Listen
) -> None:
    try:
        report = lab.start_monitoring(args.state_dir, files, listen)
    except lab.LabBuildError as exc:
        exc.add_note(f"clean up: underlay lab down --state-dir {args.state_dir}")
        raise
    out.out(view.monitoring_text(report))


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
    up.add_argument(
        "--monitoring",
        action="store_true",
        help="also run Prometheus, the blackbox exporter and Alertmanager on the management "
        "network, node_exporter in the servers (render --lab-monitoring; docs/monitoring.md)",
    )
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
