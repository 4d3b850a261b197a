"""Secrets: no password, key, token or SNMP community in plain text anywhere in the inventory."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel, Field, field_validator

from engine.standards.builtin.shared import Params
from engine.standards.model import Kind
from engine.standards.objects import Target
from engine.standards.registry import Context, Hit, python_rule

SECRET_PATTERNS: dict[str, str] = {
    "a private key": r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----",
    "a password or secret assignment": r"(?i)\b(?:pass(?:word|wd|phrase)?|pwd|secret|"
    r"api[_-]?key|access[_-]?key|token|psk|pre-shared-key|community)\b\s*[:=]\s*\S{3,}",
    "a device password line": r"(?i)\b(?:enable\s+)?(?:secret|password)\s+[0-9]\s+\S{4,}",
    "a password hash": r"\$(?:1|2[aby]?|5|6|y)\$[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{8,}",
    "credentials in a URL": r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@",
    "an API token": r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|glpat-[A-Za-z0-9_-]{20,}|"
    r"AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|"
    r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})",
    "a bearer token": r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{20,}",
}
DEFAULT_COMMUNITIES = frozenset({"public", "private"})
_MISSING = object()


class SecretParams(Params):
    extra_patterns: dict[str, str] = Field(
        default={}, description="more patterns: what it is -> regular expression"
    )

    @field_validator("extra_patterns")
    @classmethod
    def _compiles(cls, value: dict[str, str]) -> dict[str, str]:
        for what, pattern in value.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"pattern for {what!r} is not a regular expression: {exc}"
                ) from exc
        return value


# Words and marks every pattern above needs: an object's JSON without any of them is skipped.
# Plain substring tests first (fast), then one regex (JSON keys end in a quote, so the
# `ssh_keys` and `community` fields themselves do not count; "key" only as in api_key,
# access-key or pre-shared-key: public SSH keys often hold the word).
_LITERALS = (
    "pass", "pwd", "secret", "key", "token", "psk", "communit", "-----begin", "$", "://",
    "bearer", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "glpat-", "akia", "xox", "eyj",
)  # fmt: skip
_QUICK = re.compile(  # on the lower-cased text: (?i) would make it ten times slower
    r"pass|pwd|secret|(?:api|access)[_-]?key|shared-key|token|psk"
    r'|communit(?:y(?!")|y":"(?:public|private)")'
    r"|-----begin|\$[0-9a-z]{1,2}\$|://[^\s/\"]*@|bearer|gh[pousr]_|glpat-|akia|xox|eyj"
)


_COMPILED: dict[int, tuple[SecretParams, tuple[re.Pattern[str], list[Any]]]] = {}


def _secret_regex(
    params: SecretParams,
) -> tuple[re.Pattern[str], list[tuple[str, re.Pattern[str]]]]:
    """The quick filter and the named patterns (compiled once per params: `check` calls the
    rule once per object)."""
    found = _COMPILED.get(id(params))
    if found is None or found[0] is not params:
        found = _COMPILED[id(params)] = (params, _compile_secrets(params))
    return found[1]


def _compile_secrets(
    params: SecretParams,
) -> tuple[re.Pattern[str], list[tuple[str, re.Pattern[str]]]]:
    named = [(w, re.compile(p)) for w, p in {**SECRET_PATTERNS, **params.extra_patterns}.items()]
    if params.extra_patterns:  # unknown patterns: no quick filter can be derived
        return re.compile(""), named
    return _QUICK, named


def _maybe_secret(text: str, quick: re.Pattern[str] = _QUICK) -> bool:
    """False when no secret pattern can match any value in this JSON text."""
    lowered = text.lower()
    return any(word in lowered for word in _LITERALS) and quick.search(lowered) is not None


def _strings(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name), (*path, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _strings(item, (*path, i))


def _what(path: tuple[Any, ...], text: str, named: list[tuple[str, re.Pattern[str]]]) -> str | None:
    if path and path[-1] == "community" and text.lower() in DEFAULT_COMMUNITIES:
        return "a default SNMP community"
    return next((what for what, regex in named if regex.search(text)), None)


def _as_json(obj: Any) -> str:
    if isinstance(obj, BaseModel):
        return obj.model_dump_json(exclude_none=True)
    return json.dumps(obj, default=str, separators=(",", ":"))  # as pydantic writes it


_MERGED = (Kind.DEVICE, Kind.SERVER)  # objects whose values may come from groups


@python_rule(params=SecretParams, placeholders=("what",), scope="object")
def no_plaintext_secrets(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """Scans every string value for passwords, keys, tokens and SNMP communities."""
    quick, named = _secret_regex(ctx.params)
    seen: dict[tuple[tuple[Any, ...], str], Any] = {}
    for t in targets:
        if not _maybe_secret(_as_json(t.obj), quick):
            continue
        source = ctx.inventory.sources.get((t.kind, t.name))
        for path, text in _strings(t.obj, ()):
            what = seen.get((path[-1:], text), _MISSING)
            if what is _MISSING:  # inherited values repeat: each is matched once
                what = seen[(path[-1:], text)] = _what(path, text, named)
            # a value inherited from a group is reported once, on the group
            if what and (
                t.kind not in _MERGED or source is None or source.inherited_from(path) is None
            ):
                yield Hit(t.kind, t.name, path, {"what": what})
