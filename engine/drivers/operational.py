"""napalm's operational getters for the `frr` and `linux` drivers: cli, interface counters,
ARP, routes, environment, ping and traceroute. Mixins in front of UnderlayDriver:

    class FrrDriver(FrrOperational, UnderlayDriver): ...
    class LinuxDriver(LinuxOperational, UnderlayDriver): ...

The commands are built here and run as the login user (ping/traceroute in a VRF through
`sudo -n ip vrf exec`); their output is parsed by engine.drivers.parse_ops. Each method's
docstring shows an exact example of what it returns.
"""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, Any

from napalm.base import constants as c
from napalm.base import models

from engine.drivers import parse_ops
from engine.drivers.device import q
from engine.drivers.errors import CommandErrorException

if TYPE_CHECKING:
    from engine.drivers.base import UnderlayDriver as _Driver
else:  # a mixin: at run time its methods come before UnderlayDriver's in the MRO
    _Driver = object

CLI_ENCODINGS = ("text", "json")
PING_INTERVAL = 0.2  # s between probes (iputils' default is 1 s): 5 probes take under 1 s
NOT_INSTALLED = 127  # exit status of the probes' script when the binary is missing
TIMED_OUT = 124  # coreutils timeout(1)
PROBE_MARGIN = 2  # s the probes leave of the driver's timeout for SSH itself
ENVIRONMENT_SAMPLE = 0.5  # s between the two reads of /proc/stat
BGP_BATCH = 200  # prefixes per vtysh call for their BGP paths: keeps its argv short
CPU_LINES = "grep '^cpu[0-9]' /proc/stat"
SENSOR_FILES = (
    "/sys/class/thermal/thermal_zone*/type /sys/class/thermal/thermal_zone*/temp"
    " /sys/class/thermal/thermal_zone*/trip_point_* /sys/class/hwmon/hwmon*/name"
    " /sys/class/hwmon/hwmon*/fan*_input /sys/class/hwmon/hwmon*/fan*_alarm"
)
# sections separated by parse_ops.ENV_SECTION; grep -s: globs that match nothing are no error
_SECTION = parse_ops.ENV_SECTION
ENVIRONMENT_SCRIPT = (
    f"{CPU_LINES}; echo {_SECTION}; sleep {ENVIRONMENT_SAMPLE}; {CPU_LINES}; echo {_SECTION};"
    f" cat /proc/meminfo; echo {_SECTION}; grep -s . {SENSOR_FILES} || true"
)


