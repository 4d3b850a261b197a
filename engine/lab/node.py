"""One lab node: its private directories, its namespaces, its links' far ends, its daemons.

A node is a network + UTS + mount namespace. In the mount namespace /etc is an overlay on the
host's /etc (writes land in the node's own upper dir), /etc/frr, /run and /var/log are the
node's own directories and /sys is a fresh sysfs, so plain `vtysh`, `lldpcli`, `frr-reload.py`
and `sudo` behave as on a standalone box, and managing one node never touches the host.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from engine.lab.errors import LabBuildError
from engine.lab.host import make_key, run
from engine.lab.spec import MGMT_IFNAME, LabNode, LabSpec
from engine.lab.state import LabPaths

FRR_DAEMONS = ("watchfrr", "zebra", "bgpd", "staticd")
PID_WAIT_SECONDS = 15.0
LLDPD_CONF = "configure lldp tx-interval 1\nconfigure lldp portidsubtype ifname\n"

_DAEMONS_FILE = """\
bgpd=yes
vtysh_enable=yes
zebra_options="  -A 127.0.0.1 -s 90000000"
bgpd_options="   -A 127.0.0.1"
staticd_options="-A 127.0.0.1"
frr_profile="traditional"
"""

# Runs in the node's new namespaces. Arguments: $1 name, $2 /etc upper, $3 overlay workdir,
# $4 private /etc/frr ("" for linux nodes), $5 /run, $6 /var/log, $7 lab user; stdin: user:password.
_ENTER_SCRIPT = """\
hostname "$1"
mount -t overlay underlay-lab -o "lowerdir=/etc,upperdir=$2,workdir=$3" /etc
if [ -n "$4" ]; then mount --bind "$4" /etc/frr; fi
mount --bind "$5" /run
mount --bind "$6" /var/log
umount -l /sys
mount -t sysfs sysfs /sys
echo 1 > /proc/sys/net/ipv4/ip_forward
echo 1 > /proc/sys/net/ipv6/conf/all/forwarding
ip link set lo up
usermod -a -G frr,frrvty,adm "$7"
chpasswd -c SHA512
"""


def node_argv(paths: LabPaths, node: str, argv: Sequence[str], cwd: str = "/") -> list[str]:
    # --wd: nsenter --mount would otherwise chdir to / silently (recipe pitfall 9)
    return [
        "nsenter",
        f"--net={paths.netns_path(node)}",
        f"--uts={paths.uts_ns(node)}",
        f"--mount={paths.mnt_ns(node)}",
        f"--wd={cwd}",
        "--",
        *argv,
    ]


def run_in_node(
    paths: LabPaths,
    node: str,
    argv: Sequence[str],
    *,
    input: str | None = None,
    timeout: float = 60,
    cwd: str = "/",
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        node_argv(paths, node, argv, cwd),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# ---------- private files -----------------------------------------------------------------


def prepare_dirs(paths: LabPaths, spec: LabSpec, node: LabNode) -> None:
    """The node's directories and the files its /etc overlay starts with."""
    base = paths.node_dir(node.name)
    for sub in ("etc-upper", "etc-work", "run/sshd", "log"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    (base / "run").chmod(0o755)
    upper = base / "etc-upper"
    _write(upper / "hostname", node.name + "\n")
    _write(upper / "hosts", _hosts(node.name))  # sudo must resolve its own hostname
    _write(upper / "ssh/underlay-lab/authorized_keys", paths.public_key.read_text())
    make_key(paths.host_key(node.name), f"underlay-lab-{node.name}")  # its own, like any host
    _write(upper / "sudoers.d/underlay-lab", f"{spec.user} ALL=(ALL) NOPASSWD: ALL\n", 0o440)
    # login shells (netmiko, napalm): /etc/profile resets PATH, and lldpcli lives in /usr/sbin
    _write(upper / "profile.d/underlay-lab.sh", 'PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"\n')
    # lldpd has lldpcli (setuid _lldpd) read it: it must not sit in a root-only state dir.
    # tx-interval 1: neighbours within seconds; ifname: the port id is the cable's port name
    _write(upper / "lldpd.d/underlay-lab.conf", LLDPD_CONF)
    for path, content in node.files.items():
        _write(upper / path.removeprefix("/etc/"), content)
    if node.kind == "frr":
        _prepare_frr(base, node)


def _prepare_frr(base: Path, node: LabNode) -> None:
    etc_frr = base / "etc-frr"
    etc_frr.mkdir(mode=0o750, exist_ok=True)
    (base / "log/frr").mkdir(exist_ok=True)
    files = {
        "daemons": _DAEMONS_FILE,
        "vtysh.conf": "service integrated-vtysh-config\n",
        "frr.conf": node.frr_config if node.frr_config.endswith("\n") else node.frr_config + "\n",
    }
    for name, content in files.items():
        _write(etc_frr / name, content, 0o640)
    for path in (etc_frr, *(etc_frr / name for name in files), base / "log/frr"):
        shutil.chown(path, "frr", "frr")


def _hosts(name: str) -> str:
    return f"127.0.0.1\tlocalhost\n127.0.1.1\t{name}\n::1\tlocalhost ip6-localhost ip6-loopback\n"


def _write(path: Path, content: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    path.chmod(mode)


# ---------- namespaces and links ----------------------------------------------------------


def enter(paths: LabPaths, spec: LabSpec, node: LabNode) -> None:
    """Create the node's UTS and mount namespaces (its netns already exists) and set them up."""
    base = paths.node_dir(node.name)
    for ns in (paths.uts_ns(node.name), paths.mnt_ns(node.name)):
        ns.touch()
    etc_frr = str(base / "etc-frr") if node.kind == "frr" else ""
    argv = [
        "nsenter",
        f"--net={paths.netns_path(node.name)}",
        "--",
        "unshare",
        f"--uts={paths.uts_ns(node.name)}",
        f"--mount={paths.mnt_ns(node.name)}",
        "--propagation",
        "private",
        "--",
        "sh",
        "-ec",
        _ENTER_SCRIPT,
        "sh",
        node.name,
        str(base / "etc-upper"),
        str(base / "etc-work"),
        etc_frr,
        str(base / "run"),
        str(base / "log"),
        spec.user,
    ]
    _check(
        node.name,
        "entering namespaces",
        run(argv, input=f"{spec.user}:{spec.password}\n", check=False),
    )


def host_veth(index: int) -> str:
    """The bridge side of node `index`'s management link (in the lab's management netns)."""
    return f"n{index}"


def link_lines(paths: LabPaths, spec: LabSpec) -> list[str]:
    """Root-namespace `ip -batch` lines: every mgmt veth (bridge side in the management netns)
    and every cable, each created directly inside its two namespaces: no name ever lands in
    the root namespace."""
    lines = [
        f"link add name {host_veth(index)} netns {paths.mgmt_netns} type veth "
        f"peer name {MGMT_IFNAME} netns {paths.netns(node.name)}"
        for index, node in enumerate(spec.nodes)
    ]
    lines += [
        f"link add name {c.a_port} netns {paths.netns(c.a_node)} type veth "
        f"peer name {c.b_port} netns {paths.netns(c.b_node)}"
        for c in spec.links
    ]
    return lines


def bridge_port_lines(spec: LabSpec, bridge: str) -> list[str]:
    """`ip -n <mgmt netns> -batch` lines: each node's management link on the bridge."""
    return [f"link set {host_veth(i)} master {bridge} up" for i in range(len(spec.nodes))]


def node_link_lines(spec: LabSpec, node: LabNode) -> list[str]:
    """`ip -n NODE -batch` lines: mgmt address, ports up, a linux node's addresses."""
    return [
        f"addr add {node.mgmt_address} dev {MGMT_IFNAME}",
        f"link set {MGMT_IFNAME} up",
        *(f"link set {port} up" for port in spec.ports(node.name)),
        *(f"addr add {address} dev {ifname}" for ifname, address in node.interfaces),
    ]


def namespace_ids(paths: LabPaths, node: str) -> tuple[tuple[int, int], ...]:
    ids = []
    for ns in (paths.netns_path(node), paths.mnt_ns(node)):
        st = ns.stat()
        ids.append((st.st_dev, st.st_ino))
    return tuple(ids)


# ---------- daemons -----------------------------------------------------------------------


def start_daemons(paths: LabPaths, spec: LabSpec, node: LabNode) -> dict[str, int]:
    """Start FRR (frr nodes), lldpd and sshd in the node; returns daemon -> pid."""
    if node.kind == "frr":
        done = run_in_node(paths, node.name, ["/usr/lib/frr/frrinit.sh", "start"])
        _check(node.name, "starting FRR (frrinit.sh start)", done)
    ports = ",".join(spec.ports(node.name)) or "none"  # LLDP on cables only, never mgmt0
    lldpd = ["lldpd", "-I", ports, "-m", str(node.mgmt_address.ip)]
    _check(node.name, "starting lldpd", run_in_node(paths, node.name, lldpd))
    sshd = ["/usr/sbin/sshd", "-f", str(paths.sshd_config), "-E", "/var/log/sshd.log"]
    _check(node.name, "starting sshd", run_in_node(paths, node.name, sshd))
    return _wait_pids(paths, node)


def _pid_files(paths: LabPaths, node: LabNode) -> dict[str, Path]:
    run_dir = paths.node_dir(node.name) / "run"
    files = {"lldpd": run_dir / "lldpd.pid", "sshd": run_dir / "sshd.pid"}
    if node.kind == "frr":
        files |= {d: run_dir / "frr" / f"{d}.pid" for d in FRR_DAEMONS}
    return files


def _wait_pids(paths: LabPaths, node: LabNode) -> dict[str, int]:
    """watchfrr starts zebra/bgpd/staticd after frrinit.sh returns: wait for every pid file."""
    files = _pid_files(paths, node)
    deadline = time.monotonic() + PID_WAIT_SECONDS
    while True:
        pids = {d: _read_pid(f) for d, f in files.items()}
        if all(pids.values()):
            return {d: p for d, p in pids.items() if p}
        if time.monotonic() > deadline:
            missing = ", ".join(d for d, p in pids.items() if not p)
            raise LabBuildError(
                f"{missing} did not start within {PID_WAIT_SECONDS:g}s; see the logs in "
                f"{paths.node_dir(node.name) / 'log'}"
            )
        time.sleep(0.05)


def _read_pid(path: Path) -> int | None:
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def _check(node: str, step: str, done: subprocess.CompletedProcess[str]) -> None:
    if done.returncode != 0:
        raise LabBuildError(
            f"{step} in {node} failed (exit {done.returncode}): "
            f"{(done.stderr or done.stdout).strip()[:2000]}"
        )
