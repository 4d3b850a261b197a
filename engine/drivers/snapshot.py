"""One round trip: the reads a getter, a plan or a compare needs, in one script on one channel.

A *section* is one command's output. The script prints a marker line before each, so the
control host splits them apart again; FRR's vtysh commands of one script go to ONE vtysh
process (its text command first, then the JSON ones). vtysh stops at the first command that
fails (a daemon that is not running), so when that process fails each command runs on its own.

    sections = (Section("links", shell="ip -j -d link show"),
                Section("running", vtysh="show running-config"),
                Section("bgp", vtysh="show bgp vrf all summary json"))
    out = session.check("sudo -n sh -s", stdin=script(sections))
    split(out, sections)   # {"links": "[{...}]", "running": "Building ...", "bgp": "{...}"}
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.drivers.device import MUTEX, STATE_DIR, q

MARK = "\x1eunderlay-section "  # a record separator: never in a command's output
VTYSH_GROUP = "vtysh"  # the marker of one vtysh process's combined output
FILES_SECTION = "files"
SHARED_WAIT = 30  # s a read waits for another session's commit to finish (shared mutex)
_JSON_START = re.compile(r"^[\[{]", re.MULTILINE)
_MARKER = re.compile(f"^{MARK}(.*)\n", re.MULTILINE)


class SnapshotError(Exception):
    """The device's output cannot be split into the sections asked for."""


@dataclass(frozen=True)
class Section:
    """One command. Example: Section("links", shell="ip -j -d link show");
    Section("running", vtysh="show running-config"); root: the command needs sudo."""

    name: str
    shell: str = ""
    vtysh: str = ""
    root: bool = False


def files_section(paths: Sequence[str], *, listed: Sequence[str] = ()) -> Section:
    """Reads `paths` and every path named in the files `listed` (one path a line, like the
    managed-files manifest) and every file in the folders `listed` ends with "/"; one line per
    path: `<path> +<base64>` or `<path> -` (no such file). Example of a line:
    "/etc/issue.net +QXV0aG9yaXNlZCBhY2Nlc3Mgb25seQo=" """
    sources = [q(p) for p in paths]
    sources += [f"$(cat {q(p)} 2>/dev/null)" for p in listed if not p.endswith("/")]
    sources += [f"$(ls -d {q(p)}* 2>/dev/null)" for p in listed if p.endswith("/")]
    shell = (
        f"for p in {' '.join(sources)}; do\n"
        '  if [ -f "$p" ]; then printf \'%s +\' "$p"; base64 -w0 < "$p"; echo;'
        " else printf '%s -\\n' \"$p\"; fi\n"
        "done"
    )
    return Section(FILES_SECTION, shell=shell, root=True)


def parse_files(text: str) -> dict[str, str | None]:
    """A files section -> {path: content, None when absent}; the first line of a path wins."""
    found: dict[str, str | None] = {}
    for line in text.splitlines():
        path, _, data = line.rpartition(" ")
        if path and path not in found:
            found[path] = base64.b64decode(data[1:]).decode() if data.startswith("+") else None
    return found


def script(sections: Sequence[Section], *, shared_mutex: bool = False) -> str:
    """The POSIX sh script that prints every section after its marker. `shared_mutex`: read
    holding the device's mutex shared, so no commit of another session runs half-way through
    the reads (root only)."""
    lines = ["m() { printf '\\036underlay-section %s\\n' \"$1\"; }"]
    if shared_mutex:
        lines.append(
            f"if [ -d {STATE_DIR} ]; then exec 9>>{MUTEX}; flock -s -w {SHARED_WAIT} 9; fi"
        )
    for section in sections:
        if section.shell:
            lines += [f"m {q(section.name)}", f"{{ {section.shell}\n}} 2>&1"]
    commands = _vtysh_order(sections)
    if commands:
        combined = " ".join(f"-c {q(s.vtysh)}" for s in commands)
        lines += [
            f"if out=$(vtysh {combined} 2>&1); then m {VTYSH_GROUP}; printf '%s\\n' \"$out\"",
            "else",
            *(f"  m {q(s.name)}; vtysh -c {q(s.vtysh)} 2>&1" for s in commands),
            "fi",
        ]
    return "\n".join([*lines, ""])


def split(stdout: str, sections: Sequence[Section]) -> dict[str, str]:
    """The script's output -> {section name: its output}. SnapshotError when a section is
    missing or the combined vtysh output does not hold what was asked."""
    found: dict[str, str] = {}
    parts = _MARKER.split(stdout)  # [before the first marker, name, body, name, body, ...]
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        found[name] = body
    if VTYSH_GROUP in found:
        found |= _split_vtysh(found.pop(VTYSH_GROUP), _vtysh_order(sections))
    missing = [s.name for s in sections if s.name not in found]
    if missing:
        raise SnapshotError(f"no output for {', '.join(missing)}")
    return found


def _vtysh_order(sections: Sequence[Section]) -> list[Section]:
    """vtysh's commands: at most one text command, first (it ends at its line "end"), then
    the JSON ones (each prints exactly one JSON value)."""
    commands = [s for s in sections if s.vtysh]
    text = [s for s in commands if not s.vtysh.endswith(" json")]
    if len(text) > 1:
        raise ValueError(f"one vtysh text command per script, not {[s.vtysh for s in text]}")
    return text + [s for s in commands if s.vtysh.endswith(" json")]


def _split_vtysh(text: str, commands: Sequence[Section]) -> dict[str, str]:
    found: dict[str, str] = {}
    rest = text
    if commands and not commands[0].vtysh.endswith(" json"):
        head, sep, rest = text.partition("\nend\n")
        if not sep:
            head, sep, rest = (text[:-4], "\nend", "") if text.endswith("\nend") else ("", "", "")
        if not sep:
            raise SnapshotError(f"{commands[0].vtysh!r}: no line 'end' in vtysh's output")
        found[commands[0].name] = head + "\nend\n"
        commands = commands[1:]
    decoder = json.JSONDecoder()
    position = 0
    for section in commands:
        match = _JSON_START.search(rest, position)
        if match is None:
            raise SnapshotError(f"{section.vtysh!r}: no JSON in vtysh's output")
        try:
            value, position = decoder.raw_decode(rest, match.start())
        except json.JSONDecodeError as exc:
            raise SnapshotError(f"{section.vtysh!r}: {exc}") from None
        found[section.name] = json.dumps(value)
    return found
