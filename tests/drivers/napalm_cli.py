"""Runs the `napalm` CLI (napalm's own command line tool) as a subprocess of this interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CLI_MODULE = "napalm.base.clitools.cl_napalm"  # what the `napalm` console script runs


def napalm_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`napalm ARGS...`, never prompting (give `--password`); `cwd` matters: the CLI lists the
    modules of sys.path, the current directory included."""
    return subprocess.run(
        [sys.executable, "-m", CLI_MODULE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        check=False,
    )
