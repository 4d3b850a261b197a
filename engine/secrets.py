"""Credentials by name, and redaction of every secret value in what leaves the machine.

`management.credentials: NAME` is resolved, first match wins, from
1. environment variables UNDERLAY_CREDENTIALS_<NAME>_USERNAME / _PASSWORD / _KEY_FILE
   (NAME upper-cased, "-" -> "_");
2. a secrets file OUTSIDE the repository: $UNDERLAY_SECRETS_FILE, else
   ~/.config/underlay/secrets.yaml:
       credentials:
         core-routers: {username: netops, password: "...", key_file: ~/.ssh/netops}
3. further sources the caller plugs in (`sources=`): the CLI adds the lab's own user and key
   for a repository whose devices live in the lab.
Every set also says where the devices' host keys are pinned: the repository's
inventory/known_hosts, then any file the caller adds (`known_hosts=`: the lab's, for its nodes).

    store = CredentialStore(repo, inventory)
    creds = store.resolve("lab")     # Credentials(username="labuser", password=None, key_file=...)
    store.redactor().redact(text)    # every resolved secret value -> "<redacted>"
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from engine.errors import EngineError
from engine.load.reader import read_file
from engine.model.layout import KNOWN_HOSTS, Inventory

ENV_PREFIX = "UNDERLAY_CREDENTIALS_"
SECRETS_FILE_ENV = "UNDERLAY_SECRETS_FILE"
DEFAULT_SECRETS_FILE = Path("~/.config/underlay/secrets.yaml")
REDACTED = "<redacted>"
FIELDS = ("username", "password", "key_file")


class SecretsError(EngineError):
    """A credential set cannot be resolved, or the secrets file is unusable."""


@dataclass(frozen=True)
class Credentials:
    """Example: Credentials(name="lab", username="labuser", password=None,
    key_file="/var/lib/underlay-lab/keys/id_ed25519", source="lab")"""

    name: str
    username: str
    password: str | None = field(default=None, repr=False)
    key_file: str | None = None
    source: str = ""  # "env", the secrets file's path, or "lab"
    netns: str | None = None  # a network namespace to connect from (a lab's management netns)
    known_hosts: tuple[str, ...] = ()  # where the host keys are pinned, searched in order


def env_names(name: str) -> dict[str, str]:
    """Example: env_names("core-rtr") -> {"username": "UNDERLAY_CREDENTIALS_CORE_RTR_USERNAME",
    "password": "..._PASSWORD", "key_file": "..._KEY_FILE"}"""
    stem = ENV_PREFIX + name.upper().replace("-", "_")
    return {f: f"{stem}_{f.upper()}" for f in FIELDS}


def secrets_file(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get(SECRETS_FILE_ENV) or DEFAULT_SECRETS_FILE).expanduser()


Source = Callable[[str], "Credentials | None"]  # a credential set by name, or None


class CredentialStore:
    """Resolves credential names once each and remembers every secret value it handed out."""

    def __init__(
        self,
        repo: Path | None = None,
        inventory: Inventory | None = None,
        *,
        env: Mapping[str, str] | None = None,
        sources: Sequence[Source] = (),  # after the environment and the secrets file
        netns: str | None = None,  # every connection is made from there (a lab's mgmt netns)
        known_hosts: Sequence[Path] = (),  # after the repository's own (a lab's, for its nodes)
    ) -> None:
        self.repo = repo
        self.inventory = inventory
        self.env = dict(os.environ if env is None else env)
        self.sources = tuple(sources)
        self.netns = netns
        own = () if repo is None else (repo / KNOWN_HOSTS,)
        self.known_hosts = tuple(str(p) for p in (*own, *known_hosts))
        self._resolved: dict[str, Credentials] = {}
        self._file: dict[str, Any] | None = None

    def resolve(self, name: str) -> Credentials:
        """The credential set `name`; SecretsError with how to define it when none has it."""
        if name not in self._resolved:
            found = self._from_env(name) or self._from_file(name) or self._from_sources(name)
            if found is None:
                raise SecretsError(_undefined(name, secrets_file(self.env)))
            self._resolved[name] = replace(
                found, netns=found.netns or self.netns, known_hosts=self.known_hosts
            )
        return self._resolved[name]

    def secret_values(self) -> set[str]:
        return {c.password for c in self._resolved.values() if c.password}

    def redactor(self) -> Redactor:
        return Redactor(self.secret_values())

    def _from_env(self, name: str) -> Credentials | None:
        values = {f: self.env.get(var) for f, var in env_names(name).items()}
        if not any(values.values()):
            return None
        if not values["username"]:
            raise SecretsError(
                f"credentials {name!r}: {env_names(name)['username']} is not set (the password "
                "or key file alone is not enough)"
            )
        return _credentials(name, values, "env")

    def _from_file(self, name: str) -> Credentials | None:
        table = self._secrets_table()
        entry = table.get(name)
        if entry is None:
            return None
        path = secrets_file(self.env)
        if not isinstance(entry, dict) or not isinstance(entry.get("username"), str):
            raise SecretsError(f"{path}: credentials.{name}: needs at least `username: NAME`")
        unknown = sorted(set(entry) - set(FIELDS))
        if unknown:
            raise SecretsError(f"{path}: credentials.{name}: unknown keys {unknown}; {FIELDS}")
        values = {f: None if entry.get(f) is None else str(entry[f]) for f in FIELDS}
        if values["key_file"]:
            values["key_file"] = str(Path(values["key_file"]).expanduser())
        return _credentials(name, values, str(path))

    def _secrets_table(self) -> dict[str, Any]:
        if self._file is None:
            self._file = _read_secrets(secrets_file(self.env), self.repo)
        return self._file

    def _from_sources(self, name: str) -> Credentials | None:
        return next((found for source in self.sources if (found := source(name))), None)


def redactor_for(
    repo: Path, inventory: Inventory | None, credentials: Iterable[str] = ()
) -> Redactor:
    """A redactor that knows every secret this machine resolves for the repository's credential
    sets, for outputs that contact no device but may quote inventory data (reports, metrics,
    check results, evidence bundles). Undefined sets are skipped: nothing to hide there.
    `credentials` names more sets (an incremental check's inventory holds only what it re-read)."""
    store = CredentialStore(repo, inventory)
    nodes = [] if inventory is None else [*inventory.devices.values(), *inventory.servers.values()]
    for name in sorted({node.management.credentials for node in nodes} | set(credentials)):
        try:
            store.resolve(name)
        except EngineError:  # undefined here: nothing to hide
            continue
    return store.redactor()


def known_secrets(env: Mapping[str, str] | None = None) -> set[str]:
    """Every password of every credential set in the environment and in the secrets file: what
    any repository's devices can use on this machine (the lab's own sets have keys only). An
    unusable secrets file adds nothing here: the command that needs it reports it."""
    env = os.environ if env is None else env
    found = {v for k, v in env.items() if k.startswith(ENV_PREFIX) and k.endswith("_PASSWORD")}
    try:
        table = _read_secrets(secrets_file(env), None)
    except EngineError:
        return found
    entries = [entry for entry in table.values() if isinstance(entry, dict)]
    return found | {str(e["password"]) for e in entries if e.get("password") is not None}


def _credentials(name: str, values: Mapping[str, str | None], source: str) -> Credentials:
    username = values["username"] or ""
    return Credentials(name, username, values["password"] or None, values["key_file"], source)


def _read_secrets(path: Path, repo: Path | None) -> dict[str, Any]:
    if repo is not None and path.resolve().is_relative_to(repo.resolve()):
        raise SecretsError(
            f"{path}: the secrets file is inside the repository {repo}: secrets never live in "
            f"the repo; move it outside (default {DEFAULT_SECRETS_FILE}) and point "
            f"{SECRETS_FILE_ENV} at it"
        )
    if not path.is_file():
        return {}
    doc = read_file(path, str(path))
    if doc.diagnostics:
        first = doc.diagnostics[0]
        raise SecretsError(f"{first.pos.path}:{first.pos.line}:{first.pos.col}: {first.message}")
    table = doc.data.get("credentials") if isinstance(doc.data, dict) else None
    if not isinstance(table, dict):
        raise SecretsError(f"{path}:1:1: expected a mapping `credentials: {{NAME: {{...}}}}`")
    return table


def _undefined(name: str, path: Path) -> str:
    names = env_names(name)
    return (
        f"credentials {name!r} are not defined: set {names['username']} and "
        f"{names['password']} or {names['key_file']}, or add the set {name!r} (its username, "
        f"and its password or key file) under `credentials:` in {path}"
    )


# ---------- redaction ------------------------------------------------------------------------

# Secrets that configs and logs commonly carry even when we never resolved them.
PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL),
    # `neighbor X password S`, `password S`, `secret 5 S`, `snmp-server community S`, `key S`
    re.compile(
        r"(?P<keep>\b(?:password|passwd|secret|community|pre-shared-key|key-string|"
        r"authentication-key|auth-key|api[_-]?key|token)\b(?:\s+\d)?[\s:=\"']+)(?P<secret>[^\s\"',}]+)",
        re.IGNORECASE,
    ),
    re.compile(r"(?P<keep>\bBearer\s+)(?P<secret>[A-Za-z0-9._~+/-]+=*)"),
)


