"""Pinned host keys against a real lab (issue 13, item 4).

- A node whose host key was regenerated: `plan` refuses it, naming it and the key it saw, and
  plans the others; `hostkeys scan` reports the change and replaces the pin only when told.
- An attacker's host: a pull request points a device at a host the author controls (here an
  sshd of the test's own, with a fresh key, on a lab node's address). The plan runs with a
  password credential and sends nothing: the attacker's sshd, logging at DEBUG3, sees the key
  exchange and no authentication request at all - for an unknown key and for a changed one.
  The control: once its key is pinned, the same sshd logs the password login.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine import lab
from engine.cli import exits
from engine.collect.task import message_of
from engine.drivers import ssh
from engine.drivers.hostkeys import KnownHosts, describe
from engine.lab.host import make_key
from engine.lab.node import node_argv
from engine.lab.state import NODE_HOST_KEY
from engine.validate import validate
from tests.conftest import CASES, build_case
from tests.lab.helpers import LAB_PASSWORD, LAB_USER

pytestmark = pytest.mark.lab

ATTACKER_PORT = 2222


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The base case's lab (r1, r2, hv01, vm01), converged."""
    if lab.preflight():
        pytest.skip("lab host not ready")  # the lab marker's hook already failed it in CI
    state_dir = tmp_path_factory.mktemp("hostkeys") / "state"
    inventory = validate(build_case(CASES / "base", tmp_path_factory.mktemp("hk") / "r")).inventory
    try:
        lab.up(lab.lab_spec(inventory, converged=True).spec, state_dir, timeout=60)
        yield state_dir
    finally:
        lab.down(state_dir)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The base case in a git repository of its own (its own inventory/known_hosts)."""
    repo = build_case(CASES / "base", tmp_path / "repo")
    _git(repo, "init", "-q", "-b", "main")
    _commit(repo)
    return repo


def _git(repo: Path, *args: str) -> None:
    ident = ["-c", "user.name=T", "-c", "user.email=t@example.com"]
    subprocess.run(["git", *ident, *args], cwd=repo, check=True, capture_output=True)


def _commit(repo: Path) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "change", "--allow-empty")


def underlay(
    repo: Path, state_dir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "engine.cli", "--repo", str(repo), *args]
    argv += ["--lab-state-dir", str(state_dir)]
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=120, env=os.environ | (env or {}), check=False
    )


def _target(state_dir: Path, node: str, port: int = 22) -> ssh.Target:
    state = lab.read_state(lab.LabPaths(state_dir))
    address = state.node(node).mgmt_ip
    return ssh.Target(address, port, "", None, None, 5, state.mgmt_netns_path, ())


def _wait_for_key(target: ssh.Target, public: str) -> str:
    """The fingerprint of the key `public` (base64) once the host presents it."""
    deadline = time.monotonic() + 10
    while True:
        try:
            seen = ssh.host_key(target)
            if seen.get_base64() == public:
                return describe(seen)
        except ssh.ConnectionException:
            pass  # sshd is re-executing itself: a moment without a listener
        assert time.monotonic() < deadline, f"{target.host} never presented {public}"
        time.sleep(0.1)


def _regenerate(state_dir: Path, node: str) -> str:
    """A new host key for the node, made on the node itself (its /etc is an overlay: the
    upper dir is not written behind its back); sshd re-executes with it on SIGHUP."""
    regenerate = f"rm -f {NODE_HOST_KEY}* && ssh-keygen -q -t ed25519 -N '' -f {NODE_HOST_KEY}"
    done = lab.node_exec(state_dir, node, ["sh", "-c", regenerate])
    assert done.returncode == 0, done.stderr
    public = lab.node_exec(state_dir, node, ["cat", f"{NODE_HOST_KEY}.pub"]).stdout.split()[1]
    os.kill(lab.read_state(lab.LabPaths(state_dir)).node(node).pids["sshd"], signal.SIGHUP)
    return public


# ---------- a node whose host key was regenerated ---------------------------------------------


def test_a_regenerated_host_key_refuses_that_node_only(state_dir: Path, repo: Path) -> None:
    paths = lab.LabPaths(state_dir)
    state = lab.read_state(paths)
    before = KnownHosts.read([paths.known_hosts]).pinned(state.node("r1").mgmt_ip, 22)[0]
    seen = _wait_for_key(_target(state_dir, "r1"), _regenerate(state_dir, "r1"))

    plan = underlay(repo, state_dir, "plan", "--detailed-exitcode", "--limit", "r1", "r2", "hv01")
    assert plan.returncode == exits.PROBLEMS, plan.stdout + plan.stderr
    refused = next(line for line in plan.stdout.splitlines() if line.startswith("x r1 "))
    assert "HOST KEY CHANGED" in refused and seen in refused
    assert before.fingerprint in refused  # the pinned key, named beside the one seen
    assert "nothing was sent" in refused
    assert "Plan: 0 to change, 2 unchanged, 1 failed." in plan.stdout
    assert "Traceback" not in plan.stderr

    scanned = underlay(repo, state_dir, "hostkeys", "scan", "--accept")
    assert scanned.returncode == exits.PROBLEMS  # --accept pins new keys, never a changed one
    assert f"x r1 198.18.0.11: HOST KEY CHANGED: the host presents {seen}" in scanned.stdout
    assert not (repo / "inventory/known_hosts").exists()

    replaced = underlay(repo, state_dir, "hostkeys", "scan", "--accept", "--replace")
    assert replaced.returncode == exits.OK, replaced.stdout + replaced.stderr
    pinned = (repo / "inventory/known_hosts").read_text()
    assert pinned.startswith("198.18.0.11 ssh-ed25519 ") and pinned.endswith(" r1\n")
    _commit(repo)
    again = underlay(repo, state_dir, "plan", "--detailed-exitcode", "--limit", "r1", "r2")
    assert again.returncode == exits.OK, again.stdout + again.stderr  # the repository's pin wins


# ---------- the attacker's host ------------------------------------------------------------------


SSHD_CONFIG = """\
Port {port}
HostKey {key}
PidFile none
LogLevel DEBUG3
AllowUsers {user}
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM yes
UseDNS no
"""


@dataclass(frozen=True)
class Attacker:
    log: Path  # sshd's, at DEBUG3: every authentication request
    key: str  # its host key's type and fingerprint

    def requests(self) -> list[str]:
        """Every authentication request the sshd logged."""
        time.sleep(0.5)  # sshd's session process writes its last lines as the client goes
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if "userauth" in line.lower() or "Accepted" in line]


@pytest.fixture
def attacker(state_dir: Path, tmp_path: Path) -> Iterator[Attacker]:
    """An sshd of the test's own, with a fresh host key, on r2's address and port 2222, that
    would take the lab user's password."""
    key, config, log = tmp_path / "attacker_key", tmp_path / "sshd_config", tmp_path / "sshd.log"
    make_key(key, "attacker")
    config.write_text(SSHD_CONFIG.format(port=ATTACKER_PORT, key=key, user=LAB_USER))
    argv = ["/usr/sbin/sshd", "-D", "-e", "-f", str(config)]
    with log.open("a") as sink:  # appended: the log can be emptied under it
        sshd = subprocess.Popen(
            node_argv(lab.LabPaths(state_dir), "r2", argv), stdout=sink, stderr=sink
        )
    try:
        public = Path(f"{key}.pub").read_text().split()[1]
        seen = _wait_for_key(_target(state_dir, "r2", ATTACKER_PORT), public)
        log.write_text("")  # the readiness probe's own key exchange
        yield Attacker(log, seen)
    finally:
        sshd.terminate()
        sshd.wait(timeout=10)


