"""The one base of the engine's value models: frozen, and unknown fields are errors.

Every pydantic model of the engine derives from `Frozen`, directly or through a family's own
base that adds to its config: `engine.model.inventory.Model` (the inventory) and
`engine.standards.model.Model` (rules and waivers, whose fields may also be given by name).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Immutable once built; a field the model does not know is a validation error."""

    model_config = ConfigDict(frozen=True, extra="forbid")
