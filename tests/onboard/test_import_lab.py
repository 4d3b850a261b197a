"""`underlay import` against the sample's brownfield lab: a repository from the management
addresses alone validates and plans with no change; LLDP is followed; bad input is reported
address by address; drift changed by hand on a device becomes a reviewed edit of the YAML."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from engine import lab
from engine.cli import main
from engine.lab.host import make_key
from engine.model.layout import Inventory
from engine.netns import connect
from engine.validate import validate
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def sample() -> Inventory:
    return validate(REPO_ROOT).inventory


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sample's brownfield lab, as `underlay lab up` builds it."""
    if lab.preflight():
        pytest.skip("lab host not ready")  # the lab marker's hook already failed it in CI
    state = tmp_path_factory.mktemp("import-lab") / "state"
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            assert main(["--repo", str(REPO_ROOT), "lab", "up", "--state-dir", str(state)]) == 0
        yield state
    finally:
        lab.down(state)


UNMODELLED = [
    "vtysh", "-c", "configure terminal",
    "-c", "ip prefix-list LOOPBACKS seq 5 permit 198.19.0.0/24 le 32",
    "-c", "bgp community-list standard FABRIC seq 5 permit 65000:100",
    "-c", "route-map FROM-SPINES permit 10", "-c", "match ip address prefix-list LOOPBACKS",
    "-c", "set community 65000:100 additive", "-c", "exit",
    "-c", "router bgp 65014", "-c", "address-family ipv4 unicast",
    "-c", "neighbor 198.18.1.6 route-map FROM-SPINES in",
]  # fmt: skip
NOT_A_SHELL = """\
ListenAddress {address}
HostKey {key}
PidFile none
AllowUsers labuser
AuthorizedKeysFile /etc/ssh/underlay-lab/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM yes
UseDNS no
ForceCommand cat > /dev/null; printf '%% Invalid input detected at marker.\\n'
"""


def _addresses(sample: Inventory, path: Path) -> Path:
    nodes = {**sample.devices, **sample.servers}
    path.write_text(
        "# the sample's management network\n"
        + "".join(f"{o.management.address}  # {n}\n" for n, o in sorted(nodes.items()))
    )
    return path


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _import(state: Path, *argv: str) -> tuple[int, str, str]:
    return _run("import", "--lab-state-dir", str(state), "--credentials", "lab", *argv)


def _plan(repo: Path, state: Path, *limit: str) -> tuple[int, dict]:
    more = ["--limit", *limit] if limit else []
    code, out, err = _run(
        "--repo", str(repo), "plan", "--lab-state-dir", str(state), "--format", "json",
        "--detailed-exitcode", *more,
    )  # fmt: skip
    assert code in (0, 2), err
    return code, json.loads(out)


def _yaml(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text())


