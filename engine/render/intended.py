"""The intended configurations of one run, rendered once: what collect, plan and apply take.

intended = render_intended(inventory, ["fra1-leaf01", "fra1-db01"])
intended["fra1-leaf01"]        # {"/etc/frr/frr.conf": "frr version 8.4.4\n...", ...}
intended.hash("fra1-leaf01")   # the plan's candidate_hash of those artifacts
"fra1-ios01" in intended       # False: its platform has no templates (it is not compared)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping

from engine.model.layout import Inventory
from engine.render.platforms import PROFILES
from engine.render.run import render


class Intended(Mapping[str, Mapping[str, str]]):
    """Each rendered device's artifacts ({path: content}) by name; read-only."""

    def __init__(self, artifacts: Mapping[str, Mapping[str, str]]) -> None:
        self._artifacts = {name: dict(files) for name, files in artifacts.items()}

    def __getitem__(self, name: str) -> Mapping[str, str]:
        return self._artifacts[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._artifacts)

    def __len__(self) -> int:
        return len(self._artifacts)

    def hash(self, name: str) -> str | None:
        """The candidate hash of `name`'s artifacts; None when it has none."""
        files = self._artifacts.get(name)
        return None if files is None else artifacts_hash(files)


def render_intended(inventory: Inventory, names: Iterable[str]) -> Intended:
    """Renders each of `names` whose platform has templates (RenderError if one cannot be)."""
    return Intended(
        {name: render(inventory, name).artifacts() for name in names if _renders(inventory, name)}
    )


def artifacts_hash(artifacts: Mapping[str, str]) -> str:
    """sha256 of the artifacts in path order (the plan's candidate_hash)."""
    canonical = "".join(f"{path}\0{body}\0" for path, body in sorted(artifacts.items()))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _renders(inventory: Inventory, name: str) -> bool:
    obj = inventory.node(name)
    return obj is not None and obj.platform in PROFILES
