"""Reading standards/: rule files and waivers, checked like inventory (problems at file:line)."""

from __future__ import annotations

import string
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel

from engine.diagnostics import Diagnostic, Severity
from engine.load.reader import Document, PathKey, expect_mapping, read_file
from engine.load.sourcemap import Layer, SourceMap
from engine.standards.compiled import Part, compile_schema
from engine.standards.model import Rule, Waiver
from engine.standards.objects import unknown_fields
from engine.standards.registry import PythonRule, registered
from engine.validate.schema import check

FOLDER = "standards"
WAIVERS = "standards/waivers.yaml"
_YAML = (".yaml", ".yml")
# placeholders every rule's message may use
COMMON_PLACEHOLDERS = frozenset({"kind", "name", "subject"})
SCHEMA_PLACEHOLDERS = COMMON_PLACEHOLDERS | {"value", "path", "error"}


@dataclass(frozen=True)
class LoadedRule:
    """A valid rule, ready to run: its compiled validator or its Python rule."""

    rule: Rule
    pos: SourceMap  # positions inside the rule file
    compiled: Part | None = None  # a JSON Schema rule
    python: PythonRule | None = None
    params: Any = None


@dataclass(frozen=True)
class LoadedWaiver:
    waiver: Waiver
    pos: SourceMap


@dataclass
class Library:
    """The standards of a repository: valid rules and waivers, and what was wrong with the rest."""

    rules: list[LoadedRule] = field(default_factory=list)
    waivers: list[LoadedWaiver] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    broken: set[str] = field(default_factory=set)  # ids of rules that failed to load

    def catalogue(self) -> dict[str, tuple[str, str]]:
        """Rule id -> (title, rationale), for views that list the rules they report."""
        return {r.rule.id: (r.rule.title, r.rule.rationale) for r in self.rules}


def load(repo: Path) -> Library:
    library = Library()
    folder = repo / FOLDER
    if not folder.is_dir():
        return library
    for path in sorted(p for p in folder.iterdir() if p.suffix in _YAML and p.is_file()):
        rel = path.relative_to(repo).as_posix()
        doc = read_file(path, rel)
        library.files += 1
        library.diagnostics.extend(_retag(doc.diagnostics))
        if doc.ok and rel == WAIVERS:
            _waivers(doc, library)
        elif doc.ok:
            _rules(doc, library)
    _duplicates(library)
    known = {r.rule.id for r in library.rules} | library.broken
    library.diagnostics.extend(_unknown_rules(library, known))
    return library


def _retag(diags: list[Diagnostic], code: str | None = None) -> list[Diagnostic]:
    """Schema problems in standards files use the T501 code (YAML problems keep theirs)."""
    return [replace(d, code=code or "T501") if d.code.startswith("S") else d for d in diags]


def _entries(doc: Document, key: str, library: Library) -> list[Any]:
    if not expect_mapping(doc, f"`{key}:` at the top"):
        library.diagnostics.extend(doc.diagnostics)
        return []
    bad = [k for k in doc.data if k != key]
    for k in bad:
        library.diagnostics.append(
            _diag(
                "T501",
                f"unknown top-level key {k!r}: this file holds `{key}:`",
                doc,
                (k,),
                key=True,
            )
        )
    body = doc.data.get(key)
    if not isinstance(body, list):
        library.diagnostics.append(
            _diag("T501", f"`{key}` must be a list", doc, (key,) if key in doc.data else ())
        )
        return []
    return body


def _diag(
    code: str,
    message: str,
    doc: Document,
    path: PathKey,
    *,
    key: bool = False,
    hint: str = "",
    severity: Severity = Severity.ERROR,
) -> Diagnostic:
    return Diagnostic(code, severity, message, doc.pos(path, key=key), hint)


def _validated(
    model: type[BaseModel], entry: Any, doc: Document, prefix: PathKey, subject: str
) -> tuple[Any, SourceMap, list[Diagnostic]]:
    source = SourceMap((Layer(doc, prefix),))
    obj, errors = check(model, entry, source, subject)
    return obj, source, _retag(errors)


def _subject(entry: Any, what: str, i: int) -> str:
    ident = entry.get("id") if isinstance(entry, dict) else None
    return f"{what} {ident}" if isinstance(ident, str) else f"{what} #{i + 1}"


def _rules(doc: Document, library: Library) -> None:
    for i, entry in enumerate(_entries(doc, "rules", library)):
        rule, source, errors = _validated(
            Rule, entry, doc, ("rules", i), _subject(entry, "rule", i)
        )
        library.diagnostics.extend(errors)
        if rule is None:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                library.broken.add(entry["id"])
            continue
        loaded, problems = _compile(rule, source)
        library.diagnostics.extend(problems)
        if loaded is None:
            library.broken.add(rule.id)
        else:
            library.rules.append(loaded)


