"""`underlay plan` over real lab devices vs `ansible-playbook --check --diff`, same run.

usage (root, lab host ready, ansible-core installed: pip install -e '.[bench]'):
    python3 benchmarks/bench_plan.py [--nodes 50] [--workers 20] [--repeat 3] [--skip-sample]
        [--curve 50,100,200]

For the sample organisation (18 nodes) and a generated chain of N FRR routers, it brings up
the lab, times `underlay plan` (all devices, and FRR devices only), then times the peer a user
would otherwise pick: an Ansible playbook whose one task templates the same rendered frr.conf
to /etc/frr/frr.conf on the same nodes over SSH with --check --diff and the same parallelism
(forks). It prints wall time and devices per second; growth with N shows in the two rows.
Both run as installed: the engine's bytecode is written first, as pip writes it on install and
as ansible-core's is (with PYTHONDONTWRITEBYTECODE set, as on some hosts, each `underlay plan`
would otherwise compile its ~100 modules from source: 0.1 s).
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import engine
from engine import lab
from engine.render import render
from engine.validate import validate

REPO = Path(__file__).resolve().parent.parent


def chain_inventory(root: Path, n: int) -> Path:
    """A repository of n FRR routers r1..rN in a chain, eBGP on every /31."""
    inv = root / "inventory"
    (inv / "devices").mkdir(parents=True)
    (inv / "sites.yaml").write_text(
        "sites:\n  dc1: {description: Bench, address: Lab, timezone: UTC, tier: datacenter}\n")
    (inv / "vendors.yaml").write_text("vendors:\n  acme: {name: Acme}\n")
    cables = []
    for i in range(1, n + 1):
        itfs, nbrs = [f"  lo: {{ipv4: 198.19.0.{i}/32}}\n"], []
        for j, port, mine, theirs in ((i - 1, "eth1", 1, 0), (i + 1, "eth2", 0, 1)):
            if not 1 <= j <= n:
                continue
            k = min(i, j) - 1
            me, peer = f"198.18.{1 + k // 128}.{(2 * k) % 256 + mine}", \
                f"198.18.{1 + k // 128}.{(2 * k) % 256 + theirs}"
            peer_port = "eth2" if port == "eth1" else "eth1"
            itfs.append(f"  {port}: {{description: 'to r{j}:{peer_port}', ipv4: {me}/31}}\n")
            nbrs.append(f"    - {{address: {peer}, remote_as: {65000 + j}, description: r{j}}}\n")
            if j > i:
                cables.append(f"  - {{id: c{i}, a: {{device: r{i}, port: eth2}}, "
                              f"b: {{device: r{j}, port: eth1}}, media: fiber-mm, "
                              "length_m: 10, speed: 10G}\n")
        (inv / f"devices/r{i}.yaml").write_text(
            f"name: r{i}\nsite: dc1\nrole: core\nplatform: frr\nvendor: acme\nmodel: X\n"
            f"os: {{version: '8.4.4'}}\nmanagement: {{address: 198.18.0.{10 + i}, "
            f"credentials: lab}}\ninterfaces:\n{''.join(itfs)}bgp:\n  asn: {65000 + i}\n"
            f"  router_id: 198.19.0.{i}\n  neighbors:\n{''.join(nbrs)}"
            f"  networks: [198.19.0.{i}/32]\n")
    (inv / "cabling.yaml").write_text("cables:\n" + "".join(cables))
    return root


def fleet_inventory(root: Path, n: int) -> Path:
    """n nodes: a chain of n/5 FRR routers (as chain_inventory) and 4n/5 Linux servers."""
    routers = max(2, n // 5)
    chain_inventory(root, routers)
    servers = root / "inventory" / "servers"
    servers.mkdir()
    for i in range(1, n - routers + 1):
        (servers / f"s{i}.yaml").write_text(
            f"name: s{i}\nsite: dc1\nrole: application\nkind: physical\nplatform: linux\n"
            f"os: {{family: debian, version: '12'}}\n"
            f"management: {{address: 198.18.0.{10 + routers + i}, credentials: lab}}\n"
        )
    return root


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    seconds, code, _ = measured(argv, env)
    return seconds, code


def measured(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """(wall seconds, exit code, peak RSS in MiB) of one command, from wait4."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code not in (0, 2):
            out.seek(0)
            err.seek(0)
            print(out.read()[-2000:], err.read()[-2000:], file=sys.stderr)
    return seconds, code, usage.ru_maxrss / 1024


