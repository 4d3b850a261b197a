"""Generate a synthetic inventory of realistic size that follows the sample's standards.

usage: python benchmarks/generate.py OUT [--devices 10000] [--servers 5000] [--sites N]
                                         [--violations 0]

The inventory is valid (`underlay validate`) and, checked against the sample organisation's
standards (standards/*.yaml without its waivers), has no error or warning findings, like a
well-kept organisation's:

- Sites site00, site01, ... (by default enough for at most 100 devices and 150 servers each:
  100 sites for the defaults) hold equal shares of the devices and servers. Names follow
  standards/naming.yaml: `site07-spine01`, `site07-leaf42`, `site07-db03`, `site07-hv05`,
  `site07-app02`, `site07-web02`; two-digit numbers allow at most 101 devices and 297 servers
  per site.
- Every device is an FRR router: per site two spines (role core) and leafs (role access), the
  site's devices in a ring (100G multimode fiber, /31 addressed, eBGP), and the sites in a
  ring too (each site's spine01 to the next site's spine02 over single-mode fiber).
- A third of the servers are physical databases, a third physical KVM hypervisors (each
  physical server cabled to a leaf of its site over a 25G DAC), a third virtual application
  and web servers on hypervisors of their own site. Backup RPOs meet their DR tiers.
- Every device and server lists the group org-baseline (the organisation's NTP, syslog, DNS
  and legal banner), cabled ports are described `to <far end>:<port>`, OS releases are at the
  minimum or above, and active support contracts (gold: Edgecore for the devices, Dell for
  the physical servers) cover everything the business services (one per site) depend on.

--violations N makes N devices, spread evenly, break three standards on purpose (an NTP server
override, MGMT-NTP; FRR 7.5.1, OS-MIN-DEVICE; a port description that does not name its far
end, CABLE-DESCRIPTION), so a benchmark can time a check with findings: 2N errors and N
warnings (given every device is cabled, as it is with 2 or more devices per site).
All addresses are inside 198.18.0.0/15, like the sample organisation's.
"""

from __future__ import annotations

import argparse
import math
import shutil
from ipaddress import IPv4Address
from pathlib import Path

NET_START = int(IPv4Address("198.18.0.0"))
NET_END = int(IPv4Address("198.20.0.0"))  # end of 198.18.0.0/15
NODES_START = NET_START + 256  # 198.18.0.0/24 holds NTP, syslog and DNS
ASN_BASE = 4_200_000_000
DEVICES_PER_SITE = 101  # spine01-02, leaf01-99
SERVERS_PER_SITE = 297  # db01-99, hv01-99, app01-99 and web01-99 (half of the VMs each)
NET_CONTRACT = "NET-SUP-2025"
SRV_CONTRACT = "SRV-SUP-2025"
OWNERS = (
    "Anna Keller <anna.keller@northwind.example>",
    "Thomas Braun <thomas.braun@northwind.example>",
    "Lena Vogel <lena.vogel@northwind.example>",
    "Michael Schulz <michael.schulz@northwind.example>",
)
GROUPS = """\
# yaml-language-server: $schema=../schemas/groups.json
groups:
  org-baseline:
    ntp:
      servers: [198.18.0.5, 198.18.0.6]
    syslog:
      servers: [198.18.0.7]
    dns:
      servers: [198.18.0.8, 198.18.0.9]
      domain: corp.northwind.example
    banner: |
      ************************************************************************
      * Northwind Logistics GmbH - AUTHORISED ACCESS ONLY                    *
      * This system is the property of Northwind Logistics. Access is        *
      * restricted to authorised personnel; all activity is logged and       *
      * monitored. Unauthorised use will be prosecuted. Disconnect now if    *
      * you are not authorised.                                              *
      ************************************************************************
    users:
      netops:
        role: admin
        ssh_keys:
          - "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExamplePublicKeyPlaceholderNetops0000000 netops"
  fabric:
    tags: [fabric, frr, bgp]
    snmp:
      contact: Northwind NetOps <netops@northwind.example>, +49 69 9876 5400
      community: snmp-ro  # the NAME of a secret, never the value
  linux-servers:
    tags: [linux, debian]
    users:
      sysadmin:
        role: admin
        ssh_keys:
          - "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExamplePublicKeyPlaceholderSysadmin00000 sysadmin"
"""
VENDORS = """\
# yaml-language-server: $schema=../schemas/vendors.json
vendors:
  edgecore:
    name: Edgecore Networks Europe
    contacts:
      - {name: RMA desk, email: rma-emea@edgecore.example.com, role: hardware returns}
    portal: https://support.edgecore.example.com
  dell:
    name: Dell Technologies Deutschland
    contacts:
      - {name: ProSupport, email: prosupport-de@dell.example.com, role: 24x7 support}
    portal: https://support.dell.example.com
"""
SLAS = """\
# yaml-language-server: $schema=../schemas/slas.json
slas:
  gold:
    availability_pct: 99.99
    hours: 24x7
    response: {p1: 1h, p2: 2h, p3: 8h, p4: 2d}
    resolution: {p1: 4h, p2: 8h, p3: 2d, p4: 5d}
  silver:
    availability_pct: 99.9
    hours: 24x7
    response: {p1: 2h, p2: 4h, p3: 1d, p4: 3d}
    resolution: {p1: 8h, p2: 1d, p3: 3d, p4: 10d}
"""
# --violations: an FRR release below the minimum and a third NTP server (a local one)
VIOLATIONS = 'os: {version: "7.5.1"}\nntp: {servers: [198.18.0.5, 198.18.0.6, 198.18.0.50]}\n'

