"""`underlay import` of a lab against `underlay plan` of the same lab, same run (issue 14: an
import within 2x a plan's time).

usage (root, lab host ready):
    python3 benchmarks/bench_import.py [--repeat 5] [--workers 20] [--nodes 50]

The sample organisation's brownfield lab (18 nodes: 10 FRR, 8 Linux) is brought up in a state
dir of its own; then, alternately, `import --addresses FILE --out NEW` (every management
address, written to a new repository, verified by rendering back) and `plan` of the sample
repository, each `--repeat` times; medians, devices per second, peak memory (wait4) and the
ratio import / plan. `--nodes N` adds a generated chain of N FRR routers (benchmarks/
bench_plan.py's) for the same comparison at a larger size.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from engine import lab
from engine.validate import validate

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench_plan import chain_inventory  # noqa: E402 - benchmarks/ is not a package
from common import timed, underlay  # noqa: E402


def measure(repo: Path, repeat: int, workers: int) -> tuple[str, int, list[float], list[float]]:
    inventory = validate(repo).inventory
    nodes = {**inventory.devices, **inventory.servers}
    work = Path(tempfile.mkdtemp(prefix="underlay-bench-import-"))
    state_dir = work / "state"
    addresses = work / "mgmt.txt"
    addresses.write_text("".join(f"{o.management.address}\n" for o in nodes.values()))
    imports, plans, peaks = [], [], {"import": 0.0, "plan": 0.0}
    try:
        lab.up(lab.lab_spec(inventory).spec, state_dir, timeout=600)
        for round_ in range(repeat):
            out = work / f"estate{round_}"
            argv = [*underlay(), "import", "--addresses", str(addresses), "--out", str(out),
                    "--allow", "198.18.0.0/15", "--credentials", "lab", "--workers",
                    str(workers), "--lab-state-dir", str(state_dir)]  # fmt: skip
            seconds, peak, code, last = timed(argv, work)
            if code not in (0, 1):  # 1: done, some object does not render back exactly
                raise SystemExit(f"import exited {code}: {last}")
            imports.append(seconds)
            peaks["import"] = max(peaks["import"], peak)
            shutil.rmtree(out)
            argv = [*underlay(), "--repo", str(repo), "plan", "--workers", str(workers),
                    "--lab-state-dir", str(state_dir)]  # fmt: skip
            seconds, peak, code, last = timed(argv, work)
            if code not in (0, 2):
                raise SystemExit(f"plan exited {code}: {last}")
            plans.append(seconds)
            peaks["plan"] = max(peaks["plan"], peak)
    finally:
        lab.down(state_dir)
        shutil.rmtree(work, ignore_errors=True)
    shown = f"{peaks['import']:.0f} / {peaks['plan']:.0f} MiB"
    return shown, len(nodes), imports, plans


def row(name: str, repo: Path, repeat: int, workers: int) -> str:
    peaks, n, imports, plans = measure(repo, repeat, workers)
    i, p = statistics.median(imports), statistics.median(plans)
    return (
        f"| {name} | {n} | {i:.2f} s ({n / i:.1f}/s) | {p:.2f} s ({n / p:.1f}/s) | "
        f"{i / p:.2f}x | {peaks} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--nodes", type=int, default=0, help="also a chain of N FRR routers")
    args = parser.parse_args()
    if lab.preflight():
        print("lab host not ready: " + "; ".join(lab.preflight()), file=sys.stderr)
        return 1
    print(f"medians of {args.repeat} runs each, alternated; {args.workers} workers")
    print("| lab | nodes | underlay import | underlay plan | import / plan | peak memory "
          "(import / plan) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    print(row("sample (brownfield)", REPO, args.repeat, args.workers), flush=True)
    if args.nodes:
        with tempfile.TemporaryDirectory() as tmp:
            repo = chain_inventory(Path(tmp), args.nodes)
            print(row(f"chain of {args.nodes} FRR", repo, args.repeat, args.workers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