class TestNewRepository:
    def test_imported_repository_validates_and_plans_no_change(
        self, state_dir: Path, sample: Inventory, tmp_path: Path
    ) -> None:
        # by hand on fra1-leaf04: FRR configuration the model does not express
        assert lab.node_exec(state_dir, "fra1-leaf04", UNMODELLED).returncode == 0
        new = tmp_path / "estate"
        file = _addresses(sample, tmp_path / "mgmt.txt")
        code, out, err = _import(
            state_dir, "--addresses", str(file), "--allow", "198.18.0.0/15", "--out", str(new),
            "--format", "json", "--report", str(tmp_path / "IMPORT.md"),
        )  # fmt: skip
        report = json.loads(out)
        assert code == 0, out + err
        assert report["counts"] == {"imported": 18}
        assert report["round_trip"] == []
        result = validate(new)
        assert result.ok, [d.message for d in result.diagnostics]
        assert set(result.inventory.devices) == set(sample.devices)
        assert set(result.inventory.servers) == set(sample.servers)
        # the plan right after import: nothing to change on any device
        plan_code, plan = _plan(new, state_dir)
        assert plan_code == 0, plan
        assert {d["name"] for d in plan["devices"]} == {*sample.devices, *sample.servers}
        assert all(d["config_diff"] == "" for d in plan["devices"]), plan
        # what import took is what the devices run, the brownfield's differences included
        imported = result.inventory
        spine02 = {str(n.address): n for n in imported.devices["fra1-spine02"].bgp.neighbors}
        assert spine02["198.18.1.11"].description is None  # removed by hand in the brownfield
        assert imported.devices["fra1-leaf03"].ntp.servers == ["198.18.0.4"]  # old NTP server
        mine, theirs = imported.devices["fra1-leaf01"].bgp, sample.devices["fra1-leaf01"].bgp
        assert (mine.asn, mine.router_id) == (theirs.asn, theirs.router_id)
        assert set(mine.networks) == set(theirs.networks)
        assert set(mine.neighbors) == set(theirs.neighbors)
        # cables where both ends agree: the wrong port as it is plugged, not as declared
        ends = {frozenset({(c.a.device, c.a.port), (c.b.device, c.b.port)})
                for c in imported.cables}  # fmt: skip
        assert frozenset({("fra1-leaf03", "eth3"), ("fra1-db01", "eth2")}) in ends
        assert frozenset({("fra1-leaf03", "eth3"), ("fra1-db01", "eth1")}) not in ends
        # shared values moved into groups, the host keys pinned, one commit on the scaffold
        groups = _yaml(new / "inventory" / "groups.yaml")["groups"]
        assert groups["baseline"]["dns"]["domain"] == "corp.northwind.example"
        assert len((new / "inventory" / "known_hosts").read_text().splitlines()) == 18
        git = ["git", "-C", str(new), "log", "--format=%s"]
        log = subprocess.run(git, capture_output=True, text=True, check=True).stdout.splitlines()
        assert log[0].startswith("Import 10 devices and 8 servers")
        assert "| 198.18.0.11 | fra1-spine01 | imported |" in (tmp_path / "IMPORT.md").read_text()
        # kept verbatim in the device's file, rendered back in place: the plan above is empty
        assert report["verbatim"] == ["fra1-leaf04"]
        kept = imported.devices["fra1-leaf04"].verbatim or ""
        for line in ("route-map FROM-SPINES permit 10", "ip prefix-list LOOPBACKS seq 5",
                     "bgp community-list standard FABRIC seq 5 permit 65000:100",
                     "  neighbor 198.18.1.6 route-map FROM-SPINES in"):  # fmt: skip
            assert line in kept, kept

    def test_lldp_followed_from_one_address(
        self, state_dir: Path, sample: Inventory, tmp_path: Path
    ) -> None:
        code, out, err = _import(
            state_dir, "--address", "198.18.0.11", "--follow", "6", "--allow", "198.18.0.0/15",
            "--out", str(tmp_path / "estate"), "--format", "json",
        )  # fmt: skip
        report = json.loads(out)
        assert code == 0, out + err
        cabled = {e.device for c in sample.cables for e in (c.a, c.b)}
        cabled |= {e.device for c in sample.circuits.values() for e in (c.a, c.b) if e.device}
        names = {a["name"] for a in report["addresses"]}
        assert names == cabled  # every node a cable reaches; fra1-app01 has none
        assert len(report["addresses"]) == len(names)  # each read once ...
        assert report["lldp"]["again"]  # ... though the fabric's loops lead back to them
        assert any(a["detail"] for a in report["addresses"])


