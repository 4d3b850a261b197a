"""`underlay report` and `underlay metrics`: the status report as HTML, Markdown or JSON, and
Prometheus metrics for node_exporter's textfile collector. Both exit 0 once written."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli import exits
from engine.cli.common import device_options, format_option, monitoring_settings, today_option
from engine.cli.output import Output
from engine.errors import UsageError
from engine.load.repo import resolve_repo
from engine.report.build import DEFAULT_TREND

if TYPE_CHECKING:
    from engine.monitoring.api import Prometheus
    from engine.report.audit import AuditFacts
    from engine.report.model import StatusReport

FORMATS = ("html", "markdown", "json")


def _view(name: str) -> Callable[[StatusReport], str]:
    from engine.views import report_html, report_markdown  # noqa: PLC0415

    views: dict[str, Callable[[StatusReport], str]] = {
        "html": report_html.render,
        "markdown": report_markdown.render,
        "json": report_markdown.json_view,
    }
    return views[name]


def _build(args: argparse.Namespace) -> tuple[StatusReport, AuditFacts]:
    from engine.report import audit  # noqa: PLC0415
    from engine.report.build import Options, build  # noqa: PLC0415

    repo = resolve_repo(args.repo)
    facts = audit.read(repo)
    prometheus, unavailable = _prometheus(args, repo)
    options = Options(
        today=args.today or date.today(),
        trend=max(args.trend, 0),
        measure=True,
        prometheus=prometheus,
        unavailable=unavailable,
        period=timedelta(days=args.period),
    )
    return build(repo, options, facts), facts


def _prometheus(args: argparse.Namespace, repo: Path) -> tuple[Prometheus | None, str | None]:
    """The Prometheus of --prometheus or of the repository's settings, or why it cannot be
    asked (a lab address while no lab is up: nothing is tried)."""
    from pydantic import ValidationError  # noqa: PLC0415

    from engine.cli.lab_plug import monitoring_api  # noqa: PLC0415
    from engine.monitoring.api import Prometheus  # noqa: PLC0415
    from engine.monitoring.settings import Endpoint  # noqa: PLC0415

    endpoint = monitoring_settings(repo).prometheus
    if args.prometheus:
        try:
            endpoint = Endpoint(url=args.prometheus)
        except ValidationError as exc:  # its text would repeat the URL, password and all
            why = "; ".join(str(e["msg"]) for e in exc.errors())
            raise UsageError(f"--prometheus: {why}") from None
    api, unavailable = monitoring_api(endpoint.url if endpoint else None, args.lab_state_dir)
    return (Prometheus(api) if api else None), unavailable


def cmd_report(args: argparse.Namespace, out: Output) -> int:
    report, _ = _build(args)
    text = _view(args.format)(report)
    if args.out:
        out.file(args.out, text)
        out.err(f"wrote the {args.format} report to {args.out}\n")
    else:
        out.out(text)
    return exits.OK


def cmd_metrics(args: argparse.Namespace, out: Output) -> int:
    from engine.report import metrics  # noqa: PLC0415

    report, facts = _build(args)
    out.to(args.textfile, metrics.text(report, facts))  # a file: atomically, as the collector needs
    return exits.OK


def register(parsers: Mapping[str, argparse.ArgumentParser]) -> None:
    p = parsers["report"]
    format_option(p, FORMATS, default="html")
    p.add_argument("--out", "-o", metavar="FILE", help="write the report to FILE")
    today_option(p)
    p.add_argument(
        "--trend",
        type=int,
        default=DEFAULT_TREND,
        metavar="N",
        help=f"judge the last N commits of inventory/ and standards/ "
        f"(default {DEFAULT_TREND}; 0: no trend)",
    )
    _availability_options(p)
    p.set_defaults(func=cmd_report)
    p = parsers["metrics"]
    p.add_argument("--textfile", metavar="FILE", help="write FILE atomically (default: stdout)")
    today_option(p)
    _availability_options(p)
    p.set_defaults(func=cmd_metrics, trend=0)


def _availability_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--prometheus",
        metavar="URL",
        help="measure availability here (default: underlay.yaml's monitoring.prometheus)",
    )
    p.add_argument(
        "--period",
        type=int,
        default=30,
        metavar="DAYS",
        help="measured availability over the last DAYS days (default 30)",
    )
    device_options(p)  # --lab-state-dir: a Prometheus on the lab's management network
