"""The inventory format v1 as pydantic models: frozen, and unknown fields are errors.

One model per kind (see DESIGN.md "Inventory format v1"), plus one model per collection
file's shape (`SitesFile` is what inventory/sites.yaml holds; inventory/groups.yaml has none:
a group holds any device or server field, and engine.schemagen derives its schema from those
two). JSON Schemas in schemas/ are generated from these, so the editor, the CI and the engine
agree on one definition.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Interface
from typing import Annotated

from pydantic import Field, model_validator

from engine.frozen import Frozen
from engine.model.types import (
    ASN,
    Bool,
    Duration,
    HostOrIP,
    Int,
    IPv4,
    IPv4If,
    Mtu,
    Name,
    NonNegative,
    Percent,
    Port,
    VlanId,
)


class Model(Frozen):
    """An inventory model: engine.frozen's base (frozen, unknown fields are errors)."""


# ---------------------------------------------------------------- enums
class DeviceRole(StrEnum):
    CORE = "core"
    DISTRIBUTION = "distribution"
    ACCESS = "access"
    ROUTER = "router"
    FIREWALL = "firewall"
    WAN_EDGE = "wan-edge"


class Platform(StrEnum):
    FRR = "frr"
    LINUX = "linux"
    IOS = "ios"
    EOS = "eos"
    JUNOS = "junos"
    NXOS_SSH = "nxos_ssh"
    IOSXR = "iosxr"


class ServerRole(StrEnum):
    HYPERVISOR = "hypervisor"
    APPLICATION = "application"
    DATABASE = "database"
    WEB = "web"
    BACKUP = "backup"
    MONITORING = "monitoring"
    DIRECTORY = "directory"
    FILE = "file"
    INFRASTRUCTURE = "infrastructure"


class ServerKind(StrEnum):
    PHYSICAL = "physical"
    VIRTUAL = "virtual"


class LifecycleStatus(StrEnum):
    PLANNED = "planned"
    STAGED = "staged"
    ACTIVE = "active"
    DECOMMISSIONING = "decommissioning"
    RETIRED = "retired"


class InterfaceMode(StrEnum):
    ROUTED = "routed"
    ACCESS = "access"
    TRUNK = "trunk"


class Media(StrEnum):
    COPPER = "copper"
    DAC = "dac"
    FIBER_SM = "fiber-sm"
    FIBER_MM = "fiber-mm"
    AOC = "aoc"


class Speed(StrEnum):
    M100 = "100M"
    G1 = "1G"
    G10 = "10G"
    G25 = "25G"
    G40 = "40G"
    G100 = "100G"
    G400 = "400G"


class CableStatus(StrEnum):
    PLANNED = "planned"
    CONNECTED = "connected"
    DECOMMISSIONED = "decommissioned"


class ContractKind(StrEnum):
    SUPPORT = "support"
    MAINTENANCE = "maintenance"
    LICENSE = "license"
    LEASE = "lease"
    COLOCATION = "colocation"
    CONNECTIVITY = "connectivity"


class SupportHours(StrEnum):
    H24X7 = "24x7"
    BUSINESS = "business"
    EXTENDED = "extended"


class SiteTier(StrEnum):
    HQ = "hq"
    DATACENTER = "datacenter"
    BRANCH = "branch"
    COLOCATION = "colocation"


# ---------------------------------------------------------------- shared parts
class Management(Model):
    address: IPv4
    port: Port = 22
    credentials: Name = Field(description="name of a credential set; secrets never live here")


class OS(Model):
    family: str | None = None
    version: str


class Lifecycle(Model):
    status: LifecycleStatus = LifecycleStatus.ACTIVE
    end_of_sale: date | None = None
    end_of_support: date | None = None


class Interface(Model):
    description: str | None = None
    enabled: Bool = True
    mtu: Mtu | None = None
    mode: InterfaceMode | None = None
    vlan: VlanId | None = None
    ipv4: IPv4If | None = None
    ipv6: IPv6Interface | None = None


class Vlan(Model):
    name: Name
    description: str | None = None


class BgpNeighbor(Model):
    address: IPv4
    remote_as: ASN
    description: str | None = None


class Bgp(Model):
    asn: ASN
    router_id: IPv4
    neighbors: list[BgpNeighbor] = []
    networks: list[IPv4Network] = []


class StaticRoute(Model):
    prefix: IPv4Network
    next_hop: IPv4
    description: str | None = None


class Servers(Model):
    servers: list[HostOrIP] = Field(min_length=1)


class Dns(Model):
    servers: list[IPv4] = Field(min_length=1)
    domain: str | None = None


class Snmp(Model):
    location: str | None = None
    contact: str | None = None
    community: Name | None = Field(
        default=None, description="name of a secret holding the community, never the value"
    )


class User(Model):
    role: Annotated[str, Field(pattern="^(admin|operator|read-only)$")]
    ssh_keys: list[str] = []


class StorageVolume(Model):
    mount: str
    size_gb: Annotated[Int, Field(ge=1)]
    kind: Annotated[str, Field(pattern="^(local|san|nfs|ceph)$")] = "local"


