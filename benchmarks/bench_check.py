"""`underlay check` cold and warm vs check-jsonschema, on one synthetic inventory, same run.

usage: python benchmarks/bench_check.py [--devices 10000] [--servers 5000] [--violations 0]
                                        [--repeat 5] [--dir DIR]

The inventory (benchmarks/generate.py) follows the sample organisation's standards, which are
copied next to it (without the sample's waivers); `--violations N` makes N devices break three
rules on purpose. Timed, through the installed `underlay` command (the console script, not
its pyenv shim) and as wall time with peak RSS from wait4:

- cold: `underlay check --no-cache` (every file read; YAML, schema, references, consistency
  and the standards);
- warm: the caches filled, one device file changed, `underlay check` again (median of
  `--repeat` runs, a different edit each time);
- the peer: check-jsonschema validating the same device files against the same
  schemas/device.json (schema only).

Targets (DESIGN.md): cold <= 0.5 x the peer, warm < 1 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from common import timed, underlay  # noqa: E402 - benchmarks/ is not a package


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--servers", type=int, default=5_000)
    parser.add_argument("--violations", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5, help="warm runs (median reported)")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="underlay-bench-check-"))
    generate = [sys.executable, str(HERE / "generate.py"), str(work)]
    sizes = ["--devices", str(args.devices), "--servers", str(args.servers)]
    subprocess.run([*generate, *sizes, "--violations", str(args.violations)], check=True)
    shutil.copytree(REPO / "standards", work / "standards")
    (work / "standards/waivers.yaml").unlink()
    check = [*underlay(), "--repo", str(work), "check", "--today", "2026-11-27"]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {args.devices} devices + {args.servers} servers, "
        f"{args.violations} with violations"
    )
    cold = timed([*check, "--no-cache"], REPO)
    timed(check, REPO)  # fills both caches
    devices = sorted((work / "inventory/devices").glob("*.yaml"))
    warm_runs = []
    for n in range(args.repeat):
        device = devices[(n * 997) % len(devices)]
        device.write_text(device.read_text().replace("rack ", "rack  ", 1))
        warm_runs.append(timed(check, REPO))
    warm_wall = statistics.median(w[0] for w in warm_runs)
    warm_rss = max(w[1] for w in warm_runs)
    peer_bin = shutil.which("check-jsonschema") or "check-jsonschema"
    schema = str(REPO / "schemas/device.json")
    peer = timed([peer_bin, "--schemafile", schema, *map(str, devices)], REPO)

    def row(label: str, wall: float, rss: float, note: str) -> None:
        print(f"{label:38}{wall:6.2f} s {rss:6.0f} MiB  {note}")

    row("underlay check --no-cache", cold[0], cold[1], f"exit {cold[2]}: {cold[3]}")
    runs = ", ".join(f"{w[0]:.2f}" for w in warm_runs)
    row("underlay check, one file changed", warm_wall, warm_rss, f"median of {runs}")
    row("check-jsonschema, device files only", peer[0], peer[1], f"exit {peer[2]}")
    ratio = cold[0] / peer[0]
    cold_ok = "met" if ratio <= 0.5 else "NOT met"
    warm_ok = "met" if warm_wall < 1 else "NOT met"
    print(f"cold / check-jsonschema = {ratio:.2f} (target <= 0.50: {cold_ok})")
    print(f"warm = {warm_wall:.2f} s (target < 1.00 s: {warm_ok})")
    if args.dir is None:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
