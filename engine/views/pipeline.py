"""How a pipeline run looks: one progress line per stage, then a summary (text or Markdown)."""

from __future__ import annotations

import shlex

from engine.pipeline.run import PipelineResult, StageResult, Status

_WIDTH = 14


def header(name: str, stages: int, artifacts: str, dry_run: bool) -> str:
    what = "dry run of pipeline" if dry_run else "pipeline"
    return f"{what} {name}: {stages} stages, artifacts in {artifacts}/\n"


def stage_line(result: StageResult) -> str:
    """`  check          failed     0.41 s  (exit code 1)`; a dry run shows the command."""
    if result.status is Status.PLANNED:
        note = f"  ({result.reason})" if result.reason else ""
        return f"  {result.name:<{_WIDTH}} would run: {shlex.join(result.argv)}{note}\n"
    seconds = f"{result.seconds:6.2f} s" if result.exit_code is not None else " " * 8
    note = f"  ({result.reason})" if result.reason else ""
    return f"  {result.name:<{_WIDTH}} {result.status:<11} {seconds}{note}\n"


def stage_output(result: StageResult) -> str:
    text = result.output
    return text if not text or text.endswith("\n") else text + "\n"


def summary(result: PipelineResult, exit_code: int) -> str:
    if result.dry_run:
        missing = [s.name for s in result.stages if s.status is Status.UNAVAILABLE]
        tail = f"; not available in this underlay: {', '.join(missing)}" if missing else ""
        return f"dry run: {len(result.stages)} stages would run{tail}\n"
    counts = _counts(result)
    verdict = "failed" if exit_code else "passed"
    first = f" at {result.failed[0].name}" if result.failed else ""
    return (
        f"pipeline {result.name} {verdict}{first}: {counts} in {result.seconds:.1f} s "
        f"(exit code {exit_code}); artifacts in {result.artifacts}/\n"
    )


def _counts(result: PipelineResult) -> str:
    order = [Status.OK, Status.CHANGES, Status.FAILED, Status.UNAVAILABLE, Status.SKIPPED]
    found = [(s, sum(1 for r in result.stages if r.status is s)) for s in order]
    return ", ".join(f"{n} {s}" for s, n in found if n)


def markdown(result: PipelineResult) -> str:
    """For $GITHUB_STEP_SUMMARY: a table of the stages."""
    icon = {Status.OK: "✅", Status.CHANGES: "📝", Status.FAILED: "❌", Status.SKIPPED: "⏭️"}
    rows = [
        f"| {icon.get(s.status, '⚠️')} {s.name} | {s.status} | "
        f"{s.seconds:.1f} s | `{shlex.join(s.argv)}` | {s.reason} |"
        for s in result.stages
    ]
    head = f"### underlay pipeline {result.name}: {'failed' if result.failed else 'passed'}"
    table = ["| stage | result | time | command | note |", "|---|---|---|---|---|", *rows]
    return "\n".join([head, "", *table, ""]) + "\n"
