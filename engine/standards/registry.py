"""Python rules: the extension point for checks across objects.

A rule file says `assert: {python: NAME, with: {...}}`; NAME is looked up here, among the
entry points of the group `underlay.rules`. The engine publishes its own rules
(engine.standards.builtin) there like everyone else, and an organisation adds its own without
forking the same way:

    [project.entry-points."underlay.rules"]
    rack-has-two-feeds = "northwind_rules:RackFeeds"

The object behind the entry point satisfies `PythonRule` (`python_rule(...)` builds one from
a function, `facts_rule(...)` one from an extract and a join function).

A rule's `scope` tells `underlay check` how much it may remember between runs:

- "object": a target's findings depend only on that target (its own fields, `today`, the
  rule's params). Findings are cached with the target's file.
- "facts": a rule across objects in two steps (FactsRule): `extract` reads one object, and its
  small result is cached with the object's file; `join` sees the extracts of every object of
  the kinds the rule reads and runs on every check. Findings never go stale.
- "inventory" (the default, and what a rule without `scope` gets): the rule may look at
  anything, so every `check` reads and evaluates the whole inventory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel

from engine.errors import EngineError
from engine.frozen import Frozen
from engine.model.layout import Inventory
from engine.standards.model import Kind
from engine.standards.objects import Target, targets_of

ENTRY_POINT_GROUP = "underlay.rules"
BUILTIN_PACKAGE = "engine.standards.builtin"  # the engine's own rules, published in the group
Scope = Literal["object", "facts", "inventory"]
SCOPES: tuple[Scope, ...] = ("object", "facts", "inventory")


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
    obj: Any = None  # the blamed object when it is not the target (decides `key` below)
    key: bool | None = None  # point at the key (`contracts:`) rather than the value; None:
    # decided from the object (a mapping or list is pointed at by its key)


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
    scope: Scope = "inventory"

    def check(self, targets: Sequence[Target], ctx: Context) -> Iterable[Hit]:
        return self.func(targets, ctx)


def scope_of(rule: PythonRule) -> Scope:
    scope = getattr(rule, "scope", "inventory")
    return scope if scope in SCOPES else "inventory"


# kind -> object name -> what `extract` returned for it (plain data: tuples, str, numbers)
Extracts = Mapping[str, Mapping[str, Any]]
ExtractFunc = Callable[[Target, Any], Any]  # (target, params) -> plain data
JoinFunc = Callable[[Sequence[tuple[str, str]], Extracts, "Context"], Iterable[Hit]]


@dataclass(frozen=True)
class FactsRule:
    """A rule across objects, in two steps so that `check` can be incremental.

    `extract(target, params)` reads one object of a kind in `reads` and returns plain data
    (what marshal stores: tuples, lists, dicts, str, int, float, bool, None); it must not look
    at other objects. `join(selected, extracts, ctx)` gets the (kind, name) of the objects the
    rule selected and the extracts of every object of the kinds in `reads`; `ctx.inventory`
    may hold only the objects re-read in this run, so `join` must not use it. Hits should say
    `key=` (there is no object to decide it from).
    """

    extract: ExtractFunc
    join: JoinFunc
    description: str
    reads: frozenset[Kind]
    params: type[BaseModel] = NoParams
    placeholders: frozenset[str] = frozenset()
    scope: Scope = "facts"

    def check(self, targets: Sequence[Target], ctx: Context) -> Iterable[Hit]:
        """The PythonRule protocol: both steps over a whole inventory."""
        inv, params = ctx.inventory, ctx.params
        extracts = {
            str(kind): {o.name: self.extract(o, params) for o in targets_of(inv, kind)}
            for kind in self.reads
        }
        return self.join([(str(t.kind), t.name) for t in targets], extracts, ctx)


_LOADED: dict[str, PythonRule] | None = None


def python_rule(
    *,
    params: type[BaseModel] = NoParams,
    placeholders: Iterable[str] = (),
    scope: Scope = "inventory",
) -> Callable[[CheckFunc], FunctionRule]:
    """Decorator: make a function a PythonRule (its entry point names it)."""

    def wrap(func: CheckFunc) -> FunctionRule:
        return FunctionRule(func, _first_line(func), params, frozenset(placeholders), scope)

    return wrap


def facts_rule(
    extract: ExtractFunc,
    *,
    reads: Iterable[Kind],
    params: type[BaseModel] = NoParams,
    placeholders: Iterable[str] = (),
) -> Callable[[JoinFunc], FactsRule]:
    """Decorator on the join function: make a FactsRule (its entry point names it)."""

    def wrap(join: JoinFunc) -> FactsRule:
        return FactsRule(
            extract, join, _first_line(join), frozenset(reads), params, frozenset(placeholders)
        )

    return wrap


def _first_line(func: Callable[..., Any]) -> str:
    doc = (func.__doc__ or "").strip().splitlines()
    return doc[0] if doc else ""


def registered() -> dict[str, PythonRule]:
    """Every entry point of group underlay.rules, the engine's own included (loaded once).

    The engine's own come first, so an organisation's rule of the same name replaces ours.
    """
    global _LOADED  # noqa: PLW0603 - entry points are scanned once per process
    if _LOADED is None:
        found: dict[str, PythonRule] = {}
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=_not_ours):
            found[ep.name] = _load(ep.name, ep.load)
        _LOADED = found
    return _LOADED


def _not_ours(ep: EntryPoint) -> bool:
    return not ep.module.startswith(f"{BUILTIN_PACKAGE}.")


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
