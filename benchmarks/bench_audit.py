"""Audit store benchmark: append N apply records (3 devices each, with config backups) to a fresh
repository, then read and verify the whole chain.

    python3 benchmarks/bench_audit.py --records 1000
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.record import (  # after the path set-up, to run from a checkout
    Actor,
    AuditStore,
    Configs,
    DeviceOutcome,
    Outcome,
    Record,
    verify,
)

DEVICES = ("leaf01", "leaf02", "spine01")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        subprocess.run(["git", "init", "-q", "-b", "main", tmp], check=True)
        env = ["-c", "user.name=bench", "-c", "user.email=b@x"]
        subprocess.run(["git", *env, "-C", tmp, "commit", "-q", "--allow-empty", "-m", "c"],
                       check=True)  # fmt: skip
        commit = subprocess.run(["git", "-C", tmp, "rev-parse", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()  # fmt: skip
        store = AuditStore(repo)
        start = time.perf_counter()
        for i in range(args.records):
            store.append(_record(i, commit), redact=str, configs=_configs(i))
        appended = time.perf_counter() - start
        start = time.perf_counter()
        problems = verify(store)
        verified = time.perf_counter() - start
        start = time.perf_counter()
        store.last_applied()
        applied = time.perf_counter() - start
    n = args.records
    print(f"append {n} records: {appended:.2f} s ({appended / n * 1000:.1f} ms each)")
    print(f"verify {n} records: {verified:.2f} s ({len(problems)} problems)")
    print(f"last_applied over {n} records: {applied:.2f} s")


def _record(i: int, commit: str) -> Record:
    when = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
    return Record(
        kind="apply", run=f"apply-{i}", actor=Actor(user="bench", host="bench"), commit=commit,
        plan_hash="ab" * 32, started=when, finished=when,
        devices=tuple(
            DeviceOutcome(name=d, outcome=Outcome.CONFIRMED, candidate_hash="c" * 64,
                          running_config_hash="r" * 64, seconds=1.0)
            for d in DEVICES
        ),
    )  # fmt: skip


def _configs(i: int) -> dict[str, Configs]:
    body = "".join(f"interface eth{n}\n description port {n}\n" for n in range(40))
    return {d: Configs(f"{body}! run {i - 1}\n", f"{body}! run {i}\n") for d in DEVICES}


if __name__ == "__main__":
    main()