class TestBadInput:
    def test_each_address_reported_none_aborts(
        self, state_dir: Path, sample: Inventory, tmp_path: Path
    ) -> None:
        # a second management address on fra1-leaf04: two addresses report one hostname
        node = lab.node_exec(state_dir, "fra1-leaf04", ["ip", "addr", "add", "198.18.0.44/24",
                                                      "dev", "mgmt0"])  # fmt: skip
        assert node.returncode == 0, node.stderr
        try:
            new = tmp_path / "estate"
            code, out, err = _import(
                state_dir,
                "--address", "198.18.0.13",  # fra1-leaf01: fine
                "--address", "198.18.0.16", "--address", "198.18.0.44",  # one device twice
                "--address", "198.18.0.250",  # nothing there
                "--address", "192.0.2.1",  # outside the allowed ranges: never contacted
                "--allow", "198.18.0.0/15", "--out", str(new), "--format", "json",
                "--timeout", "3",
            )  # fmt: skip
        finally:
            lab.node_exec(state_dir, "fra1-leaf04", ["ip", "addr", "del", "198.18.0.44/24",
                                                    "dev", "mgmt0"])  # fmt: skip
        assert code == 1, out + err
        by = {a["address"]: a for a in json.loads(out)["addresses"]}
        assert by["198.18.0.13"]["outcome"] == "imported"
        for twin in ("198.18.0.16", "198.18.0.44"):
            assert by[twin]["outcome"] == "skipped"
            assert "report hostname fra1-leaf04" in by[twin]["detail"]
        assert by["198.18.0.250"]["outcome"] in ("unreachable", "timeout")
        assert by["192.0.2.1"]["outcome"] == "refused"
        assert "outside the allowed ranges" in by["192.0.2.1"]["detail"]
        result = validate(new)  # what could be imported was, and validates
        assert result.ok and set(result.inventory.devices) == {"fra1-leaf01"}

    def test_a_device_that_is_no_linux_shell(self, state_dir: Path, tmp_path: Path) -> None:
        """An SSH server answering every command like a network OS's CLI does (it reads what
        it is sent, then says the input is invalid): an sshd of the
        test's own with a ForceCommand, on a second address of the lab's management bridge
        (in the management namespace's network)."""
        address, key, config = "198.18.0.46", tmp_path / "key", tmp_path / "sshd_config"
        state = lab.read_state(lab.LabPaths(state_dir))
        make_key(key, "not-a-shell")
        config.write_text(NOT_A_SHELL.format(address=address, key=key))
        mgmt = ["nsenter", f"--net={state.mgmt_netns_path}"]
        bridge = ["ip", "addr", "add", f"{address}/32", "dev", "ulab0"]
        subprocess.run([*mgmt, *bridge], check=True)
        # a node's mount namespace: its /run has sshd's dir, its /etc the lab user's key
        paths = lab.LabPaths(state_dir)
        inside = [*mgmt, f"--mount={paths.mnt_ns('fra1-leaf04')}", "--wd=/"]
        sshd = subprocess.Popen(
            [*inside, "/usr/sbin/sshd", "-D", "-e", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for_port(str(state.mgmt_netns_path), address)
            code, out, err = _import(
                state_dir, "--address", address, "--address", "198.18.0.13",
                "--allow", "198.18.0.0/15", "--out", str(tmp_path / "estate"), "--format", "json",
            )  # fmt: skip
        finally:
            sshd.terminate()
            sshd.wait(timeout=10)
            bridge[2] = "del"
            subprocess.run([*mgmt, *bridge], check=True)
        assert code == 1, out + err
        by = {a["address"]: a for a in json.loads(out)["addresses"]}
        assert by[address]["outcome"] == "unknown_platform", by[address]
        assert "not as a Linux shell" in by[address]["detail"]
        assert by["198.18.0.13"]["outcome"] == "imported"
        assert validate(tmp_path / "estate").ok

    def test_wrong_credentials(self, state_dir: Path, tmp_path: Path, monkeypatch) -> None:
        key = lab.read_state(lab.LabPaths(state_dir)).private_key
        monkeypatch.setenv("UNDERLAY_CREDENTIALS_NOBODY_USERNAME", "nobody")
        monkeypatch.setenv("UNDERLAY_CREDENTIALS_NOBODY_KEY_FILE", str(key))
        code, out, err = _run(
            "import", "--lab-state-dir", str(state_dir), "--credentials", "nobody",
            "--address", "198.18.0.13", "--allow", "198.18.0.0/15",
            "--out", str(tmp_path / "estate"), "--format", "json",
        )  # fmt: skip
        assert code == 1, out + err
        (found,) = json.loads(out)["addresses"]
        assert found["outcome"] == "auth_failed", found
        assert validate(tmp_path / "estate").ok

    def test_file_of_addresses_with_a_bad_line(self, tmp_path: Path) -> None:
        file = tmp_path / "mgmt.txt"
        file.write_text("198.18.0.11\n  198.18.0.300  # typo\n")
        code, _, err = _run("import", "--addresses", str(file), "--out", str(tmp_path / "x"))
        assert code == 1
        assert err.startswith(f"{file}:2:3: '198.18.0.300' is not an IPv4 address"), err
        assert not (tmp_path / "x").exists()  # nothing written, nothing contacted


class TestDriftAccepted:
    def test_hand_change_accepted_then_plan_shows_none(
        self, state_dir: Path, tmp_path: Path
    ) -> None:
        repo = tmp_path / "repo"
        shutil.copytree(REPO_ROOT, repo)
        git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e"]
        # by hand on fra1-leaf01: a description changed, a prefix list the model lacks
        by_hand = [
            "vtysh", "-c", "configure terminal", "-c", "interface eth1",
            "-c", "description to fra1-spine01:eth1 (optic swapped, RMA 4711)", "-c", "exit",
            "-c", "ip prefix-list LOOPBACKS seq 5 permit 198.19.0.0/24 le 32",
        ]  # fmt: skip
        assert lab.node_exec(state_dir, "fra1-leaf01", by_hand).returncode == 0
        before, _ = _plan(repo, state_dir, "fra1-leaf01")
        assert before == 2  # applying the repository would overwrite the hand change
        common = ["--into", str(repo), "--address", "198.18.0.13"]
        code, out, err = _import(state_dir, *common, "--diff")
        assert code == 0, out + err
        assert "(optic swapped, RMA 4711)" in out and "LOOPBACKS" in out
        code, out, err = _import(state_dir, *common, "--accept", "fra1-leaf01")
        assert code == 0, out + err
        after, plan = _plan(repo, state_dir, "fra1-leaf01")
        assert after == 0, plan
        diff = subprocess.run(
            [*git, "diff", "--unified=0"], capture_output=True, text=True, check=True
        ).stdout
        changed = [
            line for line in diff.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]  # fmt: skip
        assert '-    description: "to fra1-spine01:eth1"' in changed
        assert '+    description: "to fra1-spine01:eth1 (optic swapped, RMA 4711)"' in changed
        assert any("LOOPBACKS" in line for line in changed)
        assert all("fra1-leaf01.yaml" in f for f in _changed_files(git))
        assert len(changed) <= 6, diff  # only the accepted lines

    def test_secret_on_a_device_never_reaches_the_repository(
        self, state_dir: Path, tmp_path: Path
    ) -> None:
        secret = "Imp0rtS3cretValue"
        by_hand = ["vtysh", "-c", "configure terminal", "-c", "router bgp 65031",
                   "-c", f"neighbor 198.18.1.64 password {secret}"]  # fmt: skip
        assert lab.node_exec(state_dir, "fra2-edge01", by_hand).returncode == 0
        new = tmp_path / "estate"
        code, out, err = _import(
            state_dir, "--address", "198.18.0.18", "--allow", "198.18.0.0/15", "--out", str(new),
            "--report", str(tmp_path / "IMPORT.md"),
        )  # fmt: skip
        assert secret not in out + err
        assert secret not in (tmp_path / "IMPORT.md").read_text()
        for path in new.rglob("*"):
            if path.is_file() and ".git" not in path.parts:
                assert secret not in path.read_text(errors="replace"), path
        assert "password" in out  # the report says what was left out, up to the keyword
        assert code == 1  # the device does not render back exactly: the password is missing


def _wait_for_port(netns: str, address: str) -> None:
    """Until sshd listens on the address (it binds after it starts)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            connect(netns, address, 22, 1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on {address}:22"
            time.sleep(0.1)


def _changed_files(git: list[str]) -> list[str]:
    done = subprocess.run([*git, "diff", "--name-only"], capture_output=True, text=True, check=True)
    return done.stdout.split()


class TestInto:
    def test_into_adds_what_the_repository_lacks(self, state_dir: Path, tmp_path: Path) -> None:
        repo = tmp_path / "estate"
        spines = ["--address", "198.18.0.11", "--address", "198.18.0.12"]
        code, out, err = _import(state_dir, *spines, "--allow", "198.18.0.0/15", "--out", str(repo))
        assert code == 0, out + err
        assert "baseline" in _yaml(repo / "inventory" / "groups.yaml")["groups"]
        # from now on the repository's own settings say where import may connect
        (repo / "underlay.yaml").write_text("onboarding:\n  allowed: [198.18.0.0/15]\n")
        before = {p: p.read_text() for p in (repo / "inventory" / "devices").iterdir()}
        code, out, err = _import(
            state_dir, "--into", str(repo), *spines, "--address", "198.18.0.13",
            "--format", "json",
        )  # fmt: skip
        assert code == 0, out + err
        result = validate(repo)
        assert result.ok, [d.message for d in result.diagnostics]
        assert set(result.inventory.devices) == {"fra1-spine01", "fra1-spine02", "fra1-leaf01"}
        assert {p: p.read_text() for p in before} == before  # what it had stays as it was
        leaf = result.inventory.devices["fra1-leaf01"]
        assert leaf.groups == ["baseline"]  # the repository's group, not a copy of it
        ends = {frozenset({c.a.device, c.b.device}) for c in result.inventory.cables}
        assert ends == {frozenset({"fra1-leaf01", "fra1-spine01"}),
                        frozenset({"fra1-leaf01", "fra1-spine02"})}  # fmt: skip
        code, plan = _plan(repo, state_dir)
        assert code == 0, plan