class Operational(_Driver):
    """The getters both drivers share: they read the Linux kernel, FRR or not."""

    def cli(self, commands: list[str], encoding: str = "text") -> dict[str, str | Any]:
        """{command: output}: frr runs each command in vtysh, linux in the login user's shell.
        encoding="json" parses each output as JSON (frr: FRR's ` json` form of the command;
        several JSON values one after another come as a list); NotImplementedError for other
        encodings, CommandErrorException for a command that fails or prints no JSON.
        Example (frr): {"show version": "FRRouting 8.4.4 (fra1-leaf04) on Linux(6.1.0).\n..."};
        cli(["show ip route 198.19.0.11/32"], "json") -> {"show ip route 198.19.0.11/32":
        {"198.19.0.11/32": [{"prefix": "198.19.0.11/32", "protocol": "bgp", ...}]}}"""
        if encoding not in CLI_ENCODINGS:
            raise NotImplementedError(f"cli encoding {encoding!r}: only 'text' and 'json'")
        return {command: self._cli_one(command, encoding) for command in commands}

    def _cli_one(self, command: str, encoding: str) -> str | Any:
        out = self._check(self._cli_shell(command, encoding))
        if encoding == "text":
            return out
        documents = parse_ops.json_documents(out)
        if not documents:
            raise CommandErrorException(f"{self.hostname}: {command!r} printed no JSON")
        return documents[0] if len(documents) == 1 else documents

    def _cli_shell(self, command: str, encoding: str) -> str:
        raise NotImplementedError  # the platform's mixin says where a cli command runs

    def get_interfaces_counters(self) -> dict[str, models.InterfaceCounterDict]:
        """The kernel's counters (see parse_ops.counters for what it does not count). Example:
        {"eth1": {"tx_errors": 0, "rx_errors": 0, "tx_discards": 0, "rx_discards": 1,
        "tx_octets": 5861, "rx_octets": 5790, "tx_unicast_packets": 41,
        "rx_unicast_packets": 40, "tx_multicast_packets": 0, "rx_multicast_packets": 0,
        "tx_broadcast_packets": 0, "rx_broadcast_packets": 0}}"""
        return parse_ops.counters(json.loads(self._check("ip -j -s link show")))

    def get_arp_table(self, vrf: str = "") -> list[models.ARPTableDict]:
        """The kernel's IPv4 neighbours with a MAC address; vrf "" = all, "default"/"global" =
        those outside any VRF, else that VRF's (CommandErrorException when there is no such
        VRF). age: seconds since the kernel last confirmed the neighbour, -1.0 for static
        entries. Example: [{"interface": "eth1", "mac": "A2:33:D5:36:17:F3",
        "ip": "198.18.1.6", "age": 16.0}]"""
        out = self._check(f"ip -j -4 -s neigh show{_neigh_filter(vrf)}")
        return parse_ops.arp_table(json.loads(out or "[]"))

    def get_environment(self) -> models.EnvironmentDict:
        """cpu over a 0.5 s sample, memory in bytes, thermal zones, hwmon fans; power {}.
        In the lab every node is a namespace of one host: cpu, memory and sensors are the
        host's. Example: {"fans": {}, "temperature": {}, "power": {},
        "cpu": {0: {"%usage": 4.0}, 1: {"%usage": 2.0}},
        "memory": {"available_ram": 25276510208, "used_ram": 798449664}}"""
        return parse_ops.environment(self._check(ENVIRONMENT_SCRIPT))

    def ping(
        self,
        destination: str,
        source: str = c.PING_SOURCE,
        ttl: int = c.PING_TTL,
        timeout: int = c.PING_TIMEOUT,
        size: int = c.PING_SIZE,
        count: int = c.PING_COUNT,
        vrf: str = c.PING_VRF,
        source_interface: str = c.PING_SOURCE_INTERFACE,
    ) -> models.PingResultDict:
        """iputils ping on the device, probes 0.2 s apart; `timeout`: seconds to wait for a
        reply; `source` or `source_interface` (not both) go to `-I`. packet_loss counts lost
        probes. "success" once probes were sent, also when none came back. Example:
        {"success": {"probes_sent": 5, "packet_loss": 0, "rtt_min": 0.042, "rtt_max": 0.663,
        "rtt_avg": 0.17, "rtt_stddev": 0.246, "results": [{"ip_address": "198.18.1.6",
        "rtt": 0.663}, ...]}}, or {"error": "ping: connect: Network is unreachable"}"""
        if source and source_interface:
            return {"error": "give source or source_interface, not both"}
        words = ["-n", "-c", str(count), "-i", str(PING_INTERVAL), "-W", str(timeout)]
        words += ["-s", str(size), "-t", str(ttl)]
        words += ["-I", source or source_interface] if source or source_interface else []
        done = self._probe("ping", [*words, destination], vrf)
        return parse_ops.ping(done[0], done[1]) if isinstance(done, tuple) else done

    def traceroute(
        self,
        destination: str,
        source: str = c.TRACEROUTE_SOURCE,
        ttl: int = c.TRACEROUTE_TTL,
        timeout: int = c.TRACEROUTE_TIMEOUT,
        vrf: str = c.TRACEROUTE_VRF,
    ) -> models.TracerouteResultDict:
        """traceroute (Debian's `traceroute` package) on the device, 3 UDP probes per hop,
        addresses only (the host name is the address); a probe without answer is
        {"rtt": 0.0, "ip_address": "*", "host_name": "*"}. Example: {"success": {1: {"probes":
        {1: {"rtt": 0.189, "ip_address": "198.18.1.6", "host_name": "198.18.1.6"}, 2: {...},
        3: {...}}}, 2: {...}}}, or {"error": "traceroute is not installed on the device"}"""
        words = ["-n", "-q", "3", "-m", str(ttl), "-w", str(timeout)]
        words += ["-s", source] if source else []
        done = self._probe("traceroute", [*words, destination], vrf)
        return parse_ops.traceroute(done[0], done[1]) if isinstance(done, tuple) else done

    def _probe(self, binary: str, args: list[str], vrf: str) -> tuple[str, str] | dict[str, str]:
        """(stdout, stderr) of `binary` run with `args`, or napalm's {"error": ...} when it is
        missing or outlives the driver's timeout (it is stopped then)."""
        if args[-1].startswith("-"):
            return {"error": f"not a destination: {args[-1]!r}"}
        budget = max(int(self.timeout) - PROBE_MARGIN, 1)
        done = self._run(probe_script(binary, args, vrf, budget))
        if done.status == NOT_INSTALLED:
            return {"error": f"{binary} is not installed on the device"}
        if done.status == TIMED_OUT:
            return {"error": f"{binary} did not finish within {budget} s (the driver's timeout)"}
        return done.stdout, done.stderr


