"""Group inheritance: an object's own values over its groups', groups in the order listed.

Mappings merge key by key (recursively); any other value is taken whole from the first layer
that sets it, so a list in a group is replaced, never appended to, by the object's list.
"""

from __future__ import annotations

from typing import Any


def merge(layers: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge mappings, the first layer taking precedence."""
    merged: dict[str, Any] = {}
    for layer in reversed(layers):
        _overlay(merged, layer)
    return merged


def _overlay(base: dict[Any, Any], top: dict[Any, Any]) -> None:
    for key, value in top.items():
        below = base.get(key)
        if isinstance(value, dict) and isinstance(below, dict):
            fresh = dict(below)
            _overlay(fresh, value)
            base[key] = fresh
        else:
            base[key] = value
