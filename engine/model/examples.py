"""An example of every inventory kind, with every field set: docs/inventory.md shows them.

They fit a repository made by `underlay init --organisation "Example Corp"` (site hq1, group
baseline, vendor examplenet, contract SUP-0001, SLA standard): a device or server copied from
here, and added to its contract's `covers:`, validates and checks cleanly there (a test does
it). A collection's example is one entry of its file, under its top-level key.
"""

from __future__ import annotations

# kind -> examples, as the YAML of one file (devices, servers) or of one collection's entry;
# a field's example in docs/inventory.md is taken from the first example that sets it
EXAMPLES: dict[str, tuple[str, ...]] = {
    "device": (
        """\
name: hq1-core02
site: hq1
groups: [baseline]
role: core
platform: frr
vendor: examplenet
model: EX-4800
serial: EX0000002
os:
  family: frr
  version: "8.4.4"
management:
  address: 198.18.0.12
  port: 22
  credentials: network
lifecycle:
  status: active
  end_of_sale: 2029-06-30
  end_of_support: 2032-06-30
contracts: [SUP-0001]
interfaces:
  lo:
    description: loopback
    ipv4: 198.19.0.2/32
    ipv6: 2001:db8::2/128
  eth1:
    description: "to hq1-fw01:eth1"
    enabled: true
    mtu: 9000
    mode: routed
    ipv4: 198.18.3.0/31
  eth2:
    description: office access port
    mode: access
    vlan: 20
vlans:
  20:
    name: office
    description: office clients
bgp:
  asn: 65010
  router_id: 198.19.0.2
  neighbors:
    - address: 198.18.3.1
      remote_as: 65020
      description: hq1-fw01
  networks: [198.19.0.2/32]
static_routes:
  - prefix: 203.0.113.0/24
    next_hop: 198.18.3.1
    description: partner network behind the firewall
ntp:
  servers: [198.18.0.5, 198.18.0.6]
syslog:
  servers: [198.18.0.7]
dns:
  servers: [198.18.0.8, 198.18.0.9]
  domain: corp.example
snmp:
  location: hq1, server room, rack A2
  contact: IT Operations <it@example.com>
banner: |
  Example Corp - AUTHORISED ACCESS ONLY
  All activity is logged and monitored.
users:
  netops:
    role: admin
    ssh_keys:
      - "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExamplePublicKeyOnly000000000000000000 netops@example"
verbatim: |
  ip prefix-list PARTNER seq 5 permit 203.0.113.0/24
  !
  route-map PARTNER-IN permit 10
   match ip address prefix-list PARTNER
  exit
tags: [fabric, bgp]
""",
    ),
    "server": (
        """\
name: hq1-hv01
site: hq1
groups: [baseline]
role: hypervisor
kind: physical
platform: linux
os:
  family: debian
  version: "12"
management:
  address: 198.18.0.102
  credentials: servers
lifecycle:
  status: active
  end_of_support: 2031-12-31
contracts: [SUP-0001]
hardware:
  vendor: examplenet
  model: EX-SRV-2
  serial: EXS000002
  cpu: 32
  memory_gb: 256
storage:
  - mount: /var/lib/libvirt
    size_gb: 2000
    kind: local
interfaces:
  eth1:
    description: uplink
    ipv4: 198.18.4.1/31
packages: [qemu-system-x86, libvirt-daemon-system]
services: [libvirtd]
backup:
  policy: daily
  rpo_hours: 24
dr:
  tier: 3
  rto_hours: 24
patching:
  group: hq1-hypervisors
  window: "sun 02:00-04:00"
tags: [virtualisation]
""",
        """\
name: hq1-db01
site: hq1
groups: [baseline]
role: database
kind: virtual
host: hq1-hv01
os:
  family: debian
  version: "12"
management:
  address: 198.18.0.103
  credentials: servers
interfaces:
  eth0:
    ipv4: 198.18.5.10/24
packages: [postgresql]
services: [postgresql]
backup:
  policy: hourly
  rpo_hours: 1
dr:
  tier: 1
  rto_hours: 4
patching:
  group: hq1-databases
  window: "sat 22:00-23:00"
""",
    ),
    "group": (
        """\
baseline:
  ntp:
    servers: [198.18.0.5, 198.18.0.6]
  dns:
    servers: [198.18.0.8, 198.18.0.9]
    domain: corp.example
""",
    ),
    "site": (
        """\
hq1:
  description: Head office server room
  address: 1 Example Street, Example Town
  timezone: Europe/London
  tier: hq
""",
    ),
    "cable": (
        """\
- id: hq1-c002
  a: {device: hq1-core02, port: eth1}
  b: {device: hq1-fw01, port: eth1}
  media: fiber-sm
  length_m: 12.5
  speed: 10G
  status: connected
""",
    ),
    "vendor": (
        """\
examplenet:
  name: Example Networks Ltd
  contacts:
    - name: Support desk
      email: support@examplenet.example.com
      phone: "+44 20 7946 0000"
      role: 24x7 technical support
  portal: https://support.examplenet.example.com
  account: EX-0001
""",
    ),
    "sla": (
        """\
standard:
  availability_pct: 99.9
  hours: 24x7
  response: {p1: 2h, p2: 4h, p3: 1d, p4: 3d}
  resolution: {p1: 8h, p2: 1d, p3: 3d, p4: 10d}
""",
    ),
    "contract": (
        """\
SUP-0001:
  vendor: examplenet
  kind: support
  starts: 2026-01-01
  ends: 2028-12-31
  sla: standard
  covers:
    devices: [hq1-core01, hq1-core02]
    servers: [hq1-app01, hq1-hv01]
  renewal_notice_days: 90
  reference: EX-2026-0001
""",
    ),
    "circuit": (
        """\
hq1-internet:
  provider: examplenet
  circuit_id: EX/IP/000123
  kind: internet
  bandwidth: 1G
  commit: 500M
  a: {site: hq1, device: hq1-fw01, port: eth2, ipv4: 203.0.113.2/30}
  b: {site: hq1, handoff: examplenet PE lon-pe3, ipv4: 203.0.113.1/30}
  contract: SUP-0001
  sla: standard
  status: active
  description: fibre access, diverse entry north side
""",
        """\
hq1-mpls:
  provider: examplenet
  circuit_id: EX/MPLS/000456
  kind: mpls
  bandwidth: 100M
  a: {handoff: examplenet MPLS PE lon-pe4}
  b: {device: hq1-core02, port: eth3}
  contract: SUP-0001
  status: ordered
""",
    ),
    "service": (
        """\
intranet:
  owner: IT Operations <it@example.com>
  description: The intranet web application
  sla: standard
  depends_on:
    devices: [hq1-core01]
    servers: [hq1-app01]
  endpoints: [https://intranet.example.com/health]
""",
    ),
}

# fields shown in the tables only: every output of underlay is redacted, and `community: X`
# reads as a secret whatever X is (here it is the name of a credential set, not the value)
FIELD_EXAMPLES: dict[str, str] = {"snmp.community": "snmp-ro"}
