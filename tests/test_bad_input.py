"""Bad input never crashes or hangs: one clear `path:line:col` diagnostic, exit code 1.

Every class runs through the real command in a subprocess, so a traceback, a crash or an
executed tag would show. The subprocess timeout is a hang guard, not a performance check.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DEVICE = "inventory/devices/r1.yaml"
LINE = re.compile(r"^inventory/devices/r1\.yaml:(\d+):(\d+): error\[(Y\d+)\]: .+$")

BOMB = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)

CLASSES: dict[str, tuple[bytes, str]] = {
    "malformed": (b"name: r1\nsite: [dc1\nrole: core\n", "Y101"),
    "duplicate-key": (b"name: r1\nname: r2\n", "Y102"),
    "tab": (b"name: r1\ninterfaces:\n\teth1: {}\n", "Y101"),
    "not-utf8": ("name: r1\nmodel: caf\xe9\n".encode("latin-1"), "Y106"),
    "binary": (bytes(range(256)) * 4, "Y106"),
    "empty": (b"", "Y107"),
    "comments-only": (b"# just a comment\n", "Y107"),
    "not-a-mapping": (b"- just\n- a list\n", "Y108"),
    "scalar-document": (b"42\n", "Y108"),
    "alias-bomb": (BOMB.encode(), "Y104"),
    "deep-nesting": (b"x: " + b"[" * 200_000 + b"]" * 200_000 + b"\n", "Y105"),
    "deep-block-nesting": ("".join(f"{' ' * i}k{i}:\n" for i in range(2000)).encode(), "Y105"),
    "python-tag": (
        b"name: !!python/object/apply:os.system ['touch /tmp/underlay-pwned']\n",
        "Y103",
    ),
    "python-name-tag": (b"!!python/name:os.system\n", "Y103"),
    "two-documents": (b"name: r1\n---\nname: r2\n", "Y110"),
}


def _run(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", "--repo", str(repo), "validate"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_bad_input_gives_one_clear_diagnostic(name: str, base_repo: Path) -> None:
    content, code = CLASSES[name]
    (base_repo / DEVICE).write_bytes(content)
    proc = _run(base_repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stderr == ""
    ours = [m for line in proc.stdout.splitlines() if (m := LINE.match(line))]
    assert len(ours) == 1, proc.stdout
    assert ours[0].group(3) == code
    assert not Path("/tmp/underlay-pwned").exists()


def test_file_of_tens_of_megabytes_is_refused_quickly(base_repo: Path) -> None:
    big = base_repo / DEVICE
    with big.open("w") as f:
        f.write("name: r1\ninterfaces:\n")
        for i in range(700_000):
            f.write(f"  eth{i}: {{description: port {i} padding padding padding}}\n")
    assert big.stat().st_size > 30 * 1024 * 1024
    proc = _run(base_repo)
    assert proc.returncode == 1
    assert re.search(
        r"^inventory/devices/r1\.yaml:1:1: error\[Y109\]: file is \d+\.\d MiB", proc.stdout, re.M
    ), proc.stdout


def test_missing_repo_is_a_usage_fault_without_traceback(tmp_path: Path) -> None:
    proc = _run(tmp_path / "nope")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "no such directory" in proc.stderr


def test_repo_without_inventory_is_explained(tmp_path: Path) -> None:
    proc = _run(tmp_path)
    assert proc.returncode == 2
    assert "no inventory/ folder" in proc.stderr and "underlay init" in proc.stderr
