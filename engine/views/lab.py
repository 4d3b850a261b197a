"""Render lab results: what `lab up` built, what `lab status` sees, what `lab down` removed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.lab import DownReport, LabBuild, LabReport, LabState, LabStatus, MonitoringReport
from engine.lab.status import NodeStatus


def up_text(build: LabBuild, report: LabReport, state: LabState) -> str:
    mode = (
        f"brownfield: {len(build.differences)} deliberate differences (docs/lab.md); "
        "`underlay lab up --converged` starts without them"
        if build.differences
        else "converged: every node runs its intended configuration"
    )
    lines = [
        f"lab up: {len(report.nodes)} nodes, {report.links} links, {mode}",
        f"  converged in {report.total_seconds:.1f}s (build {report.build_seconds:.1f}s, "
        f"daemons {report.start_seconds:.1f}s, BGP/LLDP {report.converge_seconds:.1f}s)",
        *(f"  difference {d.id}: {d.device}: {d.what}" for d in build.differences),
        *(f"  skipped {line}" for line in build.skipped),
        f"  state: {report.state_dir}",
        f"  login: ip netns exec {Path(state.mgmt_netns_path).name} "
        f"ssh -o UserKnownHostsFile={state.known_hosts} -i {state.private_key} "
        f"{state.user}@<mgmt address>",
    ]
    return "\n".join(lines) + "\n"


def up_json(build: LabBuild, report: LabReport) -> str:
    differences = [
        {"id": d.id, "device": d.device, "what": d.what, "why": d.why} for d in build.differences
    ]
    data = report.to_dict() | {"skipped": list(build.skipped), "differences": differences}
    return json.dumps(data, indent=1) + "\n"


def status_text(status: LabStatus) -> str:
    lines = [f"lab {status.state_dir}: {len(status.nodes)} nodes" + _incomplete(status)]
    for node in status.nodes:
        lines += _node_lines(node)
    if status.monitoring:
        down = [d.name for d in status.monitoring if not d.running]
        state = "all running" if not down else f"NOT running: {', '.join(down)}"
        names = ", ".join(d.name for d in status.monitoring)
        lines.append(f"  monitoring ({names}): {state}")
    return "\n".join(lines) + "\n"


def monitoring_text(report: MonitoringReport) -> str:
    am = f", Alertmanager http://{report.alertmanager}" if report.alertmanager else ""
    lines = [
        f"lab monitoring: Prometheus http://{report.prometheus}{am}, blackbox exporter, "
        f"node_exporter in {len(report.node_exporters)} servers, up in {report.seconds:.1f}s",
        f"  configuration: {report.config} (underlay render --lab-monitoring)",
    ]
    return "\n".join(lines) + "\n"


def status_json(status: LabStatus) -> str:
    data: dict[str, Any] = status.to_dict()
    return json.dumps(data, indent=1) + "\n"


def down_text(report: DownReport) -> str:
    if not report.nodes and not report.stopped:
        return f"lab down: nothing to remove in {report.state_dir}\n"
    lines = [
        f"lab down: removed {len(report.nodes)} nodes, stopped "
        f"{len(report.stopped) + len(report.killed)} processes in {report.seconds:.1f}s",
        *(f"  left behind: {item}" for item in report.leftovers),
    ]
    return "\n".join(lines) + "\n"


def _incomplete(status: LabStatus) -> str:
    return "" if status.complete else " (half-built: `underlay lab down` cleans it)"


def _node_lines(node: NodeStatus) -> list[str]:
    down = [d.name for d in node.daemons if not d.running]
    daemons = "all daemons running" if not down else f"NOT running: {', '.join(down)}"
    established = sum(s.state == "Established" for s in node.bgp)
    bgp = f", BGP {established}/{len(node.bgp)} Established" if node.kind == "frr" else ""
    lines = [f"{node.name} ({node.kind}, {node.mgmt_address}): {daemons}{bgp}"]
    lines += [
        f"  bgp {s.peer} AS{s.remote_as} {s.state}, {s.prefixes_received} prefixes"
        for s in node.bgp
        if s.state != "Established"
    ]
    lines += [f"  lldp {n.port} -> {n.neighbour}:{n.neighbour_port}" for n in node.lldp]
    return lines
