"""The engine's own Python rules: checks that look across objects, dates or free text.

Each is registered under the name a rule file uses in `assert: {python: NAME}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from engine.frozen import Frozen
from engine.model.inventory import (
    Contract,
    ContractKind,
    Media,
    Server,
    ServerKind,
    Sla,
    SupportHours,
)
from engine.model.layout import Inventory
from engine.standards.model import Kind
from engine.standards.objects import Target
from engine.standards.registry import Context, Hit, python_rule


class Params(Frozen):
    """A built-in rule's parameters (from its `params:` in the rule file)."""


# ---------------------------------------------------------------- naming
@python_rule("name-site-prefix", placeholders=("site",), register=True)
def name_site_prefix(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """The object's name starts with its site's name and a dash."""
    for t in targets:
        site = getattr(t.obj, "site", None)
        if site is not None and not t.name.startswith(f"{site}-"):
            yield Hit(t.kind, t.name, ("name",), {"site": site})


# ---------------------------------------------------------------- secrets
SECRET_PATTERNS: dict[str, str] = {
    "a private key": r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----",
    "a password or secret assignment": r"(?i)\b(?:pass(?:word|wd|phrase)?|pwd|secret|"
    r"api[_-]?key|access[_-]?key|token|psk|pre-shared-key|community)\b\s*[:=]\s*\S{3,}",
    "a device password line": r"(?i)\b(?:enable\s+)?(?:secret|password)\s+[0-9]\s+\S{4,}",
    "a password hash": r"\$(?:1|2[aby]?|5|6|y)\$[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{8,}",
    "credentials in a URL": r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@",
    "an API token": r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|glpat-[A-Za-z0-9_-]{20,}|"
    r"AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|"
    r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})",
    "a bearer token": r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{20,}",
}
DEFAULT_COMMUNITIES = frozenset({"public", "private"})


class SecretParams(Params):
    extra_patterns: dict[str, str] = Field(
        default={}, description="more patterns: what it is -> regular expression"
    )

    @field_validator("extra_patterns")
    @classmethod
    def _compiles(cls, value: dict[str, str]) -> dict[str, str]:
        for what, pattern in value.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"pattern for {what!r} is not a regular expression: {exc}"
                ) from exc
        return value


# Words and marks every pattern above needs: an object's JSON without any of them is skipped.
# Plain substring tests first (fast), then one regex (JSON keys end in a quote, so the
# `ssh_keys` and `community` fields themselves do not count).
_LITERALS = (
    "pass", "pwd", "secret", "key", "token", "psk", "communit", "-----begin", "$", "://",
    "bearer", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "glpat-", "akia", "xox", "eyj",
)  # fmt: skip
_QUICK = re.compile(
    r'(?i)pass|pwd|secret|key(?!s?")|token|psk|communit(?:y(?!")|y":"(?:public|private)")'
    r"|-----begin|\$[0-9a-z]{1,2}\$|://[^\s/\"]*@|bearer|gh[pousr]_|glpat-|akia|xox|eyj"
)


def _secret_regex(
    params: SecretParams,
) -> tuple[re.Pattern[str], list[tuple[str, re.Pattern[str]]]]:
    named = [(w, re.compile(p)) for w, p in {**SECRET_PATTERNS, **params.extra_patterns}.items()]
    if params.extra_patterns:  # unknown patterns: no quick filter can be derived
        return re.compile(""), named
    return _QUICK, named


