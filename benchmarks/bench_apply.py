"""`underlay apply` of a one-line change to every device: the sample lab and a 50-router lab.

usage: python3 benchmarks/bench_apply.py [--routers 50] [--batch 5] [--skip-sample]
Needs root (the lab). Each case: a git repository, its converged lab, a one-line change to every
device (the sample: the login banner in groups.yaml, rendered into every device and server; the
generated lab: the loopback's description on every router), plan, apply (canary 1, then
batches), and the times: total, per device (mean and max of the per-device apply, which includes
commit-confirm, a fresh re-collection for verification and the confirm).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from engine import lab
from engine.apply.model import Options
from engine.apply.run import apply_plan
from engine.cli.lab_plug import credential_store
from engine.plan.run import run_plan
from engine.record import Outcome
from engine.render import render_intended
from engine.validate import validate
from engine.views import plan as plan_views

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 6, 2, 21, 30, tzinfo=UTC)  # inside the sample's weeknight window


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=b@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def sample_repo(root: Path) -> Path:
    repo = root / "sample"
    for folder in ("inventory", "standards", "schemas"):
        shutil.copytree(REPO / folder, repo / folder)
    return repo


def chain_repo(root: Path, routers: int) -> Path:
    """`routers` FRR routers in an eBGP chain, cabled, managed from the lab's bridge."""
    repo = root / f"chain{routers}"
    devices = repo / "inventory/devices"
    devices.mkdir(parents=True)
    (repo / "inventory/sites.yaml").write_text(
        "sites:\n  dc1: {description: bench, address: here, timezone: UTC, tier: datacenter}\n"
    )
    (repo / "inventory/vendors.yaml").write_text("vendors:\n  bench: {name: Bench Networks}\n")
    cables = ["cables:"]
    for i in range(1, routers + 1):
        itfs = [f"  lo: {{description: loopback, ipv4: 198.19.0.{i}/32}}"]
        peers = []
        if i > 1:
            itfs.append(f"  eth1: {{ipv4: 198.18.1.{2 * (i - 2) + 1}/31}}")
            peers.append(f"    - {{address: 198.18.1.{2 * (i - 2)}, remote_as: {64999 + i}}}")
        if i < routers:
            itfs.append(f"  eth2: {{ipv4: 198.18.1.{2 * (i - 1)}/31}}")
            peers.append(f"    - {{address: 198.18.1.{2 * (i - 1) + 1}, remote_as: {65001 + i}}}")
            cables.append(
                f"  - {{id: c{i}, a: {{device: r{i:02d}, port: eth2}}, "
                f"b: {{device: r{i + 1:02d}, port: eth1}}, "
                "media: dac, length_m: 1, speed: 10G, status: connected}"
            )
        (devices / f"r{i:02d}.yaml").write_text(
            f"name: r{i:02d}\nsite: dc1\nrole: router\nplatform: frr\nvendor: bench\nmodel: X\n"
            "os: {version: \"8.4.4\"}\n"
            f"management: {{address: 198.18.0.{10 + i}, credentials: lab}}\n"
            "interfaces:\n" + "\n".join(itfs) + "\n"
            f"bgp:\n  asn: {65000 + i}\n  router_id: 198.19.0.{i}\n"
            f"  networks: [198.19.0.{i}/32]\n  neighbors:\n" + "\n".join(peers) + "\n"
        )
    (repo / "inventory/cabling.yaml").write_text("\n".join(cables) + "\n")
    return repo


def one_line_change(repo: Path) -> None:
    groups = repo / "inventory/groups.yaml"
    if groups.exists() and "AUTHORISED ACCESS ONLY" in groups.read_text():
        groups.write_text(groups.read_text().replace("AUTHORISED ACCESS ONLY", "AUTHORISED ONLY"))
        return
    for path in (repo / "inventory/devices").glob("*.yaml"):
        path.write_text(path.read_text().replace("description: loopback", "description: lo0"))


def measure(repo: Path, label: str, batch: int) -> None:
    result = validate(repo)
    assert result.ok, [str(d.message) for d in result.diagnostics][:5]
    git(repo, "init", "-q", "-b", "main")
    (repo / ".gitignore").write_text(".underlay/\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    state_dir = Path(tempfile.mkdtemp(prefix="bench-apply-")) / "state"
    try:
        started = time.monotonic()
        lab.up(lab.lab_spec(result.inventory, converged=True).spec, state_dir, timeout=300)
        print(f"{label}: lab up {time.monotonic() - started:.1f} s")
        one_line_change(repo)
        git(repo, "commit", "-qam", "one line on every device")
        inventory = validate(repo).inventory
        started = time.monotonic()
        intended = render_intended(inventory, [*inventory.devices, *inventory.servers])
        store = credential_store(repo, inventory, state_dir)
        plan = run_plan(repo, inventory, intended, store)
        print(f"{label}: plan {time.monotonic() - started:.1f} s, {plan.summary.change} to change")
        out = state_dir.parent / "plan.json"
        out.write_text(plan_views.json_view(plan))
        options = Options(batch=batch, timeout=30)
        report = apply_plan(repo, inventory, out, options, intended, store, now=NOW)
        done = [d for d in report.devices if d.outcome is Outcome.CONFIRMED]
        per = [d.seconds for d in done]
        print(
            f"{label}: apply {report.status}: {len(done)} confirmed in {report.seconds:.1f} s "
            f"({len(report.batches)} batches of up to {batch}); per device mean "
            f"{statistics.mean(per):.2f} s, max {max(per):.2f} s; "
            f"{report.seconds / max(1, len(done)):.2f} s per device overall"
        )
    finally:
        lab.down(state_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routers", type=int, default=50)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--skip-sample", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if not args.skip_sample:
            measure(sample_repo(root), "sample (18 nodes)", args.batch)
        measure(chain_repo(root, args.routers), f"chain of {args.routers} routers", args.batch)


if __name__ == "__main__":
    main()