# port, peer, peer's port, own /31 address, peer's address, peer's ASN
Link = tuple[str, str, str, int, int, int]


def ip(addr: int) -> str:
    return str(IPv4Address(addr))


class Fabric:
    """The cables and the routed links between devices, with /31s handed out in order."""

    def __init__(self, p2p: int) -> None:
        self.p2p = p2p
        self.cables: list[str] = []
        self.links: dict[str, list[Link]] = {}
        self.access: dict[str, list[tuple[str, str]]] = {}  # leaf -> (port, far end)

    def cable(self, cid: str, a: str, a_port: str, b: str, b_port: str, kind: str) -> None:
        self.cables.append(
            f"  - {{id: {cid}, a: {{device: {a}, port: {a_port}}}, "
            f"b: {{device: {b}, port: {b_port}}}, {kind}}}\n"
        )

    def link(self, cid: str, a: tuple[str, str, int], b: tuple[str, str, int], kind: str) -> None:
        """A routed link (eBGP over a /31) between two devices: (name, port, ASN) each."""
        addr = self.take()
        self.links.setdefault(a[0], []).append((a[1], b[0], b[1], addr, addr + 1, b[2]))
        self.links.setdefault(b[0], []).append((b[1], a[0], a[1], addr + 1, addr, a[2]))
        self.cable(cid, a[0], a[1], b[0], b[1], kind)

    def take(self) -> int:
        addr, self.p2p = self.p2p, self.p2p + 2
        return addr


def device(
    g: int,
    name: str,
    site: str,
    mgmt: int,
    lo: int,
    links: list[Link],
    access: list[tuple[str, str]],
    violate: bool,
) -> str:
    spine = name[len(site) + 1 :].startswith("spine")
    itfs = [f"  lo:\n    description: loopback, BGP router id\n    ipv4: {ip(lo)}/32\n"]
    nbrs = []
    for n, (port, peer, peer_port, addr, peer_addr, peer_asn) in enumerate(sorted(links)):
        described = "uplink" if violate and n == 0 else f"to {peer}:{peer_port}"
        itfs.append(
            f"  {port}:\n    description: {described}\n    mtu: 9000\n    ipv4: {ip(addr)}/31\n"
        )
        nbrs.append(
            f"    - {{address: {ip(peer_addr)}, remote_as: {peer_asn}, description: {peer}}}\n"
        )
    itfs += [
        f"  {port}:\n    description: {far}\n    mode: access\n    vlan: 10\n"
        for port, far in access
    ]
    return (
        "# yaml-language-server: $schema=../../schemas/device.json\n"
        f"name: {name}\nsite: {site}\nrole: {'core' if spine else 'access'}\nplatform: frr\n"
        f"vendor: edgecore\nmodel: {'AS9716-32D' if spine else 'AS7326-56X'}\n"
        f"serial: EC{g:08d}\ngroups: [org-baseline, fabric]\n"
        f"management: {{address: {ip(mgmt)}, credentials: lab}}\n"
        + (VIOLATIONS if violate else 'os: {version: "8.4.4"}\n')
        + "lifecycle: {status: active, end_of_sale: 2029-01-31, end_of_support: 2031-01-31}\n"
        f"contracts: [{NET_CONTRACT}]\n"
        f'snmp: {{location: "{site}, hall 1, row {g % 8 + 1}, rack {g % 40 + 1}, U42"}}\n'
        "interfaces:\n"
        + "".join(itfs)
        + f"bgp:\n  asn: {ASN_BASE + g}\n  router_id: {ip(lo)}\n"
        + ("  neighbors:\n" + "".join(nbrs) if nbrs else "  neighbors: []\n")
        + f"  networks: [{ip(lo)}/32]\n"
    )


