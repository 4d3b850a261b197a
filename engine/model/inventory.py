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
from ipaddress import IPv4Network
from typing import Annotated

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from engine.frozen import Frozen
from engine.model.types import (
    ASN,
    Bandwidth,
    Bool,
    Duration,
    HostOrIP,
    IfName,
    Int,
    IPv4,
    IPv4If,
    IPv6If,
    Mtu,
    Name,
    NonNegative,
    Percent,
    Port,
    VlanId,
    format_bandwidth,
)


class Model(Frozen):
    """An inventory model: engine.frozen's base (frozen, unknown fields are errors). The
    docstring under a field is its description (JSON Schemas, docs/inventory.md)."""

    model_config = ConfigDict(use_attribute_docstrings=True)


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


class CircuitKind(StrEnum):
    INTERNET = "internet"
    MPLS = "mpls"
    WAVELENGTH = "wavelength"
    DARK_FIBRE = "dark-fibre"
    ETHERNET_P2P = "ethernet-p2p"
    ETHERNET_MP = "ethernet-mp"
    BROADBAND = "broadband"
    LTE = "lte"


# circuits that carry the customer's own frames end to end: LLDP sees across them, and both
# ends' addresses share one subnet
TRANSPARENT_CIRCUITS = frozenset(
    {CircuitKind.WAVELENGTH, CircuitKind.DARK_FIBRE, CircuitKind.ETHERNET_P2P}
)


class CircuitStatus(StrEnum):
    PLANNED = "planned"
    ORDERED = "ordered"
    ACTIVE = "active"
    DECOMMISSIONED = "decommissioned"


class SiteTier(StrEnum):
    HQ = "hq"
    DATACENTER = "datacenter"
    BRANCH = "branch"
    COLOCATION = "colocation"


# ---------------------------------------------------------------- shared parts
class Management(Model):
    address: IPv4
    """The address the engine connects to (SSH)."""
    port: Port = 22
    """The SSH port."""
    credentials: Name = Field(description="name of a credential set; secrets never live here")


class OS(Model):
    family: str | None = None
    """The OS family (servers: debian, ubuntu, ...); the server OS minimum is per family."""
    version: str
    """The running OS release; quote it so YAML keeps it a string."""


class Lifecycle(Model):
    status: LifecycleStatus = LifecycleStatus.ACTIVE
    """Where the object is in its life; only active ones need support."""
    end_of_sale: date | None = None
    """The vendor's end of sale."""
    end_of_support: date | None = None
    """The vendor's end of support: the lifecycle rules warn before it."""


class Interface(Model):
    description: str | None = None
    """What the port connects to; a cabled port names its far end as `to DEVICE:PORT`."""
    enabled: Bool = True
    """False shuts the interface down."""
    mtu: Mtu | None = None
    """The MTU in bytes."""
    mode: InterfaceMode | None = None
    """Routed (an address), access (one VLAN) or trunk (several VLANs)."""
    vlan: VlanId | None = None
    """The access VLAN (mode access)."""
    ipv4: IPv4If | None = None
    """The IPv4 address with its prefix length (a loopback is /32)."""
    ipv6: IPv6If | None = None
    """The IPv6 address with its prefix length."""


class Vlan(Model):
    name: Name
    """The VLAN's name on the device."""
    description: str | None = None
    """What the VLAN carries."""


class BgpNeighbor(Model):
    address: IPv4
    """The neighbour's address, on a directly connected subnet."""
    remote_as: ASN
    """The neighbour's AS number (the peer device's `bgp.asn`)."""
    description: str | None = None
    """Who the neighbour is."""


class Bgp(Model):
    asn: ASN
    """The device's own AS number."""
    router_id: IPv4
    """The BGP router id (usually the loopback address)."""
    neighbors: list[BgpNeighbor] = []
    """The BGP sessions."""
    networks: list[IPv4Network] = []
    """The prefixes the device announces."""


class StaticRoute(Model):
    prefix: IPv4Network
    """The destination prefix."""
    next_hop: IPv4
    """The next-hop address."""
    description: str | None = None
    """Why the route exists."""


