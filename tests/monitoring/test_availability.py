"""SLA attainment in the report without a lab: a real Prometheus (Debian's) serving a known
history (backfilled with `promtool tsdb create-blocks-from openmetrics`), no Prometheus at
all, and a lab address while no lab is up (never tried)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.monitoring.api import Api, ApiError, Prometheus
from tests.conftest import REPO_ROOT
from tests.monitoring.test_generate import tool

MINUTE = 60
SAMPLES = 120  # two hours, one sample a minute
WEBSHOP_DOWN = range(50, 60)  # ten minutes: fra1-web01 down


def underlay(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", "--repo", str(repo), *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _history(now: int) -> str:
    """What the generated rules would have recorded: webshop down while fra1-web01 was."""
    lines = ["# TYPE underlay:service_up gauge"]
    times = [now - (SAMPLES - i) * MINUTE for i in range(SAMPLES)]
    for i, t in enumerate(times):
        up = int(i not in WEBSHOP_DOWN)
        lines += [f'underlay:service_up{{service="webshop",sla="gold"}} {up} {t}',
                  f'underlay:service_up{{service="erp",sla="silver"}} 1 {t}']  # fmt: skip
    lines.append("# TYPE underlay:target_up gauge")
    for i, t in enumerate(times):
        up = int(i not in WEBSHOP_DOWN)
        lines += [
            f'underlay:target_up{{name="fra1-web01",kind="server",services=",webshop,"}} {up} {t}',
            f'underlay:target_up{{name="fra1-db01",kind="server",services=",erp,webshop,"}} 1 {t}',
        ]
    return "\n".join([*lines, "# EOF"]) + "\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def prometheus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's Prometheus on 127.0.0.1 with the backfilled history; stopped by its pid."""
    promtool, binary = tool("promtool"), tool("prometheus")
    root = tmp_path_factory.mktemp("prometheus")
    (root / "history.om").write_text(_history(int(time.time())))
    subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics",
                    str(root / "history.om"), str(root / "data")], check=True,
                   capture_output=True)  # fmt: skip
    (root / "prometheus.yml").write_text("global:\n  evaluation_interval: 1m\n")
    url = f"http://127.0.0.1:{_free_port()}"
    proc = subprocess.Popen(
        [binary, f"--config.file={root / 'prometheus.yml'}",
         f"--storage.tsdb.path={root / 'data'}", f"--web.listen-address={url[7:]}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_ready(url)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            Prometheus(Api(url, timeout=1)).query("1")
            return
        except ApiError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _availability(repo: Path, *args: str) -> dict[str, Any]:
    done = underlay(repo, "report", "--format", "json", "--trend", "0", *args)
    assert done.returncode == 0, done.stderr
    availability: dict[str, Any] = json.loads(done.stdout)["availability"]
    return availability


def test_measured_availability_against_each_sla(sample_copy: Path, prometheus_url: str) -> None:
    availability = _availability(sample_copy, "--prometheus", prometheus_url, "--period", "1")
    assert availability["status"] == "measured", availability["message"]
    assert availability["message"].endswith("over 2h of the 1d period")
    services = {s["service"]: s for s in availability["services"]}
    webshop, erp = services["webshop"], services["erp"]
    assert webshop["measured_pct"] == pytest.approx(100 * 110 / 120)
    assert webshop["downtime_seconds"] == 600
    assert webshop["measured_seconds"] == 7200
    assert webshop["attained"] is False
    assert webshop["budget_left_pct"] == pytest.approx(100 * (1 - (100 * 10 / 120) / 0.01))
    assert webshop["culprits"] == [
        {"name": "fra1-web01", "kind": "server", "downtime_seconds": 600.0}
    ]
    assert (erp["measured_pct"], erp["attained"], erp["budget_left_pct"]) == (100, True, 100)
    assert erp["culprits"] == []
    assert services["backup"]["measured_pct"] is None  # no samples: not measured, not judged
    assert services["backup"]["attained"] is None


def test_every_view_shows_it(sample_copy: Path, prometheus_url: str) -> None:
    args = ("--prometheus", prometheus_url, "--period", "1", "--trend", "0")
    markdown = underlay(sample_copy, "report", "--format", "markdown", *args).stdout
    assert (
        "| webshop | gold (99.99%) | 91.667% | NOT attained | -83233.3% | fra1-web01 (server) 10m |"
        in markdown
    )
    html = underlay(sample_copy, "report", "--format", "html", *args).stdout
    assert '<section id="attainment">' in html and "NOT attained" in html
    metrics = underlay(sample_copy, "metrics", *args[:4]).stdout
    assert 'underlay_service_availability_ratio{service="erp",sla="silver"} 1.0' in metrics
    assert (
        'underlay_service_availability_objective_ratio{service="webshop",sla="gold"} 0.9999'
        in metrics
    )


def test_without_prometheus_the_report_says_so(sample_copy: Path) -> None:
    assert not (sample_copy / "underlay.yaml").exists()  # no settings: no Prometheus
    availability = _availability(sample_copy)
    assert availability["status"] == "not configured"
    assert availability["message"].startswith("no Prometheus is configured")
    assert availability["services"] == []


def test_a_lab_address_without_a_lab_is_never_tried(sample_copy: Path, tmp_path: Path) -> None:
    """The sample's Prometheus is on the lab's management network: with no lab up in the
    state dir, the report does not connect (lab traffic never leaves the machine)."""
    shutil.copy(REPO_ROOT / "underlay.yaml", sample_copy)
    availability = _availability(sample_copy, "--lab-state-dir", str(tmp_path / "no-lab"))
    assert availability["status"] == "unavailable"
    assert "is on the lab's management network and no lab is up" in availability["message"]


def test_a_url_with_credentials_is_refused(sample_copy: Path) -> None:
    done = underlay(sample_copy, "report", "--prometheus", "http://ops:hunter2@127.0.0.1:1")
    assert done.returncode == 2
    assert "must not carry a user or password" in done.stderr
    assert "hunter2" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
