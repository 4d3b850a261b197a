"""The `frr` driver: FRRouting on a Linux userland.

State through vtysh (JSON where FRR has it); the config through frr-reload.py: `--test` to
diff (only its stdout), `--reload` to apply, the saved running config (banner stripped) to roll
back, `write memory` to persist. The managed system files (chrony, resolv.conf, banner, syslog,
sshd drop-in, authorized keys) go with it in the same candidate bundle.
"""

from __future__ import annotations

import json
from typing import ClassVar

from napalm.base import models

from engine.drivers import device, parse
from engine.drivers.base import Candidate, UnderlayDriver
from engine.drivers.bundle import is_bundle
from engine.drivers.errors import CommandErrorException
from engine.drivers.operational import FrrOperational
from engine.drivers.parse import strip_banner

FRR_CONF = "/etc/frr/frr.conf"
FRR_RELOAD = "/usr/lib/frr/frr-reload.py"

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

    def _main_diff(self, candidate: Candidate) -> str:
        staged = f"{device.candidate_dir(self.holder.session)}/main"
        if candidate.merge:
            return _merge_diff(self._running_main(), candidate.main or "")
        out = self._sudo(f"{FRR_RELOAD} --test {staged} 2>/dev/null\n")
        return parse.frr_reload_diff(out, FRR_CONF)

    def _running_main(self) -> str:
        return strip_banner(self._vtysh("show running-config"))

    def _running(self) -> str:
        return self._running_main()

    def _startup(self) -> str:
        return self._read_files([FRR_CONF])[FRR_CONF] or ""

    def _os_version(self) -> str:
        """ "FRRouting 8.4.4 (fra1-spine01) on Linux(6.1.0)." -> "8.4.4" """
        first = self._vtysh("show version").splitlines()[0].split()
        return first[1] if len(first) > 1 else ""

    def _descriptions(self) -> dict[str, str]:
        data = json.loads(self._vtysh("show interface json"))
        return {name: str(itf.get("description", "")) for name, itf in data.items()}

    def _vtysh(self, command: str) -> str:
        return self._check(f"vtysh -c {device.q(command)}")

    def get_bgp_neighbors(self) -> dict[str, models.BGPStateNeighborsPerVRFDict]:
        """Example: {"global": {"router_id": "198.19.0.1", "peers": {"198.18.1.1": {
        "local_as": 65001, "remote_as": 65011, "remote_id": "198.19.0.11", "is_up": True,
        "is_enabled": True, "description": "fra1-leaf01", "uptime": 12,
        "address_family": {"ipv4": {"received_prefixes": 8, "accepted_prefixes": 8,
        "sent_prefixes": 15}}}}}}"""
        neighbors = parse.json_or_empty(self._vtysh("show bgp vrf all neighbors json"))
        summary = parse.json_or_empty(self._vtysh("show bgp vrf all summary json"))
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
