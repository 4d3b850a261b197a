"""Shared by the lab tests: a hand-written 4-node spec, SSH sessions, a leftover check."""

from __future__ import annotations

import subprocess
from ipaddress import IPv4Interface
from pathlib import Path

import paramiko

from engine import lab
from engine import netns as engine_netns
from engine.cli.lab_plug import credential_store
from engine.lab.procs import pids_in
from engine.model.layout import Inventory
from engine.render import Intended, render_intended
from engine.secrets import CredentialStore


def lab_inputs(
    repo: Path, inventory: Inventory, state_dir: Path
) -> tuple[Intended, CredentialStore]:
    """What the CLI hands the device stages for a repository of the lab: every device's config
    rendered once, and the credentials with the lab's user and key among them."""
    everything = [*inventory.devices, *inventory.servers]
    return render_intended(inventory, everything), credential_store(repo, inventory, state_dir)


LAB_USER = "labuser"
LAB_PASSWORD = "labpass"


def _frr(i: int, interfaces: str, neighbors: str) -> str:
    return f"""\
frr defaults traditional
hostname r{i}
log file /var/log/frr/frr.log informational
service integrated-vtysh-config
!
{interfaces}interface lo
 ip address 198.19.0.{i}/32
exit
!
router bgp {65000 + i}
 bgp router-id 198.19.0.{i}
 no bgp ebgp-requires-policy
{neighbors} !
 address-family ipv4 unicast
  network 198.19.0.{i}/32
 exit-address-family
exit
!
end
"""


def _iface(port: str, peer: str, address: str) -> str:
    return f"interface {port}\n description to {peer}\n ip address {address}\nexit\n!\n"


def _peer(address: str, asn: int, name: str) -> str:
    return f" neighbor {address} remote-as {asn}\n neighbor {address} description {name}\n"


SRV1_RESOLV = "nameserver 198.18.0.53\n"
SRV1_ISSUE = "underlay lab server srv1\n"


def chain_spec() -> lab.LabSpec:
    """r1 - r2 - r3 in eBGP over /31s from 198.18.1.0/24; srv1 cabled to r1:eth2."""
    r1 = _frr(
        1,
        _iface("eth1", "r2:eth1", "198.18.1.0/31") + _iface("eth2", "srv1:eth1", "198.18.2.0/31"),
        _peer("198.18.1.1", 65002, "r2"),
    )
    r2 = _frr(
        2,
        _iface("eth1", "r1:eth1", "198.18.1.1/31") + _iface("eth2", "r3:eth1", "198.18.1.2/31"),
        _peer("198.18.1.0", 65001, "r1") + _peer("198.18.1.3", 65003, "r3"),
    )
    r3 = _frr(3, _iface("eth1", "r2:eth2", "198.18.1.3/31"), _peer("198.18.1.2", 65002, "r2"))
    nodes = (
        lab.LabNode("r1", "frr", IPv4Interface("198.18.0.11/24"), frr_config=r1),
        lab.LabNode("r2", "frr", IPv4Interface("198.18.0.12/24"), frr_config=r2),
        lab.LabNode("r3", "frr", IPv4Interface("198.18.0.13/24"), frr_config=r3),
        lab.LabNode(
            "srv1",
            "linux",
            IPv4Interface("198.18.0.21/24"),
            interfaces=(("eth1", "198.18.2.1/31"),),
            files={"/etc/resolv.conf": SRV1_RESOLV, "/etc/issue.net": SRV1_ISSUE},
        ),
    )
    links = (
        lab.LabLink("r1", "eth1", "r2", "eth1"),
        lab.LabLink("r2", "eth2", "r3", "eth1"),
        lab.LabLink("r1", "eth2", "srv1", "eth1"),
    )
    return lab.LabSpec(nodes=nodes, links=links, user=LAB_USER, password=LAB_PASSWORD)


class Ssh:
    """A paramiko session to one node, from inside the lab's management namespace:
    `run(cmd)` -> (exit status, stdout, stderr)."""

    def __init__(
        self, netns: str, address: str, key: Path | None, password: str | None = None
    ) -> None:
        self.client = paramiko.SSHClient()
        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        self.client.connect(
            address,
            sock=engine_netns.connect(netns, address, 22, timeout=10),
            username=LAB_USER,
            key_filename=str(key) if key else None,
            password=password,
            look_for_keys=False,
            allow_agent=False,
            timeout=10,
        )

    def run(self, command: str) -> tuple[int, str, str]:
        _, out, err = self.client.exec_command(command, timeout=30)
        status = out.channel.recv_exit_status()
        return status, out.read().decode(), err.read().decode()

    def close(self) -> None:
        self.client.close()


def leftovers(state_dir: Path, state: lab.LabState) -> list[str]:
    """Everything of the lab still on the host, checked independently of `down()`'s own report."""
    paths = lab.LabPaths(state_dir)
    names = [paths.mgmt_netns, *(paths.netns(n.name) for n in state.nodes)]
    found = [f"netns {name}" for name in names if Path("/run/netns", name).exists()]
    found += [
        f"link {d.name}" for d in Path("/sys/class/net").iterdir() if d.name.startswith("ulab0")
    ]
    others = [p for p in Path("/run/netns").glob("ul*_mgmt") if p.name != paths.mgmt_netns]
    if "198.18.0.0/15" in _run(["ip", "route", "show", "type", "unreachable"]) and not others:
        found.append("guard route")
    found += [f"pid {p}" for p in pids_in({ns for n in state.nodes for ns in n.namespaces})]
    found += [
        f"mount {line.split()[4]}"
        for line in Path("/proc/self/mountinfo").read_text().splitlines()
        if line.split()[4].startswith(str(state_dir))
    ]
    if state_dir.exists():
        found.append(f"state dir {state_dir}")
    if Path("/etc/sudoers.d/underlay-lab").exists():
        found.append("/etc/sudoers.d/underlay-lab")
    if state.user_added and _run(["getent", "passwd", state.user]) and not others:
        found.append(f"user {state.user}")  # the lab user stays while another lab is up
    return found


def _run(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=False).stdout
