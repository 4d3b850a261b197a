"""The repository's monitoring settings: where its Prometheus and Alertmanager are, and how
often the generated configuration scrapes and evaluates. `check` validates the file with the
other governance files; render, report and apply read it.

standards/monitoring/prometheus.yaml (schemas/monitoring.json):

    prometheus:
      url: http://198.18.0.1:9090      # report and metrics read measured availability here
    alertmanager:
      url: http://198.18.0.1:9093      # apply silences the devices it changes here
    blackbox_exporter: 127.0.0.1:9115  # where Prometheus reaches the blackbox exporter
    node_exporter_port: 9100
    scrape_interval: 15s
    evaluation_interval: 15s
    down_for: 1m                       # a target is down this long before its alert fires

A repository without the file gets the defaults and no URLs: render still generates the
configuration, the report says that no Prometheus is configured, apply silences nothing.
No credentials: a URL with a user or password is refused (the file is committed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from engine.diagnostics import Diagnostic
from engine.frozen import Frozen
from engine.load.reader import expect_mapping, read_file
from engine.load.sourcemap import Layer, SourceMap
from engine.validate.schema import check

MONITORING_FILE = "standards/monitoring/prometheus.yaml"
_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d)$")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
PromDuration = str  # "15s", "1m": Prometheus's own duration syntax, one unit


def seconds(duration: str) -> float:
    """Example: seconds("2m") -> 120.0"""
    match = _DURATION.match(duration)
    if match is None:
        raise ValueError(f"{duration!r} is not a duration like 15s, 1m or 6h")
    return int(match.group(1)) * _SECONDS[match.group(2)]


def _duration(value: str) -> str:
    if seconds(value) <= 0:
        raise ValueError(f"{value!r}: must be longer than 0")
    return value


class Endpoint(Frozen):
    """An HTTP API the engine talks to. Example: Endpoint(url="http://198.18.0.1:9090")"""

    url: str = Field(pattern=r"^https?://[^\s/]+(/\S*)?$", description="http(s)://host:port")

    @field_validator("url")
    @classmethod
    def _no_credentials(cls, value: str) -> str:
        if "@" in urlsplit(value).netloc:
            raise ValueError(
                "a URL in the repository must not carry a user or password; "
                "put the server behind a proxy that authenticates, or leave it out"
            )
        return value.rstrip("/")

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""


class MonitoringSettings(Frozen):
    """The whole file (standards/monitoring/prometheus.yaml)."""

    prometheus: Endpoint | None = Field(
        default=None, description="the Prometheus that runs the generated configuration"
    )
    alertmanager: Endpoint | None = Field(
        default=None, description="where apply silences the devices it changes"
    )
    blackbox_exporter: str = Field(
        default="127.0.0.1:9115",
        pattern=r"^[A-Za-z0-9.-]+:\d{1,5}$",
        description="host:port of the blackbox exporter, as Prometheus reaches it",
    )
    node_exporter_port: int = Field(default=9100, ge=1, le=65535)
    scrape_interval: PromDuration = "15s"
    evaluation_interval: PromDuration = "15s"
    down_for: PromDuration = Field(default="1m", description="down this long: the alert fires")

    _check_durations = field_validator("scrape_interval", "evaluation_interval", "down_for")(
        _duration
    )

    @property
    def probe_timeout(self) -> str:
        """Blackbox probes must answer within the scrape interval (Prometheus's own rule)."""
        return f"{max(1, int(seconds(self.scrape_interval) * 0.8))}s"


# The lab's figures (docs/monitoring.md): an outage is seen within seconds, not minutes.
LAB_TIMING = {"scrape_interval": "2s", "evaluation_interval": "2s", "down_for": "4s"}


def for_lab(settings: MonitoringSettings) -> MonitoringSettings:
    """The settings the lab's Prometheus runs with: the repository's, with short intervals."""
    return settings.model_copy(update=LAB_TIMING)


@dataclass(frozen=True)
class Loaded:
    settings: MonitoringSettings | None  # None: the file is invalid (see diagnostics)
    diagnostics: list[Diagnostic]
    present: bool


def load(repo: Path) -> Loaded:
    """The repository's monitoring settings; an absent file means the defaults, no URLs."""
    path = repo / MONITORING_FILE
    if not path.is_file():
        return Loaded(MonitoringSettings(), [], present=False)
    doc = read_file(path, MONITORING_FILE)
    if not doc.ok or not expect_mapping(doc, "prometheus, alertmanager and intervals"):
        return Loaded(None, list(doc.diagnostics), present=True)
    model, problems = check(
        MonitoringSettings, doc.data, SourceMap((Layer(doc, ()),)), "monitoring"
    )
    return Loaded(model, problems, present=True)
