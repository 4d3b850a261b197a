"""`underlay pipeline ...`: parse arguments, call the pipeline stage, print through its views."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from engine.errors import UsageError
from engine.load.repo import resolve_repo
from engine.pipeline import comment, publish
from engine.pipeline import views as pipeline_views
from engine.pipeline.load import LoadedPipeline, available, load
from engine.pipeline.run import Context, PipelineResult, StageResult, run
from engine.views.diagnostics import VIEWS, Report


def add_parser(sub: Any) -> None:
    group = sub.add_parser("pipeline", help="run a declared CI pipeline (pipelines/NAME.yaml)")
    verbs = group.add_subparsers(dest="pipeline_command", metavar="VERB", required=True)
    p = verbs.add_parser("run", help="run the stages of pipelines/NAME.yaml, exactly as CI does")
    p.add_argument("name", help="pull-request, merge, drift, ...")
    p.add_argument("--dry-run", action="store_true", help="show what would run; run nothing")
    p.set_defaults(func=cmd_run, commands=sub)
    p = verbs.add_parser("validate", help="check pipeline files against their schema")
    p.add_argument("names", nargs="*", metavar="NAME", help="default: every pipeline")
    p.add_argument("--format", choices=list(VIEWS), default="text")
    p.set_defaults(func=cmd_validate)
    p = verbs.add_parser("comment", help="post a Markdown file (the plan) to the pull request")
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_comment)
    p = verbs.add_parser("publish-audit", help="push the audit records to the git remote")
    p.add_argument("--ref", default=publish.AUDIT_REF, help=f"default: {publish.AUDIT_REF}")
    p.add_argument("--remote", default="origin")
    p.set_defaults(func=cmd_publish)


def _load(repo: Path, name: str) -> LoadedPipeline:
    loaded = load(repo, name)
    if loaded is None:
        known = ", ".join(available(repo)) or "none"
        raise UsageError(f"no pipeline {name!r} in {repo}/pipelines/ (available: {known})")
    return loaded


def cmd_validate(args: argparse.Namespace) -> int:
    repo = resolve_repo(args.repo)
    loaded = [_load(repo, name) for name in args.names or available(repo)]
    diagnostics = sorted((d for p in loaded for d in p.diagnostics), key=lambda d: d.sort_key())
    sys.stdout.write(VIEWS[args.format](Report("pipeline validate", diagnostics, len(loaded))))
    return 0 if all(p.ok for p in loaded) else 1


def _progress(result: StageResult) -> None:
    sys.stdout.write(pipeline_views.stage_output(result))
    sys.stdout.write(pipeline_views.stage_line(result))
    sys.stdout.flush()


def cmd_run(args: argparse.Namespace) -> int:
    repo = resolve_repo(args.repo)
    loaded = _load(repo, args.name)
    if not loaded.ok or loaded.pipeline is None:
        report = Report("pipeline", loaded.diagnostics, 1)
        sys.stderr.write(VIEWS["text"](report))
        return 1
    ctx = Context(repo, args.name, frozenset(args.commands.choices), on_stage=_progress)
    pipeline = loaded.pipeline
    head = pipeline_views.header(args.name, len(pipeline.stages), ctx.artifacts, args.dry_run)
    sys.stdout.write(head)
    sys.stdout.flush()
    result = run(pipeline, ctx, dry_run=args.dry_run)
    sys.stdout.write(pipeline_views.summary(result))
    _step_summary(result)
    return 0 if args.dry_run else result.exit_code


def _step_summary(result: PipelineResult) -> None:
    """GitHub Actions shows $GITHUB_STEP_SUMMARY on the run's page."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target and not result.dry_run:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(pipeline_views.markdown(result))


def cmd_comment(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise UsageError(f"{args.file}: no such file")
    print(comment.post(args.file, os.environ).message)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    print(publish.push_ref(resolve_repo(args.repo), args.ref, args.remote).message)
    return 0
