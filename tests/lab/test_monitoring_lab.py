"""`underlay lab up --monitoring`: Debian's Prometheus, blackbox exporter and Alertmanager on
the lab's management network, node_exporter in the servers, running the generated
configuration. Real outages (a management link cut inside a node), real alerts, the report's
measured availability from that Prometheus, and an apply that silences the device it changes.

One lab for the module (converged, so a plan has exactly the change a test makes). The
intervals are the lab's (engine.monitoring.settings.LAB_TIMING: scrape and evaluate every 2 s,
down after 4 s), so every wait below is bounded by seconds, not minutes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from engine import lab
from engine.apply.model import Options
from engine.apply.run import apply_plan
from engine.apply.silence import Monitoring, silence, unsilence
from engine.monitoring.api import Alertmanager, Api, Prometheus
from engine.plan.run import run_plan
from engine.record import AuditStore, Outcome
from engine.validate import validate
from engine.views import plan as plan_views
from engine.views.audit import record_line
from tests.conftest import REPO_ROOT
from tests.lab.helpers import lab_inputs
from tests.lab.test_plan_lab import _git_copy

pytestmark = pytest.mark.lab

TUESDAY_NIGHT = datetime(2026, 6, 2, 21, 30, tzinfo=UTC)  # inside the sample's change window
TARGETS = 18 + 18 + 8 + 1  # ICMP and SSH of every node, node_exporter per server, one endpoint
BOUND = 30.0  # seconds: outage -> alert, repair -> resolved (measured: docs/monitoring.md)
SERVER = "fra1-web01"  # webshop's front end
LEAF = "fra1-leaf01"


def underlay(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", "--repo", str(repo), *args],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = _git_copy(tmp_path_factory.mktemp("monitoring"))
    (repo / ".gitignore").write_text(".underlay/\n")
    shutil.copy(REPO_ROOT / "underlay.yaml", repo)  # the monitoring settings
    _commit(repo, "ignore the engine's local state; the repository's settings")
    return repo


@pytest.fixture(scope="module")
def state_dir(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`underlay lab up --converged --monitoring`, through the command line."""
    if lab.preflight():
        pytest.skip("lab host not ready")  # the lab marker's hook already failed it in CI
    state_dir = tmp_path_factory.mktemp("monlab") / "state"
    try:
        done = underlay(repo, "lab", "up", "--converged", "--monitoring", "--state-dir",
                        str(state_dir))  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert "lab monitoring: Prometheus http://198.18.0.1:9090" in done.stdout
        yield state_dir
    finally:
        lab.down(state_dir)


def _commit(repo: Path, message: str) -> None:
    for args in (["add", "-A"], ["-c", "user.name=T", "-c", "user.email=t@example.com",
                                 "commit", "-qm", message]):  # fmt: skip
        subprocess.run(["git", *args], cwd=repo, check=True)


def _api(state_dir: Path, port: int) -> Api:
    netns = lab.read_state(lab.LabPaths(state_dir)).mgmt_netns_path
    return Api(f"http://198.18.0.1:{port}", netns=netns)


def prometheus(state_dir: Path) -> Prometheus:
    return Prometheus(_api(state_dir, 9090))


def alertmanager(state_dir: Path) -> Alertmanager:
    return Alertmanager(_api(state_dir, 9093))


def wait(what: str, check: Callable[[], bool], bound: float = BOUND) -> float:
    """Seconds until `check()` holds; fails the test after `bound`."""
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > bound:
            pytest.fail(f"{what}: not within {bound:g}s")
        time.sleep(0.25)
    return time.monotonic() - began


def firing(state_dir: Path, alert: str, name: str) -> bool:
    return any(
        a["labels"]["alertname"] == alert and a["labels"].get("name") == name
        and a["state"] == "firing"
        for a in prometheus(state_dir).alerts()
    )  # fmt: skip


def active(state_dir: Path, alert: str, name: str) -> bool:
    return any(
        a["labels"]["alertname"] == alert and a["labels"].get("name") == name
        for a in prometheus(state_dir).alerts()
    )


