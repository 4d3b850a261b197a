"""Driver operation times and collection over the sample lab (workers=1 vs 20). Needs root.

usage: python3 benchmarks/drivers_bench.py [--repeat 3]
Builds the converged sample lab in a temporary state dir and always takes it down.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from engine import lab
from engine.cli.lab_plug import credential_store
from engine.collect import collect
from engine.drivers import bundle, get_driver
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


def driver_times(state: lab.LabState, inventory: object, platform: str, repeat: int) -> None:
    name = NODES[platform]
    cls = get_driver(platform)
    args = {"key_file": state.private_key, "netns": state.mgmt_netns_path}
    driver = cls(state.node(name).mgmt_ip, state.user, "", 10, args)
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    inventory = validate(REPO).inventory
    state_dir = Path(tempfile.mkdtemp()) / "state"
    try:
        lab.up(lab.lab_spec(inventory, converged=True).spec, state_dir, timeout=60)
        state = lab.read_state(lab.LabPaths(state_dir))
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
