"""Rules and waivers as data: the shapes of standards/*.yaml and standards/waivers.yaml.

A rule says what it applies to (a kind plus a selector), what it asserts (a JSON Schema
fragment for one object, or a registered Python rule for checks across objects), and how to
explain a finding (message, hint, rationale, references). A waiver is a reviewed, owned and
dated exception to one rule for some objects.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from engine.diagnostics import Severity
from engine.frozen import Frozen

RULE_ID_PATTERN = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$"
RuleId = Annotated[str, Field(pattern=RULE_ID_PATTERN, max_length=40)]


class Model(Frozen):
    """A standards model: engine.frozen's base, and fields may be given by name or alias."""

    model_config = ConfigDict(populate_by_name=True)


class Kind(StrEnum):
    DEVICE = "device"
    SERVER = "server"
    SITE = "site"
    CABLE = "cable"
    CONTRACT = "contract"
    CIRCUIT = "circuit"
    SERVICE = "service"
    SLA = "sla"
    VENDOR = "vendor"
    GROUP = "group"


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, str | int | float | bool) else value


def _one_or_many(item: dict[str, Any]) -> WithJsonSchema:
    """One value or a list of them (`kind: device` or `kind: [device, server]`)."""
    return WithJsonSchema({"anyOf": [item, {"type": "array", "items": item}]})


Words = Annotated[list[str], BeforeValidator(_listify), _one_or_many({"type": "string"})]
Scalar = str | int | float | bool
Wanted = Annotated[
    list[Scalar],
    BeforeValidator(_listify),
    _one_or_many({"type": ["string", "number", "boolean"]}),
]
Kinds = Annotated[
    list[Kind], BeforeValidator(_listify), _one_or_many({"enum": [k.value for k in Kind]})
]


class Selector(Model):
    """Which objects: every condition given must hold (a list means any of its values)."""

    role: Words = []
    site: Words = []
    platform: Words = []
    tags: Words = Field(default=[], description="the object has every one of these tags")
    names: Words = Field(default=[], description="glob patterns on the object name, e.g. hq1-*")
    where: dict[str, Wanted] = Field(
        default={},
        description="dotted field path -> value or list of values, e.g. lifecycle.status: active",
    )

    @property
    def kind_only(self) -> bool:
        """True when nothing but the kind is selected on."""
        return not (
            self.role or self.site or self.platform or self.tags or self.names or self.where
        )


class AppliesTo(Selector):
    kind: Annotated[Kinds, Field(min_length=1)]


class Target(Selector):
    """A waiver's target when it is not one object name."""

    kind: Kinds = []


class Assertion(Model):
    """Exactly one of: a JSON Schema fragment (one object) or a registered Python rule."""

    schema_: dict[str, Any] | None = Field(
        default=None,
        alias="schema",
        description="JSON Schema (draft 2020-12) every selected object must satisfy",
    )
    python: str | None = Field(
        default=None, description="name of a rule registered in entry point group underlay.rules"
    )
    params: dict[str, Any] = Field(
        default={}, alias="with", description="parameters of the Python rule"
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Assertion:
        if (self.schema_ is None) == (self.python is None):
            raise ValueError("give exactly one of `schema` or `python`")
        if self.params and self.python is None:
            raise ValueError("`with` only goes with `python`")
        return self


class Rule(Model):
    id: RuleId
    title: str = Field(min_length=1)
    severity: Severity
    area: str = Field(min_length=1, description="handbook chapter, e.g. Management baseline")
    applies_to: AppliesTo
    assertion: Assertion = Field(alias="assert")
    message: str = Field(
        min_length=1, description="what is wrong; {placeholders} come from the assertion"
    )
    hint: str = Field(default="", description="how to fix it")
    rationale: str = Field(min_length=1, description="why the organisation has this standard")
    references: list[str] = []


class Waiver(Model):
    rule: RuleId
    target: Annotated[str, Field(min_length=1)] | Target = Field(
        description="an object name, or a selector (kind, role, site, names, where, ...)"
    )
    reason: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    ticket: str = Field(min_length=1)
    expires: date


class RulesFile(Model):
    rules: list[Rule]


class WaiversFile(Model):
    waivers: list[Waiver]
