"""The `linux` driver: a Linux server whose config is the set of files rendered from the model.

The candidate is a bundle of managed files (chrony, resolv.conf, login banner, syslog
forwarding, sshd hardening drop-in, admin users' authorized keys); each is written atomically
with its previous content kept for rollback. Getters read iproute2, lldpcli, chrony.conf,
getent and dpkg-query.
"""

from __future__ import annotations

from typing import ClassVar

from napalm.base import models

from engine.drivers import bundle
from engine.drivers.base import UnderlayDriver
from engine.drivers.operational import LinuxOperational
from engine.render.platforms import AUTHORIZED_KEYS_DIR

ADMIN_GROUPS = ("sudo", "wheel", "adm")
SHELLS_WITHOUT_LOGIN = ("nologin", "false", "sync")


class LinuxDriver(LinuxOperational, UnderlayDriver):
    """napalm driver for Debian-like Linux servers."""

    platform: ClassVar[str] = "linux"
    vendor: ClassVar[str] = "Linux"

    def _os_version(self) -> str:
        """ "Debian GNU/Linux 12 (bookworm), kernel 6.1.0-18-amd64" """
        out = self._check('. /etc/os-release; echo "$PRETTY_NAME"; uname -r')
        name, kernel = [*out.splitlines(), "", ""][:2]
        return f"{name}, kernel {kernel}"

    def _model(self) -> str:
        out = self._check("cat /sys/class/dmi/id/product_name 2>/dev/null || true")
        return out.strip() or "Linux"

    def _running(self) -> str:
        """A bundle of the managed files as they are now."""
        return bundle.encode(self._running_artifacts())

    def _running_main(self) -> str:
        return ""

    def get_users(self) -> dict[str, models.UsersDict]:
        """Login users (uid 0 or >= 1000 with a login shell) and users with managed keys; level
        15 for root and members of sudo/wheel/adm, else 0; passwords are never read.
        Example:
        {"netops": {"level": 15, "password": "", "sshkeys": ["ssh-ed25519 AAAA... netops"]}}
        """
        passwd = self._check("getent passwd").splitlines()
        admins = self._admins()
        keyed = self._check(f"ls -1 {AUTHORIZED_KEYS_DIR} 2>/dev/null || true").split()
        users = {
            f[0]: int(f[2]) == 0 or f[0] in admins
            for f in (line.split(":") for line in passwd)
            if len(f) >= 7 and _login_user(int(f[2]), f[6])
        }
        users |= {name: users.get(name, name in admins) for name in keyed}
        keys = self._read_files([f"{AUTHORIZED_KEYS_DIR}/{u}" for u in sorted(users)])
        return {
            name: {
                "level": 15 if admin else 0,
                "password": "",
                "sshkeys": _keys(keys.get(f"{AUTHORIZED_KEYS_DIR}/{name}")),
            }
            for name, admin in sorted(users.items())
        }

    def _admins(self) -> set[str]:
        groups = " ".join(ADMIN_GROUPS)
        out = self._check(f"getent group {groups} || true")
        return {u for line in out.splitlines() for u in line.split(":")[-1].split(",") if u}

    def _packages(self) -> dict[str, str]:
        """Installed packages (Extensions.packages; napalm has no such getter). Example:
        {"openssh-server": "1:9.2p1-2+deb12u3", "lldpd": "1.0.16-1+deb12u1"}"""
        out = self._check(
            "dpkg-query -W -f '${db:Status-Abbrev}\\t${Package}\\t${Version}\\n'"
        )
        fields = (line.split("\t") for line in out.splitlines())
        return {f[1]: f[2] for f in fields if len(f) == 3 and f[0].startswith("ii")}


def _login_user(uid: int, shell: str) -> bool:
    return (uid == 0 or uid >= 1000) and not shell.endswith(SHELLS_WITHOUT_LOGIN) and uid != 65534


def _keys(text: str | None) -> list[str]:
    lines = (line.strip() for line in (text or "").splitlines())
    return [line for line in lines if line and not line.startswith("#")]
