"""The engine's own Python rules: checks that look across objects, dates or free text.

Each is registered under the name a rule file uses in `assert: {python: NAME}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from engine.frozen import Frozen
from engine.model.inventory import (
    Cable,
    Contract,
    ContractKind,
    Media,
    Server,
    ServerKind,
    Service,
    Sla,
    SupportHours,
)
from engine.standards.model import Kind
from engine.standards.objects import Target
from engine.standards.registry import Context, Extracts, Hit, facts_rule, python_rule


class Params(Frozen):
    """A built-in rule's parameters (from its `params:` in the rule file)."""


# ---------------------------------------------------------------- naming
@python_rule("name-site-prefix", placeholders=("site",), register=True, scope="object")
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
_MISSING = object()


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
# `ssh_keys` and `community` fields themselves do not count; "key" only as in api_key,
# access-key or pre-shared-key: public SSH keys often hold the word).
_LITERALS = (
    "pass", "pwd", "secret", "key", "token", "psk", "communit", "-----begin", "$", "://",
    "bearer", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "glpat-", "akia", "xox", "eyj",
)  # fmt: skip
_QUICK = re.compile(  # on the lower-cased text: (?i) would make it ten times slower
    r'pass|pwd|secret|(?:api|access)[_-]?key|shared-key|token|psk'
    r'|communit(?:y(?!")|y":"(?:public|private)")'
    r"|-----begin|\$[0-9a-z]{1,2}\$|://[^\s/\"]*@|bearer|gh[pousr]_|glpat-|akia|xox|eyj"
)


_COMPILED: dict[int, tuple[SecretParams, tuple[re.Pattern[str], list[Any]]]] = {}


def _secret_regex(
    params: SecretParams,
) -> tuple[re.Pattern[str], list[tuple[str, re.Pattern[str]]]]:
    """The quick filter and the named patterns (compiled once per params: `check` calls the
    rule once per object)."""
    found = _COMPILED.get(id(params))
    if found is None or found[0] is not params:
        found = _COMPILED[id(params)] = (params, _compile_secrets(params))
    return found[1]


def _compile_secrets(
    params: SecretParams,
) -> tuple[re.Pattern[str], list[tuple[str, re.Pattern[str]]]]:
    named = [(w, re.compile(p)) for w, p in {**SECRET_PATTERNS, **params.extra_patterns}.items()]
    if params.extra_patterns:  # unknown patterns: no quick filter can be derived
        return re.compile(""), named
    return _QUICK, named


def _maybe_secret(text: str, quick: re.Pattern[str] = _QUICK) -> bool:
    """False when no secret pattern can match any value in this JSON text."""
    lowered = text.lower()
    return any(word in lowered for word in _LITERALS) and quick.search(lowered) is not None


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
    return json.dumps(obj, default=str, separators=(",", ":"))  # as pydantic writes it


_MERGED = (Kind.DEVICE, Kind.SERVER)  # objects whose values may come from groups


@python_rule(
    "no-plaintext-secrets",
    params=SecretParams,
    placeholders=("what",),
    register=True,
    scope="object",
)
def no_plaintext_secrets(targets: Sequence[Target], ctx: Context) -> Iterator[Hit]:
    """Scans every string value for passwords, keys, tokens and SNMP communities."""
    quick, named = _secret_regex(ctx.params)
    seen: dict[tuple[tuple[Any, ...], str], Any] = {}
    for t in targets:
        if not _maybe_secret(_as_json(t.obj), quick):
            continue
        source = ctx.inventory.sources.get((t.kind, t.name))
        for path, text in _strings(t.obj, ()):
            what = seen.get((path[-1:], text), _MISSING)
            if what is _MISSING:  # inherited values repeat: each is matched once
                what = seen[(path[-1:], text)] = _what(path, text, named)
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
    scope="object",
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
    scope="object",
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
# The rules across objects are FactsRules (engine.standards.registry): `extract` keeps the few
# values of one object they need (cached with its file), the join runs on every check.
class SupportParams(Params):
    contract_kinds: list[ContractKind] = Field(
        default_factory=lambda: [ContractKind.SUPPORT, ContractKind.MAINTENANCE]
    )


def _extract(target: Target, params: Any) -> Any:
    """What the support, cabling and hypervisor rules need of one object, as plain data."""
    obj = target.obj
    if isinstance(obj, Contract):
        covers = (tuple(obj.covers.devices), tuple(obj.covers.servers))
        return (str(obj.kind), obj.starts.toordinal(), obj.ends.toordinal(), obj.sla, *covers)
    if isinstance(obj, Sla):
        return _sla_facts(obj)
    if isinstance(obj, Service):
        return (obj.sla, tuple(obj.depends_on.devices), tuple(obj.depends_on.servers))
    if isinstance(obj, Cable):
        return ((obj.a.device, obj.a.port), (obj.b.device, obj.b.port), str(obj.media))
    if isinstance(obj, Server):
        return (obj.site, obj.kind is ServerKind.VIRTUAL, obj.host)
    return obj.site  # a device


