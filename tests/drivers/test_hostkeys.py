"""known_hosts files: read, checked, written; and a bad one stops a device command with its
`path:line:col` (exit 1) before any device is contacted. Keys and hashed names are made by
OpenSSH's own ssh-keygen, so the format is OpenSSH's, not our idea of it."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import paramiko
import pytest

from engine.cli import exits
from engine.drivers import HostKeyError
from engine.drivers.hostkeys import KnownHosts, KnownHostsError, fingerprint, host_name, pin
from tests.conftest import CASES, build_case

ADDRESS = "198.18.0.11"


def _key(tmp_path: Path, name: str) -> tuple[paramiko.PKey, str]:
    """A public key made by ssh-keygen, and its fingerprint as `ssh-keygen -l` prints it."""
    path = tmp_path / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    public = Path(f"{path}.pub").read_text().split()
    shown = subprocess.run(
        ["ssh-keygen", "-lf", str(path)], capture_output=True, text=True, check=True
    )
    key = paramiko.PKey.from_type_string(public[0], base64.b64decode(public[1]))
    return key, shown.stdout.split()[1]


def _line(host: str, key: paramiko.PKey, comment: str = "") -> str:
    return f"{host} {key.get_name()} {key.get_base64()} {comment}".rstrip() + "\n"


def test_fingerprints_are_openssh_s(tmp_path: Path) -> None:
    key, shown = _key(tmp_path, "a")
    assert fingerprint(key) == shown and shown.startswith("SHA256:")


def test_host_names_follow_openssh() -> None:
    assert host_name(ADDRESS, 22) == ADDRESS
    assert host_name(ADDRESS, 2222) == f"[{ADDRESS}]:2222"


def test_verify_names_the_key_seen_and_the_one_pinned(tmp_path: Path) -> None:
    pinned_key, pinned_fp = _key(tmp_path, "pinned")
    other, other_fp = _key(tmp_path, "other")
    path = tmp_path / "known_hosts"
    path.write_text("# a comment\n\n" + _line(ADDRESS, pinned_key, "r1"))
    known = KnownHosts.read([path], ["inventory/known_hosts"])
    assert known.verify(ADDRESS, 22, pinned_key).where == "inventory/known_hosts:3"
    with pytest.raises(HostKeyError, match="HOST KEY CHANGED") as changed:
        known.verify(ADDRESS, 22, other)
    assert other_fp in str(changed.value) and pinned_fp in str(changed.value)
    assert "inventory/known_hosts:3" in str(changed.value)
    with pytest.raises(HostKeyError, match="host key not pinned") as unknown:
        known.verify(ADDRESS, 2222, pinned_key)  # another port is another host
    assert f"[{ADDRESS}]:2222" in str(unknown.value) and pinned_fp in str(unknown.value)
    assert "underlay hostkeys scan --accept" in str(unknown.value)


def test_the_first_file_wins(tmp_path: Path) -> None:
    """The repository's pin before the lab's: a key pinned by the repository decides."""
    repo_key, _ = _key(tmp_path, "repo")
    lab_key, _ = _key(tmp_path, "lab")
    (tmp_path / "repo_hosts").write_text(_line(ADDRESS, repo_key))
    (tmp_path / "lab_hosts").write_text(_line(ADDRESS, lab_key) + _line("198.18.0.12", lab_key))
    known = KnownHosts.read([tmp_path / "repo_hosts", tmp_path / "lab_hosts", tmp_path / "none"])
    assert known.check(ADDRESS, 22, repo_key) is not None
    assert known.check(ADDRESS, 22, lab_key) is None
    assert known.check("198.18.0.12", 22, lab_key) is not None  # the lab answers for the rest


def test_hashed_names_as_ssh_keygen_writes_them(tmp_path: Path) -> None:
    key, _ = _key(tmp_path, "a")
    path = tmp_path / "known_hosts"
    path.write_text(_line(ADDRESS, key) + _line(f"[{ADDRESS}]:2222", key))
    subprocess.run(["ssh-keygen", "-H", "-f", str(path)], check=True, capture_output=True)
    assert ADDRESS not in path.read_text()
    known = KnownHosts.read([path])
    assert known.check(ADDRESS, 22, key) and known.check(ADDRESS, 2222, key)
    assert not known.check("198.18.0.12", 22, key)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("@revoked 198.18.0.11 ssh-ed25519 AAAA\n", "@revoked: markers are not supported"),
        ("198.18.0.* ssh-ed25519 {key}\n", "host patterns are not supported"),
        ("198.18.0.11 ssh-ed25519\n", "expected `HOST[,HOST...] KEYTYPE BASE64KEY"),
        ("198.18.0.11 ssh-ed25519 not-base64!\n", "not a ssh-ed25519 public key"),
        ("198.18.0.11 ssh-rsa {key}\n", "not a ssh-rsa public key"),
    ],
)
def test_bad_lines_are_refused_with_their_position(tmp_path: Path, text: str, problem: str) -> None:
    key, _ = _key(tmp_path, "a")
    path = tmp_path / "known_hosts"
    path.write_text("# pinned\n  " + text.format(key=key.get_base64()))
    with pytest.raises(KnownHostsError) as caught:
        KnownHosts.read([path], ["inventory/known_hosts"])
    assert str(caught.value).startswith("inventory/known_hosts:2:3: "), caught.value
    assert problem in str(caught.value)


def test_pin_appends_replaces_and_keeps_the_rest(tmp_path: Path) -> None:
    old, _ = _key(tmp_path, "old")
    new, _ = _key(tmp_path, "new")
    path = tmp_path / "inventory" / "known_hosts"
    pin(path, [(ADDRESS, 22, old, "r1")])
    assert path.read_text() == _line(ADDRESS, old, "r1")
    path.write_text("# reviewed\n" + _line(f"{ADDRESS},198.18.0.12", old, "r1 and r2"))
    pin(path, [(ADDRESS, 22, new, "r1"), ("198.18.0.13", 2222, new, "r3")])
    assert path.read_text() == (
        "# reviewed\n"
        + _line("198.18.0.12", old, "r1 and r2")
        + _line(ADDRESS, new, "r1")
        + _line("[198.18.0.13]:2222", new, "r3")
    )
    pin(path, [(ADDRESS, 22, old, "r1")])
    assert path.read_text().splitlines()[2] == _line(ADDRESS, old, "r1").strip()  # in place


def test_a_bad_known_hosts_stops_plan_before_any_device(tmp_path: Path) -> None:
    """No lab is up: the file is judged before the lab is looked for."""
    repo = build_case(CASES / "base", tmp_path / "repo")
    (repo / "inventory/known_hosts").write_text("198.18.0.11 ssh-ed25519\n")
    argv = [sys.executable, "-m", "engine.cli", "--repo", str(repo), "plan"]
    argv += ["--detailed-exitcode", "--lab-state-dir", str(tmp_path / "no-lab")]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == exits.PROBLEMS
    assert done.stderr.startswith("inventory/known_hosts:1:1: expected `HOST"), done.stderr
    assert "Traceback" not in done.stderr
