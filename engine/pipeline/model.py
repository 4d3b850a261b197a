"""Pipelines as data: the shape of pipelines/NAME.yaml.

A pipeline is an ordered list of stages; each stage runs one `underlay` command line, may
capture its output as an artifact, and says what its exit codes mean and whether the pipeline
goes on after it fails. The same file drives a laptop and any CI (`underlay pipeline run NAME`).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator

from engine.frozen import Frozen as Model
from engine.model.types import Name

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
ArtifactName = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        max_length=100,
        description="a file name inside the pipeline's artifacts folder (no folders)",
    ),
]
ExitCode = Annotated[int, Field(ge=0, le=255)]


class OnFailure(StrEnum):
    STOP = "stop"
    CONTINUE = "continue"


class When(StrEnum):
    SUCCESS = "success"  # while no earlier stage has stopped the pipeline
    ALWAYS = "always"  # even after a stop (reports, uploads of evidence)
    CHANGES = "changes"  # like success, and only when an earlier stage reported changes


class Stage(Model):
    name: Name
    description: str = ""
    run: Annotated[list[str], Field(min_length=2)] = Field(
        description="the command line, starting with `underlay`; placeholders: "
        "{artifacts} (this pipeline's artifacts folder), {annotations} "
        "(`github` under GitHub Actions, else `text`)"
    )
    stdout: ArtifactName | None = Field(
        default=None, description="save the command's standard output as this artifact"
    )
    artifacts: list[ArtifactName] = Field(
        default=[], description="files the stage must leave in the artifacts folder"
    )
    when: When = When.SUCCESS
    on_failure: OnFailure = OnFailure.STOP
    allow_exit_codes: Annotated[list[ExitCode], Field(min_length=1)] = Field(
        default=[0], description="exit codes that count as success"
    )
    changes_exit_codes: list[ExitCode] = Field(
        default=[], description="exit codes that mean 'there are changes' (enables `when: changes`)"
    )
    timeout_seconds: Annotated[int, Field(ge=1, le=86_400)] = 3600

    @field_validator("run")
    @classmethod
    def _underlay(cls, run: list[str]) -> list[str]:
        if run[0] != "underlay":
            raise ValueError("a stage runs underlay: the command line starts with `underlay`")
        return run


class Pipeline(Model):
    description: str = Field(min_length=1)
    stages: Annotated[list[Stage], Field(min_length=1)]
