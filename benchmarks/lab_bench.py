"""Time a generated lab: up + converged, PSS memory per node, down.

usage (root): python3 benchmarks/lab_bench.py [--routers 50] [--servers 0] [--ring]
              [--state-dir /var/lib/underlay-lab-bench] [--timeout 180]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from engine import lab
from engine.lab.procs import pids_in, pss_kib
from engine.lab.sample import bgp_lab


def main() -> int:
    args = _parse()
    spec = bgp_lab(args.routers, args.servers, ring=args.ring)
    started = time.monotonic()
    try:
        report = lab.up(spec, args.state_dir, timeout=args.timeout)
    except lab.LabError as exc:
        print(f"up failed after {time.monotonic() - started:.2f}s: {exc}", file=sys.stderr)
        lab.down(args.state_dir)
        return 1
    print(
        f"up+converged: {report.total_seconds:.2f}s for {args.routers} routers + {args.servers} "
        f"servers, {len(spec.links)} links ({'ring' if args.ring else 'chain'}) | build "
        f"{report.build_seconds:.2f}s, daemons {report.start_seconds:.2f}s, "
        f"converge {report.converge_seconds:.2f}s"
    )
    print_memory(args.state_dir)
    gone = lab.down(args.state_dir)
    print(
        f"down: {gone.seconds:.2f}s, {len(gone.stopped) + len(gone.killed)} processes stopped, "
        f"leftovers: {list(gone.leftovers) or 'none'}"
    )
    return 0 if not gone.leftovers else 1


def print_memory(state_dir: Path) -> None:
    """PSS per node, by kind, of the lab in `state_dir` (shared by the lab benchmarks)."""
    state = lab.read_state(lab.LabPaths(state_dir))
    by_kind: dict[str, list[int]] = {}
    for node in state.nodes:
        kib = sum(pss_kib(pid) for pid in pids_in(node.namespaces))
        by_kind.setdefault(node.kind, []).append(kib)
    for kind, sizes in sorted(by_kind.items()):
        print(
            f"PSS per {kind} node: {sum(sizes) / len(sizes) / 1024:.1f} MiB "
            f"(min {min(sizes) / 1024:.1f}, max {max(sizes) / 1024:.1f}, {len(sizes)} nodes)"
        )


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routers", type=int, default=50)
    parser.add_argument("--servers", type=int, default=0)
    parser.add_argument("--ring", action="store_true")
    parser.add_argument("--state-dir", type=Path, default=Path("/var/lib/underlay-lab-bench"))
    parser.add_argument("--timeout", type=float, default=180)
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
