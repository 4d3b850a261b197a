"""Debian's Prometheus, blackbox exporter and Alertmanager on a running lab's management
network, and node_exporter in every server node: the lab watched as a real network would be.

The configuration comes from outside (the CLI renders it with engine.monitoring: the lab knows
nothing of how), written as-is under <state_dir>/monitoring/config/. The daemons run inside
the lab's management namespace (Prometheus and Alertmanager on the bridge address, the
blackbox exporter on its loopback), so they reach the nodes' management addresses and nothing
else; node_exporter listens on its node's management address only. Their pids are recorded in
state.json; `down()` stops them with the rest (every process in the lab's namespaces).

    started = start(state_dir, files, Listen("198.18.0.1:9090", "198.18.0.1:9093"))
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from engine import netns
from engine.lab.errors import LabBuildError, LabError, PreflightError
from engine.lab.node import node_argv
from engine.lab.procs import runs_in
from engine.lab.state import LabPaths, LabState, read_state, write_state

# Debian package -> the program the lab runs from it
PROGRAMS = {
    "prometheus": "prometheus",
    "prometheus-blackbox-exporter": "prometheus-blackbox-exporter",
    "prometheus-alertmanager": "prometheus-alertmanager",
    "prometheus-node-exporter": "prometheus-node-exporter",
}
NODE_EXPORTER = "node_exporter"  # its name among a server node's daemons
READY_SECONDS = 20.0


@dataclass(frozen=True)
class Listen:
    """Where the daemons listen inside the management namespace (host:port)."""

    prometheus: str
    alertmanager: str | None = None
    blackbox: str = "127.0.0.1:9115"
    node_exporter_port: int = 9100


@dataclass(frozen=True)
class MonitoringReport:
    """Example: MonitoringReport(prometheus="198.18.0.1:9090", alertmanager="198.18.0.1:9093",
    daemons={"prometheus": 4711, "blackbox": 4712, "alertmanager": 4713},
    node_exporters={"fra1-db01": 4720}, config="/var/lib/underlay-lab/monitoring/config",
    seconds=1.2)"""

    prometheus: str
    alertmanager: str | None
    daemons: dict[str, int]
    node_exporters: dict[str, int]
    config: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def start(state_dir: Path | str, files: Mapping[str, str], listen: Listen) -> MonitoringReport:
    """Start the monitoring of the running lab in `state_dir` with exactly `files` (relative
    path -> content, prometheus.yml among them); LabError if it runs already or fails."""
    began = time.monotonic()
    paths = LabPaths(Path(state_dir))
    state = read_state(paths)
    if state.monitoring:
        raise LabError(f"{paths.root}: the lab's monitoring runs already (`lab down` stops it)")
    missing = [pkg for pkg, program in PROGRAMS.items() if shutil.which(program) is None]
    if missing:
        fix = f"apt-get install -y --no-install-recommends {' '.join(missing)}"
        raise PreflightError([f"missing Debian packages for the lab's monitoring: {fix}"])
    config = paths.monitoring / "config"
    _write(config, files)
    daemons: dict[str, int] = {}
    try:
        for name, argv in _mgmt_daemons(paths, config, listen).items():
            inside = ["nsenter", f"--net={paths.mgmt_netns_path}", "--", *argv]
            daemons[name] = _spawn(paths, name, inside)
            state = replace(state, monitoring=dict(daemons))
            write_state(paths, state)  # at once: down() stops what is recorded
        exporters = _node_exporters(paths, state, listen.node_exporter_port)
        for name, pid in exporters.items():
            record = state.node(name)
            state = state.with_node(replace(record, pids={**record.pids, NODE_EXPORTER: pid}))
        write_state(paths, state)
        _wait_ready(paths, state, listen)
    except (OSError, subprocess.SubprocessError) as exc:
        raise LabBuildError(f"starting the lab's monitoring: {exc}") from exc
    return MonitoringReport(
        prometheus=listen.prometheus,
        alertmanager=listen.alertmanager,
        daemons=daemons,
        node_exporters=exporters,
        config=str(config),
        seconds=round(time.monotonic() - began, 3),
    )


def running(state: LabState) -> dict[str, bool]:
    """Each monitoring daemon of the management namespace: is it still running?"""
    ns = _mgmt_ns(LabPaths(Path(state.state_dir)))
    return {name: runs_in(pid, ns) for name, pid in state.monitoring.items()}


def _write(config: Path, files: Mapping[str, str]) -> None:
    for rel, content in files.items():
        target = config / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            raise LabError(f"monitoring file {rel!r}: must be a relative path without '..'")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


def _mgmt_daemons(paths: LabPaths, config: Path, listen: Listen) -> dict[str, list[str]]:
    data = paths.monitoring / "data"
    daemons = {
        "blackbox": [
            "prometheus-blackbox-exporter",
            f"--config.file={config / 'blackbox.yml'}",
            f"--web.listen-address={listen.blackbox}",
        ],
        "prometheus": [
            "prometheus",
            f"--config.file={config / 'prometheus.yml'}",
            f"--storage.tsdb.path={data / 'prometheus'}",
            f"--web.listen-address={listen.prometheus}",
        ],
    }
    if listen.alertmanager is not None:
        daemons["alertmanager"] = [
            "prometheus-alertmanager",
            f"--config.file={config / 'alertmanager.yml'}",
            f"--storage.path={data / 'alertmanager'}",
            f"--web.listen-address={listen.alertmanager}",
            "--cluster.listen-address=",  # one instance: no gossip port
        ]
    return daemons


def _node_exporters(paths: LabPaths, state: LabState, port: int) -> dict[str, int]:
    exporters = {}
    for node in state.nodes:
        if node.kind == "linux":
            argv = ["prometheus-node-exporter", f"--web.listen-address={node.mgmt_ip}:{port}"]
            name = f"{NODE_EXPORTER}-{node.name}"
            exporters[node.name] = _spawn(paths, name, node_argv(paths, node.name, argv))
    return exporters


def _spawn(paths: LabPaths, name: str, argv: list[str]) -> int:
    """Start a daemon that stays in the foreground (nsenter execs it: the pid is the daemon's),
    its output in <state_dir>/monitoring/log/NAME.log."""
    logs = paths.monitoring / "log"
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / f"{name}.log").open("ab") as log:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )
    return proc.pid


def _wait_ready(paths: LabPaths, state: LabState, listen: Listen) -> None:
    """Every daemon accepts connections on its address (from inside the namespace)."""
    ports = [listen.prometheus, listen.blackbox]
    ports += [listen.alertmanager] if listen.alertmanager else []
    ports += [f"{n.mgmt_ip}:{listen.node_exporter_port}" for n in state.nodes if n.kind == "linux"]
    deadline = time.monotonic() + READY_SECONDS
    waiting = list(ports)
    while waiting:
        waiting = [p for p in waiting if not _accepts(paths, p)]
        dead = [n for n, up in running(read_state(paths)).items() if not up]
        if dead:
            raise LabBuildError(f"{', '.join(dead)} exited; see {paths.monitoring / 'log'}")
        if waiting and time.monotonic() > deadline:
            raise LabBuildError(
                f"no answer on {', '.join(waiting)} within {READY_SECONDS:g}s; "
                f"see {paths.monitoring / 'log'}"
            )
        if waiting:
            time.sleep(0.1)


def _accepts(paths: LabPaths, address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        netns.connect(str(paths.mgmt_netns_path), host, int(port), timeout=1).close()
    except OSError:
        return False
    return True


def _mgmt_ns(paths: LabPaths) -> set[tuple[int, int]]:
    try:
        st = paths.mgmt_netns_path.stat()
    except OSError:
        return set()
    return {(st.st_dev, st.st_ino)}
