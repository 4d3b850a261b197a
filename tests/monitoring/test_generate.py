"""The generated Prometheus configuration of the sample organisation: what it watches, and
that Debian's own tools accept it (promtool check config / check rules / test rules, the
blackbox exporter's and Alertmanager's config checks)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.execute.settings import load
from engine.monitoring.generate import generate
from engine.monitoring.settings import MonitoringSettings, for_lab
from engine.validate import validate
from tests.conftest import REPO_ROOT

HERE = Path(__file__).parent


def tool(name: str) -> str:
    """Debian's prometheus packages: CI installs them (.ci/install), so there a missing tool
    fails the test instead of skipping it."""
    found = shutil.which(name)
    if found is None:
        reason = f"{name} not installed (apt-get install prometheus prometheus-blackbox-exporter)"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`underlay render --monitoring --out DIR` of the sample, through the command line."""
    out = tmp_path_factory.mktemp("monitoring")
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli", "--repo", str(REPO_ROOT), "render", "--monitoring",
         "--out", str(out)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


def targets(rendered: Path, job: str) -> dict[str, dict[str, str]]:
    groups = json.loads((rendered / "targets" / f"{job}.json").read_text())
    return {g["labels"]["name"]: {"target": g["targets"][0], **g["labels"]} for g in groups}


def test_every_device_and_server_is_probed(rendered: Path) -> None:
    inventory = validate(REPO_ROOT).inventory
    nodes = {**inventory.devices, **inventory.servers}
    icmp, ssh, node = (targets(rendered, job) for job in ("icmp", "ssh", "node"))
    assert set(icmp) == set(ssh) == set(nodes)
    assert set(node) == set(inventory.servers)
    for name, found in ssh.items():
        management = nodes[name].management
        assert found["target"] == f"{management.address}:{management.port}"
        assert icmp[name]["target"] == str(management.address)
    assert node["fra1-db01"]["target"] == "198.18.0.103:9100"


def test_labels_come_from_the_inventory(rendered: Path) -> None:
    icmp = targets(rendered, "icmp")
    assert icmp["fra1-db01"] == {
        "target": "198.18.0.103",
        "name": "fra1-db01",
        "kind": "server",
        "site": "fra1",
        "role": "database",
        "platform": "linux",
        "services": ",disaster-recovery,erp,webshop,",
        "slas": ",gold,silver,",
    }
    assert icmp["fra1-leaf04"]["services"] == ",backup,"
    assert icmp["fra2-edge01"]["role"] == "wan-edge"


def test_service_endpoints_are_probed(rendered: Path) -> None:
    http = targets(rendered, "http")
    assert http == {
        "http://198.18.0.106:9100/metrics": {
            "target": "http://198.18.0.106:9100/metrics",
            "name": "http://198.18.0.106:9100/metrics",
            "kind": "endpoint",
            "site": "",
            "role": "endpoint",
            "platform": "",
            "services": ",monitoring,",
            "slas": ",silver,",
        }
    }


def test_every_service_has_its_sli_and_burn_rate_alerts(rendered: Path) -> None:
    rules = (rendered / "rules" / "underlay.yml").read_text()
    for service, sla in (("webshop", "gold"), ("erp", "silver"), ("backup", "bronze")):
        assert f'min(underlay:target_up{{services=~".*,{service},.*"}})' in rules
        assert f"service: {service}\n      sla: {sla}" in rules
    # gold: 99.99% -> a budget of 0.0001; 14.4x and 6x page, 3x and 1x ticket
    assert (
        '(underlay:service_error_ratio:1h{service="webshop"} > 0.00144 and '
        'underlay:service_error_ratio:5m{service="webshop"} > 0.00144) or '
        '(underlay:service_error_ratio:6h{service="webshop"} > 0.0006 and '
        'underlay:service_error_ratio:30m{service="webshop"} > 0.0006)'
    ) in rules


def test_settings_shape_the_configuration(rendered: Path) -> None:
    config = (rendered / "prometheus.yml").read_text()
    assert "scrape_interval: 15s" in config
    assert "- 198.18.0.1:9093" in config  # the repository's Alertmanager
    assert "replacement: 127.0.0.1:9115" in config  # the blackbox exporter
    settings = load(REPO_ROOT).settings
    assert settings is not None
    lab = generate(validate(REPO_ROOT).inventory, for_lab(settings.monitoring))
    assert "scrape_interval: 2s" in lab["prometheus.yml"]
    assert "for: 4s" in lab["rules/underlay.yml"]


def test_the_same_inventory_gives_the_same_files() -> None:
    inventory = validate(REPO_ROOT).inventory
    assert generate(inventory, MonitoringSettings()) == generate(inventory, MonitoringSettings())


def test_no_secret_in_the_generated_files(rendered: Path) -> None:
    text = "".join(p.read_text() for p in rendered.rglob("*") if p.is_file())
    for secret in ("labpass", "password", "community", "BEGIN OPENSSH"):
        assert secret not in text


def test_promtool_accepts_config_and_rules(rendered: Path) -> None:
    promtool = tool("promtool")
    for args in (["check", "config", "prometheus.yml"], ["check", "rules", "rules/underlay.yml"]):
        done = subprocess.run(
            [promtool, *args], cwd=rendered, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_burn_rate_alerts_fire_and_resolve_as_the_sre_workbook_says(
    rendered: Path, tmp_path: Path
) -> None:
    """promtool feeds probe results to the generated rules: see burn_rate.test.yml."""
    promtool = tool("promtool")
    shutil.copytree(rendered / "rules", tmp_path / "rules")
    shutil.copy(HERE / "burn_rate.test.yml", tmp_path)
    done = subprocess.run(
        [promtool, "test", "rules", "burn_rate.test.yml"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_blackbox_and_alertmanager_accept_theirs(rendered: Path) -> None:
    blackbox = tool("prometheus-blackbox-exporter")
    amtool = tool("amtool")
    for argv in (
        [blackbox, "--config.file", "blackbox.yml", "--config.check"],
        [amtool, "check-config", "alertmanager.yml"],
    ):
        done = subprocess.run(argv, cwd=rendered, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "monitoring:\n  prometheus:\n    url: http://admin:secret@198.18.0.1:9090\n",
            "underlay.yaml:3:10: error[S201]: monitoring.prometheus.url: a URL in the "
            "repository must not carry a user or password",
        ),
        ("monitoring:\n  scrape_interval: soon\n", "underlay.yaml:2:20: error[S201]"),
        ("monitoring:\n  down_for: 1m\n  bogus: 1\n", "underlay.yaml:3:3: error[S202]"),
    ],
)
def test_bad_settings_are_reported_at_their_place(
    sample_copy: Path, content: str, expected: str
) -> None:
    (sample_copy / "underlay.yaml").write_text(content)
    for command in (["render", "--monitoring"], ["report", "--format", "json"]):
        done = subprocess.run(
            [sys.executable, "-m", "engine.cli", "--repo", str(sample_copy), *command],
            capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        assert done.returncode == 1, done.stdout + done.stderr
        assert expected in done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert "secret" not in done.stdout + done.stderr
