"""The one base of the engine's value models: frozen, and unknown fields are errors."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Immutable once built; a field the model does not know is a validation error."""

    model_config = ConfigDict(frozen=True, extra="forbid")
