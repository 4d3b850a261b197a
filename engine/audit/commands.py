"""`underlay audit ...`: parse arguments, call the audit stage, render through views.audit.

Kept beside the stage so that engine/cli.py only registers it (`add_parser(sub)`); exit codes
follow the CLI contract: 0 ok, 1 problems found (a broken chain, no such device or value).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from engine.load.repo import resolve_repo

EXIT_OK, EXIT_PROBLEMS = 0, 1


def moment(end_of_day: bool) -> Callable[[str], datetime]:
    """YYYY-MM-DD (the day's start, or its end for --until/--at) or an ISO date-time (UTC
    unless it says otherwise)."""

    def parse(text: str) -> datetime:
        try:
            if len(text) == 10:
                day = datetime.combine(date.fromisoformat(text), time(), UTC)
                return day + timedelta(days=1, microseconds=-1) if end_of_day else day
            found = datetime.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a date (YYYY-MM-DD) or ISO date-time"
            ) from None
        return found if found.tzinfo else found.replace(tzinfo=UTC)

    return parse


def _write(text: str) -> None:
    sys.stdout.write(text)


def cmd_log(args: argparse.Namespace) -> int:
    from engine.audit.log import Filter, log  # noqa: PLC0415 - gitpython only when used
    from engine.views import audit as view  # noqa: PLC0415

    keep = Filter(args.device, args.since, args.until, args.author, args.kind)
    entries = log(resolve_repo(args.repo), keep)
    _write((view.log_json if args.format == "json" else view.log_text)(entries, args.device))
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from engine.audit.show import show  # noqa: PLC0415
    from engine.views import audit as view  # noqa: PLC0415

    result = show(resolve_repo(args.repo), args.device, args.at or datetime.now(UTC), args.main)
    _write((view.show_json if args.format == "json" else view.show_text)(result))
    return EXIT_OK if result.found else EXIT_PROBLEMS


def cmd_blame(args: argparse.Namespace) -> int:
    from engine.audit.blame import blame  # noqa: PLC0415
    from engine.views import audit as view  # noqa: PLC0415

    result = blame(resolve_repo(args.repo), args.device, args.field, args.main)
    _write((view.blame_json if args.format == "json" else view.blame_text)(result))
    return EXIT_PROBLEMS if result.problem else EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from engine.record import AuditStore, verify  # noqa: PLC0415
    from engine.views import audit as view  # noqa: PLC0415

    store = AuditStore(resolve_repo(args.repo))
    problems = verify(store, args.main, args.expect)
    count = len(store.entries())
    _write((view.verify_json if args.format == "json" else view.verify_text)(problems, count))
    return EXIT_PROBLEMS if problems else EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from engine.audit.export import export, write_bundle  # noqa: PLC0415
    from engine.secrets import redactor_for_repo  # noqa: PLC0415
    from engine.views import audit as view  # noqa: PLC0415

    repo = resolve_repo(args.repo)
    evidence = export(repo, args.since, args.until, args.main)
    out = Path(args.out or f"evidence-{args.since:%Y%m%d}-{args.until:%Y%m%d}")
    redact = redactor_for_repo(repo).redact
    written = write_bundle(
        {name: redact(body) for name, body in view.bundle(evidence).items()}, out
    )
    print(
        f"wrote {len(written)} file{'s' * (len(written) != 1)} to {out}: "
        f"{len(evidence.changes)} changes ({len(evidence.unapproved)} unapproved), "
        f"{len(evidence.runs)} run records, chain "
        f"{'intact' if not evidence.problems else 'BROKEN'}"
    )
    return EXIT_PROBLEMS if evidence.problems else EXIT_OK


def add_parser(sub: Any) -> None:
    audit = sub.add_parser("audit", help="the audit trail: records of apply and drift runs")
    verbs = audit.add_subparsers(dest="audit_command", metavar="VERB", required=True)
    p = verbs.add_parser("log", help="apply and drift records, oldest first")
    p.add_argument("--device", metavar="NAME", help="only records that touched NAME")
    p.add_argument("--since", type=moment(False), metavar="DATE")
    p.add_argument("--until", type=moment(True), metavar="DATE")
    p.add_argument("--author", metavar="WHO", help="user or CI actor (substring, any case)")
    p.add_argument("--kind", choices=["apply", "drift"])
    _common(p, cmd_log)
    p = verbs.add_parser("show", help="a device's intended and actual config at a date")
    p.add_argument("device", metavar="DEVICE")
    p.add_argument("--at", type=moment(True), metavar="DATE", help="default: now")
    _common(p, cmd_show)
    p = verbs.add_parser("blame", help="which commit and author set a value")
    p.add_argument("device", metavar="DEVICE")
    p.add_argument("field", metavar="FIELD", help="e.g. bgp.asn, ntp.servers")
    _common(p, cmd_blame)
    p = verbs.add_parser("verify", help="check the hash chain, applied commits and backups")
    p.add_argument("--expect", metavar="HASH", help="the newest record's hash, kept elsewhere")
    _common(p, cmd_verify)
    p = verbs.add_parser("export", help="an evidence bundle for auditors (Markdown + JSON)")
    p.add_argument("--since", type=moment(False), metavar="DATE", required=True)
    p.add_argument("--until", type=moment(True), metavar="DATE", required=True)
    p.add_argument("--out", metavar="DIR|FILE.zip")
    p.set_defaults(func=cmd_export)
    p.add_argument("--main", metavar="REF", help="the mainline (default: main, master, HEAD)")


def _common(p: argparse.ArgumentParser, func: Callable[[argparse.Namespace], int]) -> None:
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--main", metavar="REF", help="the mainline (default: main, master, HEAD)")
    p.set_defaults(func=func)
