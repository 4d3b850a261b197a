"""`underlay pipeline run|validate|comment|publish-audit`: the declared CI pipelines of
pipelines/, run exactly as CI runs them (exit code: engine.cli.exits.pipeline)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from functools import partial
from pathlib import Path

from engine.cli import exits
from engine.cli.common import format_option, require_valid
from engine.cli.output import Output
from engine.cli.registry import COMMANDS
from engine.errors import UsageError
from engine.load.repo import resolve_repo
from engine.pipeline import comment, publish
from engine.pipeline.load import LoadedPipeline, available, load
from engine.pipeline.run import Context, PipelineResult, StageResult, run
from engine.views import pipeline as view
from engine.views.diagnostics import VIEWS, Report


def _load(repo: Path, name: str) -> LoadedPipeline:
    loaded = load(repo, name)
    if loaded is None:
        known = ", ".join(available(repo)) or "none"
        raise UsageError(f"no pipeline {name!r} in {repo}/pipelines/ (available: {known})")
    return loaded


def cmd_validate(args: argparse.Namespace, out: Output) -> int:
    repo = resolve_repo(args.repo)
    loaded = [_load(repo, name) for name in args.names or available(repo)]
    diagnostics = sorted((d for p in loaded for d in p.diagnostics), key=lambda d: d.sort_key())
    out.out(VIEWS[args.format](Report("pipeline validate", diagnostics, len(loaded))))
    return exits.outcome(all(p.ok for p in loaded))


def _progress(out: Output, result: StageResult) -> None:
    out.out(view.stage_output(result) + view.stage_line(result))
    out.flush()


def cmd_run(args: argparse.Namespace, out: Output) -> int:
    repo = resolve_repo(args.repo)
    loaded = _load(repo, args.name)
    require_valid(Report("pipeline", loaded.diagnostics, 1), loaded.ok)
    assert loaded.pipeline is not None  # a pipeline that loads ok has one
    ctx = Context(repo, args.name, frozenset(COMMANDS), on_stage=partial(_progress, out))
    stages = len(loaded.pipeline.stages)
    out.out(view.header(args.name, stages, ctx.artifacts, args.dry_run))
    out.flush()
    result = run(loaded.pipeline, ctx, dry_run=args.dry_run)
    code = exits.pipeline(result)
    out.out(view.summary(result, code))
    _step_summary(out, result)
    return code


def _step_summary(out: Output, result: PipelineResult) -> None:
    """GitHub Actions shows $GITHUB_STEP_SUMMARY on the run's page."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target and not result.dry_run:
        out.append(target, view.markdown(result))


def cmd_comment(args: argparse.Namespace, out: Output) -> int:
    if not args.file.is_file():
        raise UsageError(f"{args.file}: no such file")
    text = out.redact(args.file.read_text(encoding="utf-8"))  # it leaves the machine
    out.say(comment.post(args.file, text, os.environ).message)
    return exits.OK


def cmd_publish(args: argparse.Namespace, out: Output) -> int:
    out.say(publish.push_ref(resolve_repo(args.repo), args.ref, args.remote).message)
    return exits.OK


def register(parsers: Mapping[str, argparse.ArgumentParser]) -> None:
    verbs = parsers["pipeline"].add_subparsers(
        dest="pipeline_command", metavar="VERB", required=True
    )
    p = verbs.add_parser("run", help="run the stages of pipelines/NAME.yaml, exactly as CI does")
    p.add_argument("name", help="pull-request, merge, drift, ...")
    p.add_argument("--dry-run", action="store_true", help="show what would run; run nothing")
    p.set_defaults(func=cmd_run)
    p = verbs.add_parser("validate", help="check pipeline files against their schema")
    p.add_argument("names", nargs="*", metavar="NAME", help="default: every pipeline")
    format_option(p, list(VIEWS))
    p.set_defaults(func=cmd_validate)
    p = verbs.add_parser("comment", help="post a Markdown file (the plan) to the pull request")
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_comment)
    p = verbs.add_parser("publish-audit", help="push the audit records to the git remote")
    p.add_argument("--ref", default=publish.AUDIT_REF, help=f"default: {publish.AUDIT_REF}")
    p.add_argument("--remote", default="origin")
    p.set_defaults(func=cmd_publish)
