"""Managed system files read from a device -> the inventory fields that render them again.

`underlay import` reads the files underlay manages on FRR devices and Linux servers (chrony,
resolv.conf, rsyslog, issue.net, the sshd drop-in, one authorized_keys file per user) and turns
them into `ntp`, `syslog`, `dns`, `banner` and `users`. The parser is checked by rendering:
the fields go through the very templates apply writes, and every line of a device's file that
the render would not reproduce, or would add, is a note for the import report. So a plan right
after an import shows no change in these files, or the report says which lines it will.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from engine.model.inventory import Common, Dns, Servers, User
from engine.model.types import HostOrIP, IPv4, Name
from engine.render import AUTHORIZED_KEYS_DIR, SYSTEM_FILES, system_files

CHRONY = "/etc/chrony/chrony.conf"
RESOLV = "/etc/resolv.conf"
ISSUE = "/etc/issue.net"
RSYSLOG = "/etc/rsyslog.d/90-underlay.conf"
NO_HEADER = frozenset({ISSUE})  # a banner is the whole file: the template writes no header

_HEADER = re.compile(r"# Managed by underlay from (?P<source>\S+?): (?P<rest>.*)\n?\Z")
_KEYS_HEADER = re.compile(r"user (?P<user>\S+) \((?P<role>[^)]*)\)\.")
_ROLES = ("admin", "operator", "read-only")
_PLACEHOLDER = "inventory"  # a header's source when no file names one: only its line differs


@dataclass(frozen=True)
class FilesParsed:
    """What a device's managed files say, in the inventory's YAML shape, plus the report's notes.

    Example: FilesParsed(
        fields={"ntp": {"servers": ["198.18.0.5"]}, "banner": "Authorised access only\\n",
                "users": {"netops": {"role": "admin", "ssh_keys": ["ssh-ed25519 AAAA... n@x"]}}},
        notes=("/etc/chrony/chrony.conf:4: `pool 2.debian.pool.org iburst` is not written "
               "by underlay's template: the next apply removes it",),
        source="inventory/devices/fra1-leaf01.yaml")
    """

    fields: dict[str, Any]
    notes: tuple[str, ...]
    source: str | None  # the object file the headers name; None when no file has a header


def parse_files(files: Mapping[str, str | None], source: str | None = None) -> FilesParsed:
    """The inventory fields that the managed `files` (device path -> text, None = absent)
    render from, and a note for every line the render would not reproduce.

    `source` is the path of the object file the import writes (the header's `from ...`); by
    default the one the files' headers name, so a device managed from the same repository
    layout re-renders byte for byte. A header naming another file is a note.
    """
    notes: list[str] = []
    named = _header_source(files)
    chosen = source or named or _PLACEHOLDER
    fields = _fields(files, notes)
    rendered = system_files(_as_object(fields), chosen)
    for path in sorted(set(files) | set(rendered)):
        notes.extend(_compare(path, files.get(path), rendered.get(path), chosen))
    return FilesParsed(fields=fields, notes=tuple(notes), source=named)


# ---------- fields -------------------------------------------------------------------------


def _fields(files: Mapping[str, str | None], notes: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    ntp = _valid(_words(files.get(CHRONY), "server"), HostOrIP)
    if ntp:
        fields["ntp"] = {"servers": ntp}
    syslog = _valid(_forwards(files.get(RSYSLOG)), HostOrIP)
    if syslog:
        fields["syslog"] = {"servers": syslog}
    dns = _dns(files.get(RESOLV))
    if dns:
        fields["dns"] = dns
    banner = _banner(files.get(ISSUE), notes)
    if banner is not None:
        fields["banner"] = banner
    users = _users(files, notes)
    if users:
        fields["users"] = users
    return fields


def _lines(text: str | None) -> Iterator[list[str]]:
    """The words of each line that is not blank or a comment."""
    for line in (text or "").splitlines():
        words = line.split()
        if words and not words[0].startswith("#"):
            yield words


def _words(text: str | None, keyword: str) -> list[str]:
    """The first argument of every `keyword` line: `server 198.18.0.5 iburst` -> 198.18.0.5."""
    return [words[1] for words in _lines(text) if words[0] == keyword and len(words) > 1]


def _forwards(text: str | None) -> list[str]:
    """Hosts that everything is forwarded to: `*.* @host:514` (UDP) or `*.* @@host` (TCP)."""
    found = []
    for words in _lines(text):
        if len(words) == 2 and words[0] == "*.*" and words[1].startswith("@"):
            target = words[1].lstrip("@")
            found.append(target.rsplit(":", 1)[0] if ":" in target else target)
    return found


def _valid(values: list[str], kind: Any) -> list[str]:
    """The values that the inventory's type accepts; the others stay notes of the diff."""
    adapter: TypeAdapter[Any] = TypeAdapter(kind)
    kept = []
    for value in values:
        try:
            adapter.validate_python(value)
        except ValidationError:
            continue
        kept.append(value)
    return kept


def _dns(text: str | None) -> dict[str, Any]:
    servers = _valid(_words(text, "nameserver"), IPv4)
    if not servers:
        return {}
    domains = _words(text, "search") or _words(text, "domain")
    return {"servers": servers} | ({"domain": domains[0]} if domains else {})


def _banner(text: str | None, notes: list[str]) -> str | None:
    """issue.net whole: the template writes the banner and ends it with one newline."""
    if not text:
        return None
    if not text.endswith("\n"):
        notes.append(f"{ISSUE}: no newline at its end: the banner gets one, the next apply adds it")
        return text + "\n"
    return text


def _users(files: Mapping[str, str | None], notes: list[str]) -> dict[str, Any]:
    users: dict[str, Any] = {}
    for path, text in sorted(files.items()):
        user = _key_file_user(path)
        if user is None or text is None:
            continue
        if not _valid([user], Name):
            notes.append(f"{path}: {user!r} is not a valid user name: not imported")
            continue
        keys = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
        users[user] = {"role": _role(path, user, text, notes), "ssh_keys": keys}
        if not keys:
            notes.append(f"{path}: no keys: underlay writes no file for a user without keys")
    return users


def _key_file_user(path: str) -> str | None:
    directory, _, user = path.rpartition("/")
    return user if directory == AUTHORIZED_KEYS_DIR and user else None


def _role(path: str, user: str, text: str, notes: list[str]) -> str:
    """The role the header names (`user netops (admin)`); read-only, with a note, otherwise."""
    header = _HEADER.match(text.split("\n", 1)[0])
    found = _KEYS_HEADER.fullmatch(header["rest"]) if header else None
    if found and found["user"] == user and found["role"] in _ROLES:
        return found["role"]
    notes.append(f"{path}: no underlay header naming the role of {user}: imported as read-only")
    return "read-only"


def _as_object(fields: Mapping[str, Any]) -> Common:
    """An object carrying only these fields, for the templates (the rest is not rendered)."""
    typed: dict[str, Any] = {}
    for name, model in (("ntp", Servers), ("syslog", Servers), ("dns", Dns)):
        if name in fields:
            typed[name] = model.model_validate(fields[name])
    users = fields.get("users", {})
    typed["users"] = {name: User.model_validate(spec) for name, spec in users.items()}
    typed["banner"] = fields.get("banner")
    return Common.model_construct(**typed)


# ---------- what the render would not reproduce -------------------------------------------


def _header_source(files: Mapping[str, str | None]) -> str | None:
    """The source most headers name (ties: the first path in order)."""
    named = [found for _, text in sorted(files.items()) if (found := _source_of(text))]
    return max(named, key=named.count) if named else None


def _source_of(text: str | None) -> str | None:
    found = _HEADER.match((text or "").split("\n", 1)[0])
    return found["source"] if found else None


def _compare(path: str, text: str | None, rendered: str | None, source: str) -> list[str]:
    managed = path in SYSTEM_FILES or _key_file_user(path) is not None
    if not managed:
        return [f"{path}: not a file underlay manages: ignored"]
    if text is None:
        return [f"{path}: absent: the next apply writes it"] if rendered is not None else []
    if rendered is None:
        return [f"{path}: no field expresses it: underlay leaves it as it is"]
    notes = []
    if path not in NO_HEADER:
        text, note = _same_source(path, text, source)
        notes += [note] if note else []
    text = text if text.endswith("\n") else text + "\n"  # _banner has said so for issue.net
    return notes + _line_notes(path, text, rendered)


def _same_source(path: str, text: str, source: str) -> tuple[str, str | None]:
    """The text with its header naming `source`, and a note when it named another file or
    had no header at all."""
    first, _, rest = text.partition("\n")
    found = _HEADER.match(first)
    if found is None:
        return text, f"{path}: no underlay header: written by hand or by another tool"
    if found["source"] == source:
        return text, None
    note = f"{path}: its header names {found['source']}, not {source}: the next apply rewrites it"
    return f"# Managed by underlay from {source}: {found['rest']}\n{rest}", note


def _line_notes(path: str, text: str, rendered: str) -> list[str]:
    """A note per line of `text` the render drops and per line it adds."""
    have, want = text.splitlines(), rendered.splitlines()
    notes = []
    matcher = difflib.SequenceMatcher(a=have, b=want, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        notes += [_dropped(path, n + 1, have[n]) for n in range(i1, i2)]
        notes += [_added(path, want[n]) for n in range(j1, j2)]
    return notes


def _dropped(path: str, line: int, text: str) -> str:
    return (
        f"{path}:{line}: `{text}` is not written by underlay's template: the next apply removes it"
    )


def _added(path: str, text: str) -> str:
    return f"{path}: the next apply adds `{text}`"