class Servers(Model):
    servers: list[HostOrIP] = Field(min_length=1)
    """The servers, in order of preference (addresses or host names)."""


class Dns(Model):
    servers: list[IPv4] = Field(min_length=1)
    """The resolvers' addresses, in order."""
    domain: str | None = None
    """The search domain."""


class Snmp(Model):
    location: str | None = None
    """The SNMP sysLocation."""
    contact: str | None = None
    """The SNMP sysContact."""
    community: Name | None = Field(
        default=None,
        description="the name of a credential set holding the community, never the value",
    )


class User(Model):
    role: Annotated[str, Field(pattern="^(admin|operator|read-only)$")]
    """Admin, operator or read-only."""
    ssh_keys: list[str] = []
    """The user's public SSH keys (never private keys or passwords)."""


class StorageVolume(Model):
    mount: str
    """The mount point."""
    size_gb: Annotated[Int, Field(ge=1)]
    """The volume's size in GB."""
    kind: Annotated[str, Field(pattern="^(local|san|nfs|ceph)$")] = "local"
    """Local, san, nfs or ceph."""


class Hardware(Model):
    vendor: Name | None = None
    """The hardware vendor (a vendor of inventory/vendors.yaml)."""
    model: str | None = None
    """The hardware model."""
    serial: str | None = None
    """The serial number."""
    cpu: Annotated[Int, Field(ge=1)] | None = None
    """The number of CPU cores."""
    memory_gb: Annotated[Int, Field(ge=1)] | None = None
    """The memory in GB."""


class Backup(Model):
    policy: Name
    """The backup policy's name (in the backup system)."""
    rpo_hours: Annotated[Int, Field(ge=0)]
    """The recovery point objective: how many hours of data a restore may lose."""


class DisasterRecovery(Model):
    tier: Annotated[Int, Field(ge=0, le=4)]
    """The DR tier, 0 (replicated) to 4 (rebuilt last)."""
    rto_hours: Annotated[Int, Field(ge=0)]
    """The recovery time objective in hours."""


class Patching(Model):
    group: Name
    """The patch group; servers of one group are patched together."""
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
    """The object's name, the same as its file name; starts with its site."""
    site: Name
    """The site where it stands (inventory/sites.yaml)."""
    groups: list[Name] = []
    """Groups whose values it inherits (inventory/groups.yaml), the first listed winning."""
    management: Management
    """How the engine reaches it."""
    lifecycle: Lifecycle = Lifecycle()
    """Its lifecycle state and the vendor's dates."""
    contracts: list[Name] = []
    """The contracts that cover it (each contract's `covers:` must list it too)."""
    interfaces: dict[IfName, Interface] = {}
    """Its interfaces by name."""
    ntp: Servers | None = None
    """The time servers."""
    syslog: Servers | None = None
    """Where logs go."""
    dns: Dns | None = None
    """The resolvers and search domain."""
    banner: str | None = None
    """The login banner."""
    users: dict[Name, User] = {}
    """The local users by name."""
    tags: list[Name] = []
    """Free labels that rules and waivers select on."""


class Device(Common):
    """A network device: switch, router, firewall."""

    role: DeviceRole
    """What the device does in the network."""
    platform: Platform
    """Its network OS: decides the driver and the configuration rendered."""
    vendor: Name
    """The hardware vendor (inventory/vendors.yaml)."""
    model: str
    """The hardware model."""
    serial: str | None = None
    """The chassis serial number."""
    os: OS
    """The running OS release."""
    vlans: dict[VlanId, Vlan] = {}
    """The VLANs by id."""
    bgp: Bgp | None = None
    """Its BGP process."""
    static_routes: list[StaticRoute] = []
    """Static routes."""
    snmp: Snmp | None = None
    """SNMP settings."""
    verbatim: str | None = None
    """Configuration the model does not express, in the platform's own syntax (FRR: as `show
    running-config` prints it, sections with their header lines, one space a level); merged
    into the rendered configuration section by section (docs/import.md). `underlay import`
    keeps here what it cannot model."""


