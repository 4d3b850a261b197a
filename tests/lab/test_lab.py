"""The chain lab (r1 - r2 - r3 in eBGP, srv1 on r1), built once, checked over SSH and status."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from engine import lab
from tests.lab.helpers import LAB_PASSWORD, SRV1_ISSUE, SRV1_RESOLV, Ssh, chain_spec, leftovers

pytestmark = pytest.mark.lab

FRR_DAEMONS = {"watchfrr", "zebra", "bgpd", "staticd", "lldpd", "sshd"}
LINUX_DAEMONS = {"lldpd", "sshd"}


def test_hostnames_over_ssh(ssh: dict[str, Ssh]) -> None:
    assert {name: s.run("hostname")[1].strip() for name, s in ssh.items()} == {
        "r1": "r1",
        "r2": "r2",
        "r3": "r3",
        "srv1": "srv1",
    }


def test_password_login(chain_lab: Path) -> None:
    netns = lab.read_state(lab.LabPaths(chain_lab)).mgmt_netns_path
    session = Ssh(netns, "198.18.0.12", key=None, password=LAB_PASSWORD)
    assert session.run("hostname")[1].strip() == "r2"
    session.close()


def test_lab_user_runs_vtysh_lldpcli_and_sudo_frr_reload(ssh: dict[str, Ssh]) -> None:
    r1 = ssh["r1"]
    assert "hostname r1\n" in r1.run("vtysh -c 'show running-config'")[1]
    assert r1.run("lldpcli -f json0 show neighbors")[0] == 0
    status, _, err = r1.run("sudo -n /usr/lib/frr/frr-reload.py --test /etc/frr/frr.conf")
    assert status == 0, err


def test_bgp_established_and_loopbacks_routed(chain_lab: Path) -> None:
    state = lab.status(chain_lab)
    sessions = {n.name: {(s.peer, s.state) for s in n.bgp} for n in state.nodes}
    assert sessions == {
        "r1": {("198.18.1.1", "Established")},
        "r2": {("198.18.1.0", "Established"), ("198.18.1.3", "Established")},
        "r3": {("198.18.1.2", "Established")},
        "srv1": set(),
    }
    rib = json.loads(lab.node_exec(chain_lab, "r1", ["vtysh", "-c", "show ip route json"]).stdout)
    assert {"198.19.0.2/32", "198.19.0.3/32"} <= set(rib)


def test_lldp_matches_cabling(chain_lab: Path) -> None:
    seen = {
        (n.name, nb.port, nb.neighbour, nb.neighbour_port)
        for n in lab.status(chain_lab).nodes
        for nb in n.lldp
    }
    assert seen == set(chain_spec().cable_ends())


def test_nodes_forward_but_have_no_default_route(chain_lab: Path) -> None:
    for node in ("r1", "r2", "r3", "srv1"):
        script = "ip -4 route show default; cat /proc/sys/net/ipv4/ip_forward"
        out = lab.node_exec(chain_lab, node, ["sh", "-c", script]).stdout
        assert out == "1\n", node
    assert Path("/proc/sys/net/ipv4/ip_forward").read_text() == "0\n"
    assert "unreachable 198.18.0.0/15" in lab.host.run(["ip", "route"]).stdout


def test_linux_node_files_are_private(chain_lab: Path, ssh: dict[str, Ssh]) -> None:
    host_resolv = Path("/etc/resolv.conf").read_bytes()
    chrony_on_host = Path("/etc/chrony/chrony.conf").exists()
    srv1 = ssh["srv1"]
    assert srv1.run("cat /etc/resolv.conf /etc/issue.net")[1] == SRV1_RESOLV + SRV1_ISSUE
    script = (
        "echo nameserver 198.18.0.54 | sudo -n tee /etc/resolv.conf && sudo -n mkdir -p /etc/chrony"
        " && echo 'server 198.18.0.1 iburst' | sudo -n tee /etc/chrony/chrony.conf"
    )
    assert srv1.run(script)[0] == 0
    assert srv1.run("cat /etc/resolv.conf")[1] == "nameserver 198.18.0.54\n"
    assert Path("/etc/resolv.conf").read_bytes() == host_resolv
    assert Path("/etc/chrony/chrony.conf").exists() == chrony_on_host
    assert "198.18.0.54" not in lab.node_exec(chain_lab, "r1", ["cat", "/etc/resolv.conf"]).stdout


def test_host_keeps_no_sudo_rule_or_groups_for_lab_user(chain_lab: Path) -> None:
    assert not Path("/etc/sudoers.d/underlay-lab").exists()
    assert "frr" not in lab.host.run(["id", "-nG", "labuser"]).stdout.split()


def test_status_and_state_json(chain_lab: Path) -> None:
    status = json.loads(json.dumps(lab.status(chain_lab).to_dict()))
    daemons = {
        n["name"]: {d["name"] for d in n["daemons"] if d["running"]} for n in status["nodes"]
    }
    assert daemons == {
        "r1": FRR_DAEMONS,
        "r2": FRR_DAEMONS,
        "r3": FRR_DAEMONS,
        "srv1": LINUX_DAEMONS,
    }
    recorded = json.loads((chain_lab / "state.json").read_text())
    assert recorded["user"] == "labuser"
    assert recorded["private_key"] == str(chain_lab / "keys/id_ed25519")
    assert Path(recorded["private_key"]).is_file()
    assert {n["name"]: n["mgmt_address"] for n in recorded["nodes"]} == {
        "r1": "198.18.0.11/24",
        "r2": "198.18.0.12/24",
        "r3": "198.18.0.13/24",
        "srv1": "198.18.0.21/24",
    }
    assert [tuple(link.values()) for link in recorded["links"]] == [
        ("r1", "eth1", "r2", "eth1"),
        ("r2", "eth2", "r3", "eth1"),
        ("r1", "eth2", "srv1", "eth1"),
    ]
    assert {n["name"]: set(n["pids"]) for n in recorded["nodes"]} == daemons


def test_is_up_and_unknown_node(chain_lab: Path) -> None:
    assert lab.is_up(chain_lab)
    with pytest.raises(lab.LabNotUpError, match="no node 'r9'"):
        lab.node_exec(chain_lab, "r9", ["true"])


def test_a_second_lab_in_its_own_state_dir_coexists(chain_lab: Path, tmp_path: Path) -> None:
    """The same nodes, names and addresses again, up beside the first (a user's lab left up
    while the tests build theirs): each is reached in its own management namespace, and
    taking one down leaves the other, its guard route and the lab user alone."""
    with pytest.raises(lab.LabExistsError, match="already recorded"):
        lab.up(chain_spec(), chain_lab)
    other = tmp_path / "other"
    try:
        lab.up(chain_spec(), other, timeout=30)
        first, second = (lab.read_state(lab.LabPaths(d)) for d in (chain_lab, other))
        assert first.mgmt_netns_path != second.mgmt_netns_path
        key = Path(second.private_key)
        session = Ssh(second.mgmt_netns_path, second.node("r2").mgmt_ip, key)
        assert session.run("hostname")[1].strip() == "r2"
        session.close()
        assert lab.node_exec(other, "r1", ["true"]).returncode == 0
    finally:
        report = lab.down(other)
    assert report.leftovers == () and not report.user_removed
    assert lab.is_up(chain_lab)
    assert "198.18.0.0/15" in subprocess.run(
        ["ip", "route", "show", "type", "unreachable"], capture_output=True, text=True, check=True
    ).stdout
    session = Ssh(first.mgmt_netns_path, first.node("r2").mgmt_ip, Path(first.private_key))
    assert session.run("hostname")[1].strip() == "r2"
    session.close()


def test_down_leaves_nothing_and_twice_is_fine(chain_lab: Path) -> None:
    """Last in this module: the module fixture's own down() then runs as a third, no-op one."""
    state = lab.read_state(lab.LabPaths(chain_lab))
    report = lab.down(chain_lab)
    assert report.leftovers == ()
    assert set(report.nodes) == {"r1", "r2", "r3", "srv1"}
    assert leftovers(chain_lab, state) == []
    again = lab.down(chain_lab)
    assert (again.nodes, again.stopped, again.leftovers) == ((), (), ())
    assert not lab.is_up(chain_lab)
