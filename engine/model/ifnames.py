"""Interface names as each platform spells them, as data: what a name looks like there, and
the one canonical spelling that abbreviations (Gi0/1, as LLDP often reports a port) map to.

Abbreviations are netutils' (`netutils.constants.BASE_INTERFACES`), matched with their case
first and then without regard to it; `spelling` says where a
platform writes netutils' canonical name differently (NX-OS `port-channel10`, EOS
`Port-Channel10`, IOS XR `TenGigE0/0/0/0`). Linux, FRR and Junos names have no abbreviations:
they compare exactly.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import cache, lru_cache

from netutils.constants import BASE_INTERFACES
from netutils.interface import canonical_interface_name

from engine.frozen import Frozen

_SPLIT = re.compile(r"^([^\d]+)(\d.*)$")  # base, then from the first digit on
_NUM = r"\d+(?:/\d+)*"
_SUB = r"(?:\.\d+)?"


class PlatformNames(Frozen):
    """Example: PlatformNames(pattern="^Ethernet\\d+...$", examples=("Ethernet1/1",
    "port-channel10"), abbreviated=True, spelling={"Port-channel": "port-channel"})"""

    pattern: str  # a whole canonical name on this platform
    examples: tuple[str, ...]  # shown when a name does not match
    abbreviated: bool = True  # the platform (and LLDP) abbreviate its names: Gi0/1
    spelling: dict[str, str] = {}  # netutils' canonical base -> this platform's
    extra: dict[str, str] = {}  # more abbreviations (lower case) -> this platform's base


_LINUX = PlatformNames(
    # IFNAMSIZ: at most 15 characters; no slash or blank
    pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.@:-]{0,14}$",
    examples=("eth0", "ens3", "eth1.100", "bond0", "br0", "vlan10", "lo"),
    abbreviated=False,
)
_IOS = PlatformNames(
    pattern=(
        r"^(?:(?:GigabitEthernet|FastEthernet|Ethernet|TwoGigabitEthernet|FiveGigabitEthernet"
        r"|TenGigabitEthernet|TwentyFiveGigE|FortyGigabitEthernet|HundredGigE"
        rf"|AppGigabitEthernet|Serial){_NUM}(?::\d+)?{_SUB}"
        rf"|Port-channel\d+{_SUB}|Vlan\d+|Loopback\d+|Tunnel\d+|BDI\d+|Dialer\d+"
        r"|Virtual-Template\d+|Null0)$"
    ),
    examples=("GigabitEthernet0/0/1", "Gi0/0/1.100", "Port-channel10", "Vlan10", "Loopback0"),
    spelling={"HundredGigabitEthernet": "HundredGigE", "VLAN": "Vlan"},
)
_IOSXR = PlatformNames(
    pattern=(
        r"^(?:(?:GigabitEthernet|TenGigE|TwentyFiveGigE|FortyGigE|FiftyGigE|HundredGigE"
        rf"|TwoHundredGigE|FourHundredGigE)\d+(?:/\d+){{2,3}}{_SUB}"
        rf"|Bundle-Ether\d+{_SUB}|Loopback\d+|MgmtEth\d+/R[S]?P\d+/CPU\d+/\d+|BVI\d+"
        r"|tunnel-ip\d+|Null0)$"
    ),
    examples=("HundredGigE0/0/0/1", "Te0/0/0/0.100", "Bundle-Ether10", "Loopback0",
              "MgmtEth0/RP0/CPU0/0"),
    spelling={
        "TenGigabitEthernet": "TenGigE",
        "FortyGigabitEthernet": "FortyGigE",
        "HundredGigabitEthernet": "HundredGigE",
        "Port-channel": "Bundle-Ether",
        "Management": "MgmtEth",
    },
    extra={"be": "Bundle-Ether", "mg": "MgmtEth", "mgmteth": "MgmtEth", "tengige": "TenGigE"},
)
_NXOS = PlatformNames(
    pattern=(
        rf"^(?:Ethernet\d+/\d+(?:/\d+)?{_SUB}|port-channel\d+{_SUB}|Vlan\d+|loopback\d+"
        r"|mgmt0|Tunnel\d+|nve1)$"
    ),
    examples=("Ethernet1/1", "Eth1/1.100", "port-channel10", "Vlan10", "loopback0", "mgmt0"),
    spelling={
        "Port-channel": "port-channel",
        "Loopback": "loopback",
        "Management": "mgmt",
        "VLAN": "Vlan",
    },
    extra={"eth": "Ethernet", "mgmt": "mgmt"},
)
_EOS = PlatformNames(
    pattern=(
        rf"^(?:Ethernet\d+(?:/\d+){{0,2}}{_SUB}|Port-Channel\d+{_SUB}|Vlan\d+|Loopback\d+"
        r"|Management\d+(?:/\d+)?|Vxlan1|Tunnel\d+)$"
    ),
    examples=("Ethernet1", "Et49/1.100", "Port-Channel10", "Vlan10", "Loopback0",
              "Management1"),
    spelling={"Port-channel": "Port-Channel", "VLAN": "Vlan"},
)
_JUNOS = PlatformNames(
    pattern=(
        rf"^(?:(?:ge|xe|et|fe|mge|xle|fte)-\d+/\d+/\d+(?::\d+)?{_SUB}"
        rf"|(?:gr|ip|lt)-\d+/\d+/\d+{_SUB}"
        rf"|(?:ae\d+|lo0|irb|vlan|fxp[01]|em\d+|me0|reth\d+|st0|vme){_SUB})$"
    ),
    examples=("ge-0/0/0", "xe-0/0/1.100", "et-0/0/48:1", "ae0", "irb.10", "lo0.0", "fxp0"),
    abbreviated=False,
)

# by platform name (NAPALM's names; nxos and iosxe as well, for repositories that use them)
PLATFORMS: dict[str, PlatformNames] = {
    "frr": _LINUX,
    "linux": _LINUX,
    "ios": _IOS,
    "iosxe": _IOS,
    "iosxr": _IOSXR,
    "nxos": _NXOS,
    "nxos_ssh": _NXOS,
    "eos": _EOS,
    "junos": _JUNOS,
}


@cache
def _bases(platform: str) -> tuple[dict[str, str], dict[str, str]]:
    """Abbreviation or base -> this platform's spelling of the base: as written, and in lower
    case (where netutils' PO (POS) and Po (Port-channel) meet, the mixed-case one wins)."""
    names = PLATFORMS[platform]
    exact = {short: names.spelling.get(base, base) for short, base in BASE_INTERFACES.items()}
    exact.update({base: base for base in names.spelling.values()})
    lower = {k.lower(): v for k, v in sorted(exact.items(), key=lambda kv: not kv[0].isupper())}
    return exact, lower | names.extra


@lru_cache(maxsize=65536)
def canonical(platform: str, name: str) -> str:
    """The platform's own spelling of an interface name: `Gi0/1` -> `GigabitEthernet0/1` on
    ios, `Po10` -> `port-channel10` on nxos_ssh; names of Linux, FRR and Junos as they are.
    An unknown platform gets netutils' generic canonical name."""
    names = PLATFORMS.get(platform)
    if names is None:
        return str(canonical_interface_name(name))
    if not names.abbreviated:
        return name
    split = _SPLIT.match(name)
    if split is None:
        return name
    base, rest = split.groups()
    exact, lower = _bases(platform)
    spelled = exact.get(base) or lower.get(base.lower())
    return f"{spelled}{rest}" if spelled else name


def key(platform: str, name: str) -> str:
    """What two names of one port have in common (case does not tell ports apart on the
    platforms that abbreviate)."""
    spelled = canonical(platform, name)
    return spelled.lower() if platform in PLATFORMS and PLATFORMS[platform].abbreviated else spelled


@lru_cache(maxsize=65536)
def problem(platform: str, name: str) -> str | None:
    """Why `name` is no interface name on `platform` (None: it is one)."""
    names = PLATFORMS.get(platform)
    if names is None or re.match(names.pattern, canonical(platform, name)):
        return None
    shown = ", ".join(names.examples)
    return f"{name!r} is not an interface name on {platform}: names there look like {shown}"


def resolve(platform: str, port: str, declared: Collection[str]) -> str | None:
    """The declared interface that `port` names (exactly, or across abbreviations)."""
    if port in declared:
        return port
    names = PLATFORMS.get(platform)
    if names is not None and not names.abbreviated:
        return None
    wanted = key(platform, port)
    return next((d for d in declared if key(platform, d) == wanted), None)