class Server(Common):
    """A physical or virtual server."""

    role: ServerRole
    """What the server does."""
    kind: ServerKind
    """Physical or virtual."""
    host: Name | None = Field(default=None, description="the hypervisor of a virtual server")
    platform: Platform = Platform.LINUX
    """The platform the engine manages it as."""
    os: OS
    """The OS family and release."""
    hardware: Hardware | None = None
    """The hardware (a physical server)."""
    storage: list[StorageVolume] = []
    """Its volumes."""
    packages: list[str] = []
    """Packages that must be installed."""
    services: list[str] = []
    """System services that must run."""
    backup: Backup | None = None
    """Its backup."""
    dr: DisasterRecovery | None = None
    """Its disaster recovery tier."""
    patching: Patching | None = None
    """Its patch group and window."""


class Site(Model):
    description: str
    """What the site is."""
    address: str | None = None
    """The postal address (None: not recorded yet, e.g. a site `underlay import` made)."""
    timezone: str = Field(description="IANA time zone, e.g. Europe/Berlin")
    tier: SiteTier | None = None
    """Hq, datacenter, branch or colocation (None: not recorded yet)."""


class CableEnd(Model):
    device: Name = Field(description="a device or server name")
    port: IfName
    """The interface name on that device or server."""


class Cable(Model):
    id: Name
    """A unique cable id, as on its label."""
    a: CableEnd
    """One end."""
    b: CableEnd
    """The other end."""
    media: Media | None = None
    """The cable type (None: not recorded yet; LLDP, which finds cables, cannot tell)."""
    length_m: Annotated[float, Field(gt=0, le=100_000)] | None = None
    """The length in metres (None: not recorded yet)."""
    speed: Speed | None = None
    """The link speed (None: not recorded yet)."""
    status: CableStatus = CableStatus.CONNECTED
    """Planned, connected or decommissioned."""


class CircuitEnd(Model):
    """One termination: a device port, or the provider's hand-off (an access's far end)."""

    site: Name | None = None
    """Where it terminates (a device end is at the device's site)."""
    device: Name | None = None
    """The device that terminates it."""
    port: IfName | None = None
    """The device's interface (abbreviations name the same port: Gi0/1)."""
    handoff: str | None = None
    """The provider's side instead of a device, e.g. `AS3320 PE fra-pe3`."""
    ipv4: IPv4If | None = None
    """This end's address on the circuit (a device end's is its port's)."""

    @model_validator(mode="after")
    def _device_or_handoff(self) -> CircuitEnd:
        if self.handoff is not None and (self.device is not None or self.port is not None):
            raise ValueError("an end is a device port or a provider hand-off, not both")
        if self.handoff is None and (self.device is None or self.port is None):
            raise ValueError("an end needs `device` and `port`, or `handoff`")
        return self


class Circuit(Model):
    """A provider circuit: what links sites, or a site and the Internet, where no cable can."""

    provider: Name
    """The vendor that delivers it (inventory/vendors.yaml)."""
    circuit_id: Annotated[str, Field(min_length=1, max_length=100)]
    """The provider's circuit id, as on its invoices and fault tickets."""
    kind: CircuitKind
    """What the provider delivers."""
    bandwidth: Bandwidth
    """The access bandwidth."""
    commit: Bandwidth | None = None
    """The committed rate, when below the bandwidth."""
    a: CircuitEnd
    """One end."""
    b: CircuitEnd
    """The other end (at least one end is a device port)."""
    contract: Name | None = None
    """The contract it is delivered under (inventory/contracts.yaml)."""
    sla: Name | None = None
    """The provider's SLA for it (default: its contract's)."""
    status: CircuitStatus = CircuitStatus.ACTIVE
    """Planned, ordered, active or decommissioned (that one holds no port)."""
    description: str | None = None
    """Free text: route, optics, the provider's references."""

    @field_validator("commit")
    @classmethod
    def _commit_within_bandwidth(cls, commit: float | None, info: ValidationInfo) -> float | None:
        bandwidth = info.data.get("bandwidth")
        if commit is not None and bandwidth is not None and commit > bandwidth:
            shown = format_bandwidth(bandwidth)
            raise ValueError(f"the commit is above the bandwidth ({shown})")
        return commit

    @model_validator(mode="after")
    def _one_device_end(self) -> Circuit:
        if self.a.handoff is not None and self.b.handoff is not None:
            raise ValueError("at least one end of a circuit is a device port")
        return self