class Redactor:
    """Replaces every known secret value and common secret patterns with `<redacted>`.

    Example: Redactor({"s3cr3t"}).redact("neighbor 1.2.3.4 password s3cr3t") ->
    "neighbor 1.2.3.4 password <redacted>"
    """

    def __init__(self, values: Iterable[str] = ()) -> None:
        # longest first, so a secret that contains another is replaced whole
        self.values = sorted({v for v in values if len(v) >= 3}, key=len, reverse=True)
        self._known = (
            re.compile("|".join(re.escape(v) for v in self.values)) if self.values else None
        )

    def redact(self, text: str) -> str:
        if self._known is not None:
            text = self._known.sub(REDACTED, text)
        for pattern in PATTERNS:
            text = pattern.sub(_replacement, text)
        return text

    def redact_json(self, value: Any) -> Any:
        """The same structure with every string (keys too) redacted."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, Mapping):
            return {self.redact_json(k): self.redact_json(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.redact_json(v) for v in value]
        return value


def _replacement(match: re.Match[str]) -> str:
    groups = match.groupdict()
    if "keep" not in groups:
        return REDACTED
    if groups["secret"] == REDACTED.strip("<>") or groups["secret"].startswith("<redacted"):
        return match.group(0)
    return groups["keep"] + REDACTED
