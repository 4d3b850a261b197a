"""Diagnostics: problems in the user's data, as values with a source position.

Every stage returns these instead of raising. A view renders them (text, JSON, GitHub, SARIF).
Codes are stable: scripts and CI filter on them, and docs/diagnostics.md lists them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Pos:
    """A place in a file: path relative to the repo, 1-based line and column."""

    path: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Suppression:
    """A standards waiver that covers a finding: it is still reported, but does not fail."""

    pos: Pos  # the waiver in standards/waivers.yaml
    justification: str
    owner: str
    ticket: str
    expires: str  # ISO date


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    pos: Pos
    hint: str = ""
    subject: str = ""  # the object concerned, e.g. "device leaf01"
    related: tuple[Pos, ...] = field(default=())
    waiver: Suppression | None = None
    # a problem of a value inherited from this group (pos is in groups.yaml); `related` then
    # holds where each object in `subjects` lists the group (see fold_inherited)
    inherited_from: str = ""
    subjects: tuple[str, ...] = field(default=())

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.pos.path, self.pos.line, self.pos.col, self.code)


@dataclass(frozen=True, slots=True)
class CodeInfo:
    title: str
    help: str


# The closed catalogue of engine diagnostic codes. Standards findings use their rule ids instead.
CODES: dict[str, CodeInfo] = {
    # Y: reading YAML
    "Y101": CodeInfo("YAML syntax error", "The file is not well-formed YAML."),
    "Y102": CodeInfo("duplicate key", "A mapping has the same key twice; YAML forbids it."),
    "Y103": CodeInfo(
        "tag not allowed",
        "Only the core tags (!!str, !!int, ...) may be used; "
        "tags that construct objects are never executed.",
    ),
    "Y104": CodeInfo(
        "alias expansion too large",
        "Anchors and aliases expand beyond the limit (a 'billion laughs' document).",
    ),
    "Y105": CodeInfo("nesting too deep", "Mappings and sequences are nested beyond the limit."),
    "Y106": CodeInfo("not UTF-8 text", "Inventory files must be UTF-8 text without NUL bytes."),
    "Y107": CodeInfo("empty document", "The file holds no YAML document."),
    "Y108": CodeInfo("wrong document shape", "The top level must be a mapping."),
    "Y109": CodeInfo("file too large", "The file exceeds the size limit for inventory files."),
    "Y110": CodeInfo("several documents", "An inventory file holds exactly one YAML document."),
    "Y111": CodeInfo(
        "unsupported key",
        "Keys must be plain scalars; merge keys (<<) are not "
        "supported: use groups for shared values.",
    ),
    "Y112": CodeInfo("file unreadable", "The file could not be read."),
    # S: schema
    "S201": CodeInfo("invalid value", "A value does not match the schema of its field."),
    "S202": CodeInfo("unknown field", "The field is not part of the inventory format."),
    "S203": CodeInfo("missing field", "A required field is missing."),
    "S204": CodeInfo("unknown file", "The file is not part of the inventory layout."),
    "S205": CodeInfo(
        "interface name not on platform",
        "An interface name is not one the device's platform has (frr/linux: eth0, eth1.100, "
        "bond0; ios: GigabitEthernet0/0/1, Port-channel10, Vlan10; iosxr: HundredGigE0/0/0/1, "
        "Bundle-Ether10; nxos: Ethernet1/1, port-channel10, mgmt0; eos: Ethernet1, "
        "Port-Channel10, Management1; junos: ge-0/0/0.0, ae0, irb.10). Abbreviations "
        "(Gi0/1, Po10, Eth1/1) are accepted.",
    ),
    "S206": CodeInfo(
        "one port, two names",
        "Two interfaces of one device name the same port across abbreviations "
        "(Gi0/1 and GigabitEthernet0/1).",
    ),
    "S207": CodeInfo(
        "verbatim configuration unreadable",
        "A device's `verbatim` text is not its platform's syntax (FRR: one space of "
        "indentation a level, under a section's header line), or its platform takes none.",
    ),
    # R: references between objects
    "R301": CodeInfo("dangling reference", "A name refers to an object that is not declared."),
    "R302": CodeInfo("name mismatch", "A device or server file must be named after its object."),
    "R303": CodeInfo("duplicate name", "Two objects of the same kind share one name."),
    "R304": CodeInfo("group cycle", "Groups include each other in a cycle."),
    # C: consistency
    "C401": CodeInfo(
        "undeclared port",
        "A cable or circuit ends on a port the device does not declare (abbreviations such as "
        "Gi0/1 match the declared GigabitEthernet0/1).",
    ),
    "C402": CodeInfo(
        "port on two cables",
        "One port is the end of more than one cable or circuit (decommissioned ones aside).",
    ),
    "C403": CodeInfo(
        "invalid hypervisor",
        "A virtual server's host must be a physical server with role hypervisor.",
    ),
    "C404": CodeInfo("duplicate address", "One IP address is configured on two interfaces."),
    "C405": CodeInfo(
        "cable subnet mismatch", "The two ends of a cable have IPv4 addresses in different subnets."
    ),
    "C406": CodeInfo(
        "BGP neighbour not connected",
        "A BGP neighbour address lies on no directly connected subnet of the device.",
    ),
    "C407": CodeInfo(
        "BGP remote-as mismatch",
        "A BGP neighbour's remote_as differs from the ASN of the peer device in the inventory.",
    ),
    "C408": CodeInfo("contract dates", "A contract ends before it starts."),
    "C409": CodeInfo("duplicate cable id", "Two cables share one id."),
    "C410": CodeInfo("physical server with host", "Only a virtual server runs on a host."),
    "C411": CodeInfo("duplicate management address", "Two objects share a management address."),
    "C412": CodeInfo(
        "contract coverage mismatch",
        "An object lists a contract that does not "
        "cover it, or a contract covers an object that does not list it.",
    ),
    "C413": CodeInfo("unknown timezone", "A site's timezone is not an IANA time zone name."),
    "C414": CodeInfo(
        "circuit site mismatch",
        "A circuit end names a site, but the device that terminates it is at another site.",
    ),
    "C415": CodeInfo(
        "circuit address mismatch",
        "A circuit end's ipv4 differs from the address of its port, or the two ends of a "
        "circuit that is one link (a transparent circuit, or an access to the provider's "
        "hand-off) are not two addresses of one subnet.",
    ),
    "C416": CodeInfo(
        "duplicate circuit id", "Two circuits have the same provider and circuit id."
    ),
    "C417": CodeInfo(
        "virtual server without host",
        "A virtual server does not name its hypervisor (`host`) yet, e.g. one `underlay "
        "import` found: what runs on which host stays unknown until it is recorded.",
    ),
    # I: intent across objects: what keeps the network from coming up as declared
    "I601": CodeInfo(
        "link MTU mismatch",
        "The two ends of a connected cable or active transparent circuit declare different MTUs.",
    ),
    "I602": CodeInfo(
        "network or broadcast address",
        "An interface address is the network or broadcast address of its subnet (/30 and "
        "larger; a /31 has neither).",
    ),
    "I603": CodeInfo(
        "one-sided BGP session",
        "A BGP neighbour is another device's address, but that device runs no BGP or declares "
        "no neighbour back: the session cannot come up.",
    ),
    "I604": CodeInfo(
        "BGP neighbour is not the peer's address",
        "A BGP neighbour is the device's own address, or an address on a link whose far end "
        "has another address.",
    ),
    "I605": CodeInfo(
        "duplicate router id",
        "Two devices of one routing domain (devices joined by BGP sessions) share a router id.",
    ),
    "I606": CodeInfo(
        "announced network not present",
        "BGP announces a network that is neither an interface subnet nor a static route of the "
        "device: the announcement never appears.",
    ),
    "I607": CodeInfo(
        "disabled port in service",
        "A connected cable or active circuit ends on an interface with `enabled: false`.",
    ),
    "I608": CodeInfo(
        "BGP session over a disabled interface",
        "A BGP neighbour is reachable only through the device's disabled interfaces.",
    ),
    "I609": CodeInfo(
        "retired object still linked",
        "A retired device or server is the end of a connected cable or active circuit.",
    ),
    "I610": CodeInfo(
        "retired object under contract",
        "A contract still covers a retired device or server.",
    ),
    "I611": CodeInfo(
        "retired object depended upon",
        "A service depends on a retired device or server, a virtual server runs on a retired "
        "host, or a device peers over BGP with a retired device.",
    ),
    "I612": CodeInfo(
        "static route next hop not connected",
        "A static route's next hop lies on no enabled, connected subnet of the device: the "
        "route is up only while another route resolves the next hop (a warning: recursive "
        "static routes are sometimes meant).",
    ),
    "I613": CodeInfo(
        "switchport mismatch",
        "The two ends of a link are switchports that disagree: an access port and a trunk, or "
        "access ports of different VLANs.",
    ),
    # T: standards files (rules and waivers); findings themselves carry their rule ids
    "T501": CodeInfo(
        "invalid standards file",
        "A rule or waiver file does not match its schema (schemas/standards.json, waivers.json).",
    ),
    "T502": CodeInfo("duplicate rule id", "Two rules share one id; rule ids are unique."),
    "T503": CodeInfo(
        "invalid assertion schema", "A rule's `assert.schema` is not a valid JSON Schema."
    ),
    "T504": CodeInfo(
        "unknown python rule",
        "A rule's `assert.python` names no registered rule (entry point group underlay.rules), "
        "or its `with:` parameters do not fit that rule.",
    ),
    "T505": CodeInfo(
        "unknown message placeholder",
        "A rule's message uses a {placeholder} its assertion does not provide.",
    ),
    "T506": CodeInfo("waiver for unknown rule", "A waiver names a rule id that is not defined."),
    "T507": CodeInfo(
        "expired waiver",
        "A waiver's expiry date has passed: it no longer suppresses anything. "
        "Fix the findings, or renew the waiver with a new ticket.",
    ),
    "T508": CodeInfo(
        "unused waiver", "A waiver matches no finding: remove it (the exception is resolved)."
    ),
    "T509": CodeInfo(
        "standards not checked",
        "The inventory has validation errors, so the standards were not evaluated.",
    ),
}


def about(subject: str, group: str | None, text: str) -> str:
    """A message about an object; about a value it inherits, naming the group."""
    if group:
        return f"{subject} (inherited from group {group}): {text}"
    return f"{subject}: {text}"


SHOWN = 5  # objects named in the text of a folded diagnostic (JSON and SARIF list them all)


def fold_inherited(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """One diagnostic per cause: the diagnostics about one inherited value that differ only
    in the object (same code, position, text, hint and waiver) become one, at the group's
    line, naming how many objects inherit it and which. Other diagnostics pass unchanged."""
    out: list[Diagnostic | list[Diagnostic]] = []
    slots: dict[tuple[object, ...], list[Diagnostic]] = {}
    for d in diags:
        if not d.inherited_from:
            out.append(d)
            continue
        key = (d.code, d.severity, d.pos, d.hint, d.inherited_from, d.waiver, _cause(d))
        same = slots.get(key)
        if same is None:
            same = slots[key] = []
            out.append(same)
        same.append(d)
    return [d if isinstance(d, Diagnostic) else _folded(d) for d in out]


def _cause(d: Diagnostic) -> str:
    return d.message.removeprefix(about(d.subject, d.inherited_from, ""))


def _folded(same: list[Diagnostic]) -> Diagnostic:
    same = sorted(same, key=lambda d: d.subject)
    first = same[0]
    subjects = tuple(d.subject for d in same)
    related = tuple(r for d in same for r in d.related)
    if len(same) == 1:
        return replace(first, subjects=subjects)
    names = [s.partition(" ")[2] or s for s in subjects]
    shown = ", ".join(names[:SHOWN])
    if len(names) > SHOWN:
        shown += f" and {len(names) - SHOWN} more"
    group = first.inherited_from
    text = f"group {group}: {_cause(first)} (inherited by {len(same)} objects: {shown})"
    return replace(first, message=text, subject=f"group {group}", related=related,
                   subjects=subjects)  # fmt: skip


def summarise(diagnostics: Iterable[Diagnostic]) -> dict[Severity, int]:
    """Counts per severity of the diagnostics that count: waived findings do not."""
    counts = dict.fromkeys(Severity, 0)
    for d in diagnostics:
        if d.waiver is None:
            counts[d.severity] += 1
    return counts


def blocking(d: Diagnostic) -> bool:
    """An unwaived error: it fails `check` and refuses an apply."""
    return d.severity is Severity.ERROR and d.waiver is None


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(blocking(d) for d in diagnostics)