class Contact(Model):
    name: str
    """The person or desk."""
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    """Their e-mail address."""
    phone: Annotated[str, Field(pattern=r"^\+?[0-9 ()./-]{5,}$")] | None = None
    """Their phone number, quoted."""
    role: str | None = None
    """What to call them for."""


class Vendor(Model):
    name: str
    """The vendor's legal name."""
    contacts: list[Contact] = []
    """Whom to call."""
    portal: Annotated[str, Field(pattern=r"^https://")] | None = None
    """The support portal (https)."""
    account: str | None = None
    """The organisation's account or customer number there."""


class Priorities(Model):
    p1: Duration
    """Priority 1 (critical)."""
    p2: Duration
    """Priority 2 (high)."""
    p3: Duration
    """Priority 3 (normal)."""
    p4: Duration
    """Priority 4 (low)."""


class Sla(Model):
    availability_pct: Percent
    """The availability promised, in percent."""
    hours: SupportHours
    """When support works: 24x7, business or extended hours."""
    response: Priorities
    """The time to respond, per priority (30m, 4h, 1d12h)."""
    resolution: Priorities
    """The time to resolve, per priority (at least the response time)."""

    @model_validator(mode="after")
    def _resolution_after_response(self) -> Sla:
        for p in ("p1", "p2", "p3", "p4"):
            if getattr(self.resolution, p) < getattr(self.response, p):
                raise ValueError(f"resolution.{p} is shorter than response.{p}")
        return self


class Covers(Model):
    devices: list[Name] = []
    """Devices the contract covers."""
    servers: list[Name] = []
    """Servers the contract covers."""


class Contract(Model):
    vendor: Name
    """The vendor (inventory/vendors.yaml)."""
    kind: ContractKind
    """What the contract is for; support and maintenance count as support."""
    starts: date
    """The first day."""
    ends: date
    """The last day."""
    sla: Name | None = None
    """The SLA the vendor promises (inventory/slas.yaml)."""
    covers: Covers = Covers()
    """The devices and servers covered (each must list the contract)."""
    renewal_notice_days: NonNegative = 90
    """How many days before `ends` the renewal must start."""
    reference: str | None = None
    """The vendor's contract number."""


class DependsOn(Model):
    devices: list[Name] = []
    """Devices the service needs."""
    servers: list[Name] = []
    """Servers the service needs (a virtual server through its host)."""


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
    """Who owns the service: `Name <email>`."""
    description: str
    """What the business uses it for."""
    sla: Name
    """The SLA promised to the business (inventory/slas.yaml)."""
    depends_on: DependsOn = DependsOn()
    """The devices and servers it runs on."""
    endpoints: list[ServiceEndpoint] = Field(
        default=[], description="probed by the generated monitoring (render --monitoring)"
    )
    """What users reach, probed by the generated monitoring (`render --monitoring`):
    `http(s)://host[:port]/path` (an HTTP probe) or `tcp://host:port` (a TCP connect probe)."""


# ---------------------------------------------------------------- file shapes
class SitesFile(Model):
    sites: dict[Name, Site]


class CablingFile(Model):
    cables: list[Cable]


class CircuitsFile(Model):
    circuits: dict[Name, Circuit]


class VendorsFile(Model):
    vendors: dict[Name, Vendor]


class SlasFile(Model):
    slas: dict[Name, Sla]


class ContractsFile(Model):
    contracts: dict[Name, Contract]


class ServicesFile(Model):
    services: dict[Name, Service]
