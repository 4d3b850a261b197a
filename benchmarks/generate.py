"""Generate a synthetic, valid inventory of realistic size for benchmarks.

usage: python benchmarks/generate.py OUT [--devices 10000] [--servers 5000] [--sites 20]

Every device is an FRR leaf with 4 fabric links to its site's spine pair-like peers (cabled, /31
addressed, eBGP), every physical server is cabled to a leaf; a third of the servers are virtual.
All addresses are inside 198.18.0.0/15, like the sample organisation's.
"""

from __future__ import annotations

import argparse
import shutil
from ipaddress import IPv4Address
from pathlib import Path

BASE_P2P = int(IPv4Address("198.18.64.0"))
BASE_MGMT = int(IPv4Address("198.18.0.0"))
BASE_LO = int(IPv4Address("198.19.0.0"))


def ip(base: int, offset: int) -> str:
    return str(IPv4Address(base + offset))


def device(i: int, site: str, links: list[tuple[str, str, str, str, int]]) -> str:
    itfs = []
    nbrs = []
    for port, peer, peer_port, addr, peer_asn in links:
        itfs.append(
            f"  {port}:\n    description: to {peer}:{peer_port}\n    mtu: 9000\n"
            f"    ipv4: {addr}/31\n"
        )
        peer_ip = ip(int(IPv4Address(addr)) ^ 1, 0)
        nbrs.append(f"    - {{address: {peer_ip}, remote_as: {peer_asn}, description: {peer}}}\n")
    return (
        "# yaml-language-server: $schema=../../schemas/device.json\n"
        f"name: dev{i:05d}\nsite: {site}\ngroups: [baseline]\nrole: access\nplatform: frr\n"
        f"vendor: acme\nmodel: AS7326-56X\nserial: SN{i:08d}\n"
        f"management: {{address: {ip(BASE_MGMT, 256 + i)}, credentials: lab}}\n"
        'os: {version: "8.4.4"}\n'
        "lifecycle: {status: active, end_of_sale: 2029-01-31, end_of_support: 2031-01-31}\n"
        "contracts: [SUPPORT]\n"
        f"interfaces:\n  lo:\n    description: loopback\n    ipv4: {ip(BASE_LO, i)}/32\n"
        + "".join(itfs)
        + f"bgp:\n  asn: {4_200_000_000 + i}\n  router_id: {ip(BASE_LO, i)}\n  neighbors:\n"
        + "".join(nbrs)
        + f"  networks: [{ip(BASE_LO, i)}/32]\n"
        "snmp: {location: rack 1, contact: noc@example.com}\ntags: [prod, fabric]\n"
    )


def server(i: int, site: str, host: str | None, leaf_link: tuple[str, str, str] | None) -> str:
    kind = "virtual" if host else "physical"
    lines = [
        "# yaml-language-server: $schema=../../schemas/server.json",
        f"name: srv{i:05d}",
        f"site: {site}",
        "groups: [baseline]",
        f"role: {'hypervisor' if host is None and i % 3 == 1 else 'application'}",
        f"kind: {kind}",
    ]
    if host:
        lines.append(f"host: {host}")
    lines += [
        f"management: {{address: {ip(BASE_MGMT, 40000 + i)}, credentials: lab}}",
        'os: {family: debian, version: "12"}',
        "hardware: {vendor: dell, model: R650, cpu: 32, memory_gb: 256}"
        if not host
        else "hardware: {cpu: 4, memory_gb: 16}",
        "storage:\n  - {mount: /, size_gb: 100}\n  - {mount: /var/lib/data, size_gb: 500}",
        "packages: [chrony, rsyslog, openssh-server, nginx]",
        "services: [nginx]",
        "backup: {policy: daily, rpo_hours: 24}",
        "dr: {tier: 2, rto_hours: 8}",
        "patching: {group: wave-2, window: 'sun 02:00-04:00'}",
        "tags: [prod]",
    ]
    if leaf_link:
        port, leaf, addr = leaf_link
        lines.append(
            f"interfaces:\n  eth1:\n    description: to {leaf}:{port}\n    ipv4: {addr}/31"
        )
    return "\n".join(lines) + "\n"


