"""The `frr` driver: FRRouting on a Linux userland.

State through vtysh (JSON where FRR has it); the config through frr-reload.py: `--test` to
diff (only its stdout), `--reload` to apply, the saved running config (banner stripped) to roll
back, `write memory` to persist. The managed system files (chrony, resolv.conf, banner, syslog,
sshd drop-in, authorized keys) go with it in the same candidate bundle.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import ClassVar

from napalm.base import models

from engine.drivers import device, parse
from engine.drivers.base import Candidate, Needs, UnderlayDriver, _json
from engine.drivers.bundle import is_bundle
from engine.drivers.config_diff import frr_diff
from engine.drivers.errors import CommandErrorException, ReplaceConfigException
from engine.drivers.operational import FrrOperational
from engine.drivers.parse import strip_banner
from engine.drivers.snapshot import Section

FRR_CONF = "/etc/frr/frr.conf"
FRR_RELOAD = "/usr/lib/frr/frr-reload.py"

RUNNING = Section("running", vtysh="show running-config")
SECTIONS = (
    RUNNING,
    Section("bgp-neighbors", vtysh="show bgp vrf all neighbors json"),
    Section("bgp-summary", vtysh="show bgp vrf all summary json"),
)
NEEDS = {
    "facts": ("running",),
    "interfaces": ("running",),  # FRR's descriptions are configuration: no `show interface`
    "bgp_neighbors": ("bgp-neighbors", "bgp-summary"),
    "config": ("running",),
}
CHECKED = "exit status of vtysh -C: "

FRR = device.MainConfig(
    path=FRR_CONF,
    snapshot="vtysh -c 'show running-config' | sed -n '/^frr version/,$p'",
    replace=f"{FRR_RELOAD} --reload {{file}}",
    merge="vtysh -f {file}",
    persist="vtysh -c 'write memory' > /dev/null",
)


class FrrDriver(FrrOperational, UnderlayDriver):
    """napalm driver for FRRouting (tested with FRR 8.4 on Debian 12)."""

    platform: ClassVar[str] = "frr"
    main_config: ClassVar[device.MainConfig | None] = FRR
    vendor: ClassVar[str] = "FRRouting"

    def _split(self, text: str) -> tuple[dict[str, str], str | None]:
        """A bundle, or a plain frr.conf (a candidate of the frr.conf alone)."""
        return super()._split(text) if is_bundle(text) else ({}, text)

    def _check_main(self, path: str) -> None:
        """`vtysh -C`: FRR's own offline syntax check, no daemon involved; the error names
        every offending line of the candidate's frr.conf."""
        done = self._run(device.SUDO_SH, stdin=f"vtysh -C -f {device.q(path)} 2>&1\n")
        if done.status != 0:
            raise CommandErrorException(f"{FRR_CONF}: {parse.vtysh_check_errors(done.stdout)}")

    def _sections(self) -> dict[str, Section]:
        return super()._sections() | {s.name: s for s in SECTIONS}

    def _needs(self, getter: str) -> Needs:
        base = super()._needs(getter)
        return Needs((*base.sections, *NEEDS.get(getter, ())), base.files, base.listed)

    def _main_diff(self, candidate: Candidate) -> str:
        if candidate.merge:
            return _merge_diff(self._running_main(), candidate.main or "")
        return frr_diff(self._running_main(), candidate.main or "", FRR_CONF)

    def _main_text_diff(self, running: str, candidate: str) -> str:
        return frr_diff(running, candidate, FRR_CONF)

    def _main_sections(self, main: str | None) -> tuple[str, ...]:
        return () if main is None else ("running",)

    def _check_sections(self, main: str | None) -> tuple[Section, ...]:
        """`vtysh -C` of the candidate's frr.conf, in a temporary file of its own."""
        if main is None:
            return ()
        data = base64.b64encode(main.encode()).decode()
        shell = (
            f't=$(mktemp); printf %s {data} | base64 -d > "$t"; vtysh -C -f "$t" 2>&1;'
            f' echo "{CHECKED}$?"; rm -f "$t"'
        )
        return (Section("check", shell=shell),)

    def _checked(self, sections: Mapping[str, str]) -> None:
        out = sections["check"].rstrip()
        head, _, status = out.rpartition(CHECKED)
        if status != "0":
            errors = parse.vtysh_check_errors(head)
            raise ReplaceConfigException(
                f"{self.hostname}: candidate rejected: {FRR_CONF}: {errors}"
            )

    def _main_from(self, sections: Mapping[str, str]) -> str:
        return strip_banner(sections["running"])

    def _running_from(self, sections: Mapping[str, str]) -> str:
        return strip_banner(sections["running"])

    def _running_main(self) -> str:
        return strip_banner(self._read(extra=Needs(("running",)))["running"])

    def _running(self) -> str:
        return self._running_main()

    def _startup(self) -> str:
        return self._read_files([FRR_CONF])[FRR_CONF] or ""

    def _os_version(self, sections: Mapping[str, str]) -> str:
        """ "frr version 8.4.4" in the running config -> "8.4.4" """
        for line in sections["running"].splitlines():
            if line.startswith("frr version "):
                return line.split()[2]
        return ""

    def _descriptions(self, sections: Mapping[str, str]) -> dict[str, str]:
        """Every interface's FRR description ("" without one), from the running config: the
        same values as `show interface json` gives, without another command for zebra."""
        described = parse.frr_descriptions(sections["running"])
        return {
            link["ifname"]: described.get(link["ifname"], "") for link in _json(sections, "links")
        }

    def _vtysh(self, command: str) -> str:
        return self._check(f"vtysh -c {device.q(command)}")

    def get_bgp_neighbors(self) -> dict[str, models.BGPStateNeighborsPerVRFDict]:
        """Example: {"global": {"router_id": "198.19.0.1", "peers": {"198.18.1.1": {
        "local_as": 65001, "remote_as": 65011, "remote_id": "198.19.0.11", "is_up": True,
        "is_enabled": True, "description": "fra1-leaf01", "uptime": 12,
        "address_family": {"ipv4": {"received_prefixes": 8, "accepted_prefixes": 8,
        "sent_prefixes": 15}}}}}}"""
        return self._bgp_neighbors(self._read("bgp_neighbors"))

    def _bgp_neighbors(
        self, sections: Mapping[str, str]
    ) -> dict[str, models.BGPStateNeighborsPerVRFDict]:
        neighbors = _json(sections, "bgp-neighbors", empty=True)
        summary = _json(sections, "bgp-summary", empty=True)
        return parse.bgp_neighbors(neighbors, summary)


def _merge_diff(running: str, snippet: str) -> str:
    """A merge only adds: its lines that the running config lacks, with their context."""
    present = {line.rstrip() for line in running.splitlines()}
    lines = snippet.splitlines()
    body = []
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        is_context = following.strip() and len(following) - len(following.lstrip()) > len(
            line
        ) - len(line.lstrip())
        if is_context:
            body.append(" " + line)
        elif line.strip() and line.strip() != "!" and line.rstrip() not in present:
            body.append("+" + line)
    if not any(b.startswith("+") for b in body):
        return ""
    return f"--- {FRR_CONF} (running)\n+++ {FRR_CONF} (merged)\n" + "\n".join(body) + "\n"
