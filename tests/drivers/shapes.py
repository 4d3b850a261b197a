"""Does a value have the shape of a napalm model (a TypedDict, with typed generics)?

napalm's own helper (napalm.base.test.helpers.test_model) cannot check `Dict[str, X]` fields;
this one follows generics one level down, so a nested TypedDict is checked too.
"""

from __future__ import annotations

import typing
from typing import Any, get_args, get_origin

from typing_extensions import is_typeddict


def conforms(model: Any, data: Any, *, allow_subset: bool = False) -> bool:
    hints = typing.get_type_hints(model)
    keys = set(data) <= set(hints) if allow_subset else set(data) == set(hints)
    return keys and isinstance(data, dict) and all(_is(hints[k], v) for k, v in data.items())


def _is(hint: Any, value: Any) -> bool:
    origin = get_origin(hint)
    if origin is None:
        if is_typeddict(hint):
            return isinstance(value, dict) and conforms(hint, value)
        return hint is Any or isinstance(value, hint)
    if not isinstance(value, origin):
        return False
    args = get_args(hint)
    if origin is dict and args:
        return all(_is(args[0], k) and _is(args[1], v) for k, v in value.items())
    if origin is list and args:
        return all(_is(args[0], v) for v in value)
    return True
