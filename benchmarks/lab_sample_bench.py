"""Time `underlay lab up` of a repository's own lab (default: the sample organisation) to
converged, as a user runs it, with PSS memory per node, then `underlay lab down`.

usage (root): python3 benchmarks/lab_sample_bench.py [--repo DIR] [--converged] [--runs 3]
              [--state-dir /var/lib/underlay-lab-bench]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lab_bench import print_memory  # noqa: E402 - a sibling script, not a package


def main() -> int:
    args = _parse()
    times = []
    for run in range(args.runs):
        seconds = _underlay(args, "up", *(["--converged"] if args.converged else []))
        times.append(seconds)
        if run == 0:
            print_memory(args.state_dir)
        down = _underlay(args, "down")
        print(f"run {run + 1}: lab up {seconds:.2f}s, lab down {down:.2f}s")
    print(
        f"underlay lab up{' --converged' if args.converged else ''} to converged: "
        f"median {statistics.median(times):.2f}s, min {min(times):.2f}s over {args.runs} runs"
    )
    return 0


def _underlay(args: argparse.Namespace, verb: str, *extra: str) -> float:
    argv = [sys.executable, "-m", "engine.cli", "--repo", str(args.repo), "lab", verb]
    start = time.monotonic()
    done = subprocess.run(
        [*argv, "--state-dir", str(args.state_dir), *extra],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    seconds = time.monotonic() - start
    if done.returncode != 0:
        raise SystemExit(f"lab {verb} failed: {done.stdout}{done.stderr}")
    return seconds


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=REPO_ROOT)
    parser.add_argument("--converged", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--state-dir", type=Path, default=Path("/var/lib/underlay-lab-bench"))
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
