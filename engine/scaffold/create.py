"""`underlay init PATH`: a new infrastructure repository that validates and checks cleanly.

The layout of DESIGN.md with a tiny example organisation (one site, one device, one server),
generated schemas, a starter standards library (a subset of the sample's), the pipelines and
the workflows. Dates in the example are relative to the day of init, so a fresh repository
has no contract ending or hardware out of support.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from string import Template

import git

from engine import schemagen
from engine.errors import EngineError
from engine.load.repo import sample_repo
from engine.scaffold.workflows import INSTALL_RELEASE, all_workflows

# management.yaml of the sample pins Northwind's own NTP/DNS servers and banner: not a starter
STARTER_STANDARDS = (
    "cabling.yaml", "lifecycle.yaml", "naming.yaml", "security.yaml", "support.yaml",
)
WAIVERS = """\
# yaml-language-server: $schema=../schemas/waivers.json
# Waivers: reviewed exceptions to a standard, each with an owner, a ticket and an expiry date.
# Example:
#   - rule: MGMT-NTP
#     target: hq1-core01
#     reason: the NTP servers are unreachable from this segment until the firewall change
#     owner: Jane Doe <jane@example.com>
#     ticket: CHG-0001
#     expires: 2030-01-31
waivers: []
"""


class InitRefused(EngineError):
    """The target exists and is not empty: init never overwrites anything."""


@dataclass(frozen=True)
class Created:
    path: Path
    files: int
    commit: str | None  # the initial commit, when git was available


def create(path: Path, today: date) -> Created:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InitRefused(f"{path} is not empty: init only creates a new repository "
                          "(choose a new or empty folder)")
    path.mkdir(parents=True, exist_ok=True)
    values = _dates(today) | {"name": path.resolve().name}
    _templates(path, values)
    _standards(path)
    schemagen.write(path / "schemas")
    _pipelines(path)
    for name, text in all_workflows(INSTALL_RELEASE).items():
        _write(path / ".github" / "workflows" / name, text)
    files = sum(1 for p in path.rglob("*") if p.is_file())
    return Created(path, files, _git_init(path))


def _dates(today: date) -> dict[str, str]:
    return {
        "starts": today.replace(day=1).isoformat(),
        "ends": (today + timedelta(days=3 * 365)).isoformat(),
        "eos": (today + timedelta(days=5 * 365)).isoformat(),
    }


def _write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _templates(path: Path, values: dict[str, str]) -> None:
    root = resources.files("engine.scaffold") / "templates"
    with resources.as_file(root) as folder:
        for src in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = src.relative_to(folder).as_posix()
            target = ".gitignore" if rel == "gitignore" else rel
            text = Template(src.read_text(encoding="utf-8")).safe_substitute(values)
            _write(path / target, text)


def _standards(path: Path) -> None:
    source = sample_repo() / "standards"
    for name in STARTER_STANDARDS:
        _write(path / "standards" / name, (source / name).read_text(encoding="utf-8"))
    _write(path / "standards" / "waivers.yaml", WAIVERS)


def _pipelines(path: Path) -> None:
    (path / "pipelines").mkdir(parents=True, exist_ok=True)
    for src in sorted((sample_repo() / "pipelines").glob("*.yaml")):
        shutil.copyfile(src, path / "pipelines" / src.name)


def _git_init(path: Path) -> str | None:
    if shutil.which("git") is None:
        return None
    repo = git.Repo.init(path, initial_branch="main")
    repo.git.add("--all")
    author = git.Actor("underlay init", "underlay@localhost")
    commit = repo.index.commit("Initial infrastructure repository (underlay init)",
                               author=author, committer=author)
    return commit.hexsha
