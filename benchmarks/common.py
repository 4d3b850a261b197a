"""What the command-line benchmarks share: running the `underlay` command and timing it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(argv: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS in MiB (from wait4), exit code and last output line of a run."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        lines = out.read().decode(errors="replace").strip().splitlines()
    return wall, usage.ru_maxrss / 1024, proc.returncode, lines[-1] if lines else ""


def underlay() -> list[str]:
    """The console script beside this Python (what `underlay` runs, without a pyenv shim's
    extra process), else the same entry point through `python -c`."""
    script = Path(sys.executable).parent / "underlay"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from engine.cli import run; run()"]
