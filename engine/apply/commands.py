"""`underlay apply PLANFILE`: parse arguments, call the apply stage, render through views.apply.

Exit codes: 0 applied, no changes, or already applied; 1 refused (stale plan, outside a change
window, unwaived standard errors, locked, invalid settings) or a device failed; 2 usage error or
engine fault.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine import lab
from engine.apply.model import DEFAULT_BATCH, DEFAULT_CANARY, DEFAULT_CONFIRM_TIMEOUT, Options
from engine.errors import UsageError
from engine.load.repo import resolve_repo

EXIT_OK, EXIT_PROBLEMS = 0, 1


def cmd_apply(args: argparse.Namespace) -> int:
    from engine.apply.run import apply_plan  # noqa: PLC0415 - device commands only
    from engine.validate import validate  # noqa: PLC0415
    from engine.views import apply as view  # noqa: PLC0415
    from engine.views.diagnostics import VIEWS, Report  # noqa: PLC0415

    if args.emergency and not (args.reason or "").strip():
        raise UsageError("--emergency needs --reason TEXT: why this cannot wait for a window")
    if args.reason and not args.emergency:
        raise UsageError("--reason goes with --emergency")
    repo = resolve_repo(args.repo)
    result = validate(repo)
    if not result.ok:
        sys.stderr.write(VIEWS["text"](Report("validate", result.diagnostics, result.files)))
        return EXIT_PROBLEMS
    report = apply_plan(repo, result.inventory, Path(args.planfile), _options(args))
    sys.stdout.write(view.json_view(report) if args.format == "json" else view.text(report))
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def _options(args: argparse.Namespace) -> Options:
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
        lab_state_dir=args.lab_state_dir,
    )


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "apply", help="apply a saved plan: canary, batches, commit-confirm, verify, record"
    )
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
    p.add_argument(
        "--lab-state-dir",
        type=Path,
        default=lab.DEFAULT_STATE_DIR,
        help="for a repository whose devices live in the lab: its state dir",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_apply)
