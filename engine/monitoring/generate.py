"""The inventory -> Prometheus: scrape configuration, file-based targets, blackbox modules,
alerting and recording rules, an Alertmanager starting point. Pure: the same inventory and
settings give the same files, byte for byte.

    files = generate(inventory, settings)   # {"prometheus.yml": "...", "targets/icmp.json": ...}

What each file holds (docs/monitoring.md):
- targets/*.json (file_sd): every device's and server's management address (ICMP and SSH
  probes), every server's node_exporter, every service endpoint (HTTP or TCP probes); labels
  name, kind, site, role, platform, services and slas from the inventory;
- rules/underlay.yml: `underlay:target_up` per device, server and endpoint; the down alerts;
  per business service its availability SLI `underlay:service_up`, error ratios over the SRE
  workbook's windows and multi-window multi-burn-rate alerts on its SLA's error budget.
No credentials: probes open connections, they never log in.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ruamel.yaml import YAML

from engine.model.inventory import Device, Server, Service
from engine.model.layout import Inventory
from engine.monitoring.settings import MonitoringSettings

PROMETHEUS_FILE = "prometheus.yml"
BLACKBOX_FILE = "blackbox.yml"
ALERTMANAGER_FILE = "alertmanager.yml"
RULES_FILE = "rules/underlay.yml"
JOB_PREFIX = "underlay-"
PROBE_JOBS = ("icmp", "ssh", "http", "tcp")  # blackbox exporter modules, one job each


@dataclass(frozen=True)
class BurnRate:
    """One window pair of the SRE workbook's multi-window, multi-burn-rate alerts: the error
    ratio over both windows above `factor` times the error budget. Example: 1h and 5m at
    14.4 spend 2% of a 30-day budget in an hour."""

    long: str
    short: str
    factor: float
    severity: str


BURN_RATES = (
    BurnRate("1h", "5m", 14.4, "page"),
    BurnRate("6h", "30m", 6, "page"),
    BurnRate("1d", "2h", 3, "ticket"),
    BurnRate("3d", "6h", 1, "ticket"),
)
ERROR_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
SEVERITY_ALERTS = {"page": "ServiceErrorBudgetBurnFast", "ticket": "ServiceErrorBudgetBurnSlow"}
DOWN_ALERTS = {"device": "DeviceDown", "server": "ServerDown", "endpoint": "ServiceEndpointDown"}


def generate(inventory: Inventory, settings: MonitoringSettings) -> dict[str, str]:
    """Every file of the monitoring configuration, by path relative to prometheus.yml."""
    targets = _targets(inventory, settings)
    files = {f"targets/{job}.json": _json(groups) for job, groups in targets.items()}
    files[PROMETHEUS_FILE] = _yaml(_prometheus(settings, targets))
    files[BLACKBOX_FILE] = _yaml(BLACKBOX_MODULES)
    files[RULES_FILE] = _yaml(_rules(inventory, settings))
    files[ALERTMANAGER_FILE] = _yaml(ALERTMANAGER)
    return dict(sorted(files.items()))


def service_selector(service: str) -> str:
    """The label matcher of every target a service depends on (their `services` label)."""
    return f'services=~".*,{service},.*"'


# ---------- targets ----------------------------------------------------------------------


def _services_of(inventory: Inventory) -> dict[str, list[str]]:
    """Device or server name -> the services that depend on it."""
    found: dict[str, list[str]] = {}
    for name, service in sorted(inventory.services.items()):
        for dep in [*service.depends_on.devices, *service.depends_on.servers]:
            found.setdefault(dep, []).append(name)
    return found


def _labels(
    inventory: Inventory, node: Device | Server, kind: str, services: list[str]
) -> dict[str, str]:
    slas = sorted({inventory.services[s].sla for s in services})
    return {
        "name": node.name,
        "kind": kind,
        "site": node.site,
        "role": str(node.role),
        "platform": str(node.platform),
        "services": _joined(services),
        "slas": _joined(slas),
    }


def _joined(names: list[str]) -> str:
    """ ",a,b,": every name between commas, so `=~".*,a,.*"` matches exactly one name."""
    return f",{','.join(names)}," if names else ""


Group = dict[str, Any]  # a file_sd target group: {"targets": [...], "labels": {...}}


def _targets(inventory: Inventory, settings: MonitoringSettings) -> dict[str, list[Group]]:
    uses = _services_of(inventory)
    jobs: dict[str, list[Group]] = {job: [] for job in (*PROBE_JOBS, "node")}
    nodes: list[tuple[str, Device | Server]] = [
        *(("device", d) for d in inventory.devices.values()),
        *(("server", s) for s in inventory.servers.values()),
    ]
    for kind, node in sorted(nodes, key=lambda kn: kn[1].name):
        labels = _labels(inventory, node, kind, uses.get(node.name, []))
        address = str(node.management.address)
        jobs["icmp"].append({"targets": [address], "labels": labels})
        jobs["ssh"].append({"targets": [f"{address}:{node.management.port}"], "labels": labels})
        if kind == "server":
            port = settings.node_exporter_port
            jobs["node"].append({"targets": [f"{address}:{port}"], "labels": labels})
    for name, service in sorted(inventory.services.items()):
        for job, target, labels in _endpoints(name, service):
            jobs[job].append({"targets": [target], "labels": labels})
    return jobs


def _endpoints(name: str, service: Service) -> Iterator[tuple[str, str, dict[str, str]]]:
    for url in service.endpoints:
        parts = urlsplit(url)
        job, target = ("tcp", parts.netloc) if parts.scheme == "tcp" else ("http", url)
        labels = {
            "name": url,
            "kind": "endpoint",
            "site": "",
            "role": "endpoint",
            "platform": "",
            "services": _joined([name]),
            "slas": _joined([service.sla]),
        }
        yield job, target, labels


# ---------- prometheus.yml ---------------------------------------------------------------


def _prometheus(settings: MonitoringSettings, targets: Mapping[str, list[Group]]) -> Any:
    config: dict[str, Any] = {
        "global": {
            "scrape_interval": settings.scrape_interval,
            "evaluation_interval": settings.evaluation_interval,
            "scrape_timeout": settings.probe_timeout,
            "external_labels": {"monitor": "underlay"},
        },
        "rule_files": [RULES_FILE],
        "scrape_configs": [
            *(_probe_job(job, settings) for job in PROBE_JOBS if targets[job]),
            {
                "job_name": f"{JOB_PREFIX}node",
                "file_sd_configs": [{"files": ["targets/node.json"]}],
            },
        ],
    }
    if settings.alertmanager is not None:
        netloc = urlsplit(settings.alertmanager.url).netloc
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [netloc]}]}]}
    return config


def _probe_job(job: str, settings: MonitoringSettings) -> dict[str, Any]:
    """A blackbox job: the target becomes the probe's `target` parameter, the exporter the
    address Prometheus scrapes."""
    return {
        "job_name": f"{JOB_PREFIX}{job}",
        "metrics_path": "/probe",
        "params": {"module": [job]},
        "file_sd_configs": [{"files": [f"targets/{job}.json"]}],
        "relabel_configs": [
            {"source_labels": ["__address__"], "target_label": "__param_target"},
            {"source_labels": ["__param_target"], "target_label": "instance"},
            {"target_label": "__address__", "replacement": settings.blackbox_exporter},
        ],
    }


BLACKBOX_MODULES: dict[str, Any] = {
    "modules": {
        "icmp": {"prober": "icmp", "icmp": {"preferred_ip_protocol": "ip4"}},
        "ssh": {
            "prober": "tcp",
            "tcp": {
                "preferred_ip_protocol": "ip4",
                "query_response": [{"expect": "^SSH-2.0-"}],
            },
        },
        "tcp": {"prober": "tcp", "tcp": {"preferred_ip_protocol": "ip4"}},
        "http": {
            "prober": "http",
            "http": {"preferred_ip_protocol": "ip4", "valid_status_codes": []},
        },
    }
}

# A starting point that pages nobody: an organisation routes `severity` to its own receivers.
ALERTMANAGER: dict[str, Any] = {
    "route": {
        "receiver": "underlay-default",
        "group_by": ["alertname", "name", "service"],
        "group_wait": "5s",
        "group_interval": "30s",
        "repeat_interval": "4h",
    },
    "receivers": [{"name": "underlay-default"}],
}


# ---------- rules ------------------------------------------------------------------------

_BY = "name, kind, site, role, platform, services, slas"


def _rules(inventory: Inventory, settings: MonitoringSettings) -> Any:
    services = [(name, s) for name, s in sorted(inventory.services.items()) if _watched(s)]
    jobs = "|".join(PROBE_JOBS)
    targets = [
        {
            "record": "underlay:target_up",
            "expr": f'min by ({_BY}) (probe_success{{job=~"{JOB_PREFIX}({jobs})"}} '
            f'or up{{job="{JOB_PREFIX}node"}})',
        },
    ]
    slis = [_sli(name, s) for name, s in services]
    ratios = [_error_ratio(w) for w in ERROR_WINDOWS] if services else []
    return {
        "groups": [
            {"name": "underlay-availability", "rules": [*targets, *slis, *ratios]},
            {"name": "underlay-down", "rules": [_down(kind, settings) for kind in DOWN_ALERTS]},
            {
                "name": "underlay-slo",
                "rules": [
                    _burn(name, inventory.slas[s.sla].availability_pct, s.sla, severity)
                    for name, s in services
                    if s.sla in inventory.slas
                    for severity in SEVERITY_ALERTS
                ],
            },
        ]
    }


def _watched(service: Service) -> bool:
    return bool(service.depends_on.devices or service.depends_on.servers or service.endpoints)


def _sli(name: str, service: Service) -> dict[str, Any]:
    return {
        "record": "underlay:service_up",
        "expr": f"min(underlay:target_up{{{service_selector(name)}}})",
        "labels": {"service": name, "sla": service.sla},
    }


def _error_ratio(window: str) -> dict[str, Any]:
    return {
        "record": f"underlay:service_error_ratio:{window}",
        "expr": f"1 - avg_over_time(underlay:service_up[{window}])",
    }


def _down(kind: str, settings: MonitoringSettings) -> dict[str, Any]:
    what = {"device": "device", "server": "server", "endpoint": "service endpoint"}[kind]
    return {
        "alert": DOWN_ALERTS[kind],
        "expr": f'underlay:target_up{{kind="{kind}"}} == 0',
        "for": settings.down_for,
        "labels": {"severity": "page"},
        "annotations": {
            "summary": f"{what} {{{{ $labels.name }}}} is down",
            "description": f"{what} {{{{ $labels.name }}}} (role {{{{ $labels.role }}}}, site "
            "{{ $labels.site }}) fails its probes; services that depend on it: "
            '{{ reReplaceAll "^,|,$" "" $labels.services }}',
        },
    }


def _burn(name: str, availability_pct: float, sla: str, severity: str) -> dict[str, Any]:
    budget = round(1 - availability_pct / 100, 10)
    pairs = [b for b in BURN_RATES if b.severity == severity]
    sel = f'{{service="{name}"}}'
    expr = " or ".join(
        f"(underlay:service_error_ratio:{b.long}{sel} > {_num(b.factor * budget)} "
        f"and underlay:service_error_ratio:{b.short}{sel} > {_num(b.factor * budget)})"
        for b in pairs
    )
    windows = ", ".join(f"{b.long}/{b.short} at {_num(b.factor)}x" for b in pairs)
    return {
        "alert": SEVERITY_ALERTS[severity],
        "expr": expr,
        "labels": {"severity": severity, "service": name, "sla": sla},
        "annotations": {
            "summary": f"service {name} burns its error budget (SLA {sla}: "
            f"{_num(availability_pct)}% availability)",
            "description": f"error ratio over {windows} of a {_num(budget * 100)}% budget",
        },
    }


def _num(value: float) -> str:
    return f"{round(value, 10):g}"


# ---------- serialisation ----------------------------------------------------------------


def _yaml(data: Any) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]  # keys as built
    yaml.width = 4096  # one PromQL expression per line
    stream = io.StringIO()
    yaml.dump(data, stream)
    return "# generated by `underlay render --monitoring`: do not edit\n" + stream.getvalue()


def _json(data: Any) -> str:
    return json.dumps(data, indent=1) + "\n"
