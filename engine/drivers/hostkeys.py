"""Pinned SSH host keys: OpenSSH known_hosts files, read, checked against a host, written.

A host is named as OpenSSH names it in known_hosts: `ADDRESS` on port 22, `[ADDRESS]:PORT`
on any other. Several files are searched in order and the first entry of a key type wins (as
paramiko and OpenSSH's UserKnownHostsFile do): a repository's own file, then the lab's.

    pinned = KnownHosts.read([Path("inventory/known_hosts")])
    pinned.verify("198.18.0.11", 22, key)   # HostKeyError unless `key` is pinned for the host
    fingerprint(key)                        # "SHA256:QmVhcn...", as `ssh-keygen -l` shows it
    line("198.18.0.11", 22, key, "fra1-leaf01")
        # "198.18.0.11 ssh-ed25519 AAAAC3Nz... fra1-leaf01"

Markers (`@cert-authority`, `@revoked`) and wildcard patterns are refused with the line that
holds them: silently skipping a revocation would trust what it revokes.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import paramiko

from engine.drivers.errors import HostKeyError
from engine.errors import EngineError

SSH_PORT = 22
USER_FILE = "~/.ssh/known_hosts"  # a driver's default, as OpenSSH's


class KnownHostsError(EngineError):
    """A known_hosts file cannot be used; the message starts with `path:line:col`."""


@dataclass(frozen=True)
class Entry:
    """One line of a known_hosts file. Example: Entry(hosts=("198.18.0.11",),
    keytype="ssh-ed25519", key="AAAAC3NzaC1lZDI1NTE5AAAAI...", comment="fra1-leaf01",
    path="inventory/known_hosts", line=3)"""

    hosts: tuple[str, ...]
    keytype: str
    key: str  # base64, as in the file
    comment: str
    path: str
    line: int

    def names(self, host: str) -> bool:
        return any(_matches(pattern, host) for pattern in self.hosts)

    @property
    def fingerprint(self) -> str:
        return _fingerprint(base64.b64decode(self.key))

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def pkey(self) -> paramiko.PKey:
        return paramiko.PKey.from_type_string(self.keytype, base64.b64decode(self.key))


def host_name(address: str, port: int) -> str:
    """Example: host_name("198.18.0.11", 22) -> "198.18.0.11";
    host_name("198.18.0.11", 2222) -> "[198.18.0.11]:2222\""""
    return address if port == SSH_PORT else f"[{address}]:{port}"


def fingerprint(key: paramiko.PKey) -> str:
    """Example: "SHA256:3gYHZ1ZzAUM2x3VXbLk4v7EJ0cDUE8q3aC4DdtmEH0o" (as `ssh-keygen -l`)."""
    return _fingerprint(key.asbytes())


def describe(key: paramiko.PKey) -> str:
    """Example: "ssh-ed25519 SHA256:3gYHZ1ZzAUM2x3VXbLk4v7EJ0cDUE8q3aC4DdtmEH0o\""""
    return f"{key.get_name()} {fingerprint(key)}"


def line(address: str, port: int, key: paramiko.PKey, comment: str = "") -> str:
    """The known_hosts line that pins `key` for the host (the comment: the device's name)."""
    fields = (host_name(address, port), key.get_name(), key.get_base64(), comment)
    return " ".join(f for f in fields if f)


def _fingerprint(blob: bytes) -> str:
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def _matches(pattern: str, host: str) -> bool:
    if not pattern.startswith("|1|"):
        return pattern == host
    salt, _, digest = pattern[3:].partition("|")
    mac = hmac.new(base64.b64decode(salt), host.encode(), hashlib.sha1).digest()
    return hmac.compare_digest(base64.b64encode(mac).decode(), digest)


