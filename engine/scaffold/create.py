"""`underlay init PATH`: a new infrastructure repository that validates and checks cleanly.

The layout of DESIGN.md with a tiny example organisation (one site, one device, one server)
named as the new organisation says (`Identity`: its name, first site, DNS domain), generated
schemas, the sample's whole standards library (management baseline, naming, lifecycle,
support, servers, services, cabling, security) with the organisation's own names in place of
the sample's, the pipelines and the workflows. Dates in the example are relative to the day
of init, so a fresh repository has no contract ending or hardware out of support.
"""

from __future__ import annotations

import re
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

# The sample organisation's own names in its standards -> the new organisation's (the example
# inventory uses the sample's NTP, syslog and DNS addresses, so those stay). A test fails when
# a scaffolded repository still names the sample (fra1-, fra2-, Northwind).
SAMPLE_NAMES = (
    ("Northwind Logistics", "$organisation"),
    ("corp.northwind.example", "$domain"),
    ("e.g. fra1-spine01, fra2-core01, fra1-db01", "e.g. $site-core01, $site-app01"),
)
# the banner rule matches the name as a regular expression, in a double-quoted YAML string
_NOT_IN_NAME = frozenset('\n"{}$\\()[]*+?^|')
SITE = re.compile(r"^[a-z][a-z0-9]{0,15}$")  # the naming standard's <site>
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")
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
    """The target exists and is not empty, or a name given to init cannot be used: init never
    overwrites anything."""


@dataclass(frozen=True)
class Identity:
    """The new organisation's names: in the example inventory and in its standards."""

    organisation: str  # in the login banner the management baseline requires
    site: str = "hq1"  # the first site: every example name starts with it
    domain: str = "corp.example"  # the DNS search domain of the baseline

    def problems(self) -> list[str]:
        found = []
        if not SITE.match(self.site):
            found.append(
                f"--site {self.site!r}: a site name is lower-case letters and digits, "
                "starting with a letter (at most 16), e.g. hq1"
            )
        if not DOMAIN.match(self.domain):
            found.append(f"--domain {self.domain!r}: not a DNS domain such as corp.example.com")
        if not self.organisation.strip() or any(c in _NOT_IN_NAME for c in self.organisation):
            found.append(
                f"--organisation {self.organisation!r}: one line of plain text, "
                'e.g. "Example Corp Ltd"'
            )
        return found


@dataclass(frozen=True)
class Created:
    path: Path
    files: int
    commit: str | None  # the initial commit, when git was available


def create(
    path: Path, today: date, identity: Identity | None = None, *, example: bool = True
) -> Created:
    """`identity` None: the organisation is named after the folder. `example` False: no
    example inventory (`underlay import --out` fills it from the devices)."""
    who = identity or Identity(path.resolve().name)
    if who.problems():
        raise InitRefused("; ".join(who.problems()))
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InitRefused(
            f"{path} is not empty: init only creates a new repository "
            "(choose a new or empty folder)"
        )
    path.mkdir(parents=True, exist_ok=True)
    values = _dates(today) | {"name": path.resolve().name, "organisation": who.organisation,
                              "site": who.site, "domain": who.domain}  # fmt: skip
    _templates(path, values, example=example)
    _standards(path, values)
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


def _templates(path: Path, values: dict[str, str], *, example: bool) -> None:
    root = resources.files("engine.scaffold") / "templates"
    with resources.as_file(root) as folder:
        for src in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = Template(src.relative_to(folder).as_posix()).safe_substitute(values)
            if not example and rel.startswith("inventory/"):
                continue
            target = ".gitignore" if rel == "gitignore" else rel
            text = Template(src.read_text(encoding="utf-8")).safe_substitute(values)
            _write(path / target, text)


def _standards(path: Path, values: dict[str, str]) -> None:
    """The sample's rule files (not its waivers, nor its change windows and freezes: those
    are the organisation's own calendar), in the new organisation's names."""
    for src in sorted((sample_repo() / "standards").glob("*.yaml")):
        if src.name != "waivers.yaml":
            _write(path / "standards" / src.name, _renamed(src.read_text(encoding="utf-8"), values))
    _write(path / "standards" / "waivers.yaml", WAIVERS.replace("hq1", values["site"]))


def _renamed(text: str, values: dict[str, str]) -> str:
    for sample, ours in SAMPLE_NAMES:
        text = text.replace(sample, Template(ours).substitute(values))
    return text


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
    commit = repo.index.commit(
        "Initial infrastructure repository (underlay init)", author=author, committer=author
    )
    return commit.hexsha
