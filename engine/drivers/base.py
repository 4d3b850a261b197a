"""The contract every underlay driver implements: napalm's NetworkDriver, over one SSH session.

A driver manages a set of files on a Linux userland, and optionally a device's own config
(`MainConfig`: FRR's frr.conf, applied by frr-reload.py). The candidate is a bundle
(engine.drivers.bundle) of {path: content}; `frr` also takes a plain frr.conf.

    with get_driver("frr")("198.18.0.11", "labuser", "", optional_args={"key_file": KEY}) as d:
        d.load_replace_candidate(config=bundle.encode(rendered.artifacts()))
        print(d.compare_config())          # "" when the device already matches
        d.commit_config(revert_in=60)      # a timer ON THE DEVICE reverts in 60 s ...
        d.confirm_commit()                 # ... unless confirmed
        d.rollback()                       # back to the snapshot taken by the last commit

Each method's docstring shows an exact example of what it returns.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from napalm.base import NetworkDriver, models

from engine.drivers import bundle, device, parse
from engine.drivers.errors import (
    CommandError,
    CommitConfirmError,
    CommitError,
    ConnectError,
    MergeConfigError,
    ReplaceConfigError,
    RollbackError,
)
from engine.drivers.ssh import Session, Target
from engine.render.platforms import AUTHORIZED_KEYS_DIR, SYSTEM_FILES

DEFAULT_PORT = 22


@dataclass(frozen=True)
class Candidate:
    text: str  # as loaded
    files: dict[str, str]  # managed files by path
    main: str | None  # the device's own config (frr.conf), if the candidate has one
    merge: bool


class UnderlayDriver(NetworkDriver):  # type: ignore[misc]  # napalm ships no type stubs
    """Common part of the `frr` and `linux` drivers.

    optional_args: port (22), key_file (a private key; else the password is used).
    """

    platform: ClassVar[str]
    main_config: ClassVar[device.MainConfig | None] = None
    vendor: ClassVar[str]

    def __init__(
        self,
        hostname: str,
        username: str,
        password: str,
        timeout: int = 60,
        optional_args: dict[str, Any] | None = None,
    ) -> None:
        args = optional_args or {}
        self.hostname, self.username, self.password, self.timeout = (
            hostname,
            username,
            password,
            timeout,
        )
        self.port = int(args.get("port", DEFAULT_PORT))
        self.key_file: str | None = args.get("key_file")
        self._session: Session | None = None
        self._candidate: Candidate | None = None

    # ---------- connection ---------------------------------------------------------------------

    def open(self) -> None:
        """Opens the one SSH session this driver uses; ConnectError/ConnectAuthError/
        ConnectTimeoutError when it cannot. Returns None."""
        target = Target(
            self.hostname,
            self.port,
            self.username,
            self.password or None,
            self.key_file,
            float(self.timeout),
        )
        self._session = Session(target)

    def close(self) -> None:
        """Closes the session (a staged candidate stays on the device until discarded)."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def is_alive(self) -> models.AliveDict:
        """Example: {"is_alive": True}"""
        return {"is_alive": self._session is not None and self._session.alive()}

    @property
    def session(self) -> Session:
        if self._session is None:
            raise ConnectError(f"{self.hostname}: not connected: call open() first")
        return self._session

    def _sudo(self, script: str) -> str:
        return self.session.check(device.SUDO_SH, stdin=script)

    # ---------- candidate ----------------------------------------------------------------------

    def load_replace_candidate(
        self, filename: str | None = None, config: str | None = None
    ) -> None:
        """Loads a complete candidate (a bundle; for frr also a plain frr.conf). Raises
        ReplaceConfigError, with the device unchanged, for a candidate it rejects. Returns None."""
        self._load(_text(filename, config), merge=False)

    def load_merge_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        """Loads a candidate merged into the running config on commit: its files replace those
        files, its frr.conf lines are added to the running config. Raises MergeConfigError."""
        self._load(_text(filename, config), merge=True)

    def _load(self, text: str, *, merge: bool) -> None:
        error = MergeConfigError if merge else ReplaceConfigError
        try:
            files, main = self._split(text)
            self._sudo(device.stage_script({"main": main} if main is not None else {}))
            if main is not None:
                self._check_main(f"{device.CANDIDATE_DIR}/main")
        except (CommandError, bundle.BundleError) as exc:
            self.discard_config()
            raise error(f"{self.hostname}: candidate rejected: {exc}") from None
        self._candidate = Candidate(text, files, main, merge)

    def _split(self, text: str) -> tuple[dict[str, str], str | None]:
        """The candidate's managed files and its main config (None when it has none)."""
        files = bundle.decode(text)
        main = files.pop(self.main_config.path, None) if self.main_config else None
        return files, main

    def _check_main(self, path: str) -> None:
        """Raise CommandError when the staged main config is invalid (drivers with one)."""

    def compare_config(self) -> str:
        """The changes the candidate makes, as unified diffs per file, the main config first;
        "" when nothing would change (or nothing is loaded). Example:

            --- /etc/chrony/chrony.conf
            +++ /etc/chrony/chrony.conf
            @@ -1,2 +1,2 @@
             # Managed by underlay from inventory/devices/fra1-leaf03.yaml: ...
            -server 198.18.0.4 iburst
            +server 198.18.0.5 iburst
        """
        cand = self._candidate
        if cand is None:
            return ""
        parts = [self._main_diff(cand)] if cand.main is not None else []
        current = self._read_files(sorted(cand.files))
        parts += [_file_diff(p, current[p], cand.files[p]) for p in sorted(cand.files)]
        return "".join(parts)

    def _main_diff(self, candidate: Candidate) -> str:
        raise NotImplementedError  # only drivers with a main_config have a main config

    def discard_config(self) -> None:
        """Forgets the candidate, on the device too. Returns None."""
        self._candidate = None
        self._sudo(device.discard_script())

    # ---------- commit, confirm, rollback -------------------------------------------------------

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        """Applies the candidate after a snapshot of everything it touches. With `revert_in`
        (seconds) a timer on the device restores the snapshot unless confirm_commit() comes
        first; without it the change is persisted at once. Raises CommitError (device restored),
        CommitConfirmError while a commit is pending. Returns None."""
        cand = self._candidate
        if cand is None:
            raise CommitError(f"{self.hostname}: nothing to commit: load a candidate first")
        script = device.commit_script(
            cand.files,
            self.main_config if cand.main is not None else None,
            merge=cand.merge,
            revert_in=revert_in,
        )
        done = self.session.run(device.SUDO_SH, stdin=script)
        if done.status == 3:
            raise CommitConfirmError(f"{self.hostname}: a commit is pending confirmation")
        if done.status != 0:
            raise CommitError(f"{self.hostname}: commit failed, snapshot restored: {done.stderr}")
        self.discard_config()

    def confirm_commit(self) -> None:
        """Disarms the commit-confirm timer and persists; CommitConfirmError when none is
        pending. Returns None."""
        done = self.session.run(device.SUDO_SH, stdin=device.confirm_script(self.main_config))
        if done.status != 0:
            raise CommitConfirmError(f"{self.hostname}: no commit is pending confirmation")

    def has_pending_commit(self) -> bool:
        """Example: True (a commit-confirm timer is armed on the device)"""
        return self.session.run(device.SUDO_SH, stdin=device.pending_script()).status == 0

    def rollback(self) -> None:
        """Restores the snapshot of the last commit (disarming a pending timer); RollbackError
        when there is none. Returns None."""
        done = self.session.run(device.SUDO_SH, stdin=device.rollback_script())
        if done.status == 3:
            raise RollbackError(f"{self.hostname}: nothing to roll back to")
        if done.status != 0:
            raise RollbackError(f"{self.hostname}: rollback failed: {done.stderr.strip()}")

    # ---------- getters ------------------------------------------------------------------------

    def get_facts(self) -> models.FactsDict:
        """Example: {"hostname": "fra1-leaf01", "fqdn": "fra1-leaf01", "vendor": "FRRouting",
        "model": "FRRouting", "serial_number": "", "os_version": "8.4.4", "uptime": 1607.35,
        "interface_list": ["eth1", "eth2", "lo", "mgmt0"]}"""
        out = self.session.check(
            "hostname; hostname -f 2>/dev/null || hostname; cut -d' ' -f1 /proc/uptime; "
            "ip -o link show | cut -d: -f2 | cut -d@ -f1 | tr -d '\\n'; echo; "
            "cat /sys/class/dmi/id/product_serial 2>/dev/null || true"
        ).splitlines()
        hostname, fqdn, uptime = out[0], out[1], float(out[2])
        return {
            "hostname": hostname,
            "fqdn": fqdn,
            "vendor": self.vendor,
            "model": self._model(),
            "serial_number": out[4] if len(out) > 4 else "",
            "os_version": self._os_version(),
            "uptime": uptime,
            "interface_list": sorted(out[3].split()),
        }

    def _model(self) -> str:
        return self.vendor

    def _os_version(self) -> str:
        raise NotImplementedError

    def get_interfaces(self) -> dict[str, models.InterfaceDict]:
        """Example: {"eth1": {"is_up": True, "is_enabled": True, "description": "to fra1-spine01",
        "last_flapped": -1.0, "mtu": 1500, "speed": 10000.0, "mac_address": "EE:17:A5:8C:85:C2"}}
        """
        links = json.loads(self.session.check("ip -j -d link show"))
        speeds = parse.speeds(
            self.session.check(
                'for i in /sys/class/net/*; do echo "${i##*/} $(cat $i/speed 2>/dev/null)"; done'
            )
        )
        found = parse.interfaces(links, speeds)
        for name, description in self._descriptions().items():
            if name in found:
                found[name]["description"] = description
        return found

    def _descriptions(self) -> dict[str, str]:
        """Interface descriptions kept outside the kernel (FRR's); the kernel's ifalias else."""
        return {}

    def get_interfaces_ip(self) -> dict[str, models.InterfacesIPDict]:
        """Example: {"eth1": {"ipv4": {"198.18.1.0": {"prefix_length": 31}},
        "ipv6": {"fe80::ec17:a5ff:fe8c:85c2": {"prefix_length": 64}}}}"""
        return parse.interfaces_ip(json.loads(self.session.check("ip -j addr show")))

    def get_lldp_neighbors(self) -> dict[str, list[models.LLDPNeighborDict]]:
        """Example: {"eth1": [{"hostname": "fra1-spine01", "port": "eth3"}]}"""
        return parse.lldp_neighbors(self.get_lldp_neighbors_detail())

    def get_lldp_neighbors_detail(self, interface: str = "") -> models.LLDPNeighborsDetailDict:
        """Example: {"eth1": [{"parent_interface": "", "remote_port": "eth3",
        "remote_chassis_id": "3e:b8:33:2e:1a:45", "remote_port_description": "eth3",
        "remote_system_name": "fra1-spine01", "remote_system_description": "Debian GNU/Linux 12
        (bookworm) Linux 6.1.0 ...", "remote_system_capab": ["bridge", "router", "station",
        "wlan"], "remote_system_enable_capab": ["router"]}]}"""
        ports = f" ports {device.q(interface)}" if interface else ""
        out = self.session.check(f"lldpcli -f json0 show neighbors details{ports}")
        return parse.lldp_detail(parse.json_or_empty(out))

    def get_ntp_servers(self) -> dict[str, models.NTPServerDict]:
        """Example: {"198.18.0.5": {"address": "198.18.0.5", "port": 123,
        "association_type": "SERVER", "iburst": True, "prefer": False}}"""
        text = self._read_files([CHRONY_CONF])[CHRONY_CONF] or ""
        return parse.chrony_servers(text)

    def get_config(
        self,
        retrieve: str = "all",
        full: bool = False,
        sanitized: bool = False,
        format: str = "text",
    ) -> models.ConfigDict:
        """Example (frr): {"running": "frr version 8.4.4\\n...end\\n",
        "startup": "frr version 8.4.4\\n...", "candidate": ""}; linux: "running" is a bundle
        of the managed files, "startup" is "". `sanitized` redacts secrets."""
        want = {"running", "startup", "candidate"} if retrieve == "all" else {retrieve}
        config: models.ConfigDict = {
            "running": self._running() if "running" in want else "",
            "startup": self._startup() if "startup" in want else "",
            "candidate": self._candidate.text if "candidate" in want and self._candidate else "",
        }
        if sanitized:
            from engine.secrets import Redactor  # noqa: PLC0415 - drivers need secrets only here

            redactor = Redactor()
            config = {
                "running": redactor.redact(config["running"]),
                "startup": redactor.redact(config["startup"]),
                "candidate": redactor.redact(config["candidate"]),
            }
        return config

    def _running(self) -> str:
        raise NotImplementedError

    def _startup(self) -> str:
        return ""

    def get_running_artifacts(self) -> dict[str, str]:
        """What compare_config diffs against: the current content of every path of the loaded
        candidate (the main config as running), else of the default managed files; absent files
        are left out. Example: {"/etc/frr/frr.conf": "frr version 8.4.4\\n...",
        "/etc/issue.net": "Authorised access only\\n"}"""
        cand = self._candidate
        paths = sorted(cand.files) if cand else self._managed_paths()
        found = {p: c for p, c in self._read_files(paths).items() if c is not None}
        if self.main_config and (cand is None or cand.main is not None):
            found[self.main_config.path] = self._running_main()
        return dict(sorted(found.items()))

    def _running_main(self) -> str:
        raise NotImplementedError

    def _managed_paths(self) -> list[str]:
        """The managed files present on the device (when no candidate says which)."""
        listing = self.session.check(f"ls -1 {AUTHORIZED_KEYS_DIR} 2>/dev/null || true").split()
        return [*MANAGED_FILES, *(f"{AUTHORIZED_KEYS_DIR}/{u}" for u in listing)]

    def _read_files(self, paths: list[str]) -> dict[str, str | None]:
        if not paths:
            return {}
        out = self._sudo(device.read_files_script(paths))
        return device.parse_read_files(paths, out)


CHRONY_CONF = "/etc/chrony/chrony.conf"
MANAGED_FILES: tuple[str, ...] = tuple(sorted(SYSTEM_FILES))  # what render manages everywhere


def _text(filename: str | None, config: str | None) -> str:
    """napalm's rule: the file wins when both are given."""
    if filename is not None:
        return Path(filename).read_text(encoding="utf-8")
    if config is None:
        raise ReplaceConfigError("no candidate: pass filename or config")
    return config


def _file_diff(path: str, current: str | None, intended: str) -> str:
    before = (current or "").splitlines(keepends=True)
    after = intended.splitlines(keepends=True)
    diff = difflib.unified_diff(
        before, after, fromfile="/dev/null" if current is None else path, tofile=path
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in diff)
