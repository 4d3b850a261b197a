"""`underlay worker --queue NAME`: a Celery worker for the device tasks of a site's queue.

It runs where the site's devices are reachable, with that place's credentials (its own
environment, secrets file, and the lab's user for a lab repository): none travel through the
broker. The broker is the repository's (underlay.yaml execution.broker, or
$UNDERLAY_BROKER_URL). It runs until stopped (SIGTERM, Ctrl-C: exit 130).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from engine.cli import exits
from engine.cli.common import device_options, execution_settings, valid_inventory
from engine.cli.output import Output
from engine.errors import UsageError


def cmd_worker(args: argparse.Namespace, out: Output) -> int:
    from engine.apply import sessions  # noqa: PLC0415 - the worker's handlers
    from engine.cli.lab_plug import credential_store  # noqa: PLC0415
    from engine.collect import remote  # noqa: PLC0415
    from engine.onboard import remote as onboard_remote  # noqa: PLC0415

    try:
        from engine.execute import worker  # noqa: PLC0415 - optional: underlay[celery]
        from engine.execute.broker import shown  # noqa: PLC0415
    except ImportError as exc:
        raise UsageError(f"`underlay worker` needs the celery extra ({exc})") from None
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    repo, inventory = valid_inventory(args)
    url = execution_settings(repo).broker_url()
    if not url:
        raise UsageError("no broker: set execution.broker in underlay.yaml or $UNDERLAY_BROKER_URL")
    store = credential_store(repo, inventory, args.lab_state_dir)
    handlers = {
        remote.KIND: remote.run_collect,
        sessions.KIND: sessions.run_session,
        onboard_remote.KIND: onboard_remote.run_import,
    }
    out.note(f"worker {worker.node_name(args.queue)}: queue {args.queue} on {shown(url)}")
    out.flush()
    worker.serve(
        url, args.queue, handlers, store, concurrency=args.concurrency, loglevel=args.loglevel
    )
    return exits.OK


def register(parsers: Mapping[str, argparse.ArgumentParser]) -> None:
    p = parsers["worker"]
    p.add_argument("--queue", required=True, metavar="NAME", help="the queue to serve (a site's)")
    p.add_argument(
        "--concurrency", type=int, default=20, help="device tasks run at once (threads)"
    )
    p.add_argument(
        "--loglevel",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="Celery's log level (standard error)",
    )
    device_options(p)
    p.set_defaults(func=cmd_worker)
