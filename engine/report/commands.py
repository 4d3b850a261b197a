"""`underlay report` and `underlay metrics`: parse arguments, build the report, render a view."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from engine.load.repo import resolve_repo
from engine.report import audit, metrics
from engine.report.build import DEFAULT_TREND, Options, build
from engine.report.model import StatusReport
from engine.secrets import redactor_for_repo
from engine.views import report_html, report_markdown

VIEWS: dict[str, Callable[[StatusReport], str]] = {
    "html": report_html.render,
    "markdown": report_markdown.render,
    "json": report_markdown.json_view,
}


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("report", help="the standard status report (HTML, Markdown or JSON)")
    p.add_argument("--format", choices=list(VIEWS), default="html", help="default: html")
    p.add_argument("--out", "-o", metavar="FILE", help="write the report to FILE")
    _common(p)
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("metrics", help="Prometheus metrics (node_exporter textfile collector)")
    p.add_argument("--textfile", metavar="FILE", help="write FILE atomically (default: stdout)")
    _common(p)
    p.set_defaults(func=cmd_metrics, trend=0)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--today", type=_iso_date, metavar="YYYY-MM-DD",
                   help="judge dates as of this day")
    if p.prog.endswith("report"):
        p.add_argument("--trend", type=int, default=DEFAULT_TREND, metavar="N",
                       help=f"judge the last N commits of inventory/ and standards/ "
                       f"(default {DEFAULT_TREND}; 0: no trend)")


def _build(args: argparse.Namespace) -> tuple[StatusReport, audit.AuditFacts]:
    repo = resolve_repo(args.repo)
    facts = audit.read(repo)
    options = Options(today=args.today or date.today(), trend=max(args.trend, 0))
    return build(repo, options, facts), facts


def cmd_report(args: argparse.Namespace) -> int:
    report, _ = _build(args)
    text = redactor_for_repo(resolve_repo(args.repo)).redact(VIEWS[args.format](report))
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote the {args.format} report to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    report, facts = _build(args)
    redact = redactor_for_repo(resolve_repo(args.repo)).redact
    if args.textfile:
        metrics.write(Path(args.textfile), report, facts, redact=redact)
    else:
        sys.stdout.write(redact(metrics.text(report, facts)))
    return 0
