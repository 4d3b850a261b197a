"""`underlay plan` through Celery workers (a real Redis) vs the local executor, same lab, same run.

usage (root, lab host ready, the celery extra and Debian's redis-server installed):
    python3 benchmarks/bench_workers.py [--nodes 50] [--rounds 3]

Two labs in turn: the sample organisation (queues fra1 and fra2, one worker each) and a
generated chain of N FRR routers in one site (one queue, served by one and then two workers).
For each it times `underlay plan` with `--executor local` and `--executor celery` (median of
--rounds), and reads from Redis how many commands the run sent (INFO commandstats) and its
peak memory: what a broker costs per device, for docs/scale.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_plan import chain_inventory, measured

from engine import lab
from engine.validate import validate

REPO = Path(__file__).resolve().parent.parent
UNDERLAY = [sys.executable, "-m", "engine.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_cli(port: int, *args: str) -> str:
    argv = ["redis-cli", "-p", str(port), *args]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return done.stdout


def commands(port: int) -> int:
    """Commands Redis has served so far (INFO stats total_commands_processed)."""
    for line in redis_cli(port, "info", "stats").splitlines():
        if line.startswith("total_commands_processed:"):
            return int(line.split(":")[1])
    return 0


def peak_memory(port: int) -> str:
    for line in redis_cli(port, "info", "memory").splitlines():
        if line.startswith("used_memory_peak_human:"):
            return line.split(":")[1].strip()
    return "?"


def wait_for(check: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting")
        time.sleep(0.1)


def start_worker(repo: Path, state_dir: Path, queue: str, logs: Path) -> subprocess.Popen[bytes]:
    log = (logs / f"{queue}-{time.monotonic_ns()}.log").open("w")
    return subprocess.Popen(
        [*UNDERLAY, "--repo", str(repo), "worker", "--queue", queue,
         "--lab-state-dir", str(state_dir)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip


def scenario(name: str, repo: Path, queues: dict[str, int], rounds: int, work: Path) -> None:
    inventory = validate(repo).inventory
    nodes = len(inventory.devices) + len(inventory.servers)
    state_dir = work / "state"
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(work),
         "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL,
    )  # fmt: skip
    workers: list[subprocess.Popen[bytes]] = []
    try:
        wait_for(lambda: redis_cli(port, "ping").strip() == "PONG", 10)
        (repo / "underlay.yaml").write_text(
            f"execution:\n  executor: local\n  broker: {broker}\n  queues:\n"
            + "".join(f"    {site}: {site}\n" for site in sorted({o.site for o in (
                *inventory.devices.values(), *inventory.servers.values())}))
        )  # fmt: skip
        lab.up(lab.lab_spec(inventory, converged=True).spec, state_dir, timeout=300)
        for queue, count in queues.items():
            workers += [start_worker(repo, state_dir, queue, work) for _ in range(count)]
        beating = len(workers)
        wait_for(lambda: len(redis_cli(port, "keys", "underlay:workers:*").split()) >= beating, 60)
        plan = [*UNDERLAY, "--repo", str(repo), "plan", "--lab-state-dir", str(state_dir)]
        rows = {}
        for executor in ("local", "celery"):
            runs, sent = [], []
            for _ in range(rounds):
                before = commands(port)
                seconds, code, peak = measured([*plan, "--executor", executor])
                runs.append(seconds)
                sent.append(commands(port) - before)
                if code not in (0, 2):
                    raise SystemExit(f"plan --executor {executor}: exit {code}")
            rows[executor] = (statistics.median(runs), statistics.median(sent), peak)
        served = ", ".join(f"{q}: {n}" for q, n in queues.items())
        for executor, (seconds, sent, peak) in rows.items():
            per = f"{sent / nodes:.0f} per device" if executor == "celery" else "-"
            print(
                f"| {name} | {nodes} | {executor} ({served} workers) | {seconds:.2f} s "
                f"({nodes / seconds:.1f}/s) | {peak:.0f} MiB | {sent} ({per}) | "
                f"{peak_memory(port) if executor == 'celery' else '-'} |",
                flush=True,
            )
    finally:
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        for proc in workers:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        lab.down(state_dir)
        server.terminate()
        server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        print("redis-server not found: apt-get install redis-server", file=sys.stderr)
        return 2
    print(f"{os.cpu_count()} cores; median of {args.rounds} plans each")
    print("| lab | nodes | executor | underlay plan | control peak | Redis commands | Redis peak |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        shutil.copytree(REPO / "inventory", repo / "inventory")
        shutil.copytree(REPO / "standards", repo / "standards")
        scenario("sample", repo, {"fra1": 1, "fra2": 1}, args.rounds, Path(tmp))
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            repo = chain_inventory(Path(tmp) / "repo", args.nodes)
            scenario(f"chain of {args.nodes}", repo, {"dc1": workers}, args.rounds, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