def mgmt_link(state_dir: Path, node: str, state: str) -> None:
    done = lab.node_exec(state_dir, node, ["ip", "link", "set", "mgmt0", state])
    assert done.returncode == 0, done.stderr


def test_every_target_is_up(state_dir: Path) -> None:
    def all_up() -> bool:
        targets = prometheus(state_dir).targets()
        healthy = len(targets) == TARGETS and all(t["health"] == "up" for t in targets)
        probes = prometheus(state_dir).query("probe_success == 0")
        return healthy and not probes

    wait("every target scraped and every probe succeeding", all_up)
    jobs = {t["labels"]["job"] for t in prometheus(state_dir).targets()}
    assert jobs == {"underlay-icmp", "underlay-ssh", "underlay-node", "underlay-http"}
    assert lab.status(state_dir).node("fra1-db01").daemons  # node_exporter among its daemons
    assert {"node_exporter"} <= {d.name for d in lab.status(state_dir).node("fra1-db01").daemons}


def test_the_lab_runs_exactly_the_generated_configuration(
    repo: Path, state_dir: Path, tmp_path: Path
) -> None:
    done = underlay(repo, "render", "--lab-monitoring", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    running = state_dir / "monitoring" / "config"
    rendered = {p.relative_to(tmp_path): p.read_text() for p in tmp_path.rglob("*") if p.is_file()}
    assert rendered == {p.relative_to(running): p.read_text() for p in rendered_paths(running)}


def rendered_paths(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


class TestOutage:
    """A server's management link cut: its down alert fires, reaches Alertmanager, resolves."""

    @pytest.fixture(scope="class")
    def figures(self, state_dir: Path) -> dict[str, float]:
        wait("the server up", lambda: not active(state_dir, "ServerDown", SERVER))
        began = time.monotonic()
        mgmt_link(state_dir, SERVER, "down")
        try:
            fired = wait(f"ServerDown {SERVER}", lambda: firing(state_dir, "ServerDown", SERVER))
            noticed = wait("Alertmanager has it", lambda: _in_alertmanager(state_dir, SERVER))
            outage = time.monotonic() - began
        finally:
            mgmt_link(state_dir, SERVER, "up")
        resolved = wait("resolved", lambda: not active(state_dir, "ServerDown", SERVER))
        figures = {"alert": fired, "alertmanager": fired + noticed, "outage": outage,
                   "resolved": resolved}  # fmt: skip
        print(
            f"\nmonitoring figures (s): {json.dumps({k: round(v, 1) for k, v in figures.items()})}"
        )
        return figures

    def test_the_down_alert_fires_within_seconds(self, figures: dict[str, float]) -> None:
        assert figures["alert"] < BOUND
        assert figures["alertmanager"] < BOUND

    def test_it_resolves_after_repair(self, figures: dict[str, float]) -> None:
        assert figures["resolved"] < BOUND

    def test_the_report_measures_the_outage(
        self, repo: Path, state_dir: Path, figures: dict[str, float]
    ) -> None:
        done = underlay(repo, "report", "--format", "json", "--trend", "0", "--period", "1",
                        "--lab-state-dir", str(state_dir))  # fmt: skip
        assert done.returncode == 0, done.stderr
        availability = json.loads(done.stdout)["availability"]
        assert availability["status"] == "measured", availability["message"]
        services = {s["service"]: s for s in availability["services"]}
        webshop = services["webshop"]
        assert webshop["target_pct"] == 99.99
        assert webshop["measured_pct"] < 100
        assert webshop["attained"] is False
        assert webshop["budget_left_pct"] < 0  # a gold SLA's budget is 0.01%: overspent
        culprit = {c["name"]: c for c in webshop["culprits"]}[SERVER]
        assert culprit["kind"] == "server"
        assert culprit["downtime_seconds"] >= figures["outage"] - 6  # two scrapes of slack
        assert SERVER not in {c["name"] for c in services["erp"]["culprits"]}  # not erp's

    def test_metrics_carry_it_too(
        self, repo: Path, state_dir: Path, figures: dict[str, float]
    ) -> None:
        done = underlay(repo, "metrics", "--period", "1", "--lab-state-dir", str(state_dir))
        assert done.returncode == 0, done.stderr
        assert "underlay_availability_measured 1.0" in done.stdout
        assert (
            'underlay_service_availability_objective_ratio{service="webshop",sla="gold"} 0.9999'
            in done.stdout
        )


def _in_alertmanager(state_dir: Path, name: str) -> bool:
    return any(a["labels"].get("name") == name for a in alertmanager(state_dir).alerts())


def test_a_silence_of_the_run_suppresses_the_devices_alert(state_dir: Path) -> None:
    """The matchers apply writes, on a real alert: the device's page is suppressed."""
    monitoring = Monitoring(alertmanager(state_dir))
    marking = silence(monitoring, [LEAF], "apply-test", minutes=1)
    assert marking.how == "silence", marking.note
    mgmt_link(state_dir, LEAF, "down")
    try:
        wait(f"DeviceDown {LEAF}", lambda: firing(state_dir, "DeviceDown", LEAF))
        wait("suppressed", lambda: _suppressed_by(state_dir, LEAF) == [marking.id])
    finally:
        mgmt_link(state_dir, LEAF, "up")
    assert unsilence(monitoring, marking).note == "expired when the run ended"
    wait("resolved", lambda: not active(state_dir, "DeviceDown", LEAF))


def _suppressed_by(state_dir: Path, name: str) -> list[str] | None:
    for a in alertmanager(state_dir).alerts():
        if a["labels"].get("name") == name and a["labels"]["alertname"] == "DeviceDown":
            return list(a["status"]["silencedBy"])
    return None


def test_apply_silences_the_device_it_changes_and_records_it(repo: Path, state_dir: Path) -> None:
    path = repo / f"inventory/devices/{LEAF}.yaml"
    path.write_text(
        path.read_text().replace('"to fra1-spine01:eth1"', '"uplink to fra1-spine01"', 1)
    )
    _commit(repo, "describe the uplink")
    inventory = validate(repo).inventory
    plan = run_plan(repo, inventory, *lab_inputs(repo, inventory, state_dir))
    plan_file = repo.parent / "plan.json"
    plan_file.write_text(plan_views.json_view(plan))
    options = Options(timeout=5, confirm_timeout=30, monitoring=Monitoring(alertmanager(state_dir)))
    intended, store = lab_inputs(repo, inventory, state_dir)
    report = apply_plan(repo, inventory, plan_file, options, intended, store, now=TUESDAY_NIGHT)
    assert report.device(LEAF).outcome is Outcome.CONFIRMED, report
    marking = report.monitoring
    assert marking is not None and marking.how == "silence"
    assert marking.devices == (LEAF,)
    assert marking.note == "expired when the run ended"
    silences = {s["id"]: s for s in alertmanager(state_dir).silences()}
    assert silences[marking.id]["status"]["state"] == "expired"
    assert silences[marking.id]["matchers"][0] == {
        "name": "name", "value": LEAF, "isRegex": True, "isEqual": True
    }  # fmt: skip
    started, finished = [r for r in AuditStore(repo).records() if r.run == report.run]
    assert started.monitoring is not None and started.monitoring.id == marking.id
    assert finished.monitoring == marking
    assert f"silenced in http://198.18.0.1:9093: {LEAF}" in record_line(finished)  # audit log


def test_lab_down_stops_every_monitoring_process(state_dir: Path) -> None:
    state = lab.read_state(lab.LabPaths(state_dir))
    pids: list[Any] = [*state.monitoring.values()]
    pids += [n.pids["node_exporter"] for n in state.nodes if n.kind == "linux"]
    assert len(pids) == 3 + 8
    report = lab.down(state_dir)
    assert not report.leftovers
    assert set(pids) <= set(report.stopped) | set(report.killed)
    assert not [p for p in pids if Path(f"/proc/{p}").exists() and not _zombie(p)]


def _zombie(pid: int) -> bool:
    try:
        return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
