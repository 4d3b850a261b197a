"""A rule's JSON Schema, compiled once into memoised parts.

Most single-object rules read a few fields, and most objects share those values (NTP servers
inherited by every device), so each part validates a JSON document of only the fields it
reads, and identical documents are validated once. A root `allOf` of `if`/`then` branches (a
switch on role, media or tier) is split per branch: the condition is decided once per distinct
value of the fields it reads, and only the matching branch is validated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from jsonschema import Draft202012Validator
from pydantic import BaseModel

from engine.load.reader import PathKey

Error = tuple[PathKey, Any, str]  # absolute path in the object, offending value, message
_ANNOTATIONS = frozenset({"$schema", "$comment", "$id", "title", "description", "type"})


class Documents:
    """One object's JSON documents, one per set of fields, made on first use."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj
        self.made: dict[frozenset[str] | None, str] = {}

    def get(self, fields: frozenset[str] | None) -> str:
        text = self.made.get(fields)
        if text is None:
            text = self.made[fields] = _document(self.obj, fields)
        return text


def _document(obj: Any, fields: frozenset[str] | None) -> str:
    if isinstance(obj, BaseModel):
        return obj.model_dump_json(
            include=set(fields) if fields is not None else None, exclude_none=True
        )
    picked = obj if fields is None else {k: v for k, v in obj.items() if k in fields}
    return json.dumps(picked, sort_keys=True, default=str)


class Part(Protocol):
    def errors(self, docs: Documents) -> list[Error]: ...


@dataclass
class Leaf:
    schema: Any
    fields: frozenset[str] | None
    validator: Draft202012Validator = field(init=False)
    seen: dict[str, list[Error]] = field(default_factory=dict)
    decided: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.validator = Draft202012Validator(self.schema)

    def errors(self, docs: Documents) -> list[Error]:
        text = docs.get(self.fields)
        found = self.seen.get(text)
        if found is None:
            found = self.seen[text] = [
                (tuple(e.absolute_path), e.instance, e.message)
                for e in self.validator.iter_errors(json.loads(text))
            ]
        return found

    def holds(self, docs: Documents) -> bool:
        text = docs.get(self.fields)
        found = self.decided.get(text)
        if found is None:
            found = self.decided[text] = self.validator.is_valid(json.loads(text))
        return found


@dataclass
class AllOf:
    parts: list[Part]

    def errors(self, docs: Documents) -> list[Error]:
        return [e for part in self.parts for e in part.errors(docs)]


@dataclass
class IfThen:
    condition: Leaf
    then: Part | None
    otherwise: Part | None

    def errors(self, docs: Documents) -> list[Error]:
        branch = self.then if self.condition.holds(docs) else self.otherwise
        return [] if branch is None else branch.errors(docs)


def compile_schema(schema: Any) -> Part:
    if not isinstance(schema, dict) or "$ref" in json.dumps(schema):
        return Leaf(schema, None)  # references need the whole schema
    keys = set(schema) - _ANNOTATIONS
    if keys == {"allOf"} and schema.get("type") in (None, "object"):
        return AllOf([compile_schema(part) for part in schema["allOf"]])
    if "if" in keys and keys <= {"if", "then", "else"} and "type" not in schema:
        return IfThen(
            _leaf(schema["if"]),
            compile_schema(schema["then"]) if "then" in schema else None,
            compile_schema(schema["else"]) if "else" in schema else None,
        )
    return _leaf(schema)


def _leaf(schema: Any) -> Leaf:
    fields = read_fields(schema)
    return Leaf(schema, frozenset(fields) if fields is not None else None)


_ONE = ("if", "then", "else", "not")
_MANY = ("allOf", "anyOf", "oneOf")


def read_fields(schema: Any) -> set[str] | None:
    """The top-level fields a schema looks at, or None when it may look at any."""
    if not isinstance(schema, dict):
        return None
    fields: set[str] = set()
    for key, value in schema.items():
        parts: list[Any] = []
        if key in ("properties", "required"):
            fields |= set(value)
        elif key == "dependentRequired":
            fields |= set(value) | {name for names in value.values() for name in names}
        elif key in _ONE:
            parts = [value]
        elif key in _MANY:
            parts = list(value)
        elif key not in _ANNOTATIONS:
            return None
        for part in parts:
            more = read_fields(part)
            if more is None:
                return None
            fields |= more
    return fields
