"""Python rules: the extension point for checks across objects.

A rule file says `assert: {python: NAME, with: {...}}`; NAME is looked up here. The engine's own
rules register on import of engine.standards.builtin; an organisation adds its own without
forking by publishing an entry point in the group `underlay.rules`:

    [project.entry-points."underlay.rules"]
    rack-has-two-feeds = "northwind_rules:RackFeeds"

The object behind the entry point satisfies `PythonRule` (`python_rule(...)` builds one from
a function).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from engine.errors import EngineError
from engine.frozen import Frozen
from engine.model.layout import Inventory
from engine.standards.objects import Target

ENTRY_POINT_GROUP = "underlay.rules"


class PluginError(EngineError):
    """A rule plugin could not be loaded, or does not satisfy the PythonRule protocol."""


class NoParams(Frozen):
    """The parameters of a rule that takes none: any `params:` is an error."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One finding of a Python rule: the object and the path of the offending value.

    `kind`/`name` may differ from the target's (a cable rule blames a device's interface).
    `values` fill the rule message's placeholders.
    """

    kind: str
    name: str
    path: tuple[Any, ...]
    values: Mapping[str, object] = field(default_factory=dict)
    obj: Any = None  # the blamed object when it is not the target (for waiver selectors)


@dataclass(frozen=True, slots=True)
class Context:
    inventory: Inventory
    today: date
    params: Any  # an instance of the rule's `params` model


@runtime_checkable
class PythonRule(Protocol):
    """What `assert: {python: NAME}` runs."""

    @property
    def description(self) -> str:
        """One line for the handbook."""
        ...

    @property
    def params(self) -> type[BaseModel]:
        """Validates the rule's `with:` mapping (NoParams when it takes none)."""
        ...

    @property
    def placeholders(self) -> frozenset[str]:
        """The names a Hit's `values` provide to the rule's message."""
        ...

    def check(self, targets: Sequence[Target], ctx: Context) -> Iterable[Hit]:
        """Findings over the selected targets, e.g.
        [Hit("device", "fra2-core01", ("os", "version"), {"version": "7.5.1", "minimum": "8.4"})]
        """
        ...


CheckFunc = Callable[[Sequence[Target], Context], Iterable[Hit]]


@dataclass(frozen=True)
class FunctionRule:
    """A PythonRule made from a plain function."""

    func: CheckFunc
    description: str
    params: type[BaseModel] = NoParams
    placeholders: frozenset[str] = frozenset()

    def check(self, targets: Sequence[Target], ctx: Context) -> Iterable[Hit]:
        return self.func(targets, ctx)


_BUILTIN: dict[str, PythonRule] = {}
_LOADED: dict[str, PythonRule] | None = None


def python_rule(
    name: str | None = None,
    *,
    params: type[BaseModel] = NoParams,
    placeholders: Iterable[str] = (),
    register: bool = False,
) -> Callable[[CheckFunc], FunctionRule]:
    """Decorator: make a function a PythonRule (and register it under `name` if asked)."""

    def wrap(func: CheckFunc) -> FunctionRule:
        doc = (func.__doc__ or "").strip().splitlines()
        rule = FunctionRule(func, doc[0] if doc else "", params, frozenset(placeholders))
        if register:
            _BUILTIN[name or func.__name__.replace("_", "-")] = rule
        return rule

    return wrap


def registered() -> dict[str, PythonRule]:
    """Built-in rules plus every entry point of group underlay.rules (loaded once)."""
    global _LOADED  # noqa: PLW0603 - entry points are scanned once per process
    if _LOADED is None:
        import engine.standards.builtin  # noqa: F401, PLC0415 - registers the built-ins

        found = dict(_BUILTIN)
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            found[ep.name] = _load(ep.name, ep.load)
        _LOADED = found
    return _LOADED


def _load(name: str, load: Callable[[], Any]) -> PythonRule:
    try:
        rule = load()
    except Exception as exc:
        raise PluginError(f"rule plugin {name!r} failed to load: {exc}") from exc
    if not isinstance(rule, PythonRule):
        raise PluginError(
            f"rule plugin {name!r} is not a PythonRule (needs description, params, "
            "placeholders and check(targets, ctx))"
        )
    return rule
