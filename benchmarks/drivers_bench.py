"""Driver operation times and collection over the sample lab (workers=1 vs 20). Needs root.

usage: python3 benchmarks/drivers_bench.py [--repeat 3] [--plan-repeat 20]
Builds the converged sample lab in a temporary state dir and always takes it down.

Per device for `plan` (issue 13's bounds: device CPU <= 0.15 s, control CPU <= 50 ms, <= 2 SSH
channels), measured over --plan-repeat rounds of what collect does for one device (open,
`extensions.snapshot` of the rendered candidate with the platform's getters, close), and, for
comparison, the same values read the napalm way (each getter, load, compare, discard: one
channel a call):
- device CPU: everything the node spent - its sshd (the connection's process and every
  command under it, reaped into the listener's children times) and its daemons (FRR's, lldpd),
  from /proc/<pid>/stat before and after - less what the node spends idle over as long (BGP
  keepalives, LLDP);
- control CPU: this process's CPU time (paramiko's crypto, parsing, the diff);
- channels: the commands run over the session (one exec channel each).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from engine import lab
from engine.cli.lab_plug import credential_store
from engine.collect import GETTERS, collect
from engine.drivers import UnderlayDriver, bundle, get_driver
from engine.drivers.ssh import Completed, Session
from engine.render import render, render_intended
from engine.validate import validate

REPO = Path(__file__).resolve().parent.parent
NODES = {"frr": "fra1-leaf04", "linux": "fra1-hv01"}


def timed(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.monotonic()
        fn()
        runs.append(time.monotonic() - started)
    return statistics.median(runs)


def lab_driver(state: lab.LabState, platform: str) -> UnderlayDriver:
    """A driver (not yet open) for the platform's benchmark node, as the CLI makes it."""
    args = {
        "key_file": state.private_key,
        "netns": state.mgmt_netns_path,
        "known_hosts": state.known_hosts,
    }
    driver: UnderlayDriver = get_driver(platform)(
        state.node(NODES[platform]).mgmt_ip, state.user, "", 10, args
    )
    return driver


def driver_times(state: lab.LabState, inventory: object, platform: str, repeat: int) -> None:
    name = NODES[platform]
    driver = lab_driver(state, platform)
    print(f"{platform} ({name}): open {timed(driver.open, 1) * 1000:.0f} ms")
    getters = [
        "get_facts",
        "get_interfaces",
        "get_interfaces_ip",
        "get_lldp_neighbors",
        "get_ntp_servers",
        "get_config",
    ]
    getters += ["get_bgp_neighbors"] if platform == "frr" else ["get_users"]
    for getter in getters:
        print(f"  {getter}: {timed(getattr(driver, getter), repeat) * 1000:.0f} ms")
    if platform == "linux":
        packages = timed(driver.extensions.packages, repeat)
        print(f"  extensions.packages: {packages * 1000:.0f} ms")
    files = render(inventory, name).artifacts()  # type: ignore[arg-type]
    files["/etc/issue.net"] = "benchmark\n"
    text = bundle.encode(files)

    def compare() -> None:
        driver.load_replace_candidate(config=text)
        driver.compare_config()

    print(f"  load + compare_config: {timed(compare, repeat) * 1000:.0f} ms")
    print(f"  commit_config: {timed(driver.commit_config, 1) * 1000:.0f} ms")
    print(f"  rollback: {timed(driver.rollback, 1) * 1000:.0f} ms")
    driver.load_replace_candidate(config=text)
    armed = timed(lambda: driver.commit_config(revert_in=60), 1)
    print(f"  commit_config(revert_in=60): {armed * 1000:.0f} ms")
    print(f"  confirm_commit: {timed(driver.confirm_commit, 1) * 1000:.0f} ms")
    driver.rollback()
    driver.close()


def node_cpu(state: lab.LabState, name: str) -> float:
    """Seconds of CPU the node's processes used so far, their reaped children included."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in state.node(name).pids.values():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / ticks


def count_commands(session: Session, seen: list[str]) -> None:
    """Each command the session runs (one exec channel each) lands in `seen`."""
    run = session.run

    def counted(command: str, *, stdin: str | None = None) -> Completed:
        seen.append(command)
        return run(command, stdin=stdin)

    session.run = counted  # type: ignore[method-assign]


def plan_costs(state: lab.LabState, inventory: object, platform: str, rounds: int) -> None:
    name = NODES[platform]
    text = bundle.encode(render(inventory, name).artifacts())  # type: ignore[arg-type]
    getters = GETTERS[platform]

    def one_round_trip(driver: UnderlayDriver) -> None:
        driver.extensions.snapshot(text, getters)

    def napalm_way(driver: UnderlayDriver) -> None:
        driver.has_pending_commit()
        driver.load_replace_candidate(config=text)
        driver.compare_config()
        driver.extensions.running_artifacts()
        driver.discard_config()
        for getter in getters:
            if getter == "config":
                driver.get_config(retrieve="running")
            else:
                getattr(driver, f"get_{getter}")()

    for label, work in (("one round trip", one_round_trip), ("napalm getters", napalm_way)):
        channels: list[str] = []
        device_before, control_before = node_cpu(state, name), time.process_time()
        started = time.monotonic()
        for _ in range(rounds):
            driver = lab_driver(state, platform)
            driver.open()
            count_commands(driver._live(), channels)
            work(driver)
            driver.close()
        wall = time.monotonic() - started
        control = time.process_time() - control_before
        time.sleep(0.5)  # the connections' sshd processes are reaped
        device = node_cpu(state, name) - device_before
        idle_before = node_cpu(state, name)  # the daemons' own work (keepalives, LLDP) ...
        time.sleep(wall + 0.5)
        device -= node_cpu(state, name) - idle_before  # ... over as long is not the plan's
        print(
            f"plan, {platform} ({name}), {label}: per device {wall / rounds * 1000:.0f} ms wall, "
            f"device CPU {device / rounds * 1000:.0f} ms, control CPU "
            f"{control / rounds * 1000:.0f} ms, {len(channels) / rounds:.0f} SSH channels"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--plan-repeat", type=int, default=20)
    options = parser.parse_args()
    repeat = options.repeat
    inventory = validate(REPO).inventory
    state_dir = Path(tempfile.mkdtemp()) / "state"
    try:
        lab.up(lab.lab_spec(inventory, converged=True).spec, state_dir, timeout=60)
        state = lab.read_state(lab.LabPaths(state_dir))
        for platform in NODES:
            plan_costs(state, inventory, platform, options.plan_repeat)
        for platform in NODES:
            driver_times(state, inventory, platform, repeat)
        names = [*inventory.devices, *inventory.servers]
        nodes = len(names)
        intended = render_intended(inventory, names)
        store = credential_store(REPO, inventory, state_dir)
        for workers in (1, 20):
            seconds = timed(
                lambda w=workers: collect(inventory, names, intended, store, workers=w), repeat
            )
            print(
                f"collect {nodes} nodes, workers={workers}: {seconds:.2f} s "
                f"({nodes / seconds:.1f} devices/s)"
            )
    finally:
        lab.down(state_dir)


if __name__ == "__main__":
    main()