def _strings(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name), (*path, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _strings(item, (*path, i))


def _what(path: tuple[Any, ...], text: str, named: list[tuple[str, re.Pattern[str]]]) -> str | None:
    if path and path[-1] == "community" and text.lower() in DEFAULT_COMMUNITIES:
        return "a default SNMP community"
    return next((what for what, regex in named if regex.search(text)), None)


def _as_json(obj: Any) -> str:
    if isinstance(obj, BaseModel):
        return obj.model_dump_json(exclude_none=True)
    return json.dumps(obj, default=str)


_MERGED = (Kind.DEVICE, Kind.SERVER)  # objects whose values may come from groups


@python_rule("no-plaintext-secrets", params=SecretParams, placeholders=("what",), register=True)
def no_plaintext_secrets(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """Scans every string value for passwords, keys, tokens and SNMP communities."""
    quick, named = _secret_regex(ctx.params)
    for t in targets:
        text = _as_json(t.obj)
        lowered = text.lower()
        if not any(word in lowered for word in _LITERALS) or not quick.search(text):
            continue
        source = ctx.inventory.sources.get((t.kind, t.name))
        for path, text in _strings(t.obj, ()):
            what = _what(path, text, named)
            # a value inherited from a group is reported once, on the group
            if what and (
                t.kind not in _MERGED or source is None or source.inherited_from(path) is None
            ):
                yield Hit(t.kind, t.name, path, {"what": what})


# ---------------------------------------------------------------- OS and lifecycle
def _version(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text))


class OsParams(Params):
    minimum: dict[str, str] = Field(description="platform (or OS family) -> minimum version")
    by: Literal["platform", "family"] = "platform"


@python_rule(
    "os-version-minimum",
    params=OsParams,
    placeholders=("version", "minimum", "platform"),
    register=True,
)
def os_version_minimum(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """The OS version is at least the minimum for the platform (or OS family)."""
    for t in targets:
        os = t.obj.os
        key = str(t.obj.platform) if ctx.params.by == "platform" else os.family
        minimum = ctx.params.minimum.get(key)
        if minimum is not None and _version(os.version) < _version(minimum):
            values = {"version": os.version, "minimum": minimum, "platform": key}
            yield Hit(t.kind, t.name, ("os", "version"), values)


class EosParams(Params):
    when: Literal["passed", "upcoming"]
    days: int = Field(default=180, ge=1, description="how far ahead `upcoming` looks")


@python_rule(
    "end-of-support",
    params=EosParams,
    placeholders=("end_of_support", "days"),
    register=True,
)
def end_of_support(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """The hardware's end of support has passed, or falls within the next `days`."""
    for t in targets:
        eos = t.obj.lifecycle.end_of_support
        if eos is None:
            continue
        left = (eos - ctx.today).days
        hit = left < 0 if ctx.params.when == "passed" else 0 <= left < ctx.params.days
        if hit:
            values = {"end_of_support": eos.isoformat(), "days": abs(left)}
            yield Hit(t.kind, t.name, ("lifecycle", "end_of_support"), values)


# ---------------------------------------------------------------- support contracts
class SupportParams(Params):
    contract_kinds: list[ContractKind] = Field(
        default_factory=lambda: [ContractKind.SUPPORT, ContractKind.MAINTENANCE]
    )


def _active(contract: Contract, today: date) -> bool:
    return contract.starts <= today <= contract.ends


def _support(
    inv: Inventory, today: date, kinds: list[ContractKind]
) -> dict[tuple[str, str], list[str]]:
    """(kind, name) -> the active support contracts covering it (as the contracts declare)."""
    found: dict[tuple[str, str], list[str]] = {}
    for cid, contract in inv.contracts.items():
        if contract.kind in kinds and _active(contract, today):
            for name in contract.covers.devices:
                found.setdefault(("device", name), []).append(cid)
            for name in contract.covers.servers:
                found.setdefault(("server", name), []).append(cid)
    return found


def _virtual(t: Target) -> bool:
    return isinstance(t.obj, Server) and t.obj.kind is ServerKind.VIRTUAL


@python_rule(
    "support-coverage", params=SupportParams, placeholders=("contract_kinds",), register=True
)
def support_coverage(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """Covered by an active support contract (a virtual server through its host)."""
    covered = _support(ctx.inventory, ctx.today, ctx.params.contract_kinds)
    kinds = " or ".join(str(k) for k in ctx.params.contract_kinds)
    for t in targets:
        if not _virtual(t) and (t.kind, t.name) not in covered:
            yield Hit(t.kind, t.name, ("contracts",), {"contract_kinds": kinds})


_HOURS = {SupportHours.BUSINESS: 0, SupportHours.EXTENDED: 1, SupportHours.H24X7: 2}


def sla_gaps(offered: Sla, needed: Sla) -> list[str]:
    """Where `offered` is weaker than `needed` (empty: at least as strong)."""
    gaps = []
    if offered.availability_pct < needed.availability_pct:
        gaps.append(f"availability {offered.availability_pct}% < {needed.availability_pct}%")
    if _HOURS[offered.hours] < _HOURS[needed.hours]:
        gaps.append(f"hours {offered.hours} < {needed.hours}")
    if offered.response.p1 > needed.response.p1:
        gaps.append(f"P1 response {_hours(offered.response.p1)} > {_hours(needed.response.p1)}")
    return gaps


def _hours(value: timedelta) -> str:
    return f"{value.total_seconds() / 3600:g}h"


def _dependants(inv: Inventory) -> dict[tuple[str, str], dict[str, str]]:
    """(kind, name) -> {service: via}: what each object carries, virtual servers via their host
    (via is "" when the service depends on the object directly)."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for sname, service in inv.services.items():
        for name in service.depends_on.devices:
            found.setdefault(("device", name), {})[sname] = ""
        for name in service.depends_on.servers:
            server = inv.servers.get(name)
            if server is not None and server.kind is ServerKind.VIRTUAL and server.host:
                found.setdefault(("server", server.host), {}).setdefault(sname, f" via {name}")
            else:
                found.setdefault(("server", name), {})[sname] = ""
    return found


def _best(inv: Inventory, contracts: list[str]) -> tuple[str, Sla] | None:
    with_sla = [
        (cid, inv.slas[c.sla]) for cid in contracts if (c := inv.contracts[cid]).sla in inv.slas
    ]
    return max(
        with_sla,
        key=lambda x: (x[1].availability_pct, _HOURS[x[1].hours], -x[1].response.p1),
        default=None,
    )


@python_rule(
    "support-sla",
    params=SupportParams,
    placeholders=("contract", "contract_sla", "service", "service_sla", "via", "gaps"),
    register=True,
)
def support_sla(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """The support contract's SLA is at least as strong as every dependent service's."""
    inv = ctx.inventory
    covered = _support(inv, ctx.today, ctx.params.contract_kinds)
    carried = _dependants(inv)
    for t in targets:
        best = _best(inv, covered.get((t.kind, t.name), []))
        if best is None:
            continue  # support-coverage reports it
        for service, via in carried.get((t.kind, t.name), {}).items():
            svc = inv.services[service]
            needed = inv.slas.get(svc.sla)
            gaps = sla_gaps(best[1], needed) if needed is not None else []
            if gaps:
                values = {
                    "contract": best[0],
                    "contract_sla": inv.contracts[best[0]].sla,
                    "service": service,
                    "service_sla": svc.sla,
                    "via": via,
                    "gaps": "; ".join(gaps),
                }
                yield Hit(t.kind, t.name, ("contracts",), values)


@python_rule("contract-renewal", placeholders=("ends", "days", "notice"), register=True)
def contract_renewal(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """Today is inside the contract's renewal notice period (before it ends)."""
    for t in targets:
        contract: Contract = t.obj
        left = (contract.ends - ctx.today).days
        if 0 <= left <= contract.renewal_notice_days:
            values = {
                "ends": contract.ends.isoformat(),
                "days": left,
                "notice": contract.renewal_notice_days,
            }
            yield Hit(t.kind, t.name, ("ends",), values)


# ---------------------------------------------------------------- cabling
class MediaParams(Params):
    media: list[Media] = Field(default_factory=lambda: [Media.FIBER_SM, Media.FIBER_MM])


@python_rule(
    "cable-intersite-media",
    params=MediaParams,
    placeholders=("media", "site_a", "site_b", "allowed"),
    register=True,
)
def cable_intersite_media(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """A cable between two sites uses one of the allowed media."""
    for t in targets:
        a, b = ctx.inventory.node(t.obj.a.device), ctx.inventory.node(t.obj.b.device)
        if a is None or b is None or a.site == b.site or t.obj.media in ctx.params.media:
            continue
        values = {
            "media": str(t.obj.media),
            "site_a": a.site,
            "site_b": b.site,
            "allowed": ", ".join(str(m) for m in ctx.params.media),
        }
        yield Hit(t.kind, t.name, ("media",), values)


@python_rule(
    "cable-end-descriptions",
    placeholders=("port", "far_end", "cable"),
    register=True,
)
def cable_end_descriptions(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """Both cabled interfaces describe the far end as `to NAME:PORT`."""
    for t in targets:
        ends = (t.obj.a, t.obj.b)
        for here, far in (ends, ends[::-1]):
            node = ctx.inventory.node(here.device)
            itf = node.interfaces.get(here.port) if node is not None else None
            if itf is None:
                continue  # validate reports undeclared ports
            far_end = f"{far.device}:{far.port}"
            if not names_far_end(itf.description or "", far_end):
                kind = "device" if here.device in ctx.inventory.devices else "server"
                path = ("interfaces", here.port) + (("description",) if itf.description else ())
                values = {"port": here.port, "far_end": far_end, "cable": t.name}
                yield Hit(kind, here.device, path, values, obj=node)


def names_far_end(description: str, far_end: str) -> bool:
    """True when the description says `to NAME:PORT` (not a longer port such as eth10)."""
    needle = f"to {far_end}"
    start = description.find(needle)
    while start >= 0:
        after = description[start + len(needle) : start + len(needle) + 1]
        before = description[start - 1 : start] if start else " "
        if not before.isalnum() and not (after.isalnum() or (after and after in ":._-")):
            return True
        start = description.find(needle, start + 1)
    return False


# ---------------------------------------------------------------- servers
@python_rule("hypervisor-same-site", placeholders=("host", "host_site"), register=True)
def hypervisor_same_site(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """A virtual server runs on a hypervisor in its own site."""
    for t in targets:
        host = ctx.inventory.servers.get(t.obj.host or "")
        if _virtual(t) and host is not None and host.site != t.obj.site:
            yield Hit(t.kind, t.name, ("host",), {"host": host.name, "host_site": host.site})