def _point_r2_at_the_attacker(repo: Path) -> None:
    """The pull request: r2's management moves to the attacker's sshd."""
    path = repo / "inventory/devices/r2.yaml"
    text = path.read_text()
    path.write_text(
        text.replace("address: 198.18.0.12,", f"address: 198.18.0.12, port: {ATTACKER_PORT},")
    )
    _commit(repo)


def _plan_with_a_password(repo: Path, state_dir: Path) -> subprocess.CompletedProcess[str]:
    """What CI runs on the pull request: a plan with a real password credential."""
    env = {
        "UNDERLAY_CREDENTIALS_LAB_USERNAME": LAB_USER,
        "UNDERLAY_CREDENTIALS_LAB_PASSWORD": LAB_PASSWORD,
        "UNDERLAY_SECRETS_FILE": "/nonexistent/secrets.yaml",
    }
    return underlay(repo, state_dir, "plan", "--limit", "r2", env=env)


def test_an_unknown_host_receives_no_credentials(
    state_dir: Path, repo: Path, attacker: Attacker
) -> None:
    _point_r2_at_the_attacker(repo)
    plan = _plan_with_a_password(repo, state_dir)
    assert plan.returncode == exits.PROBLEMS, plan.stdout + plan.stderr
    refused = f"x r2 (frr): failed: [198.18.0.12]:{ATTACKER_PORT}: host key not pinned"
    assert refused in plan.stdout and attacker.key in plan.stdout
    assert "underlay hostkeys scan --accept" in plan.stdout
    assert attacker.requests() == []  # no username, password or signature ...
    log = attacker.log.read_text(errors="replace")
    assert "KEX done" in log  # ... though the plan did reach it
    assert LAB_PASSWORD not in log


