"""The standard status report as one value: every view (HTML, Markdown, JSON, metrics) reads it.

Frozen pydantic models, so `--format json` is the model itself and scripts get a stable shape.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import computed_field

from engine.frozen import Frozen as Model

REPORT_VERSION = 1


# ---------------------------------------------------------------- inventory
class SiteInventory(Model):
    site: str
    description: str
    tier: str
    devices: int
    servers: int
    roles: dict[str, int]  # role -> number of devices and servers


class InventorySection(Model):
    devices: int
    servers: int
    physical_servers: int
    virtual_servers: int
    cables: int
    circuits: int = 0
    sites: tuple[SiteInventory, ...]
    roles: dict[str, int]


# ---------------------------------------------------------------- compliance
class Tally(Model):
    """(rule, object) checks: passed includes waived; failing counts only unwaived findings."""

    checked: int
    failing: int
    waived: int

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented idiom
    @property
    def ratio(self) -> float | None:
        return None if self.checked == 0 else (self.checked - self.failing) / self.checked


class RuleCompliance(Model):
    id: str
    title: str
    severity: str
    area: str
    tally: Tally


class SiteCompliance(Model):
    site: str  # a site name, or "organisation" for contracts, services and other shared objects
    tally: Tally


class FindingRow(Model):
    rule: str
    severity: str
    subject: str
    message: str
    location: str  # path:line:col
    waiver: str | None  # ticket, owner, expiry


class Compliance(Model):
    valid: bool  # False: the inventory has validation errors, the standards were not checked
    validation_errors: int
    tally: Tally
    errors: int
    warnings: int
    notes: int
    waived: int
    rules: tuple[RuleCompliance, ...]
    sites: tuple[SiteCompliance, ...]
    findings: tuple[FindingRow, ...]

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented idiom
    @property
    def ratio(self) -> float | None:
        return self.tally.ratio if self.valid else None


class TrendPoint(Model):
    commit: str  # short hash, or "working tree"
    date: date
    subject: str
    valid: bool
    ratio: float | None
    errors: int
    warnings: int
    waived: int


# ---------------------------------------------------------------- drift and applies
class DriftStatus(Model):
    when: str  # ISO timestamp of the run
    commit: str | None
    checked: int
    drifted: tuple[str, ...]  # device names


class ApplyRow(Model):
    when: str
    commit: str | None
    actor: str
    result: str  # e.g. "success", "rolled back", "failed"
    devices: int
    failed: int


# ---------------------------------------------------------------- vendors and lifecycle
class ContactRow(Model):
    name: str
    role: str | None
    email: str | None
    phone: str | None


ContractState = Literal["expired", "within 90 days", "within 180 days", "active", "not started"]


class ContractRow(Model):
    id: str
    vendor: str
    vendor_name: str
    kind: str
    starts: date
    ends: date
    days_left: int
    state: ContractState
    sla: str | None
    covers: int  # devices, servers and circuits under the contract
    circuits: tuple[str, ...] = ()  # the provider circuits under it
    reference: str | None
    portal: str | None
    account: str | None
    contacts: tuple[ContactRow, ...]


class LifecycleRow(Model):
    name: str
    kind: Literal["device", "server"]
    site: str
    model: str
    status: str
    end_of_support: date
    days_left: int
    state: Literal["passed", "within 180 days"]
    contracts: tuple[str, ...]


# ---------------------------------------------------------------- SLA coverage
class DependencyCoverage(Model):
    kind: Literal["device", "server", "circuit"]
    name: str
    via: str | None  # the hypervisor a virtual server is covered through; the device a
    # circuit serves the service through
    contract: str | None
    contract_sla: str | None
    state: Literal["covered", "weaker", "uncovered"]
    gaps: tuple[str, ...]


class ServiceCoverage(Model):
    service: str
    owner: str
    sla: str
    availability_pct: float | None
    dependencies: tuple[DependencyCoverage, ...]

    def count(self, state: str) -> int:
        return sum(1 for d in self.dependencies if d.state == state)


# ---------------------------------------------------------------- SLA attainment
class Culprit(Model):
    """A device, server or endpoint down during the period, and for how long."""

    name: str
    kind: str  # device, server, endpoint
    downtime_seconds: float


class ServiceAttainment(Model):
    """One service's availability as Prometheus measured it, against its SLA's target.
    Example: ServiceAttainment(service="webshop", sla="gold", target_pct=99.99,
    measured_pct=99.2, attained=False, budget_left_pct=-7900.0, downtime_seconds=24.0,
    measured_seconds=3000.0, culprits=(Culprit(name="fra1-web01", kind="server",
    downtime_seconds=24.0),))"""

    service: str
    sla: str
    target_pct: float | None  # None: the SLA is not declared
    measured_pct: float | None  # None: Prometheus has no samples of the service
    attained: bool | None
    budget_left_pct: float | None  # share of the error budget left; negative: overspent
    downtime_seconds: float
    measured_seconds: float  # how much of the period Prometheus has samples for
    culprits: tuple[Culprit, ...]


class Availability(Model):
    """Measured availability over the report's period, or why there is none."""

    status: Literal["measured", "not configured", "unavailable"]
    source: str | None  # the Prometheus URL
    message: str  # for humans: what was measured, or why nothing was
    start: str  # ISO timestamps of the period
    end: str
    services: tuple[ServiceAttainment, ...] = ()


# ---------------------------------------------------------------- history
class ChangeRow(Model):
    commit: str
    author: str
    date: str  # ISO timestamp
    subject: str
    reviewed_by: tuple[str, ...]
    approved_by: tuple[str, ...]


class StatusReport(Model):
    version: int = REPORT_VERSION
    title: str
    today: date
    generated: str  # ISO timestamp
    commit: str | None
    inventory: InventorySection
    compliance: Compliance
    trend: tuple[TrendPoint, ...]
    drift: DriftStatus | None
    applies: tuple[ApplyRow, ...]
    contracts: tuple[ContractRow, ...]
    lifecycle: tuple[LifecycleRow, ...]
    services: tuple[ServiceCoverage, ...]
    changes: tuple[ChangeRow, ...]
    availability: Availability | None = None  # None: not asked for (metrics without it)

    def contracts_in(self, *states: str) -> tuple[ContractRow, ...]:
        return tuple(c for c in self.contracts if c.state in states)
