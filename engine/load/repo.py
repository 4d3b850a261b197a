"""Finding and reading a repository's inventory files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from engine.diagnostics import Diagnostic, Pos, Severity
from engine.errors import RepoError
from engine.load.reader import Document, read_file
from engine.model.layout import COLLECTIONS, OBJECT_FOLDERS

_YAML = (".yaml", ".yml")


@dataclass
class InventoryFiles:
    collections: list[str] = field(default_factory=list)
    objects: dict[str, list[str]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def all(self) -> list[str]:
        return self.collections + [rel for rels in self.objects.values() for rel in rels]


def discover(repo: Path) -> InventoryFiles:
    """Classify every YAML file under inventory/; unknown ones are a warning, not ignored."""
    root = repo / "inventory"
    if not root.is_dir():
        raise RepoError(
            f"{repo}: no inventory/ folder (is this an underlay repository? "
            "`underlay init PATH` creates one)"
        )
    found = InventoryFiles(objects={kind: [] for kind in OBJECT_FOLDERS})
    known = {c.file for c in COLLECTIONS}
    folders = {folder: kind for kind, (folder, _) in OBJECT_FOLDERS.items()}
    for rel in sorted(_yaml_files(root, "inventory")):
        parent = rel.rpartition("/")[0]
        if rel in known:
            found.collections.append(rel)
        elif parent in folders:
            found.objects[folders[parent]].append(rel)
        else:
            found.diagnostics.append(
                Diagnostic(
                    "S204",
                    Severity.WARNING,
                    "file is not part of the inventory layout; ignored",
                    Pos(rel, 1, 1),
                    "see README: inventory/devices/NAME.yaml, inventory/sites.yaml, ...",
                )
            )
    return found


def _yaml_files(folder: Path, rel: str) -> Iterator[str]:
    """Relative paths of YAML files below `folder` (os.scandir: 15,000 files in milliseconds)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield from _yaml_files(Path(entry.path), f"{rel}/{entry.name}")
            elif entry.name.endswith(_YAML) and entry.is_file():
                yield f"{rel}/{entry.name}"


def read_all(repo: Path, rels: list[str]) -> dict[str, Document]:
    return {rel: read_file(repo / rel, rel) for rel in rels}


def sample_repo() -> Path:
    """The sample organisation: the source checkout's own repo, or the copy in the wheel."""
    package = Path(__file__).resolve().parent.parent
    checkout = package.parent
    if (checkout / "inventory").is_dir() and (checkout / "engine").is_dir():
        return checkout
    return package / "_sample"


def resolve_repo(explicit: str | None) -> Path:
    """--repo if given; else the current directory when it holds inventory/; else the sample."""
    if explicit:
        path = Path(explicit)
        if not path.is_dir():
            raise RepoError(f"{explicit}: no such directory")
        return path
    try:
        cwd = Path.cwd()
    except OSError:  # the working directory was deleted under us
        return sample_repo()
    return cwd if (cwd / "inventory").is_dir() else sample_repo()
