"""Progress while plan and drift run: plain lines in CI, a live display on a terminal.

The offline sample (tests.cli.offline): every device answers nowhere at once, so each one's
line comes; the final view on standard output is the same as ever.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

from engine.validate import validate
from tests.cli.offline import PASSWORD, USERNAME, environment, underlay

CREDENTIALS = {USERNAME: "netops", PASSWORD: "Not-a-real-one-42"}
LINE = re.compile(r"^underlay: plan (\d+)/(\d+): (\S+): unreachable \(failed\)$")


def test_ci_gets_one_plain_line_per_device_as_it_finishes(offline: Path, tmp_path: Path) -> None:
    inventory = validate(offline).inventory
    names = sorted([*inventory.devices, *inventory.servers])
    done = underlay(offline, "plan", env=environment(tmp_path, **CREDENTIALS))
    lines = [m for line in done.stderr.splitlines() if (m := LINE.match(line))]
    assert sorted(m.group(3) for m in lines) == names, done.stderr
    assert [int(m.group(1)) for m in lines] == list(range(1, len(names) + 1))
    assert {int(m.group(2)) for m in lines} == {len(names)}
    assert done.stdout.rstrip().splitlines()[-1].startswith("Plan: 0 to change")  # view unchanged


def test_a_terminal_gets_a_live_display(offline: Path, tmp_path: Path) -> None:
    """Standard error on a pseudo-terminal: rich draws (cursor control) and says done/total."""
    total = len(validate(offline).inventory.devices) + len(validate(offline).inventory.servers)
    main, side = pty.openpty()
    env = environment(tmp_path, **CREDENTIALS, TERM="xterm-256color", COLUMNS="120")
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "--repo", str(offline), "plan"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=side, env=env, text=True,
    )  # fmt: skip
    os.close(side)
    screen = _read_all(main, proc)
    assert proc.returncode == 1  # unreachable devices: the plan is incomplete
    assert "\x1b[" in screen and "plan" in screen
    assert f"/{total}" in screen
    assert "underlay: plan 1/" not in screen  # no CI lines on a terminal


def _read_all(fd: int, proc: subprocess.Popen[str]) -> str:
    chunks = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            data = os.read(fd, 65536)
        except OSError:  # the other side closed: the process is gone
            break
        if not data:
            break
        chunks.append(data.decode(errors="replace"))
    proc.wait(timeout=60)
    os.close(fd)
    return "".join(chunks)
