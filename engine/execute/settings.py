"""The repository's settings: underlay.yaml at its top (schemas/settings.json). Its
`execution:` section is here; `monitoring:` (Prometheus, Alertmanager, intervals) is
engine.monitoring.settings'.

    # yaml-language-server: $schema=schemas/settings.json
    execution:
      executor: celery                # local (the default) | celery
      broker: redis://10.1.0.5:6379/0 # Celery's broker and result store (Redis)
      queues:                         # site -> queue; a site not listed: the queue of its name
        fra1: fra1
        fra2: fra2-dr
      wait_for_worker: 10             # seconds a queue may have no worker before its devices
                                      # are reported "no worker for queue X"

    monitoring:                       # see engine/monitoring/settings.py, docs/monitoring.md
      prometheus: {url: http://198.18.0.1:9090}

    onboarding:                       # `underlay import` (docs/import.md)
      allowed: [10.20.0.0/16]         # the only addresses import contacts (management ranges)

A broker that needs a password is named by $UNDERLAY_BROKER_URL (it overrides `broker`):
secrets never live in the repository. A repository without the file runs every device task
in the calling process. The file lies outside inventory/, so changing who runs the tasks
never makes a plan stale.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from engine.diagnostics import Diagnostic
from engine.frozen import Frozen
from engine.load.reader import expect_mapping, read_file
from engine.load.sourcemap import Layer, SourceMap
from engine.monitoring.settings import MonitoringSettings
from engine.validate.schema import check

SETTINGS_FILE = "underlay.yaml"
BROKER_ENV = "UNDERLAY_BROKER_URL"


class Execution(Frozen):
    """Who runs each device's task. Example: Execution(executor="celery",
    broker="redis://127.0.0.1:6379/0", queues={"dc2": "dc2-dr"}, wait_for_worker=10)"""

    executor: Literal["local", "celery"] = Field(
        default="local", description="local: in the calling process; celery: on workers"
    )
    broker: str | None = Field(
        default=None, description="redis://HOST:PORT/DB (no password: see UNDERLAY_BROKER_URL)"
    )
    queues: dict[str, str] = Field(
        default={}, description="site -> queue; a site not listed uses the queue of its name"
    )
    wait_for_worker: float = Field(
        default=10, gt=0, le=600, description="seconds to wait for a worker on a queue"
    )
    task_timeout: float = Field(
        default=900, gt=0, description="seconds at most for one device's task once queued"
    )

    @field_validator("broker")
    @classmethod
    def _redis_without_password(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise ValueError(f"{value!r} is not a Redis URL (redis://HOST:PORT/DB)")
        if parts.password:
            raise ValueError(
                f"the broker URL holds a password; name the broker by {BROKER_ENV} in the "
                "environment instead (secrets never live in the repository)"
            )
        return value

    def queue(self, site: str) -> str:
        return self.queues.get(site, site)

    def broker_url(self, env: Mapping[str, str] | None = None) -> str | None:
        """$UNDERLAY_BROKER_URL, else `broker`."""
        return (os.environ if env is None else env).get(BROKER_ENV) or self.broker


class Onboarding(Frozen):
    """Where `underlay import` may connect. Example: Onboarding(allowed=[IPv4Network(
    "198.18.0.0/15")])"""

    allowed: list[IPv4Network] = Field(
        default=[],
        description="the management ranges import may contact; an address outside them is "
        "refused (none listed: only what --allow names)",
    )


class Settings(Frozen):
    """The whole file (underlay.yaml)."""

    execution: Execution = Field(default=Execution(), description="where device tasks run")
    monitoring: MonitoringSettings = Field(
        default=MonitoringSettings(),
        description="the Prometheus and Alertmanager of the infrastructure (docs/monitoring.md)",
    )
    onboarding: Onboarding = Field(
        default=Onboarding(), description="where `underlay import` may connect (docs/import.md)"
    )


@dataclass(frozen=True)
class Loaded:
    settings: Settings | None  # None: the file is invalid (see diagnostics)
    diagnostics: list[Diagnostic]


def load(repo: Path) -> Loaded:
    """The repository's settings; an absent file means the defaults (everything local)."""
    path = repo / SETTINGS_FILE
    if not path.is_file():
        return Loaded(Settings(), [])
    doc = read_file(path, SETTINGS_FILE)
    if doc.ok and doc.data is None:
        return Loaded(Settings(), [])
    if not doc.ok or not expect_mapping(doc, "execution, monitoring, onboarding"):
        return Loaded(None, list(doc.diagnostics))
    model, problems = check(Settings, doc.data, SourceMap((Layer(doc, ()),)), "settings")
    return Loaded(model, problems)
