"""Import's objects written as the repository's YAML: one file per device and server, the
collections (sites, vendors, groups, cabling), and the devices' host keys.

A new repository (`--out`) gets every file; an existing one (`--into`) gets the objects it
does not have yet, and the new entries of its collections appended with ruamel.yaml's round
trip (comments, order and formatting of what was there are kept). An object the repository
already has is never written here: its differences are `--diff` / `--accept`
(engine.onboard.yamledit).

    written = write(repo, built, today=date.today())   # the paths written, relative to repo
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import paramiko
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from engine.drivers.hostkeys import pin
from engine.model.layout import KNOWN_HOSTS
from engine.onboard.build import Built
from engine.onboard.yamledit import replace_file, round_trip_yaml

# the order of an object's keys in its file: what it is, where, how reached, then its config
KEY_ORDER = (
    "name", "site", "role", "kind", "host", "platform", "vendor", "model", "serial", "groups",
    "management", "os", "hardware", "lifecycle", "interfaces", "bgp", "static_routes", "ntp",
    "syslog", "dns", "banner", "users", "packages", "verbatim",
)  # fmt: skip
FLOW_WIDTH = 72  # a list of scalars shorter than this is written on one line
COLLECTIONS = {
    "sites": ("inventory/sites.yaml", "sites", "sites"),
    "vendors": ("inventory/vendors.yaml", "vendors", "vendors"),
    "groups": ("inventory/groups.yaml", "groups", "groups"),
}
CABLING = "inventory/cabling.yaml"


def write(repo: Path, built: Built, *, today: date, existing: Iterable[str] = ()) -> list[str]:
    """Writes every object not in `existing` (names), the collections' new entries, the host
    keys; the files written, relative to `repo`, in order."""
    have = set(existing)
    written: list[str] = []
    for kind, objects in (("device", built.devices), ("server", built.servers)):
        for name, obj in sorted(objects.items()):
            if name in have:
                continue
            rel = f"inventory/{kind}s/{name}.yaml"
            head = (
                f"# yaml-language-server: $schema=../../schemas/{kind}.json\n"
                f"# {name}: imported by underlay import from {obj['management']['address']} "
                f"on {today.isoformat()}\n"
            )
            replace_file(repo / rel, head + dump(ordered(obj)))
            written.append(rel)
    for attr, (rel, key, schema) in COLLECTIONS.items():
        entries: Mapping[str, Any] = getattr(built, attr)
        if (entries or not (repo / rel).exists()) and _merge_mapping(
            repo / rel, key, schema, entries
        ):
            written.append(rel)
    if built.cables and _merge_cables(repo / CABLING, built.cables):
        written.append(CABLING)
    keys = [k for k in built.host_keys if k[4] not in have]
    if keys:
        pins = [(a, port, _pkey(kt, pub), name) for a, port, kt, pub, name in keys]
        pin(repo / KNOWN_HOSTS, pins)
        written.append(KNOWN_HOSTS)
    return written


def ordered(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The keys in KEY_ORDER; an OS release quoted (YAML would read 12 as a number)."""
    rank = {k: i for i, k in enumerate(KEY_ORDER)}
    found = dict(sorted(obj.items(), key=lambda kv: rank.get(kv[0], len(rank))))
    if "os" in found:
        found["os"] = {**found["os"], "version": DoubleQuotedScalarString(found["os"]["version"])}
    return found


def dump(data: Any) -> str:
    """YAML as the sample writes it: two-space mappings, list items indented under their key,
    short lists of scalars on one line, multi-line strings as `|` blocks."""
    out = io.StringIO()
    round_trip_yaml().dump(_styled(data), out)
    return out.getvalue()


def _styled(value: Any) -> Any:
    if isinstance(value, Mapping):
        node = CommentedMap()
        for k, v in value.items():
            node[k] = _styled(v)
        return node
    if isinstance(value, list | tuple):
        seq = CommentedSeq(_styled(v) for v in value)
        scalars = all(isinstance(v, str | int | float) for v in value)
        if value and scalars and len(", ".join(map(str, value))) < FLOW_WIDTH:
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and "\n" in value and not isinstance(value, DoubleQuotedScalarString):
        return LiteralScalarString(value)
    return value


def _merge_mapping(path: Path, key: str, schema: str, entries: Mapping[str, Any]) -> bool:
    """Adds the entries the file's mapping lacks; False when it had them all (a new file is
    written, empty too: a new repository has every collection)."""
    data, head = _load(path, schema)
    table = data.get(key)
    if table is None:
        table = data[key] = CommentedMap()
    new = {k: v for k, v in entries.items() if k not in table}
    if not new and path.is_file():
        return False
    for k, v in sorted(new.items()):
        table[k] = _styled(v)
    _dump(path, head, data)
    return True


def _merge_cables(path: Path, cables: list[dict[str, Any]]) -> bool:
    """Adds the cables whose ends no cable of the file holds yet."""
    data, head = _load(path, "cabling")
    listed = data.get("cables")
    if listed is None:
        listed = data["cables"] = CommentedSeq()
    ends = {(c[e]["device"], c[e]["port"]) for c in listed for e in ("a", "b")}
    new = [c for c in cables if not {(c[e]["device"], c[e]["port"]) for e in ("a", "b")} & ends]
    if not new:
        return False
    for cable in new:
        listed.append(_styled(cable))
    _dump(path, head, data)
    return True


def _load(path: Path, schema: str) -> tuple[CommentedMap, str]:
    """A collection file as ruamel's round trip reads it, and the header a new one gets."""
    if path.is_file():
        return round_trip_yaml().load(path.read_text(encoding="utf-8")) or CommentedMap(), ""
    return CommentedMap(), f"# yaml-language-server: $schema=../schemas/{schema}.json\n"


def _dump(path: Path, head: str, data: CommentedMap) -> None:
    out = io.StringIO()
    round_trip_yaml().dump(data, out)
    replace_file(path, head + out.getvalue())


def _pkey(keytype: str, public: str) -> paramiko.PKey:
    return paramiko.PKey.from_type_string(keytype, base64.b64decode(public))