# role, name word, backup policy, RPO hours, DR tier, RTO hours, patch group, window, packages
ROLES = {
    "database": ("db", "db-hourly", 1, 1, 4, "databases", "sun 02:00-04:00", "postgresql"),
    "hypervisor": ("hv", "config-daily", 24, 3, 24, "hypervisors", "sat 02:00-04:00", "libvirt"),
    "application": ("app", "vm-4h", 4, 2, 8, "applications", "wed 21:00-22:00", "openjdk"),
    "web": ("web", "vm-4h", 4, 2, 8, "web", "thu 21:00-22:00", "nginx"),
}
VIRTUAL = ("application", "web")


def server(
    g: int,
    name: str,
    site: str,
    role: str,
    mgmt: int,
    host: str | None,
    nic: tuple[str, str, int] | None,
) -> str:
    _, policy, rpo, tier, rto, patch_group, window, package = ROLES[role]
    lines = [
        "# yaml-language-server: $schema=../../schemas/server.json",
        f"name: {name}",
        f"site: {site}",
        f"role: {role}",
        f"kind: {'virtual' if host else 'physical'}",
    ]
    if host:
        lines.append(f"host: {host}")
    lines += [
        "platform: linux",
        "groups: [org-baseline, linux-servers]",
        'os: {family: debian, version: "12"}',
        f"management: {{address: {ip(mgmt)}, credentials: lab}}",
    ]
    if host:
        lines.append("hardware: {cpu: 4, memory_gb: 16}")
    else:
        lines += [
            "lifecycle: {status: active, end_of_support: 2031-03-31}",
            f"hardware: {{vendor: dell, model: PowerEdge R650, serial: DL{g:07d}, cpu: 32, "
            "memory_gb: 256}",
        ]
    if nic:
        leaf, port, addr = nic
        lines.append(
            f"interfaces:\n  eth1:\n    description: to {leaf}:{port}\n    mtu: 9000\n"
            f"    ipv4: {ip(addr)}/31"
        )
    lines += [
        "storage:\n  - {mount: /, size_gb: 100}\n  - {mount: /var/lib/data, size_gb: 500}",
        f"packages: [chrony, rsyslog, openssh-server, {package}]",
        f"services: [chrony, rsyslog, ssh, {package}]",
        f"backup: {{policy: {policy}, rpo_hours: {rpo}}}",
        f"dr: {{tier: {tier}, rto_hours: {rto}}}",
        f"patching: {{group: {patch_group}-{'ab'[g % 2]}, window: '{window}'}}",
    ]
    if not host:
        lines.append(f"contracts: [{SRV_CONTRACT}]")
    return "\n".join(lines) + "\n"


def shares(total: int, parts: int) -> list[range]:
    """`total` indices in `parts` consecutive ranges of (almost) equal size."""
    size, extra = divmod(total, parts)
    out, start = [], 0
    for p in range(parts):
        n = size + (p < extra)
        out.append(range(start, start + n))
        start += n
    return out


def default_sites(devices: int, servers: int) -> int:
    return max(1, math.ceil(devices / 100), math.ceil(servers / 150))


