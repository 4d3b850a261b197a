"""`underlay audit log|show|blame|verify|export`: 0 ok, 1 problems found (a broken chain, no
such device or value, unapproved changes in an evidence bundle's chain)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from engine.cli import exits
from engine.cli.common import Command, format_option
from engine.cli.output import Output
from engine.load.repo import resolve_repo


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


def cmd_log(args: argparse.Namespace, out: Output) -> int:
    from engine.audit.log import Filter, log  # noqa: PLC0415 - gitpython only when used
    from engine.views import audit as view  # noqa: PLC0415

    keep = Filter(args.device, args.since, args.until, args.author, args.kind)
    entries = log(resolve_repo(args.repo), keep)
    out.out((view.log_json if args.format == "json" else view.log_text)(entries, args.device))
    return exits.OK


def cmd_show(args: argparse.Namespace, out: Output) -> int:
    from engine.audit.show import show  # noqa: PLC0415
    from engine.views import audit as view  # noqa: PLC0415

    result = show(resolve_repo(args.repo), args.device, args.at or datetime.now(UTC), args.main)
    out.out((view.show_json if args.format == "json" else view.show_text)(result))
    return exits.outcome(result.found)


def cmd_blame(args: argparse.Namespace, out: Output) -> int:
    from engine.audit.blame import blame  # noqa: PLC0415
    from engine.views import audit as view  # noqa: PLC0415

    result = blame(resolve_repo(args.repo), args.device, args.field, args.main)
    out.out((view.blame_json if args.format == "json" else view.blame_text)(result))
    return exits.outcome(not result.problem)


def cmd_verify(args: argparse.Namespace, out: Output) -> int:
    from engine.record import AuditStore, verify  # noqa: PLC0415
    from engine.views import audit as view  # noqa: PLC0415

    store = AuditStore(resolve_repo(args.repo))
    problems = verify(store, args.main, args.expect)
    count = len(store.entries())
    out.out((view.verify_json if args.format == "json" else view.verify_text)(problems, count))
    return exits.outcome(not problems)


def cmd_export(args: argparse.Namespace, out: Output) -> int:
    from engine.audit.export import export  # noqa: PLC0415
    from engine.views import audit as view  # noqa: PLC0415

    evidence = export(resolve_repo(args.repo), args.since, args.until, args.main)
    folder = Path(args.out or f"evidence-{args.since:%Y%m%d}-{args.until:%Y%m%d}")
    written = out.files(folder, view.bundle(evidence))
    out.say(
        f"wrote {len(written)} file{'s' * (len(written) != 1)} to {folder}: "
        f"{len(evidence.changes)} changes ({len(evidence.unapproved)} unapproved), "
        f"{len(evidence.runs)} run records, chain "
        f"{'intact' if not evidence.problems else 'BROKEN'}"
    )
    return exits.outcome(not evidence.problems)


def register(parsers: Mapping[str, argparse.ArgumentParser]) -> None:
    verbs = parsers["audit"].add_subparsers(dest="audit_command", metavar="VERB", required=True)
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
    _main_option(p)
    p.set_defaults(func=cmd_export)


def _common(p: argparse.ArgumentParser, func: Command) -> None:
    format_option(p, ["text", "json"])
    _main_option(p)
    p.set_defaults(func=func)


def _main_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--main", metavar="REF", help="the mainline (default: main, master, HEAD)")
