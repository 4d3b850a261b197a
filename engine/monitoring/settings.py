"""The repository's monitoring settings: the `monitoring:` section of underlay.yaml (the
repository's settings file, read by engine.execute.settings; schemas/settings.json): where its
Prometheus and Alertmanager are, and how often the generated configuration scrapes and
evaluates. Render, report, apply and `lab up --monitoring` read it.

    monitoring:
      prometheus:
        url: http://198.18.0.1:9090      # report and metrics read measured availability here
      alertmanager:
        url: http://198.18.0.1:9093      # apply silences the devices it changes here
      blackbox_exporter: 127.0.0.1:9115  # where Prometheus reaches the blackbox exporter
      node_exporter_port: 9100
      scrape_interval: 15s
      evaluation_interval: 15s
      down_for: 1m                       # a target is down this long before its alert fires

Without the section: the defaults and no URLs (render still generates the configuration, the
report says that no Prometheus is configured, apply silences nothing). No credentials: a URL
with a user or password is refused (the file is committed).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from engine.frozen import Frozen
from engine.model.types import Port

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


class MonitoringSettings(Frozen):
    """underlay.yaml's `monitoring:` section."""

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
    node_exporter_port: Port = 9100
    scrape_interval: PromDuration = "15s"
    evaluation_interval: PromDuration = "15s"
    down_for: PromDuration = Field(default="1m", description="down this long: the alert fires")

    _check_durations = field_validator("scrape_interval", "evaluation_interval", "down_for")(
        _duration
    )

    @property
    def probe_timeout(self) -> str:
        """Blackbox probes must answer within the scrape interval (Prometheus's own rule)."""
        return f"{max(1, int(seconds(self.scrape_interval) * 800))}ms"


# The lab's figures (docs/monitoring.md): an outage is seen within seconds, not minutes.
LAB_TIMING = {"scrape_interval": "2s", "evaluation_interval": "2s", "down_for": "4s"}


def for_lab(settings: MonitoringSettings) -> MonitoringSettings:
    """The settings the lab's Prometheus runs with: the repository's, with short intervals."""
    return settings.model_copy(update=LAB_TIMING)
