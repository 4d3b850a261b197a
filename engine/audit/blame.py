"""`audit blame DEVICE FIELD`: which commit and author set the current value of a field.

The field's value comes from the device's own file or, when inherited, from a group in
inventory/groups.yaml; the engine's SourceMap says which file and lines hold it, and git blame of
those lines names the newest commit among them (a list's items may come from several commits).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import git

from engine.audit import history
from engine.audit.history import Change
from engine.load.reader import PathKey
from engine.load.sourcemap import Layer, SourceMap
from engine.record import plumbing
from engine.validate import validate


@dataclass(frozen=True)
class Blame:
    device: str
    field: str
    commit: str  # the main commit whose content is blamed
    value: Any = None
    file: str | None = None  # where the value is set
    lines: tuple[int, ...] = ()
    group: str | None = None  # the group it is inherited from, if any
    change: Change | None = None  # the commit that set it
    problem: str | None = None  # why there is no answer (no such device, field, ...)


def blame(repo: Path, device: str, field: str, main: str | None = None) -> Blame:
    gitrepo = plumbing.open_repo(repo)
    ref = history.mainline(gitrepo, main)
    commit = plumbing.resolve(gitrepo, ref) or ""
    with history.checkout(gitrepo, commit) as folder:
        result = validate(folder)
        obj = result.inventory.node(device)
        if obj is None:
            return Blame(device, field, commit, problem=f"{device}: no such device or server")
        kind = "device" if device in result.inventory.devices else "server"
        found = locate(obj.model_dump(mode="json"), field.split("."))
        if found is None:
            return Blame(device, field, commit, problem=f"{device} has no value at {field}")
        path, value = found
        return _blamed(
            gitrepo,
            ref,
            commit,
            device,
            field,
            value,
            path,
            result.inventory.sources[(kind, device)],
        )


def locate(data: Any, parts: list[str]) -> tuple[PathKey, Any] | None:
    """Walk `parts` into plain data; mapping keys may hold dots (`interfaces.eth1.100.mtu`).
    Example: locate({"bgp": {"asn": 1}}, ["bgp", "asn"]) -> (("bgp", "asn"), 1)"""
    if not parts:
        return (), data
    if isinstance(data, list) and parts[0].isdigit() and int(parts[0]) < len(data):
        rest = locate(data[int(parts[0])], parts[1:])
        return None if rest is None else ((int(parts[0]), *rest[0]), rest[1])
    if not isinstance(data, dict):
        return None
    for cut in range(len(parts), 0, -1):
        key = ".".join(parts[:cut])
        if key in data and data[key] is not None:
            rest = locate(data[key], parts[cut:])
            if rest is not None:
                return (key, *rest[0]), rest[1]
    return None


def _blamed(
    repo: git.Repo,
    ref: str,
    commit: str,
    device: str,
    field: str,
    value: Any,
    path: PathKey,
    source: SourceMap,
) -> Blame:
    layer = _defining(source, path)
    if layer is None:
        return Blame(device, field, commit, value, problem="not set in any file: a default")
    full = (*layer.prefix, *path)
    lines = sorted({lc[0] for key, lc in layer.doc.values.items() if key[: len(full)] == full})
    group = source.inherited_from(path)
    setter = _newest(repo, commit, layer.doc.path, lines)
    change = history.change(repo, setter, ref) if setter else None
    return Blame(device, field, commit, value, layer.doc.path, tuple(lines), group, change)


def _defining(source: SourceMap, path: PathKey) -> Layer | None:
    for layer in source.layers:
        full = (*layer.prefix, *path)
        if any(key[: len(full)] == full for key in layer.doc.values):
            return layer
    return None


def _newest(repo: git.Repo, commit: str, file: str, lines: list[int]) -> str | None:
    """The most recent commit among those that last touched `lines` of `file`."""
    by_line: dict[int, git.Commit] = {}
    number = 1
    blamed = cast(list[tuple[git.Commit, list[Any]]], repo.blame(commit, file) or [])
    for setter, chunk in blamed:
        for _ in chunk:
            by_line[number] = setter
            number += 1
    setters = [by_line[n] for n in lines if n in by_line]
    if not setters:
        return None
    return str(max(setters, key=lambda c: c.committed_date).hexsha)
