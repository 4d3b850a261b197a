"""What several built-in rules share: their parameters' base, and the one `extract` of the rules
across objects (support, cabling, servers).

One extract function for them all: check stores an object's extract once per function when
several rules return equal values for it (engine.standards.evaluate).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.frozen import Frozen
from engine.model.inventory import Cable, Circuit, Contract, Server, ServerKind, Service, Sla
from engine.standards.objects import Target

SlaFacts = tuple[float, str, float]  # availability %, support hours, P1 response in seconds


class Params(Frozen):
    """A built-in rule's parameters (from its `with:` in the rule file)."""


def sla_facts(sla: Sla) -> SlaFacts:
    return (sla.availability_pct, str(sla.hours), sla.response.p1.total_seconds())


def _contract(obj: Contract) -> Any:
    covers = (tuple(obj.covers.devices), tuple(obj.covers.servers))
    dates = (obj.starts.toordinal(), obj.ends.toordinal())
    return (str(obj.kind), *dates, obj.sla, *covers, obj.renewal_notice_days)


def _circuit(obj: Circuit) -> Any:
    devices = tuple(d for d in (obj.a.device, obj.b.device) if d is not None)
    return (str(obj.status), obj.contract, obj.sla, devices)


def _service(obj: Service) -> Any:
    return (obj.sla, tuple(obj.depends_on.devices), tuple(obj.depends_on.servers))


def _cable(obj: Cable) -> Any:
    media = str(obj.media) if obj.media is not None else "not recorded"
    return ((obj.a.device, obj.a.port), (obj.b.device, obj.b.port), media)


def _server(obj: Server) -> Any:
    return (obj.site, obj.kind is ServerKind.VIRTUAL, obj.host)


_BY_TYPE: tuple[tuple[type[Any], Callable[[Any], Any]], ...] = (
    (Contract, _contract),
    (Circuit, _circuit),
    (Sla, sla_facts),
    (Service, _service),
    (Cable, _cable),
    (Server, _server),
)


def extract(target: Target, params: Any) -> Any:
    """What the support, circuit, cabling and hypervisor rules need of one object, as plain
    data (a device: its site)."""
    obj = target.obj
    for kind, of in _BY_TYPE:
        if isinstance(obj, kind):
            return of(obj)
    return obj.site
