"""Running a pipeline: each stage is `underlay ...` in a subprocess, its outcome a value.

The runner prints nothing itself; a callback receives each stage's result as it finishes, and
the CLI's views turn results into progress lines and a summary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from engine.pipeline.model import PLACEHOLDER, OnFailure, Pipeline, Stage, When

ARTIFACTS = ".underlay/artifacts"


class Status(StrEnum):
    OK = "ok"
    CHANGES = "changes"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNAVAILABLE = "unavailable"  # this underlay has no such command (yet)
    PLANNED = "planned"  # --dry-run


_FAILURES = (Status.FAILED, Status.UNAVAILABLE)


@dataclass(frozen=True)
class StageResult:
    name: str
    status: Status
    argv: tuple[str, ...]
    exit_code: int | None = None
    seconds: float = 0.0
    reason: str = ""
    output: str = ""  # what the command printed that is not an artifact
    stops: bool = False  # it failed and its `on_failure` is stop


@dataclass(frozen=True)
class PipelineResult:
    name: str
    artifacts: str  # relative to the repo
    stages: tuple[StageResult, ...]
    seconds: float
    dry_run: bool = False

    @property
    def failed(self) -> tuple[StageResult, ...]:
        return tuple(s for s in self.stages if s.status in _FAILURES)


@dataclass
class Context:
    repo: Path
    name: str
    commands: frozenset[str]  # the top-level commands this underlay has
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    on_stage: Callable[[StageResult], None] = lambda _result: None

    @property
    def artifacts(self) -> str:
        return f"{ARTIFACTS}/{self.name}"

    def substitute(self, arg: str) -> str:
        values = {"artifacts": self.artifacts, "annotations": annotation_format(self.env)}
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], arg)


def annotation_format(env: Mapping[str, str]) -> str:
    """GitHub Actions turns `::error file=...` lines into annotations; a terminal wants text."""
    return "github" if env.get("GITHUB_ACTIONS") == "true" else "text"


def run(pipeline: Pipeline, ctx: Context, *, dry_run: bool = False) -> PipelineResult:
    start = time.monotonic()
    if not dry_run:
        _fresh(ctx.repo / ctx.artifacts)
    results: list[StageResult] = []
    for stage in pipeline.stages:
        result = _decide(stage, ctx, results, dry_run)
        if result.status in _FAILURES and stage.on_failure is OnFailure.STOP and not dry_run:
            result = replace(result, stops=True)
        results.append(result)
        ctx.on_stage(result)
    return PipelineResult(
        ctx.name, ctx.artifacts, tuple(results), time.monotonic() - start, dry_run
    )


def _fresh(folder: Path) -> None:
    """Artifacts of an earlier run must not pass for this run's (a stale SARIF, an old plan)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)


def _decide(
    stage: Stage, ctx: Context, before: list[StageResult], dry_run: bool
) -> StageResult:
    argv = tuple(ctx.substitute(a) for a in stage.run)
    skip = _skip_reason(stage, before)
    if skip:
        return StageResult(stage.name, Status.SKIPPED, argv, reason=skip)
    if argv[1] not in ctx.commands:
        reason = f"this underlay has no `{argv[1]}` command"
        return StageResult(stage.name, Status.UNAVAILABLE, argv, reason=reason)
    if dry_run:
        note = "only when an earlier stage reports changes" if stage.when is When.CHANGES else ""
        return StageResult(stage.name, Status.PLANNED, argv, reason=note)
    return _execute(stage, argv, ctx)


def _skip_reason(stage: Stage, before: list[StageResult]) -> str:
    stopped = next((r for r in before if r.stops), None)
    if stopped is not None and stage.when is not When.ALWAYS:
        return f"stage {stopped.name} failed"
    if stage.when is When.CHANGES and not any(r.status is Status.CHANGES for r in before):
        planned = any(r.status is Status.PLANNED for r in before)
        return "" if planned else "no changes"
    return ""


def _execute(stage: Stage, argv: tuple[str, ...], ctx: Context) -> StageResult:
    command = [sys.executable, "-m", "engine.cli", "--repo", str(ctx.repo.resolve()), *argv[1:]]
    env = {**ctx.env, "UNDERLAY_PIPELINE": ctx.name, "UNDERLAY_ARTIFACTS": ctx.artifacts}
    start = time.monotonic()
    try:
        done = subprocess.run(
            command, cwd=ctx.repo, env=env, capture_output=True, text=True,
            timeout=stage.timeout_seconds, check=False,
        )
    except subprocess.TimeoutExpired:
        seconds = time.monotonic() - start
        reason = f"timed out after {stage.timeout_seconds} s"
        return StageResult(stage.name, Status.FAILED, argv, None, seconds, reason)
    return _judge(stage, argv, ctx, done, time.monotonic() - start)


def _judge(
    stage: Stage,
    argv: tuple[str, ...],
    ctx: Context,
    done: subprocess.CompletedProcess[str],
    seconds: float,
) -> StageResult:
    folder = ctx.repo / ctx.artifacts
    output = done.stdout
    if stage.stdout:
        (folder / stage.stdout).write_text(done.stdout, encoding="utf-8")
        output = ""
    output += done.stderr
    code = done.returncode
    missing = [a for a in stage.artifacts if not (folder / a).is_file()]
    if code not in stage.allow_exit_codes:
        status, reason = Status.FAILED, f"exit code {code}"
    elif missing:
        status, reason = Status.FAILED, f"did not write {', '.join(missing)}"
        code = 2
    else:
        status = Status.CHANGES if code in stage.changes_exit_codes else Status.OK
        reason = ""
    return StageResult(stage.name, status, argv, code, seconds, reason, output)
