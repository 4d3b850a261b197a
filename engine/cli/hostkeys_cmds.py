"""`underlay hostkeys scan`: the SSH host key each device presents, against the pinned ones
(inventory/known_hosts); `--accept` pins new keys. 0 every key pinned; 1 a key new and not
accepted, a changed key not replaced, a device unreachable, or a bad known_hosts file."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from engine.cli import exits
from engine.cli.common import device_options, format_option, limit_option, valid_inventory
from engine.cli.output import Output


def cmd_scan(args: argparse.Namespace, out: Output) -> int:
    from engine.cli.lab_plug import credential_store  # noqa: PLC0415
    from engine.collect.hostkeys import accept, scan  # noqa: PLC0415 - device commands only
    from engine.lab import require_running  # noqa: PLC0415
    from engine.plan.run import select  # noqa: PLC0415
    from engine.views import hostkeys as view  # noqa: PLC0415

    repo, inventory = valid_inventory(args)
    names = select(inventory, args.limit or ())
    require_running(inventory, args.lab_state_dir)  # a lab repository: its lab is up
    store = credential_store(repo, inventory, args.lab_state_dir)
    report = scan(repo, inventory, names, store, workers=args.workers, timeout=args.timeout)
    pinned = accept(repo, inventory, report, replace=args.replace) if args.accept else []
    out.out((view.json_view if args.format == "json" else view.text)(report, pinned))
    refused = [d for d in report.devices if d.status != "known" and d.name not in pinned]
    return exits.outcome(not refused)


def register(parsers: Mapping[str, argparse.ArgumentParser]) -> None:
    verbs = parsers["hostkeys"].add_subparsers(
        dest="hostkeys_command", metavar="VERB", required=True
    )
    p = verbs.add_parser("scan", help="show each device's host key against the pinned ones")
    limit_option(p)
    p.add_argument("--accept", action="store_true", help="pin new keys in inventory/known_hosts")
    p.add_argument(
        "--replace",
        action="store_true",
        help="with --accept: replace changed keys too (check them on the console first)",
    )
    p.add_argument("--workers", type=int, default=20, help="devices contacted in parallel")
    p.add_argument("--timeout", type=float, default=10, help="seconds per device")
    format_option(p, ["text", "json"])
    device_options(p)
    p.set_defaults(func=cmd_scan)