def _support(
    extracts: Extracts, today: date, kinds: list[ContractKind]
) -> dict[tuple[str, str], list[str]]:
    """(kind, name) -> the active support contracts covering it (as the contracts declare)."""
    wanted, day = {str(k) for k in kinds}, today.toordinal()
    found: dict[tuple[str, str], list[str]] = {}
    for cid, (kind, starts, ends, _, devices, servers) in extracts["contract"].items():
        if kind in wanted and starts <= day <= ends:
            for name in devices:
                found.setdefault(("device", name), []).append(cid)
            for name in servers:
                found.setdefault(("server", name), []).append(cid)
    return found


def _virtual(extracts: Extracts, kind: str, name: str) -> bool:
    server = extracts["server"].get(name) if kind == "server" else None
    return server is not None and server[1]


@facts_rule(
    "support-coverage",
    _extract,
    reads=(Kind.CONTRACT, Kind.SERVER),
    params=SupportParams,
    placeholders=("contract_kinds",),
    register=True,
)
def support_coverage(
    selected: Sequence[tuple[str, str]], extracts: Extracts, ctx: Context
) -> Iterator[Hit]:
    """Covered by an active support contract (a virtual server through its host)."""
    covered = _support(extracts, ctx.today, ctx.params.contract_kinds)
    kinds = " or ".join(str(k) for k in ctx.params.contract_kinds)
    for kind, name in selected:
        if not _virtual(extracts, kind, name) and (kind, name) not in covered:
            yield Hit(kind, name, ("contracts",), {"contract_kinds": kinds}, key=True)


_HOURS = {SupportHours.BUSINESS: 0, SupportHours.EXTENDED: 1, SupportHours.H24X7: 2}
SlaFacts = tuple[float, str, float]  # availability %, support hours, P1 response in seconds


def _sla_facts(sla: Sla) -> SlaFacts:
    return (sla.availability_pct, str(sla.hours), sla.response.p1.total_seconds())


def sla_gaps(offered: Sla, needed: Sla) -> list[str]:
    """Where `offered` is weaker than `needed` (empty: at least as strong)."""
    return _gaps(_sla_facts(offered), _sla_facts(needed))


def _gaps(offered: SlaFacts, needed: SlaFacts) -> list[str]:
    (o_pct, o_hours, o_p1), (n_pct, n_hours, n_p1) = offered, needed
    gaps = []
    if o_pct < n_pct:
        gaps.append(f"availability {o_pct}% < {n_pct}%")
    if _HOURS[SupportHours(o_hours)] < _HOURS[SupportHours(n_hours)]:
        gaps.append(f"hours {o_hours} < {n_hours}")
    if o_p1 > n_p1:
        gaps.append(f"P1 response {o_p1 / 3600:g}h > {n_p1 / 3600:g}h")
    return gaps


def _dependants(extracts: Extracts) -> dict[tuple[str, str], dict[str, str]]:
    """(kind, name) -> {service: via}: what each object carries, virtual servers via their host
    (via is "" when the service depends on the object directly)."""
    servers = extracts["server"]
    found: dict[tuple[str, str], dict[str, str]] = {}
    for sname, (_, devices, names) in extracts["service"].items():
        for name in devices:
            found.setdefault(("device", name), {})[sname] = ""
        for name in names:
            server = servers.get(name)
            if server is not None and server[1] and server[2]:
                found.setdefault(("server", server[2]), {}).setdefault(sname, f" via {name}")
            else:
                found.setdefault(("server", name), {})[sname] = ""
    return found


def _best(extracts: Extracts, contracts: list[str]) -> tuple[str, str, SlaFacts] | None:
    """The contract with the strongest SLA: (contract, its SLA's name, the SLA)."""
    slas = extracts["sla"]
    with_sla = [
        (cid, sla, slas[sla]) for cid in contracts if (sla := extracts["contract"][cid][3]) in slas
    ]
    return max(
        with_sla,
        key=lambda x: (x[2][0], _HOURS[SupportHours(x[2][1])], -x[2][2]),
        default=None,
    )


