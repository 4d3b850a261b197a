"""Reusable field types of the inventory format: names, ASNs, durations, VLAN ids."""

from __future__ import annotations

import re
import socket
from datetime import timedelta
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Interface, IPv6Interface
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    WithJsonSchema,
)

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
Name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=63)]
"""An object name: letters, digits, dot, dash, underscore; usable as a hostname label."""

IFNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9/:._@-]*$"
IfName = Annotated[
    str,
    Field(
        pattern=IFNAME_PATTERN,
        max_length=64,
        description="an interface name as the device's platform spells it (eth0, "
        "GigabitEthernet0/0/1, Gi0/0/1.100, ge-0/0/0.0, Ethernet1/1, Port-channel10); "
        "abbreviations name the same port",
    ),
]
"""An interface name; validate checks it against the device's platform (engine.model.ifnames)."""

ASN = Annotated[StrictInt, Field(ge=1, le=4_294_967_295)]
VlanId = Annotated[StrictInt, Field(ge=1, le=4094)]
Port = Annotated[StrictInt, Field(ge=1, le=65535)]
Mtu = Annotated[StrictInt, Field(ge=68, le=65535)]
Bool = StrictBool
Int = StrictInt
NonNegative = Annotated[StrictInt, Field(ge=0)]
Percent = Annotated[float, Field(gt=0, le=100)]

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
DURATION_PATTERN = r"^(?=\d)(\d+d)?(\d+h)?(\d+m)?$"


def parse_duration(value: Any) -> timedelta:
    """'4h' -> 4 hours; '1d12h' -> 36 hours; '30m' -> 30 minutes."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError("a duration is a string such as 30m, 4h or 1d12h")
    match = _DURATION.match(value.strip())
    if not value.strip() or match is None or not any(match.groups()):
        raise ValueError(f"{value!r} is not a duration such as 30m, 4h or 1d12h")
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def format_duration(value: timedelta) -> str:
    minutes = int(value.total_seconds()) // 60
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n}{u}" for n, u in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return "".join(parts) or "0m"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "a duration such as 30m, 4h or 1d12h",
        }
    ),
]


_BANDWIDTH = re.compile(r"^(\d+(?:\.\d+)?)([KMGT])$")
_UNITS = {"K": 0.001, "M": 1, "G": 1000, "T": 1_000_000}


def parse_bandwidth(value: Any) -> float:
    """'10G' -> 10000.0 Mbit/s; '500M' -> 500.0; '2.5G' -> 2500.0."""
    if isinstance(value, float):  # already parsed (a model copied or re-validated)
        return value
    match = _BANDWIDTH.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not a bandwidth such as 100M, 1G, 2.5G or 10G")
    return float(match[1]) * _UNITS[match[2]]


def format_bandwidth(mbps: float) -> str:
    for unit, factor in (("T", 1_000_000), ("G", 1000), ("M", 1)):
        if mbps >= factor:
            return f"{mbps / factor:g}{unit}"
    return f"{mbps * 1000:g}K"


Bandwidth = Annotated[
    float,
    BeforeValidator(parse_bandwidth),
    PlainSerializer(format_bandwidth, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d+(\.\d+)?[KMGT]$",
            "description": "a bandwidth in bit/s with its unit: 500M, 1G, 2.5G, 10G",
        }
    ),
]


def _hostname_or_ip(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9:._-]+", value):
        raise ValueError(f"{value!r} is neither a host name nor an IP address")
    return value


HostOrIP = Annotated[str, AfterValidator(_hostname_or_ip), Field(min_length=1, max_length=253)]


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_DOTTED = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
_WITH_PREFIX = re.compile(rf"({_OCTET}(?:\.{_OCTET}){{3}})/(3[0-2]|[12]?\d)")


def _int(dotted: str) -> int:
    return int.from_bytes(socket.inet_aton(dotted), "big")


@lru_cache(maxsize=65536)
def _ipv4(value: str) -> IPv4Address | str:
    # the strict pattern first: inet_aton alone would accept "10.1" or "010.0.0.1"
    return IPv4Address(_int(value)) if _DOTTED.fullmatch(value) else value


def _cached_ipv4(value: Any) -> Any:
    """Addresses are parsed from their int form (ipaddress parses strings slowly), and NTP, DNS
    and syslog servers repeat in every object, so each is parsed once. Anything that does not
    match the strict dotted form goes on to the field's own validator, which reports it."""
    return _ipv4(value) if isinstance(value, str) else value


def _fast_ipv4_interface(value: Any) -> Any:
    if isinstance(value, str) and (match := _WITH_PREFIX.fullmatch(value)):
        return IPv4Interface((_int(match[1]), int(match[2])))
    return _with_prefix(value, "198.18.1.0/31 for a link, 198.19.0.1/32 for a loopback")


def _with_prefix(value: Any, example: str) -> Any:
    """An interface address names its subnet: without a prefix length it would silently be a
    host route (/32, /128), never what a link needs."""
    if isinstance(value, str) and "/" not in value:
        raise ValueError(
            f"{value!r} has no prefix length: write it as address/length, e.g. {example}"
        )
    return value


def _v6_prefix(value: Any) -> Any:
    return _with_prefix(value, "2001:db8::1/64 for a link, 2001:db8::1/128 for a loopback")


IPv4 = Annotated[IPv4Address, BeforeValidator(_cached_ipv4)]
IPv4If = Annotated[
    IPv4Interface,
    BeforeValidator(_fast_ipv4_interface),
    WithJsonSchema({"type": "string", "format": "ipv4interface", "pattern": r"/\d{1,2}$"}),
]
"""An interface's IPv4 address with its prefix length (198.18.1.0/31)."""
IPv6If = Annotated[
    IPv6Interface,
    BeforeValidator(_v6_prefix),
    WithJsonSchema({"type": "string", "format": "ipv6interface", "pattern": r"/\d{1,3}$"}),
]
"""An interface's IPv6 address with its prefix length (2001:db8::1/64)."""
