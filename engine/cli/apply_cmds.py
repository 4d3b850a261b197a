"""`underlay apply PLANFILE`: 0 applied, nothing to change or already applied; 1 refused
(stale plan, outside a change window, unwaived standard errors, locked) or a device failed."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from engine.apply.model import DEFAULT_BATCH, DEFAULT_CANARY, DEFAULT_CONFIRM_TIMEOUT, Options
from engine.cli import exits
from engine.cli.common import (
    device_inputs,
    device_options,
    executor_for,
    executor_option,
    format_option,
    monitoring_settings,
    valid_inventory,
)
from engine.cli.output import Output
from engine.cli.progress import progress_for
from engine.errors import UsageError

if TYPE_CHECKING:
    from engine.apply.silence import Monitoring


def cmd_apply(args: argparse.Namespace, out: Output) -> int:
    from engine.apply import planfile  # noqa: PLC0415 - device commands only
    from engine.apply.run import apply_plan  # noqa: PLC0415
    from engine.plan.model import Action  # noqa: PLC0415
    from engine.views import apply as view  # noqa: PLC0415

    options = _options(args)
    repo, inventory = valid_inventory(args)
    options = replace(options, monitoring=_monitoring(args, repo))
    intended, store = device_inputs(args, repo, inventory, [*inventory.devices, *inventory.servers])
    plan, _, _ = planfile.read(Path(args.planfile))  # for the count; apply reads it for itself
    changes = sum(d.action is Action.UPDATE for d in plan.devices) if plan else 0
    with executor_for(args, repo) as executor, progress_for(out, "apply", changes) as progress:
        report = apply_plan(
            repo,
            inventory,
            Path(args.planfile),
            options,
            intended,
            store,
            progress=progress,
            executor=executor,
        )
    out.out((view.json_view if args.format == "json" else view.text)(report))
    return exits.outcome(report.ok)


def _monitoring(args: argparse.Namespace, repo: Path) -> Monitoring:
    """The Alertmanager of the repository's settings, where the changed devices are silenced."""
    from engine.apply.silence import Monitoring  # noqa: PLC0415
    from engine.cli.lab_plug import monitoring_api  # noqa: PLC0415
    from engine.monitoring.api import Alertmanager  # noqa: PLC0415

    endpoint = monitoring_settings(repo).alertmanager
    api, unavailable = monitoring_api(endpoint.url if endpoint else None, args.lab_state_dir)
    return Monitoring(Alertmanager(api) if api else None, unavailable)


def _options(args: argparse.Namespace) -> Options:
    if args.emergency and not (args.reason or "").strip():
        raise UsageError("--emergency needs --reason TEXT: why this cannot wait for a window")
    if args.reason and not args.emergency:
        raise UsageError("--reason goes with --emergency")
    for flag, value in (("--canary", args.canary), ("--batch", args.batch)):
        if value < 1:
            raise UsageError(f"{flag} must be at least 1")
    if args.confirm_timeout < 10:
        raise UsageError("--confirm-timeout must be at least 10 seconds (verification needs it)")
    return Options(
        canary=args.canary,
        batch=args.batch,
        confirm_timeout=args.confirm_timeout,
        emergency_reason=args.reason if args.emergency else None,
        break_lock=args.break_lock,
    )


def register(parsers: Mapping[str, argparse.ArgumentParser]) -> None:
    p = parsers["apply"]
    p.add_argument("planfile", metavar="PLANFILE", help="the plan file of `underlay plan --out`")
    p.add_argument("--canary", type=int, default=DEFAULT_CANARY, help="devices in the first batch")
    p.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="devices per later batch")
    p.add_argument(
        "--confirm-timeout",
        type=int,
        default=DEFAULT_CONFIRM_TIMEOUT,
        metavar="S",
        help="seconds after which a device reverts a commit that was not confirmed",
    )
    p.add_argument(
        "--emergency",
        action="store_true",
        help="apply outside change windows and freezes, or despite unwaived standard errors",
    )
    p.add_argument("--reason", metavar="TEXT", help="why (required with --emergency; recorded)")
    p.add_argument(
        "--break-lock",
        action="store_true",
        help="take over the lock of an apply that died (its process must be gone)",
    )
    device_options(p)
    executor_option(p)
    format_option(p, ["text", "json"])
    p.set_defaults(func=cmd_apply)
