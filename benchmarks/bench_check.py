"""Benchmark the standards stage: `underlay check` against `underlay validate`.

usage: python benchmarks/bench_check.py [DIR]   (default /tmp/underlay-bench-check)

Generates the synthetic inventory (benchmarks/generate.py: 10,000 devices, 5,000 servers),
copies the sample organisation's standards (without its waivers) next to it, and times
validate alone, check (validate + standards), its text report, and the standards' parts:
evaluating the rules and locating the findings in their files. The synthetic names, DNS and
banner break several of the sample's standards, so this is the worst case: over 100,000
findings to place and print.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.standards import check, load  # noqa: E402
from engine.standards import evaluate as stage  # noqa: E402
from engine.validate import validate  # noqa: E402
from engine.views.diagnostics import VIEWS, Report  # noqa: E402

TODAY = date(2026, 11, 27)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, default=Path("/tmp/underlay-bench-check"),
                        help="where to generate the inventory (replaced if it exists)")
    out = parser.parse_args().dir
    subprocess.run([sys.executable, str(ROOT / "benchmarks/generate.py"), str(out)], check=True)
    shutil.copytree(ROOT / "standards", out / "standards")
    (out / "standards/waivers.yaml").unlink()
    start = time.perf_counter()
    validate(out)
    print(f"validate                {time.perf_counter() - start:6.2f} s")
    start = time.perf_counter()
    result = check(out, TODAY)
    print(f"check (validate + standards) {time.perf_counter() - start:6.2f} s")
    start = time.perf_counter()
    VIEWS["text"](Report("check", result.diagnostics, result.files, result.rules))
    print(f"text report             {time.perf_counter() - start:6.2f} s")
    inventory, library = validate(out).inventory, load(out)
    start = time.perf_counter()
    findings = [f for rule in library.rules for f in stage.run_rule(rule, inventory, TODAY)]
    rules = time.perf_counter() - start
    start = time.perf_counter()
    stage.places(findings, inventory)
    print(f"rules ({len(library.rules)})              {rules:6.2f} s  ({len(findings)} findings)")
    print(f"locating the findings   {time.perf_counter() - start:6.2f} s")


if __name__ == "__main__":
    main()
