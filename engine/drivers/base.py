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

import contextlib
import difflib
import getpass
import json
import os
import secrets
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from napalm.base import NetworkDriver, models

from engine.drivers import bundle, device, parse, snapshot
from engine.drivers.errors import (
    CommandErrorException,
    CommitConfirmException,
    CommitError,
    ConnectionException,
    DriverError,
    LockError,
    MergeConfigException,
    ReplaceConfigException,
    RollbackError,
)
from engine.drivers.hostkeys import USER_FILE
from engine.drivers.snapshot import Section
from engine.drivers.ssh import Completed, Session, Target
from engine.render.platforms import AUTHORIZED_KEYS_DIR, SYSTEM_FILES

DEFAULT_PORT = 22
DEFAULT_LOCK_TIMEOUT = 60.0  # s a load waits for another session's configuration lock
DEFAULT_LOCK_TTL = 600  # s until a dead session's lock may be taken over
LOCK_POLL = 0.5


@dataclass(frozen=True)
class Candidate:
    text: str  # as loaded
    files: dict[str, str]  # managed files by path
    removed: tuple[str, ...]  # managed files on the device that a replace deletes
    managed: tuple[str, ...]  # the device's list of managed files once committed
    main: str | None  # the device's own config (frr.conf), if the candidate has one
    merge: bool


@dataclass(frozen=True)
class Needs:
    """What a getter reads: sections by name (the driver's table), files by path, and the
    paths named in `listed` (a manifest file, or every file of a folder ending in "/")."""

    sections: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    listed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """What one round trip read of a device: what `collect` needs for a plan. Example:
    Snapshot(pending=False, diff="--- /etc/issue.net\n+++ ...", running={"/etc/issue.net":
    "Authorised access only\n"}, getters={"facts": {...}, "config": {"running": ...}})"""

    pending: bool  # an unconfirmed commit runs: its timer will revert it
    diff: str  # compare_config() of the candidate; "" = no change (or no candidate)
    running: dict[str, str] | None  # running_artifacts() for the candidate (None: none given)
    getters: dict[str, Any] = field(default_factory=dict)