@facts_rule(
    "support-sla",
    _extract,
    reads=(Kind.CONTRACT, Kind.SLA, Kind.SERVICE, Kind.SERVER),
    params=SupportParams,
    placeholders=("contract", "contract_sla", "service", "service_sla", "via", "gaps"),
    register=True,
)
def support_sla(
    selected: Sequence[tuple[str, str]], extracts: Extracts, ctx: Context
) -> Iterator[Hit]:
    """The support contract's SLA is at least as strong as every dependent service's."""
    covered = _support(extracts, ctx.today, ctx.params.contract_kinds)
    carried = _dependants(extracts)
    services, slas = extracts["service"], extracts["sla"]
    for kind, name in selected:
        carries = carried.get((kind, name))
        best = _best(extracts, covered.get((kind, name), [])) if carries else None
        if best is None:
            continue  # nothing depends on it, or support-coverage reports it
        for service, via in carries.items():  # type: ignore[union-attr]
            service_sla = services[service][0]
            needed = slas.get(service_sla)
            gaps = _gaps(best[2], needed) if needed is not None else []
            if gaps:
                values = {
                    "contract": best[0],
                    "contract_sla": best[1],
                    "service": service,
                    "service_sla": service_sla,
                    "via": via,
                    "gaps": "; ".join(gaps),
                }
                yield Hit(kind, name, ("contracts",), values, key=True)


@python_rule(
    "contract-renewal", placeholders=("ends", "days", "notice"), register=True, scope="object"
)
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


@facts_rule(
    "cable-intersite-media",
    _extract,
    reads=(Kind.CABLE, Kind.DEVICE, Kind.SERVER),
    params=MediaParams,
    placeholders=("media", "site_a", "site_b", "allowed"),
    register=True,
)
def cable_intersite_media(
    selected: Sequence[tuple[str, str]], extracts: Extracts, ctx: Context
) -> Iterator[Hit]:
    """A cable between two sites uses one of the allowed media."""
    allowed = {str(m) for m in ctx.params.media}
    for _, cid in selected:
        (a, _), (b, _), media = extracts["cable"][cid]
        site_a, site_b = _site(extracts, a), _site(extracts, b)
        if site_a is None or site_b is None or site_a == site_b or media in allowed:
            continue
        values = {
            "media": media,
            "site_a": site_a,
            "site_b": site_b,
            "allowed": ", ".join(str(m) for m in ctx.params.media),
        }
        yield Hit("cable", cid, ("media",), values, key=False)


def _site(extracts: Extracts, name: str) -> str | None:
    """A cable end's site (a device's or a server's)."""
    device = extracts["device"].get(name)
    if device is not None:
        return str(device)
    server = extracts["server"].get(name)
    return None if server is None else str(server[0])


def _ports(target: Target, params: Any) -> Any:
    """A cable's ends, or a device's or server's interface descriptions (None: none)."""
    obj = target.obj
    if isinstance(obj, Cable):
        return ((obj.a.device, obj.a.port), (obj.b.device, obj.b.port))
    return {name: itf.description for name, itf in obj.interfaces.items()}


@facts_rule(
    "cable-end-descriptions",
    _ports,
    reads=(Kind.CABLE, Kind.DEVICE, Kind.SERVER),
    placeholders=("port", "far_end", "cable"),
    register=True,
)
def cable_end_descriptions(
    selected: Sequence[tuple[str, str]], extracts: Extracts, ctx: Context
) -> Iterator[Hit]:
    """Both cabled interfaces describe the far end as `to NAME:PORT`."""
    devices, servers = extracts["device"], extracts["server"]
    for _, cid in selected:
        ends = extracts["cable"][cid]
        for (device, port), far in (ends, ends[::-1]):
            kind = "device" if device in devices else "server"
            ports = devices.get(device) or servers.get(device) or {}
            if port not in ports:
                continue  # validate reports undeclared ports
            description = ports[port]
            far_end = f"{far[0]}:{far[1]}"
            if not names_far_end(description or "", far_end):
                path = ("interfaces", port) + (("description",) if description else ())
                values = {"port": port, "far_end": far_end, "cable": cid}
                yield Hit(kind, device, path, values, key=not description)


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
@facts_rule(
    "hypervisor-same-site",
    _extract,
    reads=(Kind.SERVER,),
    placeholders=("host", "host_site"),
    register=True,
)
def hypervisor_same_site(
    selected: Sequence[tuple[str, str]], extracts: Extracts, ctx: Context
) -> Iterator[Hit]:
    """A virtual server runs on a hypervisor in its own site."""
    servers = extracts["server"]
    for kind, name in selected:
        site, virtual, host = servers.get(name) or (None, False, None)
        found = servers.get(host or "")
        if kind == "server" and virtual and found is not None and found[0] != site:
            yield Hit(kind, name, ("host",), {"host": host, "host_site": found[0]}, key=False)
