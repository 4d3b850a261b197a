"""What apply records when it cannot silence: nothing configured, a lab address without a lab,
an Alertmanager that refuses the connection (a real closed port). The silence itself, on a
real Alertmanager and a real alert: tests/lab/test_monitoring_lab.py."""

from __future__ import annotations

import socket

from engine.apply.silence import Monitoring, silence, unsilence
from engine.monitoring.api import Alertmanager, Api


def test_nothing_configured_is_said() -> None:
    for monitoring in (None, Monitoring()):
        marking = silence(monitoring, ["fra1-leaf01"], "apply-x", minutes=5)
        assert (marking.how, marking.note) == (
            "none",
            "no Alertmanager is configured: nothing was silenced",
        )


def test_why_it_could_not_be_asked_is_recorded() -> None:
    marking = silence(Monitoring(unavailable="no lab is up"), ["r1"], "apply-x", minutes=5)
    assert (marking.how, marking.note) == ("none", "not silenced: no lab is up")


def test_an_alertmanager_that_does_not_answer_does_not_stop_the_apply() -> None:
    with socket.socket() as s:  # a port nobody listens on: connection refused, for real
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    monitoring = Monitoring(Alertmanager(Api(url, timeout=2)))
    marking = silence(monitoring, ["r1"], "apply-x", minutes=5)
    assert marking.how == "none"
    assert marking.where == url
    assert marking.note.startswith(f"not silenced: {url}: no answer")
    assert unsilence(monitoring, marking) == marking  # nothing to end