class UnderlayDriver(NetworkDriver):  # type: ignore[misc]  # napalm ships no type stubs
    """Common part of the `frr` and `linux` drivers.

    optional_args:
        port (22); key_file (a private key; else the password is used);
        netns: the path of a network namespace to connect from (/run/netns/NAME: a lab's
            management namespace; needs root);
        known_hosts (~/.ssh/known_hosts): a known_hosts file, or a list of them searched in
            order: the host's key must be pinned there, or the session is refused before
            authentication (HostKeyError; see engine.drivers.hostkeys);
        lock_timeout (60): seconds a load waits for another session's configuration lock
            before LockError names its holder (0: fail at once);
        lock_ttl (600): seconds after which this session's lock, if it dies holding it,
            expires and another session may take it over.
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
        self.netns: str | None = args.get("netns")
        self.known_hosts = _paths(args.get("known_hosts", USER_FILE))
        self.lock_timeout = float(args.get("lock_timeout", DEFAULT_LOCK_TIMEOUT))
        self.lock_ttl = int(args.get("lock_ttl", DEFAULT_LOCK_TTL))
        self.holder = _holder(username)
        self.extensions = Extensions(self)
        self._session: Session | None = None
        self._candidate: Candidate | None = None
        self._locked = False

    def __exit__(self, exc_type: Any, exc_value: Any, exc_traceback: Any) -> None:
        """Closes the session; an exception goes on up, without napalm's plea for a bug report
        (every exception of ours is one of napalm's)."""
        self.close()

    # ---------- connection ---------------------------------------------------------------------

    def open(self) -> None:
        """Opens the one SSH session this driver uses; ConnectionException/ConnectAuthError/
        ConnectTimeoutError when it cannot. Returns None."""
        target = Target(
            self.hostname,
            self.port,
            self.username,
            self.password or None,
            self.key_file,
            float(self.timeout),
            self.netns,
            self.known_hosts,
        )
        self._session = Session(target)

    def close(self) -> None:
        """Closes the session; a candidate still loaded is discarded and the lock released."""
        if self._session is None:
            return
        if self._candidate is not None or self._locked:
            with contextlib.suppress(DriverError):
                self.discard_config()
        self._session.close()
        self._session = None

    def is_alive(self) -> models.AliveDict:
        """Example: {"is_alive": True}"""
        return {"is_alive": self._session is not None and self._session.alive()}

    def _live(self) -> Session:
        if self._session is None:
            raise ConnectionException(f"{self.hostname}: not connected: call open() first")
        return self._session

    def _run(self, command: str, *, stdin: str | None = None) -> Completed:
        """Runs `command` on the device; its exit status is returned, never raised."""
        return self._live().run(command, stdin=stdin)

    def _check(self, command: str, *, stdin: str | None = None) -> str:
        """Runs `command` and returns its stdout; CommandErrorException unless it exits 0."""
        return self._live().check(command, stdin=stdin)

    def _sudo(self, script: str) -> str:
        return self._check(device.SUDO_SH, stdin=script)

    # ---------- one round trip ------------------------------------------------------------------

    def _sections(self) -> dict[str, Section]:
        """Every command a getter may need, by section name (a platform adds its own)."""
        return {s.name: s for s in BASE_SECTIONS}

    def _needs(self, getter: str) -> Needs:
        """What `getter` ("facts", "interfaces", ..., "config") reads (a platform adds)."""
        return BASE_NEEDS.get(getter, Needs())

    def _read(
        self,
        *getters: str,
        extra: Needs = Needs(),
        mutex: bool = False,
        also: Sequence[Section] = (),
    ) -> dict[str, str]:
        """Runs every section the getters (and `extra`, `also`) need in ONE script over one SSH
        channel; {section: output}. `mutex`: read while no other session's commit runs."""
        needs = [self._needs(g) for g in getters] + [extra]
        table = self._sections()
        sections = [table[n] for n in dict.fromkeys(n for x in needs for n in x.sections)]
        files = tuple(dict.fromkeys(f for x in needs for f in x.files))
        listed = tuple(dict.fromkeys(f for x in needs for f in x.listed))
        if files or listed:
            sections.append(snapshot.files_section(files, listed=listed))
        sections += also
        root = any(s.root for s in sections)
        text = snapshot.script(sections, shared_mutex=mutex and root)
        out = self._check(device.SUDO_SH if root else "sh -s", stdin=text)
        try:
            return snapshot.split(out, sections)
        except snapshot.SnapshotError as exc:
            raise CommandErrorException(f"{self.hostname}: {exc}") from None

    def _getter(self, name: str, sections: Mapping[str, str]) -> Any:
        """A getter's value from sections already read. Example: _getter("facts", read)"""
        if name == "config":
            return {"running": self._running_from(sections), "startup": "", "candidate": ""}
        return getattr(self, f"_{name}")(sections)

    def _running_from(self, sections: Mapping[str, str]) -> str:
        raise NotImplementedError

    def _snapshot(self, candidate: str | None, getters: Sequence[str]) -> Snapshot:
        """See Extensions.snapshot."""
        files, main = self._split(candidate) if candidate is not None else ({}, None)
        need = (
            Needs(("pending",))
            if candidate is None
            else Needs(
                ("pending", *self._main_sections(main)), tuple(sorted(files)), (device.MANIFEST,)
            )
        )
        read = self._read(*getters, extra=need, mutex=True)
        values = {g: self._getter(g, read) for g in getters}
        pending = read["pending"].strip() == "yes"
        if candidate is None:
            return Snapshot(pending, "", None, values)
        current = snapshot.parse_files(read[snapshot.FILES_SECTION])
        listed = device.parse_manifest(current.get(device.MANIFEST))
        paths = sorted({*files, *(p for p in listed if p not in files)})
        running = {p: c for p in paths if (c := current.get(p)) is not None}
        parts = []
        if main is not None:
            running_main = self._main_from(read)
            running[self.main_config.path] = running_main  # type: ignore[union-attr]
            parts.append(self._main_text_diff(running_main, main))
            if parts[-1]:  # a candidate that differs from the running config: is it valid?
                self._checked(self._read(also=self._check_sections(main)))
        parts += [_file_diff(p, current.get(p), files.get(p)) for p in paths]
        return Snapshot(pending, "".join(parts).strip(), dict(sorted(running.items())), values)

    def _main_sections(self, main: str | None) -> tuple[str, ...]:
        """The sections that read the running main config (none without one)."""
        return ()

    def _check_sections(self, main: str | None) -> tuple[Section, ...]:
        """Sections that check a candidate's main config on the device (none by default)."""
        return ()

    def _checked(self, sections: Mapping[str, str]) -> None:
        """ReplaceConfigException when the check sections found the candidate invalid."""

    def _main_from(self, sections: Mapping[str, str]) -> str:
        raise NotImplementedError

    def _main_text_diff(self, running: str, candidate: str) -> str:
        raise NotImplementedError

    # ---------- candidate ----------------------------------------------------------------------

    def load_replace_candidate(
        self, filename: str | None = None, config: str | None = None
    ) -> None:
        """Loads a complete candidate (a bundle; for frr also a plain frr.conf) into this
        session's own candidate, holding the device's configuration lock until commit or
        discard. Raises ReplaceConfigException (device unchanged) for a candidate it rejects,
        LockError when another session holds the lock past lock_timeout. Returns None."""
        self._load(_text(filename, config, ReplaceConfigException), merge=False)

    def load_merge_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        """Loads a candidate merged into the running config on commit: its files replace those
        files, its frr.conf lines are added to the running config. Raises
        MergeConfigException, LockError. Returns None."""
        self._load(_text(filename, config, MergeConfigException), merge=True)

    def _load(self, text: str, *, merge: bool) -> None:
        error = MergeConfigException if merge else ReplaceConfigException
        self._lock()
        try:
            files, main = self._split(text)
            removed, managed = self._managed_after(files, merge=merge)
            staged = {"main": main} if main is not None else {}
            self._sudo(device.stage_script(self.holder, staged))
            if main is not None:
                self._check_main(f"{device.candidate_dir(self.holder.session)}/main")
        except (CommandErrorException, bundle.BundleError) as exc:
            self.discard_config()
            raise error(f"{self.hostname}: candidate rejected: {exc}") from None
        self._candidate = Candidate(text, files, removed, managed, main, merge)

    def _lock(self) -> None:
        """Takes the device's configuration lock, waiting up to lock_timeout for its holder."""
        deadline = time.monotonic() + self.lock_timeout
        while True:
            done = self._run(device.SUDO_SH, stdin=device.lock_script(self.holder, self.lock_ttl))
            if done.status == 0:
                self._locked = True
                return
            if done.status != device.LOCKED_EXIT or time.monotonic() >= deadline:
                raise LockError(f"{self.hostname}: cannot lock the configuration: {_why(done)}")
            time.sleep(LOCK_POLL)

    def _managed_after(
        self, files: dict[str, str], *, merge: bool
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(files an earlier commit installed that a replace no longer holds: removed by the
        commit, the managed files after the commit)."""
        listed = device.parse_manifest(self._read_files([device.MANIFEST])[device.MANIFEST])
        if merge:
            return (), tuple(sorted({*listed, *files}))
        return tuple(p for p in listed if p not in files), tuple(sorted(files))

    def _split(self, text: str) -> tuple[dict[str, str], str | None]:
        """The candidate's managed files and its main config (None when it has none)."""
        files = bundle.decode(text)
        main = files.pop(self.main_config.path, None) if self.main_config else None
        return files, main

    def _check_main(self, path: str) -> None:
        """Raise CommandErrorException when the staged main config is invalid (drivers with
        one)."""

    def compare_config(self) -> str:
        """The changes the candidate makes, as unified diffs per file, the main config first,
        stripped; "" when nothing would change (or nothing is loaded). Example:

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
        current = self._read_files(sorted({*cand.files, *cand.removed}))
        parts += [_file_diff(p, current[p], cand.files.get(p)) for p in sorted(current)]
        return "".join(parts).strip()

    def _main_diff(self, candidate: Candidate) -> str:
        raise NotImplementedError  # only drivers with a main_config have a main config

    def discard_config(self) -> None:
        """Forgets this session's candidate, on the device too, and releases the lock (another
        session's candidate is never touched). Returns None."""
        self._candidate = None
        self._locked = False
        self._sudo(device.discard_script(self.holder))

    # ---------- commit, confirm, rollback -------------------------------------------------------

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        """Applies the candidate after a snapshot of everything it touches (a replace also
        deletes the managed files it no longer holds). With `revert_in` (seconds) a timer on
        the device restores the snapshot unless confirm_commit() comes first; without it the
        change is persisted at once. The lock is released. Raises CommitError (device
        restored, or this session lost its lock: unchanged), CommitConfirmException while
        another commit is pending (unchanged). Returns None."""
        cand = self._candidate
        if cand is None:
            raise CommitError(f"{self.hostname}: nothing to commit: load a candidate first")
        files = {**cand.files, device.MANIFEST: device.manifest(cand.managed)}
        script = device.commit_script(
            self.holder,
            files,
            cand.removed,
            self.main_config if cand.main is not None else None,
            merge=cand.merge,
            revert_in=revert_in,
        )
        done = self._run(device.SUDO_SH, stdin=script)
        if done.status == 0:  # the script dropped the candidate and released the lock
            self._candidate, self._locked = None, False
            return
        with contextlib.suppress(DriverError):
            self.discard_config()
        if done.status == device.PENDING_EXIT:
            raise CommitConfirmException(f"{self.hostname}: {_why(done)}; nothing changed")
        raise CommitError(f"{self.hostname}: {_commit_failure(done)}")

    def confirm_commit(self) -> None:
        """Disarms the commit-confirm timer and persists. CommitConfirmException when no commit
        is pending - above all when the timer has already fired and the device runs its
        previous config again. Returns None."""
        script = device.confirm_script(self.holder, self.main_config)
        done = self._run(device.SUDO_SH, stdin=script)
        if done.status == device.PENDING_EXIT:
            raise CommitConfirmException(f"{self.hostname}: {_why(done)}")
        if done.status != 0:
            raise CommitConfirmException(f"{self.hostname}: confirm failed: {_why(done)}")

    def has_pending_commit(self) -> bool:
        """Example: True (a commit-confirm timer is armed on the device)"""
        return self._run(device.SUDO_SH, stdin=device.pending_script()).status == 0

    def rollback(self) -> None:
        """Restores the snapshot of the last commit (disarming a pending timer); RollbackError
        when there is none. Returns None."""
        done = self._run(device.SUDO_SH, stdin=device.rollback_script())
        if done.status == device.PENDING_EXIT:
            raise RollbackError(f"{self.hostname}: nothing to roll back to")
        if done.status != 0:
            raise RollbackError(f"{self.hostname}: rollback failed: {_why(done)}")

    # ---------- getters ------------------------------------------------------------------------

    def get_facts(self) -> models.FactsDict:
        """Example: {"hostname": "fra1-leaf01", "fqdn": "fra1-leaf01", "vendor": "FRRouting",
        "model": "FRRouting", "serial_number": "", "os_version": "8.4.4", "uptime": 1607.35,
        "interface_list": ["eth1", "eth2", "lo", "mgmt0"]}"""
        return self._facts(self._read("facts"))

    def _facts(self, sections: Mapping[str, str]) -> models.FactsDict:
        out = sections["facts"].splitlines()
        hostname, fqdn, uptime = out[0], out[1], float(out[2])
        return {
            "hostname": hostname,
            "fqdn": fqdn,
            "vendor": self.vendor,
            "model": self._model(sections),
            "serial_number": out[4] if len(out) > 4 else "",
            "os_version": self._os_version(sections),
            "uptime": uptime,
            "interface_list": sorted(out[3].split()),
        }

    def _model(self, sections: Mapping[str, str]) -> str:
        return self.vendor

    def _os_version(self, sections: Mapping[str, str]) -> str:
        raise NotImplementedError

    def get_interfaces(self) -> dict[str, models.InterfaceDict]:
        """Example: {"eth1": {"is_up": True, "is_enabled": True, "description": "to fra1-spine01",
        "last_flapped": -1.0, "mtu": 1500, "speed": 10000.0, "mac_address": "EE:17:A5:8C:85:C2"}}
        """
        return self._interfaces(self._read("interfaces"))

    def _interfaces(self, sections: Mapping[str, str]) -> dict[str, models.InterfaceDict]:
        links = _json(sections, "links")
        found = parse.interfaces(links, parse.speeds(sections["speeds"]))
        for name, description in self._descriptions(sections).items():
            if name in found:
                found[name]["description"] = description
        return found

    def _descriptions(self, sections: Mapping[str, str]) -> dict[str, str]:
        """Interface descriptions kept outside the kernel (FRR's); the kernel's ifalias else."""
        return {}

    def get_interfaces_ip(self) -> dict[str, models.InterfacesIPDict]:
        """Example: {"eth1": {"ipv4": {"198.18.1.0": {"prefix_length": 31}},
        "ipv6": {"fe80::ec17:a5ff:fe8c:85c2": {"prefix_length": 64}}}}"""
        return self._interfaces_ip(self._read("interfaces_ip"))

    def _interfaces_ip(self, sections: Mapping[str, str]) -> dict[str, models.InterfacesIPDict]:
        return parse.interfaces_ip(_json(sections, "addrs"))

    def get_lldp_neighbors(self) -> dict[str, list[models.LLDPNeighborDict]]:
        """Example: {"eth1": [{"hostname": "fra1-spine01", "port": "eth3"}]}"""
        return self._lldp_neighbors(self._read("lldp_neighbors"))

    def _lldp_neighbors(
        self, sections: Mapping[str, str]
    ) -> dict[str, list[models.LLDPNeighborDict]]:
        return parse.lldp_neighbors(parse.lldp_detail(_json(sections, "lldp", empty=True)))

    def get_lldp_neighbors_detail(self, interface: str = "") -> models.LLDPNeighborsDetailDict:
        """Example: {"eth1": [{"parent_interface": "", "remote_port": "eth3",
        "remote_chassis_id": "3e:b8:33:2e:1a:45", "remote_port_description": "eth3",
        "remote_system_name": "fra1-spine01", "remote_system_description": "Debian GNU/Linux 12
        (bookworm) Linux 6.1.0 ...", "remote_system_capab": ["bridge", "router", "station",
        "wlan"], "remote_system_enable_capab": ["router"]}]}"""
        ports = f" ports {device.q(interface)}" if interface else ""
        out = self._check(f"lldpcli -f json0 show neighbors details{ports}")
        return parse.lldp_detail(parse.json_or_empty(out))

    def get_ntp_servers(self) -> dict[str, models.NTPServerDict]:
        """Example: {"198.18.0.5": {"address": "198.18.0.5", "port": 123,
        "association_type": "SERVER", "iburst": True, "prefer": False}}"""
        return self._ntp_servers(self._read("ntp_servers"))

    def _ntp_servers(self, sections: Mapping[str, str]) -> dict[str, models.NTPServerDict]:
        return parse.chrony_servers(snapshot.parse_files(sections["files"]).get(CHRONY_CONF) or "")

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

    def _running_artifacts(self) -> dict[str, str]:
        """See Extensions.running_artifacts."""
        cand = self._candidate
        paths = sorted({*cand.files, *cand.removed}) if cand else self._managed_paths()
        found = {p: c for p, c in self._read_files(paths).items() if c is not None}
        if self.main_config and (cand is None or cand.main is not None):
            found[self.main_config.path] = self._running_main()
        return dict(sorted(found.items()))

    def _running_main(self) -> str:
        raise NotImplementedError

    def _packages(self) -> dict[str, str]:
        raise NotImplementedError  # only the linux driver reads packages

    def _onboard(self) -> Any:
        raise NotImplementedError  # import connects with the linux driver

    def _managed_paths(self) -> list[str]:
        """The managed files present on the device (when no candidate says which)."""
        listing = self._check(f"ls -1 {AUTHORIZED_KEYS_DIR} 2>/dev/null || true").split()
        return [*MANAGED_FILES, *(f"{AUTHORIZED_KEYS_DIR}/{u}" for u in listing)]

    def _read_files(self, paths: list[str]) -> dict[str, str | None]:
        if not paths:
            return {}
        found = snapshot.parse_files(
            self._read(extra=Needs(files=tuple(paths)))[snapshot.FILES_SECTION]
        )
        return {path: found.get(path) for path in paths}


class Extensions:
    """underlay's calls beyond napalm's contract. An attribute, not methods of the driver:
    napalm's signature test allows no public method napalm does not define.

        driver.extensions.running_artifacts()   # {path: content} compare_config diffs against
        driver.extensions.packages()            # linux: {package: version}
    """

    def __init__(self, driver: UnderlayDriver) -> None:
        self._driver = driver

    def running_artifacts(self) -> dict[str, str]:
        """What compare_config diffs against: the current content of every path of the loaded
        candidate (the main config as running; files a replace removes included), else of the
        default managed files; absent files are left out. Example: {"/etc/frr/frr.conf":
        "frr version 8.4.4\\n...", "/etc/issue.net": "Authorised access only\\n"}"""
        return self._driver._running_artifacts()

    def packages(self) -> dict[str, str]:
        """Installed packages (servers). Example: {"openssh-server": "1:9.2p1-2+deb12u3"}"""
        return self._driver._packages()

    def onboard(self) -> Any:
        """linux (any Linux userland, FRR's too): what `underlay import` reads of a device, in
        ONE round trip: an engine.drivers.linux.Onboarding (the platform, FRR's running config,
        the getters, the managed files, LLDP with the neighbours' management addresses)."""
        return self._driver._onboard()

    def snapshot(self, candidate: str | None, getters: Sequence[str]) -> Snapshot:
        """Everything a plan needs of the device in ONE round trip (one script, one SSH
        channel, no configuration lock): whether a commit is pending, the `getters`' values
        (names as in "facts", "interfaces", ..., "config"), and for a `candidate` (a replace)
        what compare_config() and running_artifacts() would return once it is loaded - the
        comparison made here on the control host. The reads hold the device's mutex shared,
        so they never see another session's commit half-way. A candidate whose main config
        differs from the running one is checked by the device in a second command (frr:
        `vtysh -C`): ReplaceConfigException when it rejects it. Example:
        snapshot(bundle.encode(files), ["facts", "config"]).diff -> "--- /etc/issue.net ..." """
        return self._driver._snapshot(candidate, getters)


CHRONY_CONF = "/etc/chrony/chrony.conf"
MANAGED_FILES: tuple[str, ...] = tuple(sorted(SYSTEM_FILES))  # what render manages everywhere

BASE_SECTIONS = (
    Section(
        "facts",
        shell="hostname; hostname -f 2>/dev/null || hostname; cut -d' ' -f1 /proc/uptime; "
        "ip -o link show | cut -d: -f2 | cut -d@ -f1 | tr -d '\\n'; echo; "
        "cat /sys/class/dmi/id/product_serial 2>/dev/null || true",
    ),
    Section("links", shell="ip -j -d link show"),
    Section(  # `read`, a builtin: no subshell and no cat per interface (5 ms of a device's CPU)
        "speeds",
        shell='for i in /sys/class/net/*; do s=; read -r s 2>/dev/null < "$i/speed"; '
        'echo "${i##*/} $s"; done',
    ),
    Section("addrs", shell="ip -j addr show"),
    Section("lldp", shell="lldpcli -f json0 show neighbors details"),
    Section(
        "pending",
        shell=f"if {device.pending_script().strip()}; then echo yes; else echo no; fi",
        root=True,
    ),
)
BASE_NEEDS = {
    "facts": Needs(("facts",)),
    "interfaces": Needs(("links", "speeds")),
    "interfaces_ip": Needs(("addrs",)),
    "lldp_neighbors": Needs(("lldp",)),
    "ntp_servers": Needs(files=(CHRONY_CONF,)),
}


def _json(sections: Mapping[str, str], name: str, *, empty: bool = False) -> Any:
    """A section's JSON; CommandErrorException with the device's words when it is not JSON
    (`empty`: no output at all is {})."""
    text = sections[name]
    if empty and not text.strip():
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        words = " / ".join(line.strip() for line in text.strip().splitlines()[-3:])
        raise CommandErrorException(f"{name}: not JSON: {words or 'no output'}") from None


def _text(filename: str | None, config: str | None, error: type[DriverError]) -> str:
    """napalm's rule: the file wins when both are given."""
    if filename is not None:
        try:
            return Path(filename).read_text(encoding="utf-8")
        except OSError as exc:
            raise error(f"cannot read the candidate {filename}: {exc.strerror}") from None
    if config is None:
        raise error("no candidate: pass filename or config")
    return config


def _holder(username: str) -> device.Holder:
    """This session, as other sessions see it: a random id, the user, host and process."""
    who = f"{username or getpass.getuser()}@{socket.gethostname()} pid {os.getpid()}"
    return device.Holder(session=f"u-{secrets.token_hex(6)}", describe=who)


def _why(done: Completed) -> str:
    """The device's own words: every line of stderr (else stdout), joined."""
    lines = (done.stderr or done.stdout).strip().splitlines()
    return " / ".join(line.strip() for line in lines if line.strip()) or f"exit {done.status}"


def _commit_failure(done: Completed) -> str:
    if done.status == device.RESTORED_EXIT:
        return f"commit failed, snapshot restored: {_why(done)}"
    if done.status == device.LOCKED_EXIT:
        return f"commit refused, nothing changed: {_why(done)}"
    if done.status == device.BUSY_EXIT:
        return f"commit not started, nothing changed: {_why(done)}"
    return f"commit failed (exit {done.status}), the device's state is unknown: {_why(done)}"


def _file_diff(path: str, current: str | None, intended: str | None) -> str:
    before = (current or "").splitlines(keepends=True)
    after = (intended or "").splitlines(keepends=True)
    diff = difflib.unified_diff(
        before,
        after,
        fromfile="/dev/null" if current is None else path,
        tofile="/dev/null" if intended is None else path,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in diff)


def _paths(value: str | Path | Sequence[str | Path]) -> tuple[str, ...]:
    """optional_args' known_hosts: one path or several."""
    if isinstance(value, str | Path):
        return (str(value),)
    return tuple(str(v) for v in value)