class Plan:
    """Sites, names and addresses: every device and server is a global index into them."""

    def __init__(self, devices: int, servers: int, sites: int) -> None:
        if (
            sites < 1
            or math.ceil(devices / sites) > DEVICES_PER_SITE
            or (math.ceil(servers / sites) > SERVERS_PER_SITE)
        ):
            raise ValueError(
                f"at least 1 site, and at most {DEVICES_PER_SITE} devices and "
                f"{SERVERS_PER_SITE} servers per site (two-digit names): use more --sites"
            )
        self.sites = [f"site{s:02d}" for s in range(sites)]
        self.devices, self.servers = shares(devices, sites), shares(servers, sites)
        self.names = [
            f"{site}-spine{k + 1:02d}" if k < 2 else f"{site}-leaf{k - 1:02d}"
            for site, r in zip(self.sites, self.devices, strict=True)
            for k in range(len(r))
        ]
        # management addresses (devices, then servers), loopbacks, then /31s, each from a /24
        self.mgmt = NODES_START
        self.lo = _next_24(self.mgmt + devices + servers)
        self.fabric = Fabric(_next_24(self.lo + devices))
        if self.fabric.p2p + 2 * (devices + sites + servers) > NET_END:
            raise ValueError("too many devices and servers for the addresses in 198.18.0.0/15")

    def fabric_links(self) -> None:
        """Each site's devices in a ring (eth1 to eth2 of the next, 100G over OM4 in the hall);
        the sites in a ring (spine01 eth3 to the next site's spine02 eth4, over dark fibre)."""
        names, fabric = self.names, self.fabric
        for site, r in zip(self.sites, self.devices, strict=True):
            for k, g in enumerate(r[: len(r) if len(r) > 2 else len(r) - 1]):
                h = r[(k + 1) % len(r)]
                a, b = (names[g], "eth1", ASN_BASE + g), (names[h], "eth2", ASN_BASE + h)
                fabric.link(
                    f"{site}-c{k + 1:04d}",
                    a,
                    b,
                    f"media: fiber-mm, speed: 100G, length_m: {10 + g % 60}",
                )
        ends = [(r[0], r[min(1, len(r) - 1)]) for r in self.devices if len(r)]
        for n, (g, _) in enumerate(ends[: len(ends) if len(ends) > 2 else len(ends) - 1]):
            h = ends[(n + 1) % len(ends)][1]
            a, b = (names[g], "eth3", ASN_BASE + g), (names[h], "eth4", ASN_BASE + h)
            length = 2000 + 370 * (n % 100)
            fabric.link(
                f"dci-c{n + 1:04d}", a, b, f"media: fiber-sm, speed: 100G, length_m: {length}"
            )

    def site_servers(self, inv: Path, s: int, physical: list[str]) -> str:
        """Write site s's servers (adding its physical ones to `physical`); returns its service."""
        site, site_devices, fabric = self.sites[s], self.devices[s], self.fabric
        leafs = [self.names[g] for g in site_devices[2:] or site_devices]
        counts: dict[str, int] = {}
        hypervisors: list[str] = []
        carried: list[str] = []
        cables = len(site_devices)  # server cables are numbered after the site's ring
        first = len(physical)
        for j, g in enumerate(self.servers[s]):
            role = ("database", "hypervisor", "application" if j // 3 % 2 == 0 else "web")[j % 3]
            word = ROLES[role][0]
            counts[word] = counts.get(word, 0) + 1
            name = f"{site}-{word}{counts[word]:02d}"
            host = hypervisors[j // 3 % len(hypervisors)] if role in VIRTUAL else None
            nic = None
            if host is None and leafs:
                leaf = leafs[(len(physical) - first) % len(leafs)]
                ports = fabric.access.setdefault(leaf, [])
                port = f"eth{10 + len(ports)}"
                ports.append((port, f"to {name}:eth1"))
                nic = (leaf, port, fabric.take() + 1)
                cables += 1
                kind = "media: dac, speed: 25G, length_m: 3"
                fabric.cable(f"{site}-c{cables:04d}", leaf, port, name, "eth1", kind)
            mgmt = self.mgmt + len(self.names) + g
            (inv / f"servers/{name}.yaml").write_text(server(g, name, site, role, mgmt, host, nic))
            if host is None:
                physical.append(name)
            (hypervisors if role == "hypervisor" else carried).append(name)
        spines = [self.names[g] for g in site_devices[:2]]
        return (
            f"  {site}-logistics:\n    owner: {OWNERS[s % len(OWNERS)]}\n"
            f"    description: Shipment booking and tracking for the {site} region\n"
            f"    sla: {'gold' if s % 4 == 0 else 'silver'}\n"
            f"    depends_on:\n      devices: [{', '.join(spines)}]\n"
            f"      servers: [{', '.join(carried)}]\n"
        )

    def write_devices(self, inv: Path, violating: set[int]) -> None:
        for site, r in zip(self.sites, self.devices, strict=True):
            for g in r:
                name = self.names[g]
                links, access = self.fabric.links.get(name, []), self.fabric.access.get(name, [])
                text = device(
                    g, name, site, self.mgmt + g, self.lo + g, links, access, g in violating
                )
                (inv / f"devices/{name}.yaml").write_text(text)


def _next_24(addr: int) -> int:
    """The start of the /24 after the one holding `addr` (one spare /24 between blocks)."""
    return (addr // 256 + 2) * 256


def generate(out: Path, devices: int, servers: int, sites: int, violations: int = 0) -> None:
    if not 0 <= violations <= devices:
        raise ValueError("--violations must be between 0 and the number of devices")
    plan = Plan(devices, servers, sites)
    if out.exists():
        shutil.rmtree(out)
    inv = out / "inventory"
    (inv / "devices").mkdir(parents=True)
    (inv / "servers").mkdir(parents=True)
    plan.fabric_links()
    physical: list[str] = []
    services = [plan.site_servers(inv, s, physical) for s in range(sites)]
    step = devices / violations if violations else 0
    plan.write_devices(inv, {int(k * step) for k in range(violations)})
    (inv / "sites.yaml").write_text(
        "# yaml-language-server: $schema=../schemas/sites.json\nsites:\n"
        + "".join(
            f"  {site}:\n    description: Datacenter {site}\n"
            f'    address: "Logistikallee {n + 1}, 60314 Frankfurt am Main, Germany"\n'
            "    timezone: Europe/Berlin\n    tier: datacenter\n"
            for n, site in enumerate(plan.sites)
        )
    )
    (inv / "groups.yaml").write_text(GROUPS)
    (inv / "vendors.yaml").write_text(VENDORS)
    (inv / "slas.yaml").write_text(SLAS)
    (inv / "services.yaml").write_text(
        "# yaml-language-server: $schema=../schemas/services.json\nservices:\n" + "".join(services)
    )
    (inv / "cabling.yaml").write_text(
        "# yaml-language-server: $schema=../schemas/cabling.json\ncables:\n"
        + "".join(plan.fabric.cables)
    )
    (inv / "contracts.yaml").write_text(
        "# yaml-language-server: $schema=../schemas/contracts.json\ncontracts:\n"
        + contract(NET_CONTRACT, "edgecore", "devices", plan.names)
        + contract(SRV_CONTRACT, "dell", "servers", physical)
    )


def contract(cid: str, vendor: str, kind: str, covers: list[str]) -> str:
    return (
        f"  {cid}:\n    vendor: {vendor}\n    kind: support\n"
        "    starts: 2025-01-01\n    ends: 2029-12-31\n    sla: gold\n"
        f"    covers:\n      {kind}: [{', '.join(covers)}]\n    renewal_notice_days: 120\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--servers", type=int, default=5_000)
    parser.add_argument(
        "--sites", type=int, default=None, help="default: one per 100 devices (at least)"
    )
    parser.add_argument(
        "--violations", type=int, default=0, help="devices that break 3 standards on purpose"
    )
    args = parser.parse_args()
    sites = default_sites(args.devices, args.servers) if args.sites is None else args.sites
    try:
        generate(args.out, args.devices, args.servers, sites, args.violations)
    except ValueError as exc:
        parser.error(str(exc))
    print(
        f"generated {args.devices} devices, {args.servers} servers in {sites} sites in {args.out}"
    )


if __name__ == "__main__":
    main()