def _compile(rule: Rule, source: SourceMap) -> tuple[LoadedRule | None, list[Diagnostic]]:
    subject = f"rule {rule.id}"
    problems = [
        Diagnostic(
            "T501",
            Severity.ERROR,
            f"{subject}: `where` names no field {path!r} of {', '.join(rule.applies_to.kind)}",
            source.pos(("applies_to", "where", path), key=True),
            "check the field path, e.g. lifecycle.status",
            subject,
        )
        for path in unknown_fields(rule.applies_to, rule.applies_to.kind)
    ]
    if rule.assertion.schema_ is not None:
        loaded, more = _schema_rule(rule, source)
    else:
        loaded, more = _python_rule(rule, source)
    problems += more
    if loaded is not None:
        allowed = (
            SCHEMA_PLACEHOLDERS
            if loaded.python is None
            else COMMON_PLACEHOLDERS | loaded.python.placeholders
        )
        problems += _placeholders(rule, source, allowed)
    return (loaded if not problems else None), problems


def _schema_rule(rule: Rule, source: SourceMap) -> tuple[LoadedRule | None, list[Diagnostic]]:
    schema = rule.assertion.schema_
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        pos = source.pos(("assert", "schema", *exc.path))
        message = f"rule {rule.id}: assert.schema is not a valid JSON Schema: {exc.message}"
        return None, [
            Diagnostic(
                "T503",
                Severity.ERROR,
                message,
                pos,
                "see https://json-schema.org/draft/2020-12",
                f"rule {rule.id}",
            )
        ]
    return LoadedRule(rule, source, compiled=compile_schema(schema)), []


def _python_rule(rule: Rule, source: SourceMap) -> tuple[LoadedRule | None, list[Diagnostic]]:
    name = rule.assertion.python or ""
    found = registered().get(name)
    subject = f"rule {rule.id}"
    if found is None:
        known = ", ".join(sorted(registered()))
        message = f"{subject}: no Python rule {name!r} is registered"
        hint = f"registered: {known}; plugins add more through entry point group underlay.rules"
        return None, [
            Diagnostic(
                "T504", Severity.ERROR, message, source.pos(("assert", "python")), hint, subject
            )
        ]
    params_source = SourceMap(
        (Layer(source.layers[0].doc, (*source.layers[0].prefix, "assert", "with")),)
    )
    params, errors = check(found.params, rule.assertion.params, params_source, f"{subject} (with)")
    if params is None:
        return None, _retag(errors, "T504")
    return LoadedRule(rule, source, python=found, params=params), []


def _placeholders(rule: Rule, source: SourceMap, allowed: frozenset[str]) -> list[Diagnostic]:
    for text, key in ((rule.message, "message"), (rule.hint, "hint")):
        try:
            names = {
                f.split(".")[0].split("[")[0]
                for _, f, _, _ in string.Formatter().parse(text)
                if f is not None
            }
        except ValueError as exc:
            names, bad = set(), str(exc)
        else:
            bad = ", ".join(sorted(n or "{}" for n in names - allowed))
        if bad:
            message = f"rule {rule.id}: {key} uses unknown placeholders: {bad}"
            hint = "available: " + ", ".join(sorted(allowed)) + " (write {{ and }} for braces)"
            return [
                Diagnostic(
                    "T505", Severity.ERROR, message, source.pos((key,)), hint, f"rule {rule.id}"
                )
            ]
    return []


def _duplicates(library: Library) -> None:
    first: dict[str, LoadedRule] = {}
    kept = []
    for loaded in library.rules:
        seen = first.setdefault(loaded.rule.id, loaded)
        if seen is loaded:
            kept.append(loaded)
            continue
        library.diagnostics.append(
            Diagnostic(
                "T502",
                Severity.ERROR,
                f"rule id {loaded.rule.id} is defined twice",
                loaded.pos.pos(("id",)),
                "give every rule its own id",
                f"rule {loaded.rule.id}",
                (seen.pos.pos(("id",)),),
            )
        )
    library.rules = kept


def _waivers(doc: Document, library: Library) -> None:
    for i, entry in enumerate(_entries(doc, "waivers", library)):
        subject = f"waiver #{i + 1}"
        waiver, source, errors = _validated(Waiver, entry, doc, ("waivers", i), subject)
        library.diagnostics.extend(errors)
        if waiver is not None:
            library.waivers.append(LoadedWaiver(waiver, source))


def _unknown_rules(library: Library, known: set[str]) -> list[Diagnostic]:
    return [
        Diagnostic(
            "T506",
            Severity.ERROR,
            f"waiver for rule {w.waiver.rule}, which is not defined",
            w.pos.pos(("rule",)),
            "check the rule id (see docs/standards.md)",
            f"waiver {w.waiver.rule}",
        )
        for w in library.waivers
        if w.waiver.rule not in known
    ]
