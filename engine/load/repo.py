"""Finding a repository (`--repo`, the sample organisation) and the YAML files in it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from engine.errors import RepoError

_YAML = (".yaml", ".yml")


def yaml_files(folder: Path, rel: str) -> Iterator[str]:
    """Relative paths of YAML files below `folder` (os.scandir: 15,000 files in milliseconds)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield from yaml_files(Path(entry.path), f"{rel}/{entry.name}")
            elif entry.name.endswith(_YAML) and entry.is_file():
                yield f"{rel}/{entry.name}"


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
