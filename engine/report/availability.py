"""SLA attainment: each business service's availability over the report's period as the
repository's Prometheus measured it (the `underlay:service_up` SLI that `render --monitoring`
records), against its SLA's target, with the devices and servers that were down.

Three queries at the end of the period, whatever the number of services:
    count_over_time(underlay:service_up[P])  samples per service
    sum_over_time(underlay:service_up[P])    of which up
    count_over_time(underlay:target_up[P]) - sum_over_time(underlay:target_up[P]) > 0
                                             down samples per device, server, endpoint
A sample stands for one evaluation interval (read from the running Prometheus's own
configuration), so down samples become seconds of downtime.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ruamel.yaml import YAML

from engine.model.layout import Inventory
from engine.monitoring.api import ApiError, Prometheus
from engine.monitoring.settings import seconds
from engine.report.model import Availability, Culprit, ServiceAttainment

DEFAULT_PERIOD = timedelta(days=30)
NOT_CONFIGURED = (
    "no Prometheus is configured (underlay.yaml's monitoring.prometheus, or --prometheus URL): "
    "availability is not measured; the SLA coverage by contracts above is what there is"
)


@dataclass(frozen=True)
class Period:
    end: datetime
    length: timedelta = DEFAULT_PERIOD

    @property
    def start(self) -> datetime:
        return self.end - self.length

    @property
    def selector(self) -> str:
        return f"[{int(self.length.total_seconds())}s]"


def measure(
    inventory: Inventory,
    prometheus: Prometheus | None,
    period: Period,
    unavailable: str | None = None,
) -> Availability:
    """The attainment of every service over `period`; never raises for an absent Prometheus.
    `unavailable`: why the configured Prometheus cannot be asked (so nothing is)."""
    where = {
        "start": period.start.isoformat(timespec="seconds"),
        "end": period.end.isoformat(timespec="seconds"),
    }
    if unavailable is not None:
        message = f"{unavailable}; availability not measured"
        return Availability(status="unavailable", source=None, message=message, **where)
    if prometheus is None:
        return Availability(status="not configured", source=None, message=NOT_CONFIGURED, **where)
    url = prometheus.api.url
    try:
        services = _services(inventory, prometheus, period)
    except ApiError as exc:
        message = f"Prometheus at {url} could not be asked: {exc}; availability not measured"
        return Availability(status="unavailable", source=url, message=message, **where)
    covered = max((s.measured_seconds for s in services), default=0.0)
    message = (
        f"measured by Prometheus at {url} over {_span(covered)} of the "
        f"{_span(period.length.total_seconds())} period"
    )
    return Availability(status="measured", source=url, message=message, services=services, **where)


def _services(
    inventory: Inventory, prometheus: Prometheus, period: Period
) -> tuple[ServiceAttainment, ...]:
    step = _evaluation_interval(prometheus)
    at, rng = period.end, period.selector
    count = _by(prometheus.query(f"count_over_time(underlay:service_up{rng})", at), "service")
    up = _by(prometheus.query(f"sum_over_time(underlay:service_up{rng})", at), "service")
    down = prometheus.query(
        f"count_over_time(underlay:target_up{rng}) - sum_over_time(underlay:target_up{rng}) > 0",
        at,
    )
    return tuple(
        _attainment(inventory, name, count.get(name, 0.0), up.get(name, 0.0), down, step)
        for name in sorted(inventory.services)
    )


def _attainment(
    inventory: Inventory,
    name: str,
    count: float,
    up: float,
    down: list[dict[str, Any]],
    step: float,
) -> ServiceAttainment:
    service = inventory.services[name]
    sla = inventory.slas.get(service.sla)
    target = sla.availability_pct if sla else None
    measured = 100 * up / count if count else None
    culprits = tuple(
        Culprit(
            name=r["metric"].get("name", ""),
            kind=r["metric"].get("kind", ""),
            downtime_seconds=float(r["value"][1]) * step,
        )
        for r in down
        if f",{name}," in r["metric"].get("services", "")
    )
    return ServiceAttainment(
        service=name,
        sla=service.sla,
        target_pct=target,
        measured_pct=measured,
        attained=None if measured is None or target is None else measured >= target,
        budget_left_pct=_budget_left(measured, target),
        downtime_seconds=(count - up) * step,
        measured_seconds=count * step,
        culprits=tuple(sorted(culprits, key=lambda c: (-c.downtime_seconds, c.name))),
    )


def _budget_left(measured: float | None, target: float | None) -> float | None:
    """100: nothing of the error budget spent; 0: all of it; below 0: overspent."""
    if measured is None or target is None or target >= 100:
        return None
    return 100 * (1 - (100 - measured) / (100 - target))


def _by(result: list[dict[str, Any]], label: str) -> dict[str, float]:
    return {r["metric"].get(label, ""): float(r["value"][1]) for r in result}


def _evaluation_interval(prometheus: Prometheus) -> float:
    """The running configuration's global evaluation interval (Prometheus's default: 1m)."""
    answer = prometheus.api.request("GET", "/api/v1/status/config")
    config = YAML(typ="safe", pure=True).load(answer["data"]["yaml"]) or {}
    return seconds(str((config.get("global") or {}).get("evaluation_interval", "1m")))


def _span(total: float) -> str:
    """Example: _span(93784) -> "1d 2h 3m"; _span(42) -> "42s" """
    days, rest = divmod(int(total), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{u}" for n, u in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return " ".join(parts) or f"{secs}s"
