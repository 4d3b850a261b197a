"""Reading pipelines/NAME.yaml: YAML with positions, the model, then checks across stages.

Every problem is a diagnostic at file:line:col, with the same schema mapping as the inventory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.diagnostics import Diagnostic, Severity
from engine.load.reader import Document, expect_mapping, read_file
from engine.load.sourcemap import Layer, SourceMap
from engine.pipeline.model import PLACEHOLDER, Pipeline
from engine.validate.schema import check

FOLDER = "pipelines"
PLACEHOLDERS = frozenset({"artifacts", "annotations"})


@dataclass
class LoadedPipeline:
    name: str
    path: str  # relative to the repo
    pipeline: Pipeline | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.pipeline is not None and not any(
            d.severity is Severity.ERROR for d in self.diagnostics
        )


def available(repo: Path) -> list[str]:
    folder = repo / FOLDER
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))


def path_of(repo: Path, name: str) -> Path | None:
    for suffix in (".yaml", ".yml"):
        candidate = repo / FOLDER / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def load(repo: Path, name: str) -> LoadedPipeline | None:
    """The pipeline called `name`, or None when pipelines/ has no such file."""
    file = path_of(repo, name)
    if file is None:
        return None
    rel = file.relative_to(repo).as_posix()
    return parse(read_file(file, rel), name)


def parse(doc: Document, name: str) -> LoadedPipeline:
    loaded = LoadedPipeline(name, doc.path, diagnostics=list(doc.diagnostics))
    if not doc.ok or not expect_mapping(doc, "`description:` and `stages:`"):
        loaded.diagnostics = list(doc.diagnostics)
        return loaded
    source = SourceMap((Layer(doc),))
    pipeline, errors = check(Pipeline, doc.data, source, f"pipeline {name}")
    loaded.diagnostics += errors
    if pipeline is not None:
        loaded.diagnostics += _duplicates(pipeline, source) + _placeholders(pipeline, source)
        loaded.pipeline = pipeline
    return loaded


def _duplicates(pipeline: Pipeline, source: SourceMap) -> list[Diagnostic]:
    seen: set[str] = set()
    out = []
    for i, stage in enumerate(pipeline.stages):
        if stage.name in seen:
            out.append(
                Diagnostic(
                    "R303",
                    Severity.ERROR,
                    f"stage name {stage.name!r} is used twice",
                    source.pos(("stages", i, "name")),
                    "stage names are unique: they name the progress lines and logs",
                )
            )
        seen.add(stage.name)
    return out


def _placeholders(pipeline: Pipeline, source: SourceMap) -> list[Diagnostic]:
    return [
        Diagnostic(
            "S201",
            Severity.ERROR,
            f"stages.{i}.run.{j}: unknown placeholder {{{word}}}",
            source.pos(("stages", i, "run", j)),
            f"known placeholders: {', '.join('{' + p + '}' for p in sorted(PLACEHOLDERS))}",
        )
        for i, stage in enumerate(pipeline.stages)
        for j, arg in enumerate(stage.run)
        for word in PLACEHOLDER.findall(arg)
        if word not in PLACEHOLDERS
    ]
