"""The lab built from the sample organisation: brownfield as documented, converged as rendered."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine import lab
from engine.cli import main
from engine.drivers.parse import strip_banner
from engine.lab.state import NodeRecord
from engine.model.layout import Inventory
from engine.render import render
from engine.validate import validate
from tests.conftest import REPO_ROOT
from tests.lab.helpers import Ssh, leftovers

pytestmark = pytest.mark.lab

WRONG = ("fra1-db01", "eth1")  # cable fra1-c103's declared server end
WRONG_ACTUAL = ("fra1-db01", "eth2")


@pytest.fixture(scope="module")
def sample() -> Inventory:
    return validate(REPO_ROOT).inventory


def _state_dir(factory: pytest.TempPathFactory, name: str) -> Path:
    if lab.preflight():
        pytest.skip("lab host not ready")  # the lab marker's hook already failed it in CI
    return factory.mktemp(name) / "state"


UP_ERR: dict[str, str] = {}  # what `lab up` wrote to standard error (not a terminal)


@pytest.fixture(scope="class")
def brownfield(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Built through the CLI, as a user would: `underlay lab up --state-dir DIR`."""
    state_dir = _state_dir(tmp_path_factory, "brownfield")
    try:
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            argv = ["--repo", str(REPO_ROOT), "lab", "up", "--state-dir", str(state_dir)]
            assert main(argv) == 0
        UP_ERR["brownfield"] = err.getvalue()
        yield state_dir
    finally:
        lab.down(state_dir)


@pytest.fixture(scope="class")
def converged(tmp_path_factory: pytest.TempPathFactory, sample: Inventory) -> Iterator[Path]:
    state_dir = _state_dir(tmp_path_factory, "converged")
    try:
        lab.up(lab.lab_spec(sample, converged=True).spec, state_dir, timeout=60)
        yield state_dir
    finally:
        lab.down(state_dir)


def _declared_lldp(sample: Inventory) -> set[tuple[str, str, str, str]]:
    """Every cable, and the dark fibre circuit between the sites, from both ends: (node, port,
    neighbour, neighbour port)."""
    ends = {(c.a.device, c.a.port, c.b.device, c.b.port) for c in sample.cables}
    ends |= {
        (c.a.device, c.a.port, c.b.device, c.b.port)
        for c in sample.circuits.values()
        if c.a.device and c.a.port and c.b.device and c.b.port
    }
    return ends | {(b, bp, a, ap) for a, ap, b, bp in ends}


def _seen_lldp(state_dir: Path) -> set[tuple[str, str, str, str]]:
    return {
        (node.name, n.port, n.neighbour, n.neighbour_port)
        for node in lab.status(state_dir).nodes
        for n in node.lldp
    }


def _running(state_dir: Path, node: str) -> str:
    done = lab.node_exec(state_dir, node, ["vtysh", "-c", "show running-config"])
    return strip_banner(done.stdout)


def _file(state_dir: Path, node: str, path: str) -> str:
    return lab.node_exec(state_dir, node, ["cat", path]).stdout


