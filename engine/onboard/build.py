"""What the devices showed -> inventory objects, as plain YAML-ready values.

Each read address becomes a device (FRR answers vtysh) or a server, its values taken from what
the device runs: FRR's running configuration (engine.onboard.frr: modelled, or kept verbatim),
the managed system files (engine.onboard.files), the getters. What the device cannot say is
decided by a stated rule and reported as such (its site, its role), or left unrecorded (a
site's tier, a cable's media and length) - never guessed. Then, across the objects:

- cables from LLDP: a cable where both ends see each other; a one-sided sighting is reported;
- groups: a value of ntp, syslog, dns, banner, users (and a server's packages) that several
  objects share moves into a group they list;
- sites (from the rules), vendors (as the hardware names them).

    built = build(reads, Rules(credentials="netops"))
    built.devices["fra1-leaf01"]["bgp"]["asn"]   # 65011
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, ip_interface, ip_network
from typing import Any

from engine.model.types import NAME_PATTERN
from engine.onboard.files import parse_files
from engine.onboard.frr import parse_running
from engine.onboard.read import Read
from engine.render.order import natural_key

# A field of these holding one value on several objects moves into a group.
SHARED = ("ntp", "syslog", "dns", "banner", "users", "packages")
DEFAULT_ROLES = {
    "device": (
        ("*spine*", "core"),
        ("*core*", "core"),
        ("*leaf*", "access"),
        ("*access*", "access"),
        ("*edge*", "wan-edge"),
        ("*fw*", "firewall"),
        ("*firewall*", "firewall"),
        ("*dist*", "distribution"),
        ("*", "router"),
    ),
    "server": (
        ("*hv*", "hypervisor"),
        ("*db*", "database"),
        ("*dr*", "database"),  # the naming standard: dr, a standby replica
        ("*web*", "web"),
        ("*app*", "application"),
        ("*backup*", "backup"),
        ("*mon*", "monitoring"),
        ("*ldap*", "directory"),
        ("*dc*", "directory"),
        ("*file*", "file"),
        ("*nas*", "file"),
        ("*", "infrastructure"),
    ),
}
SPEEDS = {100: "100M", 1000: "1G", 10000: "10G", 25000: "25G", 40000: "40G", 100000: "100G",
          400000: "400G"}  # fmt: skip
SWEEP = "--subnet"  # the source of an address of a swept subnet (engine.onboard.targets)
NO_ANSWER = ("unreachable", "timeout")
MANAGEMENT_PORTS = ("lo",)  # never a cable's end nor an interface of its own unless configured
_NAME = re.compile(NAME_PATTERN)


@dataclass(frozen=True)
class Rules:
    """How import names what the devices cannot say. Example: Rules(credentials="netops",
    sites=(("fra1", "198.18.0.0/26"), ("fra2", "fra2-*")), roles=(("core", "*-rr*"),))"""

    credentials: str
    sites: tuple[tuple[str, str], ...] = ()  # (site, CIDR or hostname glob): first match wins
    roles: tuple[tuple[str, str], ...] = ()  # (role, hostname glob), before the defaults
    share: int = 2  # a value on at least this many objects moves into a group
    port: int = 22


@dataclass(frozen=True)
class Finding:
    """One line of the import report about an address or an object."""

    address: str
    name: str | None
    outcome: str  # imported | skipped | refused | unreachable | auth_failed | timeout | ...
    detail: str
    notes: tuple[str, ...] = ()


@dataclass
class Built:
    """Everything import writes, by file: objects keyed by name, in the inventory's shape."""

    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    servers: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    sites: dict[str, dict[str, Any]] = field(default_factory=dict)
    vendors: dict[str, dict[str, Any]] = field(default_factory=dict)
    cables: list[dict[str, Any]] = field(default_factory=list)
    host_keys: list[tuple[str, int, str, str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    sightings: list[str] = field(default_factory=list)  # one-sided LLDP, neighbours not read
    running: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> path -> text

    def objects(self) -> dict[str, dict[str, Any]]:
        return self.devices | self.servers

    def verbatim_kept(self) -> list[str]:
        """The devices whose files keep configuration verbatim (docs/import.md)."""
        return sorted(n for n, d in self.devices.items() if d.get("verbatim"))


def build(
    reads: Sequence[Read], rules: Rules, *, existing: Mapping[str, Mapping[str, Any]] | None = None
) -> Built:
    """The objects of every read that succeeded; `existing`: the groups of the repository
    imported into (an object whose values are a group's lists that group)."""
    built = Built()
    by_name = _unique_names(reads, built)
    lldp: dict[str, Mapping[str, Any]] = {}
    speeds: dict[str, Mapping[str, Any]] = {}
    for name, read in sorted(by_name.items()):
        ob = read.onboarding
        kind = "device" if ob.platform == "frr" else "server"
        obj, notes = (_device if kind == "device" else _server)(name, read, rules)
        (built.devices if kind == "device" else built.servers)[name] = obj
        built.running[name] = _running(ob)
        lldp[name], speeds[name] = ob.lldp, ob.getters.get("interfaces", {})
        if read.key is not None:
            built.host_keys.append(
                (read.address, rules.port, read.key.keytype, read.key.public, name)
            )
        site_note = obj.pop("_site_rule")
        role_note = obj.pop("_role_rule")
        detail = (
            f"{kind} ({ob.platform}), site {obj['site']} ({site_note}), "
            f"role {obj['role']} ({role_note})"
        )
        built.findings.append(Finding(read.address, name, "imported", detail, tuple(notes)))
    _cables(built, lldp, speeds)
    _existing_groups(built, existing or {})
    _groups(built, rules.share, set(existing or {}))
    _sites(built, by_name)
    _vendors(built, by_name)
    return built


# ---------- one object ------------------------------------------------------------------------


def _unique_names(reads: Sequence[Read], built: Built) -> dict[str, Read]:
    """The reads that succeeded, by the hostname each reports; a hostname two addresses report
    is imported from neither (which one is the device the name means cannot be told)."""
    claims: dict[str, list[Read]] = defaultdict(list)
    for read in reads:
        if read.status != "ok":
            # a sweep's empty address is no failure: most of a subnet holds no device
            empty = read.wanted.source.startswith(SWEEP) and read.status in NO_ANSWER
            outcome = "no device" if empty else read.status
            built.findings.append(Finding(read.address, None, outcome, read.error or ""))
            continue
        name = read.onboarding.getters["facts"]["hostname"]
        if not _NAME.match(name) or len(name) > 63:
            why = f"hostname {name!r} is not a valid inventory name ({NAME_PATTERN}): skipped"
            built.findings.append(Finding(read.address, None, "skipped", why))
            continue
        claims[name].append(read)
    unique = {}
    for name, found in claims.items():
        if len(found) == 1:
            unique[name] = found[0]
            continue
        addresses = ", ".join(r.address for r in found)
        for read in found:
            why = f"{len(found)} addresses report hostname {name} ({addresses}): none imported"
            built.findings.append(Finding(read.address, name, "skipped", why))
    return unique


def _common(
    name: str, read: Read, rules: Rules, kind: str
) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    """name, site and role (with the rule that gave each), and the managed files' values."""
    site, site_rule = _site(name, read.wanted.address, rules)
    role, role_rule = _role(name, kind, rules)
    obj: dict[str, Any] = {"name": name, "site": site, "role": role}
    obj["_site_rule"], obj["_role_rule"] = site_rule, role_rule
    parsed = parse_files(read.onboarding.files, f"inventory/{kind}s/{name}.yaml")
    return obj, [*parsed.notes], dict(parsed.fields)


def _device(name: str, read: Read, rules: Rules) -> tuple[dict[str, Any], list[str]]:
    ob = read.onboarding
    obj, notes, files = _common(name, read, rules, "device")
    frr = parse_running(ob.frr_config)
    notes = [*frr.notes, *notes]
    facts = ob.getters["facts"]
    obj |= {
        "platform": "frr",
        "vendor": _vendor_key(ob.vendor),
        "model": _model(facts),
    }
    if facts.get("serial_number"):
        obj["serial"] = facts["serial_number"]
    obj["management"] = _management(read, rules)
    obj["os"] = {"version": _frr_version(ob.frr_config)}
    obj["interfaces"] = _device_interfaces(frr.fields.get("interfaces", {}), ob, read)
    for key in ("bgp", "static_routes"):
        if frr.fields.get(key):
            obj[key] = frr.fields[key]
    obj |= files
    if frr.verbatim:
        obj["verbatim"] = frr.verbatim
    if frr.fields.get("hostname", name) != name:
        notes.append(f"FRR's hostname {frr.fields['hostname']} is not the system's {name}")
    return obj, notes


def _server(name: str, read: Read, rules: Rules) -> tuple[dict[str, Any], list[str]]:
    ob = read.onboarding
    obj, notes, files = _common(name, read, rules, "server")
    obj["kind"] = "physical" if ob.virtualization == "none" else "virtual"
    obj["platform"] = "linux"
    obj["os"] = {"family": ob.os_id or "linux", "version": ob.os_version or "unknown"}
    obj["management"] = _management(read, rules)
    hardware: dict[str, Any] = {}
    if ob.virtualization == "none" and ob.vendor:
        hardware["vendor"] = _vendor_key(ob.vendor)
    if ob.cpus:
        hardware["cpu"] = ob.cpus
    if ob.memory_mb >= 1024:
        hardware["memory_gb"] = ob.memory_mb // 1024
    if hardware:
        obj["hardware"] = hardware
    interfaces = _server_interfaces(ob, read)
    if interfaces:
        obj["interfaces"] = interfaces
    if ob.packages:
        obj["packages"] = list(ob.packages)
    obj |= files
    if ob.virtualization != "none":
        notes.append(f"virtual ({ob.virtualization}): its hypervisor (`host:`) is not recorded")
    return obj, notes


def _management(read: Read, rules: Rules) -> dict[str, Any]:
    return {"address": read.address, "port": rules.port, "credentials": rules.credentials}


def _management_port(ob: Any, address: str) -> str | None:
    for port, found in ob.getters.get("interfaces_ip", {}).items():
        if address in found.get("ipv4", {}):
            return str(port)
    return None


def _device_interfaces(configured: Mapping[str, Any], ob: Any, read: Read) -> dict[str, Any]:
    """FRR's configured interfaces, and every port LLDP sees a neighbour on; the MTU when it
    is not Ethernet's default."""
    mgmt = _management_port(ob, read.address)
    live = ob.getters.get("interfaces", {})
    names = {*configured, *(p for p in ob.lldp if p != mgmt)}
    found: dict[str, Any] = {}
    for port in sorted(names, key=natural_key):
        itf = dict(configured.get(port, {}))
        mtu = live.get(port, {}).get("mtu")
        if mtu and mtu != 1500 and port not in MANAGEMENT_PORTS:
            itf["mtu"] = int(mtu)
        found[port] = itf
    return found


def _server_interfaces(ob: Any, read: Read) -> dict[str, Any]:
    """Ports with a global IPv4 address (the management one aside) or an LLDP neighbour."""
    mgmt = _management_port(ob, read.address)
    addresses = ob.getters.get("interfaces_ip", {})
    live = ob.getters.get("interfaces", {})
    found: dict[str, Any] = {}
    for port in sorted({*addresses, *ob.lldp} - {mgmt, *MANAGEMENT_PORTS}, key=natural_key):
        itf: dict[str, Any] = {}
        for address, spec in addresses.get(port, {}).get("ipv4", {}).items():
            ipv4 = ip_interface(f"{address}/{spec['prefix_length']}")
            if not ipv4.ip.is_link_local:
                itf["ipv4"] = str(ipv4)
                break
        if live.get(port, {}).get("is_enabled") is False:
            itf["enabled"] = False
        mtu = live.get(port, {}).get("mtu")
        if mtu and mtu != 1500:
            itf["mtu"] = int(mtu)
        if itf or port in ob.lldp:
            found[port] = itf
    return found


def _running(ob: Any) -> dict[str, str]:
    """What the device runs, by path: what the imported object must render back to."""
    files = dict(ob.files)
    if ob.frr_config:
        files["/etc/frr/frr.conf"] = ob.frr_config
    return files


def _frr_version(config: str) -> str:
    for line in config.splitlines():
        if line.startswith("frr version "):
            return line.split()[2]
    return "unknown"


def _model(facts: Mapping[str, Any]) -> str:
    model = str(facts.get("model") or "")
    return model if model and model != "Linux" else "not recorded"


def _vendor_key(raw: str) -> str:
    """Example: "Edgecore Networks" -> "edgecore-networks"; "" -> "not-recorded" """
    slug = re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")
    return slug or "not-recorded"


# ---------- rules -----------------------------------------------------------------------------


def site_by_address(rules: Rules, wanted: Any) -> str | None:
    """The site a rule by address range gives `wanted.address` (before anything is read: the
    queue of a distributed import); None when no range rule covers it."""
    return next((site for site, rule in rules.sites if _covers(rule, None, wanted.address)), None)


def _site(name: str, address: IPv4Address, rules: Rules) -> tuple[str, str]:
    for site, rule in rules.sites:
        if _covers(rule, name, address):
            return site, f"rule {site}={rule}"
    prefix = name.split("-", 1)[0]
    if "-" in name and re.fullmatch(r"[a-z][a-z0-9]{0,15}", prefix):
        return prefix, "the name's prefix"
    return "unassigned", "no rule matched and the name has no site prefix"


def _covers(rule: str, name: str | None, address: IPv4Address) -> bool:
    """A site rule: an address range (`10.1.0.0/16`) or a hostname glob (`fra1-*`; no name
    is known before the device is read)."""
    if "/" in rule:
        return address in ip_network(rule, strict=False)
    return name is not None and fnmatch.fnmatchcase(name, rule)


def _role(name: str, kind: str, rules: Rules) -> tuple[str, str]:
    for role, pattern in rules.roles:
        if fnmatch.fnmatchcase(name, pattern):
            return role, f"rule {role}={pattern}"
    for pattern, role in DEFAULT_ROLES[kind]:
        if fnmatch.fnmatchcase(name, pattern):
            return role, f"from the name: {pattern}" if pattern != "*" else "the default"
    raise AssertionError("the default roles end with *")


# ---------- across objects --------------------------------------------------------------------


def _cables(
    built: Built, lldp: Mapping[str, Mapping[str, Any]], speeds: Mapping[str, Mapping[str, Any]]
) -> None:
    """A cable where both ends see each other over LLDP; every other sighting reported."""
    seen = {
        (name, port): (n["remote_system_name"], n["remote_port"])
        for name, ports in lldp.items()
        for port, neighbours in ports.items()
        for n in neighbours[:1]
    }
    done: set[tuple[str, str]] = set()
    for (name, port), (far, far_port) in sorted(seen.items()):
        if (name, port) in done:
            continue
        if far not in lldp:
            built.sightings.append(
                f"{name}:{port} sees {far}:{far_port}, which was not imported: no cable"
            )
            continue
        back = seen.get((far, far_port))
        if back != (name, port):
            shown = f"{back[0]}:{back[1]}" if back else "no neighbour"
            built.sightings.append(
                f"{name}:{port} sees {far}:{far_port}, but {far}:{far_port} sees {shown}: "
                "one-sided, no cable"
            )
            continue
        done |= {(name, port), (far, far_port)}
        cable: dict[str, Any] = {
            "id": _cable_id(name, port, far, far_port),
            "a": {"device": name, "port": port},
            "b": {"device": far, "port": far_port},
        }
        speed = SPEEDS.get(int(speeds.get(name, {}).get(port, {}).get("speed") or 0))
        if speed:
            cable["speed"] = speed
        cable["status"] = "connected"
        built.cables.append(cable)
    for cable in built.cables:
        for end in ("a", "b"):
            device, port = cable[end]["device"], cable[end]["port"]
            built.objects()[device].setdefault("interfaces", {}).setdefault(port, {})


def _cable_id(a: str, pa: str, b: str, pb: str) -> str:
    """Example: ("fra1-leaf01", "eth1", "fra1-spine01", "eth1") ->
    "fra1-leaf01.eth1-fra1-spine01.eth1" """
    return re.sub(r"[^A-Za-z0-9._-]", "_", f"{a}.{pa}-{b}.{pb}")


def _existing_groups(built: Built, existing: Mapping[str, Mapping[str, Any]]) -> None:
    """An object that holds every value of an existing group (of the fields import factors)
    lists that group instead of the values: the biggest groups first."""
    usable = {
        name: dict(values)
        for name, values in existing.items()
        if values and set(values) <= set(SHARED)
    }
    for group, values in sorted(usable.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        for obj in built.objects().values():
            if all(_same(obj.get(k), v) for k, v in values.items()):
                for key in values:
                    del obj[key]
                obj.setdefault("groups", []).append(group)


def _same(a: Any, b: Any) -> bool:
    return a is not None and json.dumps(a, sort_keys=True, default=str) == json.dumps(
        b, sort_keys=True, default=str
    )


def _groups(built: Built, share: int, taken: set[str]) -> None:
    """Values several objects share move into groups: one group per set of objects that share
    values, named after whom it holds."""
    objects = built.objects()
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    values: dict[tuple[str, str], Any] = {}
    for name, obj in objects.items():
        for key in SHARED:
            if key in obj:
                canon = json.dumps(obj[key], sort_keys=True, default=str)
                holders[(key, canon)].add(name)
                values[(key, canon)] = obj[key]
    bundles: dict[frozenset[str], dict[str, Any]] = defaultdict(dict)
    for (key, canon), holding in holders.items():
        if len(holding) >= share:
            bundles[frozenset(holding)][key] = values[(key, canon)]
    named = sorted(bundles.items(), key=lambda kv: (-len(kv[0]), sorted(kv[0])))
    for members, shared in named:
        group = _group_name(members, built, shared, taken)
        taken.add(group)
        built.groups[group] = {k: shared[k] for k in SHARED if k in shared}
        for name in sorted(members):
            obj = objects[name]
            for key in shared:
                del obj[key]
            obj.setdefault("groups", []).append(group)


def _group_name(
    members: frozenset[str], built: Built, shared: Iterable[str], taken: set[str]
) -> str:
    """baseline (every object), network-devices, servers, else the fields it holds (ntp)."""
    if members == set(built.objects()):
        name = "baseline"
    elif members == set(built.devices):
        name = "network-devices"
    elif members == set(built.servers):
        name = "servers"
    else:
        name = "-".join(k for k in SHARED if k in shared)
    base, number = name, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    return name


def _sites(built: Built, reads: Mapping[str, Read]) -> None:
    zones: dict[str, Counter[str]] = defaultdict(Counter)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for name, obj in built.objects().items():
        zones[obj["site"]][reads[name].onboarding.timezone or "Etc/UTC"] += 1
        counts[obj["site"]]["device" if name in built.devices else "server"] += 1
    for site in sorted(zones):
        n = counts[site]
        built.sites[site] = {
            "description": f"imported by underlay import ({n['device']} devices, "
            f"{n['server']} servers): describe it",
            "timezone": zones[site].most_common(1)[0][0],
        }


def _vendors(built: Built, reads: Mapping[str, Read]) -> None:
    for name, obj in built.objects().items():
        keys = [obj.get("vendor"), obj.get("hardware", {}).get("vendor")]
        for key in (k for k in keys if k):
            raw = reads[name].onboarding.vendor
            built.vendors[key] = {"name": raw or "not recorded: the hardware names no vendor"}
