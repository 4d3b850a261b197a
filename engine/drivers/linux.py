"""The `linux` driver: a Linux server whose config is the set of files rendered from the model.

The candidate is a bundle of managed files (chrony, resolv.conf, login banner, syslog
forwarding, sshd hardening drop-in, admin users' authorized keys); each is written atomically
with its previous content kept for rollback. Getters read iproute2, lldpcli, chrony.conf,
getent and dpkg-query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from napalm.base import models

from engine.drivers import bundle, parse, snapshot
from engine.drivers.base import MANAGED_FILES, Needs, UnderlayDriver, _json
from engine.drivers.operational import LinuxOperational
from engine.drivers.snapshot import Section
from engine.render.platforms import AUTHORIZED_KEYS_DIR

KEYS = f"{AUTHORIZED_KEYS_DIR}/"

ADMIN_GROUPS = ("sudo", "wheel", "adm")
SHELLS_WITHOUT_LOGIN = ("nologin", "false", "sync")
SECTIONS = (
    Section("os", shell='. /etc/os-release; echo "$PRETTY_NAME"; uname -r'),
    Section("model", shell="cat /sys/class/dmi/id/product_name 2>/dev/null || true"),
    Section("passwd", shell="getent passwd"),
    Section("groups", shell=f"getent group {' '.join(ADMIN_GROUPS)} || true"),
)
# What `underlay import` reads besides the getters: FRR's running config when FRR's daemons
# answer (the platform is learnt from it), the OS release, the hardware, the packages installed
# on purpose (apt-mark showmanual: not every dependency).
ONBOARD_SECTIONS = (
    Section("frr", shell="vtysh -c 'show running-config' 2>/dev/null || true", root=True),
    Section(
        "release",
        shell='. /etc/os-release; echo "$ID"; echo "$VERSION_ID"; '
        "cat /etc/timezone 2>/dev/null || echo",
    ),
    Section(
        "hardware",
        shell="nproc; sed -n 's/^MemTotal: *\\([0-9]*\\) kB/\\1/p' /proc/meminfo; "
        'v=$(systemd-detect-virt --vm 2>/dev/null); echo "${v:-none}"; '
        "cat /sys/class/dmi/id/sys_vendor 2>/dev/null || echo",
    ),
    # apt-mark showmanual's answer (installed, not marked auto-installed) without its 0.5 s
    Section(
        "manual",
        shell="{ awk '/^Package: /{p=$2} /^Auto-Installed: 1/{print \"auto\", p}' "
        "/var/lib/apt/extended_states 2>/dev/null; "
        "dpkg-query -W -f='${db:Status-Abbrev} ${Package}\\n' 2>/dev/null "
        "| awk '$1 ~ /^ii/ {print \"inst\", $2}'; } "
        "| awk '$1 == \"auto\" {a[$2] = 1; next} !($2 in a) {print $2}'",
    ),
)
ONBOARD_GETTERS = ("facts", "interfaces", "interfaces_ip", "users", "config")
NEEDS = {
    "facts": Needs(("os", "model")),
    "users": Needs(("passwd", "groups"), listed=(KEYS,)),
    "config": Needs(files=MANAGED_FILES, listed=(KEYS,)),
}


@dataclass(frozen=True)
class Onboarding:
    """What `underlay import` learns of a device in one round trip. Example:
    Onboarding(platform="frr", frr_config="frr version 8.4.4\\n...end\\n", os_id="debian",
    os_version="12", cpus=2, memory_mb=3925, packages=("chrony", "frr"), getters={"facts":
    {...}, "interfaces": {...}, "interfaces_ip": {...}, "users": {...}, "config": {...}},
    files={"/etc/issue.net": "Authorised access only\\n"}, lldp={"eth1": [{...}]},
    lldp_addresses={"eth1": ["198.18.0.11"]})"""

    platform: str  # "frr" when FRR's daemons answer vtysh, else "linux"
    frr_config: str  # FRR's running config (banner stripped); "" when no FRR runs
    os_id: str  # /etc/os-release ID and VERSION_ID
    os_version: str
    timezone: str  # /etc/timezone ("" when the host has none)
    cpus: int
    memory_mb: int
    virtualization: str  # systemd-detect-virt: "none" on bare metal, else kvm, vmware, ...
    vendor: str  # the hardware vendor as DMI names it ("" without DMI)
    packages: tuple[str, ...]  # installed on purpose
    getters: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # managed files present, by path
    lldp: dict[str, Any] = field(default_factory=dict)  # get_lldp_neighbors_detail()
    lldp_addresses: dict[str, list[str]] = field(default_factory=dict)  # port -> mgmt addrs


class LinuxDriver(LinuxOperational, UnderlayDriver):
    """napalm driver for Debian-like Linux servers."""

    platform: ClassVar[str] = "linux"
    vendor: ClassVar[str] = "Linux"

    def _sections(self) -> dict[str, Section]:
        return super()._sections() | {s.name: s for s in SECTIONS}

    def _needs(self, getter: str) -> Needs:
        base, more = super()._needs(getter), NEEDS.get(getter, Needs())
        return Needs(
            (*base.sections, *more.sections),
            (*base.files, *more.files),
            (*base.listed, *more.listed),
        )

    def _os_version(self, sections: Mapping[str, str]) -> str:
        """ "Debian GNU/Linux 12 (bookworm), kernel 6.1.0-18-amd64" """
        name, kernel = [*sections["os"].splitlines(), "", ""][:2]
        return f"{name}, kernel {kernel}"

    def _model(self, sections: Mapping[str, str]) -> str:
        return sections["model"].strip() or "Linux"

    def _running(self) -> str:
        """A bundle of the managed files as they are now."""
        return bundle.encode(self._running_artifacts())

    def _running_from(self, sections: Mapping[str, str]) -> str:
        files = snapshot.parse_files(sections[snapshot.FILES_SECTION])
        managed = {
            p: c
            for p, c in files.items()
            if c is not None and (p in MANAGED_FILES or p.startswith(KEYS))
        }
        return bundle.encode(dict(sorted(managed.items())))

    def _running_main(self) -> str:
        return ""

    def get_users(self) -> dict[str, models.UsersDict]:
        """Login users (uid 0 or >= 1000 with a login shell) and users with managed keys; level
        15 for root and members of sudo/wheel/adm, else 0; passwords are never read.
        Example:
        {"netops": {"level": 15, "password": "", "sshkeys": ["ssh-ed25519 AAAA... netops"]}}
        """
        return self._users(self._read("users"))

    def _users(self, sections: Mapping[str, str]) -> dict[str, models.UsersDict]:
        files = snapshot.parse_files(sections[snapshot.FILES_SECTION])
        keys = {p.removeprefix(KEYS): c for p, c in files.items() if p.startswith(KEYS)}
        admins = {
            u
            for line in sections["groups"].splitlines()
            for u in line.split(":")[-1].split(",")
            if u
        }
        users = {
            f[0]: int(f[2]) == 0 or f[0] in admins
            for f in (line.split(":") for line in sections["passwd"].splitlines())
            if len(f) >= 7 and _login_user(int(f[2]), f[6])
        }
        users |= {name: users.get(name, name in admins) for name in keys}
        return {
            name: {"level": 15 if admin else 0, "password": "", "sshkeys": _keys(keys.get(name))}
            for name, admin in sorted(users.items())
        }

    def _onboard(self) -> Onboarding:
        """See Extensions.onboard."""
        sections = self._read(
            *ONBOARD_GETTERS, extra=Needs(("lldp",), MANAGED_FILES, (KEYS,)), also=ONBOARD_SECTIONS
        )
        frr = parse.strip_banner(sections["frr"]) if "frr version" in sections["frr"] else ""
        os_id, os_version, timezone = [*sections["release"].split("\n"), "", "", ""][:3]
        cpus, memory, virt, vendor = [*sections["hardware"].split("\n"), "0", "0", "", ""][:4]
        files = snapshot.parse_files(sections[snapshot.FILES_SECTION])
        lldp = _json(sections, "lldp", empty=True)
        return Onboarding(
            platform="frr" if frr else "linux",
            frr_config=frr,
            os_id=os_id.strip(),
            os_version=os_version.strip(),
            timezone=timezone.strip(),
            cpus=int(cpus or 0),
            memory_mb=int(memory or 0) // 1024,
            virtualization=virt.strip() or "none",
            vendor=vendor.strip(),
            packages=tuple(sorted(sections["manual"].split())),
            getters={name: self._getter(name, sections) for name in ONBOARD_GETTERS},
            files={p: c for p, c in sorted(files.items()) if c is not None},
            lldp=dict(parse.lldp_detail(lldp)),
            lldp_addresses=parse.lldp_addresses(lldp),
        )

    def _packages(self) -> dict[str, str]:
        """Installed packages (Extensions.packages; napalm has no such getter). Example:
        {"openssh-server": "1:9.2p1-2+deb12u3", "lldpd": "1.0.16-1+deb12u1"}"""
        out = self._check("dpkg-query -W -f '${db:Status-Abbrev}\\t${Package}\\t${Version}\\n'")
        fields = (line.split("\t") for line in out.splitlines())
        return {f[1]: f[2] for f in fields if len(f) == 3 and f[0].startswith("ii")}


def _login_user(uid: int, shell: str) -> bool:
    return (uid == 0 or uid >= 1000) and not shell.endswith(SHELLS_WITHOUT_LOGIN) and uid != 65534


def _keys(text: str | None) -> list[str]:
    lines = (line.strip() for line in (text or "").splitlines())
    return [line for line in lines if line and not line.startswith("#")]