class TestBrownfield:
    def test_lab_up_says_each_node_as_it_goes(self, brownfield: Path, sample: Inventory) -> None:
        """Not a terminal: one line per node and step (built, started, converged), counted."""
        names = sorted([*sample.devices, *sample.servers])
        total = 3 * len(names)
        steps = re.findall(
            r"^underlay: lab up (\d+)/(\d+): (\S+): (\w+)$", UP_ERR["brownfield"], re.M
        )
        assert [int(n) for n, *_ in steps] == list(range(1, total + 1)), UP_ERR["brownfield"]
        assert {int(t) for _, t, *_ in steps} == {total}
        for what in ("built", "started", "converged"):
            assert sorted(node for *_, node, w in steps if w == what) == names
        first_started = next(i for i, s in enumerate(steps) if s[3] == "started")
        assert all(s[3] == "built" for s in steps[:first_started])

    def test_lldp_as_declared_except_the_wrong_port(
        self, brownfield: Path, sample: Inventory
    ) -> None:
        declared = _declared_lldp(sample)
        wrong = {e for e in declared if e[:2] == WRONG or e[2:] == WRONG}
        assert wrong == {
            ("fra1-db01", "eth1", "fra1-leaf03", "eth3"),
            ("fra1-leaf03", "eth3", "fra1-db01", "eth1"),
        }
        assert _seen_lldp(brownfield) == (declared - wrong) | {
            ("fra1-db01", "eth2", "fra1-leaf03", "eth3"),
            ("fra1-leaf03", "eth3", "fra1-db01", "eth2"),
        }

    def test_bgp_established_on_every_device(self, brownfield: Path, sample: Inventory) -> None:
        sessions = {
            n.name: {(s.peer, s.state) for s in n.bgp}
            for n in lab.status(brownfield).nodes
            if n.kind == "frr"
        }
        assert sessions == {
            name: {(str(p.address), "Established") for p in device.bgp.neighbors}
            for name, device in sample.devices.items()
            if device.bgp
        }

    def test_ssh_login_to_every_node_with_the_lab_key(self, brownfield: Path) -> None:
        state = lab.read_state(lab.LabPaths(brownfield))

        def hostname(node: NodeRecord) -> str:
            session = Ssh(state.mgmt_netns_path, node.mgmt_ip, Path(state.private_key))
            try:
                return session.run("hostname")[1].strip()
            finally:
                session.close()

        with ThreadPoolExecutor(max_workers=6) as pool:
            names = list(pool.map(hostname, state.nodes))
        assert names == [n.name for n in state.nodes]
        assert len(names) == 18

    def test_differences_are_on_the_devices(self, brownfield: Path, sample: Inventory) -> None:
        assert "ip route 198.18.250.0/24 198.18.1.64\n" in _running(brownfield, "fra2-edge01")
        spine02 = _running(brownfield, "fra1-spine02")
        assert " neighbor 198.18.1.11 remote-as 65012\n" in spine02
        assert "neighbor 198.18.1.11 description" not in spine02
        assert "interface eth2\n ip address 198.18.1.11/31\nexit\n" in _running(
            brownfield, "fra1-leaf02"
        )
        for name in ("fra1-leaf03", "fra2-core01", "fra1-db01"):
            chrony = _file(brownfield, name, "/etc/chrony/chrony.conf")
            assert "server 198.18.0.4 iburst\n" in chrony
            assert "198.18.0.5" not in chrony
        links = lab.node_exec(brownfield, "fra1-db01", ["ip", "-j", "addr"]).stdout
        assert {i["ifname"] for i in json.loads(links)} == {"lo", "mgmt0", "eth2"}

    def test_the_rest_runs_as_intended(self, brownfield: Path, sample: Inventory) -> None:
        touched = {d.device for d in lab.BROWNFIELD}
        for name in sample.devices:
            if name not in touched:
                assert _running(brownfield, name) == render(sample, name).config, name

    def test_managed_files_are_private_to_the_node(
        self, brownfield: Path, sample: Inventory
    ) -> None:
        want = render(sample, "fra1-web01").files["/etc/resolv.conf"]
        assert _file(brownfield, "fra1-web01", "/etc/resolv.conf") == want
        assert Path("/etc/resolv.conf").read_text() != want


class TestConverged:
    def test_running_config_is_the_rendered_config(
        self, converged: Path, sample: Inventory
    ) -> None:
        for name in sample.devices:
            assert _running(converged, name) == render(sample, name).config, name

    def test_managed_files_are_the_rendered_files(self, converged: Path, sample: Inventory) -> None:
        for name in ("fra1-leaf03", "fra1-db01"):
            for path, content in render(sample, name).files.items():
                assert _file(converged, name, path) == content, f"{name}:{path}"

    def test_rendered_sshd_drop_in_is_valid(self, converged: Path) -> None:
        # sshd -t needs /run/sshd: a node has it (its private /run), the host may not
        script = (
            "ssh-keygen -q -t ed25519 -N '' -f /run/test_key && "
            "printf 'Include /etc/ssh/sshd_config.d/90-underlay.conf\\nHostKey /run/test_key\\n'"
            " > /run/test_sshd.conf && /usr/sbin/sshd -t -f /run/test_sshd.conf"
        )
        done = lab.node_exec(converged, "fra1-app01", ["sh", "-c", script])
        assert done.returncode == 0, done.stderr

    def test_lldp_exactly_as_declared(self, converged: Path, sample: Inventory) -> None:
        assert _seen_lldp(converged) == _declared_lldp(sample)

    def test_down_leaves_nothing_behind(self, converged: Path) -> None:
        state = lab.read_state(lab.LabPaths(converged))
        report = lab.down(converged)
        assert report.leftovers == ()
        assert leftovers(converged, state) == []
        assert not lab.is_up(converged)