class FrrOperational(Operational):
    """frr: cli commands go to vtysh, routes come from zebra's RIB with bgpd's attributes."""

    def _cli_shell(self, command: str, encoding: str) -> str:
        """Every command goes to vtysh (FRR's CLI; shell commands are the linux driver's)."""
        json_form = encoding == "json" and not command.rstrip().endswith(" json")
        return vtysh([f"{command} json" if json_form else command])

    def get_route_to(
        self, destination: str = "", protocol: str = "", longer: bool = False
    ) -> dict[str, list[models.RouteDict]]:
        """zebra's routes in every VRF: to an address (the longest match), a prefix (exactly,
        or with `longer` also the more specific ones) or all ("" - both families); BGP routes
        with their path attributes (see parse_ops.frr_routes and bgp_attributes). Example:
        {"198.19.0.11/32": [{"protocol": "bgp", "current_active": True, "last_active": True,
        "age": 9, "next_hop": "198.18.1.6", "outgoing_interface": "eth1",
        "selected_next_hop": True, "preference": 20, "inactive_reason": "",
        "routing_table": "default", "protocol_attributes": {"local_as": 65014,
        "remote_as": 65001, "peer_id": "198.19.0.1", "remote_address": "198.18.1.6",
        "as_path": "65001 65011", "communities": [], "local_preference": 100,
        "preference2": 0, "metric": 0, "metric2": 0}}]}"""
        commands = route_commands(destination, longer)
        routes = parse_ops.frr_routes(self._vtysh_documents(commands), protocol)
        for (vrf, family), prefixes in parse_ops.bgp_lookups(routes).items():
            documents = self._bgp_documents(vrf, family, prefixes)
            routes = parse_ops.with_bgp_attributes(routes, vrf, documents)
        return routes

    def _bgp_documents(self, vrf: str, family: str, prefixes: list[str]) -> list[Any]:
        """The summary and the paths of `prefixes`, BGP_BATCH prefixes per vtysh call."""
        batches = [prefixes[i : i + BGP_BATCH] for i in range(0, len(prefixes), BGP_BATCH)]
        return [d for b in batches for d in self._vtysh_documents(bgp_commands(vrf, family, b))]

    def _vtysh_documents(self, commands: list[str]) -> list[Any]:
        """The JSON values that vtysh printed for `commands` (FRR prints a `%` message instead
        of JSON for a prefix not in a table: no value for it)."""
        done = self._run(vtysh(commands))
        documents = parse_ops.json_documents(done.stdout)
        if done.status != 0 and not documents and "not in table" not in done.stdout:
            said = (done.stderr or done.stdout).strip()
            raise CommandErrorException(f"{self.hostname}: vtysh failed: {said}")
        return documents