def generate(out: Path, devices: int, servers: int, sites: int) -> None:
    if out.exists():
        shutil.rmtree(out)
    (out / "inventory/devices").mkdir(parents=True)
    (out / "inventory/servers").mkdir(parents=True)
    site_names = [f"site{s:02d}" for s in range(sites)]
    inv = out / "inventory"
    (inv / "sites.yaml").write_text(
        "sites:\n"
        + "".join(
            f"  {s}: {{description: Site {s}, address: Street {n}, timezone: Europe/Berlin, "
            "tier: datacenter}\n"
            for n, s in enumerate(site_names)
        )
    )
    (inv / "groups.yaml").write_text(
        "groups:\n  baseline:\n    ntp: {servers: [198.18.0.5, 198.18.0.6]}\n"
        "    dns: {servers: [198.18.0.8], domain: corp.example}\n"
        "    syslog: {servers: [198.18.0.7]}\n    banner: Authorised access only.\n"
    )
    (inv / "vendors.yaml").write_text(
        "vendors:\n  acme: {name: Acme Networks}\n  dell: {name: Dell Technologies}\n"
    )
    (inv / "slas.yaml").write_text(
        "slas:\n  gold:\n    availability_pct: 99.99\n    hours: 24x7\n"
        "    response: {p1: 1h, p2: 2h, p3: 8h, p4: 1d}\n"
        "    resolution: {p1: 4h, p2: 8h, p3: 2d, p4: 5d}\n"
    )
    cables: list[str] = []
    # devices in a ring: dev i eth1 <-> dev i+1 eth2 (eBGP), plus eth3..: server links
    p2p = 0
    links: dict[int, list[tuple[str, str, str, str, int]]] = {i: [] for i in range(devices)}
    for i in range(devices):
        j = (i + 1) % devices
        a, b = ip(BASE_P2P, p2p), ip(BASE_P2P, p2p + 1)
        p2p += 2
        links[i].append(("eth1", f"dev{j:05d}", "eth2", a, 4_200_000_000 + j))
        links[j].append(("eth2", f"dev{i:05d}", "eth1", b, 4_200_000_000 + i))
        cables.append(
            f"  - {{id: c{len(cables):06d}, a: {{device: dev{i:05d}, port: eth1}}, "
            f"b: {{device: dev{j:05d}, port: eth2}}, media: fiber-mm, length_m: 30, "
            "speed: 25G}\n"
        )
    covered_devices = []
    for i in range(devices):
        (inv / f"devices/dev{i:05d}.yaml").write_text(device(i, site_names[i % sites], links[i]))
        covered_devices.append(f"dev{i:05d}")
    hypervisors: list[str] = []
    server_ports: dict[int, int] = {}
    for i in range(servers):
        site = site_names[i % sites]
        host = hypervisors[-1] if i % 3 == 2 and hypervisors else None
        leaf_link = None
        if host is None:
            leaf = i % devices
            port_n = server_ports.get(leaf, 10)
            server_ports[leaf] = port_n + 1
            leaf_link = (f"eth{port_n}", f"dev{leaf:05d}", ip(BASE_P2P, p2p + 1))
            p2p += 2
            cables.append(
                f"  - {{id: c{len(cables):06d}, a: {{device: dev{leaf:05d}, "
                f"port: eth{port_n}}}, b: {{device: srv{i:05d}, port: eth1}}, "
                "media: dac, length_m: 3, speed: 10G}\n"
            )
        text = server(i, site, host, leaf_link)
        (inv / f"servers/srv{i:05d}.yaml").write_text(text)
        if host is None and i % 3 == 1:
            hypervisors.append(f"srv{i:05d}")
    _add_server_ports(inv, server_ports)
    (inv / "cabling.yaml").write_text("cables:\n" + "".join(cables))
    (inv / "contracts.yaml").write_text(
        "contracts:\n  SUPPORT:\n    vendor: acme\n    kind: support\n    starts: 2025-01-01\n"
        "    ends: 2028-12-31\n    sla: gold\n    covers:\n      devices: ["
        + ", ".join(covered_devices)
        + "]\n"
    )


def _add_server_ports(inv: Path, server_ports: dict[int, int]) -> None:
    """Declare the leaf ports that server cables land on (with the far end in the description)."""
    for leaf, last in server_ports.items():
        path = inv / f"devices/dev{leaf:05d}.yaml"
        text = path.read_text()
        extra = "".join(
            f"  eth{n}:\n    description: server port\n    mode: access\n    vlan: 10\n"
            for n in range(10, last)
        )
        path.write_text(text.replace("bgp:\n", extra + "bgp:\n", 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--servers", type=int, default=5_000)
    parser.add_argument("--sites", type=int, default=20)
    args = parser.parse_args()
    generate(args.out, args.devices, args.servers, args.sites)
    print(f"generated {args.devices} devices, {args.servers} servers in {args.out}")


if __name__ == "__main__":
    main()