class Hardware(Model):
    vendor: Name | None = None
    model: str | None = None
    serial: str | None = None
    cpu: Annotated[Int, Field(ge=1)] | None = None
    memory_gb: Annotated[Int, Field(ge=1)] | None = None


class Backup(Model):
    policy: Name
    rpo_hours: Annotated[Int, Field(ge=0)]


class DisasterRecovery(Model):
    tier: Annotated[Int, Field(ge=0, le=4)]
    rto_hours: Annotated[Int, Field(ge=0)]


class Patching(Model):
    group: Name
    window: Annotated[
        str,
        Field(
            pattern=r"^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))? "
            r"\d\d:\d\d-\d\d:\d\d$",
            description="weekday(s) and local time, e.g. 'sun 02:00-04:00' "
            "or 'mon-fri 22:00-23:00'",
        ),
    ]


# ---------------------------------------------------------------- top-level objects
class Common(Model):
    """Fields shared by devices and servers."""

    name: Name
    site: Name
    groups: list[Name] = []
    management: Management
    lifecycle: Lifecycle = Lifecycle()
    contracts: list[Name] = []
    interfaces: dict[Name, Interface] = {}
    ntp: Servers | None = None
    syslog: Servers | None = None
    dns: Dns | None = None
    banner: str | None = None
    users: dict[Name, User] = {}
    tags: list[Name] = []


class Device(Common):
    """A network device: switch, router, firewall."""

    role: DeviceRole
    platform: Platform
    vendor: Name
    model: str
    serial: str | None = None
    os: OS
    vlans: dict[VlanId, Vlan] = {}
    bgp: Bgp | None = None
    static_routes: list[StaticRoute] = []
    snmp: Snmp | None = None


class Server(Common):
    """A physical or virtual server."""

    role: ServerRole
    kind: ServerKind
    host: Name | None = Field(default=None, description="the hypervisor of a virtual server")
    platform: Platform = Platform.LINUX
    os: OS
    hardware: Hardware | None = None
    storage: list[StorageVolume] = []
    packages: list[str] = []
    services: list[str] = []
    backup: Backup | None = None
    dr: DisasterRecovery | None = None
    patching: Patching | None = None


class Site(Model):
    description: str
    address: str
    timezone: str = Field(description="IANA time zone, e.g. Europe/Berlin")
    tier: SiteTier


class CableEnd(Model):
    device: Name = Field(description="a device or server name")
    port: Name


class Cable(Model):
    id: Name
    a: CableEnd
    b: CableEnd
    media: Media
    length_m: Annotated[float, Field(gt=0, le=100_000)]
    speed: Speed
    status: CableStatus = CableStatus.CONNECTED


class Contact(Model):
    name: str
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    phone: Annotated[str, Field(pattern=r"^\+?[0-9 ()./-]{5,}$")] | None = None
    role: str | None = None


class Vendor(Model):
    name: str
    contacts: list[Contact] = []
    portal: Annotated[str, Field(pattern=r"^https://")] | None = None
    account: str | None = None


class Priorities(Model):
    p1: Duration
    p2: Duration
    p3: Duration
    p4: Duration


class Sla(Model):
    availability_pct: Percent
    hours: SupportHours
    response: Priorities
    resolution: Priorities

    @model_validator(mode="after")
    def _resolution_after_response(self) -> Sla:
        for p in ("p1", "p2", "p3", "p4"):
            if getattr(self.resolution, p) < getattr(self.response, p):
                raise ValueError(f"resolution.{p} is shorter than response.{p}")
        return self


class Covers(Model):
    devices: list[Name] = []
    servers: list[Name] = []


class Contract(Model):
    vendor: Name
    kind: ContractKind
    starts: date
    ends: date
    sla: Name | None = None
    covers: Covers = Covers()
    renewal_notice_days: NonNegative = 90
    reference: str | None = None


class DependsOn(Model):
    devices: list[Name] = []
    servers: list[Name] = []


ServiceEndpoint = Annotated[
    str,
    Field(
        pattern=r"^(https?://[^\s/@]+(/\S*)?|tcp://[^\s/@]+:\d{1,5})$",
        description="what users reach: http(s)://host[:port]/path (an HTTP probe) or "
        "tcp://host:port (a TCP connect probe); no credentials",
    ),
]


class Service(Model):
    owner: str
    description: str
    sla: Name
    depends_on: DependsOn = DependsOn()
    endpoints: list[ServiceEndpoint] = Field(
        default=[], description="probed by the generated monitoring (render --monitoring)"
    )


# ---------------------------------------------------------------- file shapes
class SitesFile(Model):
    sites: dict[Name, Site]


class CablingFile(Model):
    cables: list[Cable]


class VendorsFile(Model):
    vendors: dict[Name, Vendor]


class SlasFile(Model):
    slas: dict[Name, Sla]


class ContractsFile(Model):
    contracts: dict[Name, Contract]


class ServicesFile(Model):
    services: dict[Name, Service]
