"""A planned change pages nobody: while an apply changes devices, their alerts are silenced in
the repository's Alertmanager (a silence per run, ended when the run ends); the audit record
says what was silenced, where, until when - or why nothing was.

The silence matches the `name` label the generated configuration gives every target
(engine.monitoring.generate): the down alerts of exactly the devices being changed. It ends by
itself at `until` should the run never finish (a killed process).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.monitoring.api import Alertmanager, ApiError
from engine.record import Marking

MARGIN_MINUTES = 10  # beyond the longest the rollout can take


@dataclass(frozen=True)
class Monitoring:
    """The Alertmanager to silence the changed devices in, or why there is none to ask."""

    alertmanager: Alertmanager | None = None
    unavailable: str | None = None  # e.g. a lab address while no lab is up


def silence(
    monitoring: Monitoring | None, devices: Sequence[str], run: str, minutes: float
) -> Marking:
    """Silence the devices' alerts for the run; a failure to do so is recorded, not raised
    (the reviewed change goes ahead: a page is better than a change that never happens)."""
    if monitoring is None or (monitoring.alertmanager is None and not monitoring.unavailable):
        return Marking(how="none", note="no Alertmanager is configured: nothing was silenced")
    if monitoring.alertmanager is None:
        return Marking(how="none", note=f"not silenced: {monitoring.unavailable}")
    am = monitoring.alertmanager
    # names are [A-Za-z0-9._-]: only the dot means something in a regular expression
    matchers = {"name": "|".join(d.replace(".", r"\.") for d in devices)}
    why = f"planned change: underlay apply {run} changes {', '.join(devices)}"
    try:
        made = am.silence(matchers, minutes + MARGIN_MINUTES, by=f"underlay apply {run}", why=why)
    except ApiError as exc:
        return Marking(how="none", where=am.api.url, note=f"not silenced: {exc}")
    return Marking(
        how="silence", where=am.api.url, id=made.id, devices=tuple(devices), until=made.ends
    )


def unsilence(monitoring: Monitoring | None, marking: Marking) -> Marking:
    """End the run's silence now that the run is over; the record says whether it could."""
    if marking.how != "silence" or marking.id is None or monitoring is None:
        return marking
    am = monitoring.alertmanager
    if am is None:
        return marking
    try:
        am.expire(marking.id)
    except ApiError as exc:
        return marking.model_copy(
            update={"note": f"could not expire it ({exc}): ends {marking.until}"}
        )
    return marking.model_copy(update={"note": "expired when the run ended"})