def test_a_changed_key_receives_no_credentials(state_dir: Path, repo: Path, attacker: Path) -> None:
    """The attacker holds an address whose key is pinned (r2's real key, pinned for the port)."""
    _point_r2_at_the_attacker(repo)
    real = KnownHosts.read([lab.LabPaths(state_dir).known_hosts]).pinned("198.18.0.12", 22)[0]
    line = f"[198.18.0.12]:{ATTACKER_PORT} {real.keytype} {real.key} r2\n"
    (repo / "inventory/known_hosts").write_text(line)
    _commit(repo)
    plan = _plan_with_a_password(repo, state_dir)
    assert plan.returncode == exits.PROBLEMS, plan.stdout + plan.stderr
    assert "x r2 (frr): failed: " in plan.stdout and "HOST KEY CHANGED" in plan.stdout
    assert real.fingerprint in plan.stdout and attacker.key in plan.stdout
    assert attacker.requests() == []
    assert "KEX done" in attacker.log.read_text(errors="replace")


def test_control_a_pinned_host_gets_the_password(
    state_dir: Path, repo: Path, attacker: Attacker
) -> None:
    """Without this, an sshd that logged nothing would pass the two tests above."""
    _point_r2_at_the_attacker(repo)
    scanned = underlay(repo, state_dir, "hostkeys", "scan", "--accept", "--limit", "r2")
    assert scanned.returncode == exits.OK, scanned.stdout + scanned.stderr
    _commit(repo)
    _plan_with_a_password(repo, state_dir)
    requests = attacker.requests()
    assert any("method password" in line for line in requests), requests
    assert any(f"Accepted password for {LAB_USER}" in line for line in requests), requests


def test_napalms_own_ssh_drivers_are_pinned_too(state_dir: Path, attacker: Attacker) -> None:
    """NAPALM's ios driver (netmiko under it) with the arguments underlay gives it, against the
    attacker's sshd with a password: netmiko's strict check against the lab's pins (none for
    this port) fails the connection after the key exchange - no authentication request."""
    from engine import netns  # noqa: PLC0415
    from engine.drivers import connection_args, get_driver  # noqa: PLC0415

    paths = lab.LabPaths(state_dir)
    args = connection_args(
        "ios", port=ATTACKER_PORT, key_file=None, netns=None, known_hosts=[str(paths.known_hosts)]
    )
    assert args["ssh_strict"] and args["alt_key_file"] == str(paths.known_hosts)
    driver = get_driver("ios")(
        "198.18.0.12", LAB_USER, LAB_PASSWORD, timeout=10, optional_args=args
    )
    with netns.inside(paths.mgmt_netns_path), pytest.raises(Exception) as refused:
        driver.open()  # the thread's connection is made in the lab's management namespace
    cause = refused.value.__context__  # napalm: "Cannot connect to ..." from netmiko's error
    assert "not found in known_hosts" in str(cause), (refused.value, cause)
    assert attacker.requests() == []
    assert "KEX done" in attacker.log.read_text(errors="replace")
    assert "not found in known_hosts" in message_of(refused.value)  # what a plan shows


def test_connection_args_per_driver(tmp_path: Path) -> None:
    """underlay's drivers get the pinned files themselves; a netmiko driver the first that
    exists, or none (every key unknown)."""
    from engine.drivers import connection_args  # noqa: PLC0415

    ours = connection_args("frr", port=22, key_file="k", netns="/run/netns/x", known_hosts=["a"])
    assert ours == {"port": 22, "key_file": "k", "netns": "/run/netns/x", "known_hosts": ("a",)}
    pinned = tmp_path / "known_hosts"
    pinned.write_text("")
    ios = connection_args("ios", port=22, key_file=None, netns=None, known_hosts=["/no", pinned])
    assert ios["alt_key_file"] == str(pinned) and ios["alt_host_keys"] and ios["ssh_strict"]
    nothing = connection_args("ios", port=22, key_file=None, netns=None, known_hosts=["/no"])
    assert nothing["ssh_strict"] and not nothing["alt_host_keys"]