class KnownHosts:
    """The entries of known_hosts files, in the order they were read."""

    def __init__(self, entries: Sequence[Entry] = (), files: Sequence[str] = ()) -> None:
        self.entries = tuple(entries)
        self.files = tuple(files)
        # by plain host name, each host's entries in file order; hashed names are tried in turn
        self._by_host: dict[str, list[tuple[int, Entry]]] = {}
        self._hashed: list[tuple[int, Entry]] = []
        for order, entry in enumerate(self.entries):
            for pattern in entry.hosts:
                if pattern.startswith("|1|"):
                    self._hashed.append((order, entry))
                else:
                    self._by_host.setdefault(pattern, []).append((order, entry))

    @classmethod
    def read(cls, paths: Iterable[Path | str], shown: Sequence[str] | None = None) -> KnownHosts:
        """Every entry of `paths` (a missing file holds none); KnownHostsError for a bad line.
        `shown`: how each path is named in messages (default: the path). Read and indexed
        once per version of the files: every session of a run reads the same ones."""
        files = [Path(p).expanduser() for p in paths]
        names = list(shown) if shown is not None else [str(p) for p in files]
        versions = tuple((p, n, _version(p, n)) for p, n in zip(files, names, strict=True))
        return _read(versions)

    def pinned(self, address: str, port: int) -> list[Entry]:
        """The entries for the host, the first of each key type only."""
        name = host_name(address, port)
        hashed = [(order, e) for order, e in self._hashed if e.names(name)]
        found: dict[str, Entry] = {}
        for _, entry in sorted([*self._by_host.get(name, []), *hashed], key=lambda p: p[0]):
            found.setdefault(entry.keytype, entry)
        return list(found.values())

    def check(self, address: str, port: int, key: paramiko.PKey) -> Entry | None:
        """The entry that pins `key` for the host; None when none does."""
        blob = base64.b64encode(key.asbytes()).decode()
        return next((e for e in self.pinned(address, port) if e.key == blob), None)

    def verify(self, address: str, port: int, key: paramiko.PKey) -> Entry:
        """The entry that pins `key`; HostKeyError (unknown or changed) otherwise."""
        found = self.check(address, port, key)
        if found is not None:
            return found
        pinned = self.pinned(address, port)
        if pinned:
            raise HostKeyError.changed(host_name(address, port), describe(key), _pins(pinned))
        raise HostKeyError.unknown(host_name(address, port), describe(key), self._searched())

    def _searched(self) -> str:
        return ", ".join(self.files) if self.files else "no known_hosts file"


def _pins(entries: Sequence[Entry]) -> str:
    return "; ".join(f"{e.keytype} {e.fingerprint} ({e.where})" for e in entries)


# ---------- reading -----------------------------------------------------------------------------


def _version(path: Path, name: str) -> tuple[int, int] | None:
    """(mtime, size) of the file; None when there is none."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KnownHostsError(f"{name}:1:1: cannot read the known_hosts file: {exc}") from None
    return st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=8)
def _read(versions: tuple[tuple[Path, str, tuple[int, int] | None], ...]) -> KnownHosts:
    entries = [e for path, name, version in versions if version for e in _parse(path, name)]
    return KnownHosts(entries, [name for _, name, _ in versions])


def _parse(path: Path, name: str) -> tuple[Entry, ...]:
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise KnownHostsError(f"{name}:1:1: cannot read the known_hosts file: {exc}") from None
    return tuple(e for n, raw in enumerate(text.splitlines(), 1) if (e := _entry(raw, name, n)))


def _entry(raw: str, path: str, number: int) -> Entry | None:
    text = raw.strip()
    if not text or text.startswith("#"):
        return None
    col = len(raw) - len(raw.lstrip()) + 1
    fields = text.split()
    problem = _problem(fields)
    if problem:
        raise KnownHostsError(f"{path}:{number}:{col}: {problem}")
    hosts, keytype, key = fields[0].split(","), fields[1], fields[2]
    return Entry(tuple(hosts), keytype, key, " ".join(fields[3:]), path, number)


def _problem(fields: list[str]) -> str | None:
    if fields[0].startswith("@"):
        return (
            f"{fields[0]}: markers are not supported (pin each host's key itself; remove a "
            "revoked key's line)"
        )
    if len(fields) < 3:
        return "expected `HOST[,HOST...] KEYTYPE BASE64KEY [COMMENT]`"
    if any(c in fields[0] for c in "*?!"):
        return f"{fields[0]}: host patterns are not supported: name each address"
    try:
        paramiko.PKey.from_type_string(fields[1], base64.b64decode(fields[2], validate=True))
    except (binascii.Error, paramiko.SSHException, ValueError) as exc:
        return f"not a {fields[1]} public key ({exc or type(exc).__name__})"
    return None


# ---------- writing -----------------------------------------------------------------------------


def pin(path: Path, pins: Sequence[tuple[str, int, paramiko.PKey, str]]) -> None:
    """Pin (address, port, key, device name) in the known_hosts file at `path`: a host's
    entry of that key type is replaced in place (a line naming several hosts loses this one),
    a new host is appended, in the given order; comments and other lines stay as they are."""
    lines = path.read_text().splitlines() if path.exists() else []
    for address, port, key, comment in pins:
        lines = _pinned(lines, host_name(address, port), line(address, port, key, comment))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{text}\n" for text in lines))


def _pinned(lines: list[str], host: str, new: str) -> list[str]:
    keytype = new.split()[1]
    for index, raw in enumerate(lines):
        fields = raw.split()
        if len(fields) < 3 or raw.lstrip().startswith("#") or fields[1] != keytype:
            continue
        hosts = fields[0].split(",")
        if not any(_matches(p, host) for p in hosts):
            continue
        if len(hosts) == 1:
            return [*lines[:index], new, *lines[index + 1 :]]
        rest = ",".join(p for p in hosts if not _matches(p, host))
        lines = [*lines[:index], " ".join([rest, *fields[1:]]), *lines[index + 1 :]]
        break
    return [*lines, new]
