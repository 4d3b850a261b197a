"""What several built-in rules share: their parameters' base, and the one `extract` of the rules
across objects (support, cabling, servers).

One extract function for them all: check stores an object's extract once per function when
several rules return equal values for it (engine.standards.evaluate).
"""

from __future__ import annotations

from typing import Any

from engine.frozen import Frozen
from engine.model.inventory import Cable, Contract, Server, ServerKind, Service, Sla
from engine.standards.objects import Target

SlaFacts = tuple[float, str, float]  # availability %, support hours, P1 response in seconds


class Params(Frozen):
    """A built-in rule's parameters (from its `with:` in the rule file)."""


def sla_facts(sla: Sla) -> SlaFacts:
    return (sla.availability_pct, str(sla.hours), sla.response.p1.total_seconds())


def extract(target: Target, params: Any) -> Any:
    """What the support, cabling and hypervisor rules need of one object, as plain data."""
    obj = target.obj
    if isinstance(obj, Contract):
        covers = (tuple(obj.covers.devices), tuple(obj.covers.servers))
        return (str(obj.kind), obj.starts.toordinal(), obj.ends.toordinal(), obj.sla, *covers)
    if isinstance(obj, Sla):
        return sla_facts(obj)
    if isinstance(obj, Service):
        return (obj.sla, tuple(obj.depends_on.devices), tuple(obj.depends_on.servers))
    if isinstance(obj, Cable):
        return ((obj.a.device, obj.a.port), (obj.b.device, obj.b.port), str(obj.media))
    if isinstance(obj, Server):
        return (obj.site, obj.kind is ServerKind.VIRTUAL, obj.host)
    return obj.site  # a device
