"""`underlay validate` cold and warm vs check-jsonschema, on one synthetic inventory, same run.

usage: python benchmarks/bench_validate.py [--devices 10000] [--servers 5000] [--dir DIR]

Cold: every file read and checked (`--no-cache`): YAML, schema, references, consistency.
Warm: the cache is filled, one device file changes, and validate runs again.
Peer: check-jsonschema validating the same device files against the same device schema
(schema only). Prints wall time and peak memory of each run; targets: cold <= 0.5x the peer,
warm <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
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
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="underlay-bench-"))
    subprocess.run(
        [
            sys.executable,
            str(HERE / "generate.py"),
            str(work),
            "--devices",
            str(args.devices),
            "--servers",
            str(args.servers),
        ],
        check=True,
    )
    command = [*underlay(), "--repo", str(work), "validate"]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {args.devices} devices + {args.servers} servers"
    )

    cold = timed([*command, "--no-cache"], REPO)
    timed(command, REPO)  # fills the cache
    device = sorted((work / "inventory/devices").glob("*.yaml"))[42]
    device.write_text(device.read_text().replace("rack ", "rack  ", 1))
    warm = timed(command, REPO)
    files = sorted(str(p) for p in (work / "inventory/devices").glob("*.yaml"))
    peer_bin = shutil.which("check-jsonschema") or "check-jsonschema"
    peer = timed([peer_bin, "--schemafile", str(REPO / "schemas/device.json"), *files], REPO)

    print(
        f"underlay validate, cold:           {cold[0]:7.2f} s  {cold[1]:6.0f} MiB  exit {cold[2]}"
    )
    print(
        f"underlay validate, one file changed:{warm[0]:6.2f} s  {warm[1]:6.0f} MiB  exit {warm[2]}"
    )
    print(
        f"check-jsonschema (devices only):   {peer[0]:7.2f} s  {peer[1]:6.0f} MiB  exit {peer[2]}"
    )
    ratio = cold[0] / peer[0]
    verdict = "met" if ratio <= 0.5 else "NOT met"
    print(f"cold / check-jsonschema = {ratio:.2f} (target <= 0.50: {verdict})")
    print(f"warm = {warm[0]:.2f} s (target <= 1.00 s: {'met' if warm[0] <= 1 else 'NOT met'})")
    if args.dir is None:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
