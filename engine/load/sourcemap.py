"""Source positions of an object's values, across the files its values came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.diagnostics import Pos
from engine.load.reader import Document, PathKey


@dataclass(frozen=True, slots=True)
class Layer:
    """One file that contributes values to an object, at `prefix` inside that file."""

    doc: Document
    prefix: PathKey = ()


@dataclass(frozen=True, slots=True)
class SourceMap:
    """Layers in precedence order: the object's own file first, then its groups in order.

    The position of a value is the first layer that defines that exact path, which is the
    layer the merged value really came from (see engine.load.inherit).
    """

    layers: tuple[Layer, ...]

    def pos(self, path: PathKey, *, key: bool = False) -> Pos:
        for layer in self.layers:
            full = (*layer.prefix, *path)
            table = layer.doc.keys if key else layer.doc.values
            here = table.get(full) or layer.doc.values.get(full)
            if here is not None:
                return Pos(layer.doc.path, *here)
        own = self.layers[0]
        return own.doc.pos((*own.prefix, *path), key=key)

    @property
    def file(self) -> str:
        return self.layers[0].doc.path

    def listing(self) -> Pos:
        """Where the object lists its groups (its `groups:` key)."""
        own = self.layers[0]
        return own.doc.pos((*own.prefix, "groups"), key=True)

    def origin(self, path: PathKey) -> str:
        """The file a value came from (the object's own file when not inherited)."""
        return self.pos(path).path

    def inherited_from(self, path: PathKey) -> Any:
        """The group name a value was inherited from, or None when the object sets it."""
        for layer in self.layers:
            if (*layer.prefix, *path) in layer.doc.values:
                return layer.prefix[1] if len(layer.prefix) == 2 else None
        return None