class LinuxOperational(Operational):
    """linux: cli commands are shell commands, routes come from the kernel's main table."""

    def _cli_shell(self, command: str, encoding: str) -> str:
        """Every command is a shell command of the login user; "json" parses what it prints
        (the command chooses its JSON form: `ip -j addr`)."""
        return command

    def get_route_to(
        self, destination: str = "", protocol: str = "", longer: bool = False
    ) -> dict[str, list[models.RouteDict]]:
        """The kernel's main table (VRF tables are not read): to an address (the longest
        match), a prefix (exactly, or with `longer` also the more specific ones) or all ("").
        See parse_ops.kernel_routes. Example: {"198.18.0.0/24": [{"protocol": "kernel",
        "current_active": True, "last_active": True, "age": -1, "next_hop": "",
        "outgoing_interface": "mgmt0", "selected_next_hop": True, "preference": 0,
        "inactive_reason": "", "routing_table": "default", "protocol_attributes": {}}]}"""
        found: dict[str, list[models.RouteDict]] = {}
        for version, selector in kernel_route_queries(destination, longer):
            out = self._check(f"ip -j -{version} route show table main{selector}")
            found |= parse_ops.kernel_routes(json.loads(out or "[]"), version, protocol)
        is_address = bool(destination) and "/" not in destination and not longer
        return parse_ops.longest_match(found) if is_address else found


def vtysh(commands: list[str]) -> str:
    return "vtysh " + " ".join(f"-c {q(command)}" for command in commands)


def _network(destination: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """ValueError for anything but an address or a prefix."""
    return ipaddress.ip_network(destination, strict=False)


def route_commands(destination: str, longer: bool) -> list[str]:
    """vtysh commands for get_route_to. Example: ("198.19.0.0/16", True) ->
    ["show ip route vrf all 198.19.0.0/16 longer-prefixes json"]"""
    if not destination:
        return ["show ip route vrf all json", "show ipv6 route vrf all json"]
    network = _network(destination)
    family = "ip" if network.version == 4 else "ipv6"
    if longer:
        return [f"show {family} route vrf all {network.with_prefixlen} longer-prefixes json"]
    target = network.with_prefixlen if "/" in destination else str(network.network_address)
    return [f"show {family} route vrf all {target} json"]


def bgp_commands(vrf: str, family: str, prefixes: list[str]) -> list[str]:
    """The summary (local and remote AS) and each prefix's paths, of one VRF and family."""
    table = f"show bgp vrf {vrf} {family} unicast"
    return [f"{table} summary json", *(f"{table} {prefix} json" for prefix in prefixes)]


def kernel_route_queries(destination: str, longer: bool) -> list[tuple[int, str]]:
    """(IP version, `ip route show` selector) pairs. Example: ("198.18.0.0/15", True) ->
    [(4, " root 198.18.0.0/15")]"""
    if not destination:
        return [(4, ""), (6, "")]
    network = _network(destination)
    if longer:
        return [(network.version, f" root {network.with_prefixlen}")]
    if "/" in destination:
        return [(network.version, f" exact {network.with_prefixlen}")]
    return [(network.version, f" match {network.network_address}")]


def _neigh_filter(vrf: str) -> str:
    if not vrf:
        return ""
    if vrf in ("default", "global"):
        return " nomaster"
    return f" vrf {q(vrf)}"


def probe_script(binary: str, args: list[str], vrf: str, budget: int) -> str:
    """A shell command: exit 127 when `binary` is missing, else `binary` stopped after
    `budget` seconds (exit 124), in `vrf` (root: `ip vrf exec`) when one is given. Example:
    ("ping", ["-c", "5", "198.18.1.1"], "", 8) -> "command -v ping >/dev/null || exit 127;
    timeout 8 ping -c 5 198.18.1.1" """
    in_vrf = f"sudo -n ip vrf exec {q(vrf)} " if vrf else ""
    command = " ".join(q(word) for word in [binary, *args])
    missing = f"command -v {binary} >/dev/null || exit {NOT_INSTALLED}"
    return f"{missing}; timeout {budget} {in_vrf}{command}"