def ansible_check(repo: Path, state_dir: Path, workers: int, work: Path) -> tuple[float, int]:
    """ansible-playbook --check --diff templating each FRR node's rendered frr.conf."""
    inventory = validate(repo).inventory
    state = lab.read_state(lab.LabPaths(state_dir))
    frr = [n for n, d in inventory.devices.items() if d.platform == "frr"]
    (work / "files").mkdir(parents=True, exist_ok=True)
    hosts = []
    for name in frr:
        (work / "files" / f"{name}.conf.j2").write_text(render(inventory, name).config or "")
        address = inventory.devices[name].management.address
        hosts.append(f"{name} ansible_host={address}")
    (work / "hosts.ini").write_text(
        "[frr]\n" + "\n".join(hosts) + "\n\n[frr:vars]\nansible_user=labuser\n"
        f"ansible_ssh_private_key_file={state.private_key}\n"
        "ansible_python_interpreter=/usr/bin/python3\n"
        # both check the nodes' host keys against the lab's known_hosts, as underlay does
        "ansible_ssh_common_args='-o StrictHostKeyChecking=yes "
        f"-o UserKnownHostsFile={state_dir}/known_hosts'\n")
    (work / "play.yml").write_text(
        "- hosts: frr\n  gather_facts: false\n  become: true\n  tasks:\n"
        "    - name: frr.conf\n      ansible.builtin.template:\n"
        "        src: files/{{ inventory_hostname }}.conf.j2\n        dest: /etc/frr/frr.conf\n")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1")
    # ansible's ssh connects from inside the lab's management namespace, as underlay does
    in_lab = ["ip", "netns", "exec", Path(state.mgmt_netns_path).name]
    return timed([*in_lab, shutil.which("ansible-playbook") or "ansible-playbook", "-i",
                  str(work / "hosts.ini"), str(work / "play.yml"), "--check", "--diff",
                  "--forks", str(workers)], env)


def median_of(repeat: int, run: Callable[[], tuple[float, int]]) -> tuple[float, int]:
    """(the median wall time of `repeat` runs, the last run's exit code)."""
    runs = [run() for _ in range(repeat)]
    return statistics.median(t for t, _ in runs), runs[-1][1]


def scenario(name: str, repo: Path, workers: int, converged: bool, repeat: int) -> list[str]:
    inventory = validate(repo).inventory
    state_dir = Path(tempfile.mkdtemp(prefix="underlay-bench-lab-")) / "state"
    nodes = len(inventory.devices) + len(inventory.servers)
    frr = sum(1 for d in inventory.devices.values() if d.platform == "frr")
    rows = []
    try:
        up = lab.up(lab.lab_spec(inventory, converged=converged).spec, state_dir, timeout=300)
        base = plan_argv(repo, state_dir, workers)
        _, _, peak = measured(base)
        all_s, code = median_of(repeat, lambda: timed(base))
        frr_s, _ = median_of(repeat, lambda: timed([*base, "--limit", "platform:frr"]))
        work = state_dir.parent / "ansible"
        ans_s, ans_code = median_of(repeat, lambda: ansible_check(repo, state_dir, workers, work))
        rows.append(
            f"| {name} | {nodes} ({frr} FRR) | {up.total_seconds:.1f} s | "
            f"{all_s:.1f} s ({nodes / all_s:.1f}/s, {peak:.0f} MiB) | "
            f"{frr_s:.1f} s ({frr / frr_s:.1f}/s) | {ans_s:.1f} s ({frr / ans_s:.1f}/s, exit "
            f"{ans_code}) | **{ans_s / frr_s:.1f}x** | plan exit {code} |"
        )
    finally:
        lab.down(state_dir)
    return rows


def plan_argv(repo: Path, state_dir: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "engine.cli", "--repo", str(repo), "plan",
            "--lab-state-dir", str(state_dir), "--workers", str(workers)]


def curve(sizes: list[int], workers: int) -> None:
    """`underlay plan` over generated fleets of growing size (one fifth FRR, the rest Linux)."""
    print("\n| nodes | FRR + Linux | lab up | underlay plan | devices/s | control peak memory |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            repo = fleet_inventory(Path(tmp), n)
            inventory = validate(repo).inventory
            routers = len(inventory.devices)
            state_dir = Path(tmp) / "state"
            try:
                spec = lab.lab_spec(inventory, converged=True).spec
                up = lab.up(spec, state_dir, timeout=600)
                seconds, code, peak = measured(plan_argv(repo, state_dir, workers))
                print(
                    f"| {n} | {routers} + {n - routers} | {up.total_seconds:.1f} s | "
                    f"{seconds:.1f} s (exit {code}) | {n / seconds:.1f} | {peak:.0f} MiB |",
                    flush=True,
                )
            finally:
                lab.down(state_dir)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--skip-sample", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (median)")
    parser.add_argument("--curve", default="50,100,200", help="fleet sizes; '' for none")
    args = parser.parse_args()
    if shutil.which("ansible-playbook") is None:
        print("ansible-playbook not found: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    compileall.compile_dir(Path(engine.__file__).parent, quiet=1)
    print(f"{os.cpu_count()} cores; workers/forks = {args.workers}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("| lab | nodes | lab up | underlay plan (all; peak memory) | underlay plan (FRR only) "
          "| ansible --check --diff (FRR frr.conf) | ansible / plan (FRR) | |")
    print("|---|---|---|---|---|---|---|---|")
    sample = ("sample (brownfield)", REPO, args.workers, False, args.repeat)
    rows = [] if args.skip_sample else scenario(*sample)
    for row in rows:
        print(row, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        repo = chain_inventory(Path(tmp), args.nodes)
        for row in scenario(f"chain of {args.nodes}", repo, args.workers, True, args.repeat):
            print(row, flush=True)
    if args.curve:
        curve([int(n) for n in args.curve.split(",")], args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
