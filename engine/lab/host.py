"""The root namespace side: commands, preflight checks, keys, lab user, mgmt bridge, leak guard."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from engine.lab.errors import CommandError
from engine.lab.spec import LAB_RANGE, LabSpec
from engine.lab.state import LAB_NETNS_PREFIX, NODE_HOST_KEY, LabPaths

PACKAGES = ("frr", "frr-pythontools", "lldpd", "openssh-server", "iproute2", "sudo")
BRIDGE = "ulab0"
# Above any route a DHCP client or the admin would add, so a more specific real route still
# wins, while the lab range can never fall through to the default route.
GUARD_METRIC = 4000
# Daemons that must not run in the root namespace: lldpd would speak LLDP on the real NICs and
# FRR could peer with the real network.
_ROOT_NS_FORBIDDEN = ("lldpd", "watchfrr", "zebra", "bgpd", "staticd")


def run(
    argv: Sequence[str], *, input: str | None = None, timeout: float = 60, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a host command; a failure (when `check`) is a `CommandError` carrying its stderr."""
    done = subprocess.run(
        list(argv), input=input, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and done.returncode != 0:
        raise CommandError(list(argv), done.returncode, done.stderr or done.stdout)
    return done


def ip_batch(lines: Iterable[str], netns: str | None = None) -> None:
    """Many `ip` commands in one process: one fork instead of one per link."""
    prefix = ["-n", netns] if netns else []
    run(["ip", *prefix, "-batch", "-"], input="\n".join(lines) + "\n")


# ---------- preflight ---------------------------------------------------------------------


def preflight() -> list[str]:
    """Problems that stop a lab from starting on this host, each with the command that fixes it."""
    if os.geteuid() != 0:
        return ["not root: the lab creates namespaces, links and mounts; run as root (sudo)"]
    return [*_missing_packages(), *_forwarding(), *_root_ns_daemons(), *_systemd_units()]


def _missing_packages() -> list[str]:
    if shutil.which("dpkg-query") is None:
        return [f"dpkg-query not found: the lab needs Debian 12 with {' '.join(PACKAGES)}"]
    done = run(["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\n", *PACKAGES], check=False)
    installed = {
        line.split()[0] for line in done.stdout.splitlines() if line.endswith(" installed")
    }
    missing = [p for p in PACKAGES if p not in installed]
    if not missing:
        return []
    return [
        f"missing Debian packages {', '.join(missing)}: "
        f"apt-get install -y --no-install-recommends {' '.join(missing)}"
    ]


def _forwarding() -> list[str]:
    if Path("/proc/sys/net/ipv4/ip_forward").read_text().strip() == "0":
        return []
    return [
        "root namespace has net.ipv4.ip_forward=1, so lab traffic could be routed off this "
        "machine: sysctl -w net.ipv4.ip_forward=0 (and find what set it: docker, libvirt, munet)"
    ]


def _root_ns_daemons() -> list[str]:
    root_net = Path("/proc/self/ns/net").stat()
    problems = []
    for pid, comm in _processes():
        if comm in _ROOT_NS_FORBIDDEN and _same_ns(pid, "net", root_net):
            problems.append(
                f"{comm} (pid {pid}) runs in the root network namespace and would talk to the "
                f"real network: stop it (systemctl disable --now frr lldpd, or kill {pid})"
            )
    return problems


def _systemd_units() -> list[str]:
    if not Path("/run/systemd/system").is_dir():
        return []  # no systemd running: nothing starts these at boot
    enabled = [
        unit
        for unit in ("frr", "lldpd")
        if run(["systemctl", "is-enabled", unit], check=False).stdout.strip() == "enabled"
    ]
    if not enabled:
        return []
    return [
        f"systemd starts {' and '.join(enabled)} in the root namespace at boot (the Debian "
        f"packages enable them): systemctl disable --now {' '.join(enabled)}"
    ]


def _processes() -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found.append((int(entry.name), (entry / "comm").read_text().strip()))
            except OSError:
                continue  # exited while we looked
    return found


def _same_ns(pid: int, kind: str, ns: os.stat_result) -> bool:
    try:
        st = Path(f"/proc/{pid}/ns/{kind}").stat()
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == (ns.st_dev, ns.st_ino)


# ---------- host setup --------------------------------------------------------------------


def make_keys(paths: LabPaths) -> None:
    """The client key the engine logs in with (each node makes its own host key)."""
    paths.keys.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not paths.private_key.exists():
        make_key(paths.private_key, "underlay-lab")


def make_key(path: Path, comment: str) -> None:
    """An ed25519 key pair at `path` and `path`.pub (the private key readable by root only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])


def write_known_hosts(paths: LabPaths, spec: LabSpec) -> None:
    """Every node's host key by its management address: what the engine pins for the lab's
    nodes (engine.cli.lab_plug), so that a lab repository needs no known_hosts of its own."""
    lines = []
    for node in spec.nodes:
        public = Path(f"{paths.host_key(node.name)}.pub").read_text()
        keytype, key = public.split()[:2]
        lines.append(f"{node.mgmt_address.ip} {keytype} {key} {node.name}\n")
    tmp = paths.known_hosts.with_suffix(".tmp")
    tmp.write_text("".join(lines))
    tmp.replace(paths.known_hosts)


# Labs share the host's lab user: the lab that adds it marks it here (a tmpfs: a reboot takes
# every lab down too), and the last lab to go down removes a marked user.
USER_MARKS = Path("/run/underlay-lab-users")


def ensure_user(user: str) -> bool:
    """Create the lab user on the host if missing; True if a lab (this call or another lab up
    on the host) added it.

    The host account stays locked, without groups or sudo: its password, groups and sudo rule
    exist only in the nodes' private /etc.
    """
    try:
        pwd.getpwnam(user)
        return (USER_MARKS / user).exists()
    except KeyError:
        run(["useradd", "--create-home", "--shell", "/bin/bash", "--user-group", user])
        USER_MARKS.mkdir(mode=0o700, exist_ok=True)
        (USER_MARKS / user).touch()
        return True


def remove_user(user: str) -> list[str]:
    """Delete a user `up()` added, with its home; returns what could not be removed."""
    try:
        pwd.getpwnam(user)
    except KeyError:
        return []
    done = run(["userdel", "--remove", user], check=False)
    try:
        pwd.getpwnam(user)
    except KeyError:
        (USER_MARKS / user).unlink(missing_ok=True)
        return []
    return [f"user {user}: userdel failed: {done.stderr.strip()}"]


def write_daemon_configs(paths: LabPaths, user: str) -> None:
    paths.sshd_config.write_text(_sshd_config(paths, user))


def _sshd_config(paths: LabPaths, user: str) -> str:
    return f"""\
# shared by all lab nodes; each sshd runs inside its node's namespaces and listens only there
Port 22
# each node's own, in its private /etc (known_hosts in the state dir pins them)
HostKey {NODE_HOST_KEY}
PidFile /run/sshd.pid
AllowUsers {user}
PermitRootLogin no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
# in the node's private /etc: the host account has no key
AuthorizedKeysFile /etc/ssh/underlay-lab/authorized_keys
UsePAM yes
# exec sessions: vtysh, lldpcli and frr-reload.py live in sbin
SetEnv PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
UseDNS no
PrintMotd no
MaxStartups 100:30:200
Subsystem sftp /usr/lib/openssh/sftp-server
"""


def namespace_lines(paths: LabPaths, nodes: Iterable[str]) -> list[str]:
    """Root-namespace `ip -batch` lines: the leak guard, the lab's management namespace and
    its nodes' network namespaces. No lab address is ever configured in the root namespace."""
    return [
        f"route replace unreachable {LAB_RANGE} metric {GUARD_METRIC}",
        f"netns add {paths.mgmt_netns}",
        *(f"netns add {paths.netns(name)}" for name in nodes),
    ]


def mgmt_lines(bridge_address: str) -> list[str]:
    """`ip -n <mgmt netns> -batch` lines: the management bridge, without any uplink."""
    return [
        "link set lo up",
        f"link add {BRIDGE} type bridge",
        f"link set {BRIDGE} up",
        f"addr add {bridge_address} dev {BRIDGE}",
    ]


def other_labs(paths: LabPaths) -> list[str]:
    """The management namespaces of the other labs up on this host."""
    found = Path("/run/netns").glob(f"{LAB_NETNS_PREFIX}*_mgmt")
    return sorted(p.name for p in found if p.name != paths.mgmt_netns)


def guard_route_present() -> bool:
    done = run(["ip", "route", "show", "type", "unreachable", str(LAB_RANGE)], check=False)
    return f"metric {GUARD_METRIC}" in done.stdout


def remove_guard_route() -> None:
    if guard_route_present():
        run(["ip", "route", "del", "unreachable", str(LAB_RANGE), "metric", str(GUARD_METRIC)])
