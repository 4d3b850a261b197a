"""JSON Schemas (draft 2020-12) of every inventory file, generated from the models.

schemas/ is committed so editors complete and validate inventory files
(`# yaml-language-server: $schema=...`); `underlay schemas --check` fails when it is stale.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from engine.execute.settings import Settings
from engine.model.inventory import (
    CablingFile,
    CircuitsFile,
    ContractsFile,
    Device,
    Server,
    ServicesFile,
    SitesFile,
    SlasFile,
    VendorsFile,
)
from engine.pipeline.model import Pipeline
from engine.standards.model import RulesFile, WaiversFile
from engine.standards.windows import ChangeWindows

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_BASE = "https://underlay.dev/schemas/"

MODELS: dict[str, type[BaseModel]] = {
    "device": Device,
    "server": Server,
    "sites": SitesFile,
    "cabling": CablingFile,
    "vendors": VendorsFile,
    "slas": SlasFile,
    "contracts": ContractsFile,
    "circuits": CircuitsFile,
    "services": ServicesFile,
    "standards": RulesFile,
    "waivers": WaiversFile,
    "pipeline": Pipeline,
    "change-windows": ChangeWindows,
    "settings": Settings,
}
# which schema each inventory file uses (relative to the repo)
FILE_SCHEMA = {
    "inventory/devices/": "device",
    "inventory/servers/": "server",
    "inventory/sites.yaml": "sites",
    "inventory/groups.yaml": "groups",
    "inventory/cabling.yaml": "cabling",
    "inventory/vendors.yaml": "vendors",
    "inventory/slas.yaml": "slas",
    "inventory/contracts.yaml": "contracts",
    "inventory/circuits.yaml": "circuits",
    "inventory/services.yaml": "services",
    "standards/waivers.yaml": "waivers",
    "standards/change-control/": "change-windows",
    "standards/": "standards",
    "pipelines/": "pipeline",
    "underlay.yaml": "settings",
}


def _finish(name: str, schema: dict[str, Any], title: str) -> dict[str, Any]:
    head = {"$schema": DRAFT, "$id": f"{SCHEMA_BASE}{name}.json", "title": title}
    return head | {k: v for k, v in schema.items() if k != "title"}


def _groups_schema() -> dict[str, Any]:
    """A group holds any device or server field (not name/groups); values are checked on use."""
    device, server = Device.model_json_schema(), Server.model_json_schema()
    defs = {**device.get("$defs", {}), **server.get("$defs", {})}
    props: dict[str, Any] = {}
    for field in sorted(
        (set(device["properties"]) | set(server["properties"])) - {"name", "groups"}
    ):
        options = [s["properties"][field] for s in (device, server) if field in s["properties"]]
        unique = [o for i, o in enumerate(options) if o not in options[:i]]
        props[field] = unique[0] if len(unique) == 1 else {"anyOf": unique}
    group = {"type": "object", "additionalProperties": False, "properties": props}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["groups"],
        "properties": {"groups": {"type": "object", "additionalProperties": group}},
        "$defs": defs,
    }


def generate() -> dict[str, dict[str, Any]]:
    out = {
        name: _finish(name, model.model_json_schema(), _title(name))
        for name, model in MODELS.items()
    }
    out["groups"] = _finish("groups", _groups_schema(), _title("groups"))
    return dict(sorted(out.items()))


def _title(name: str) -> str:
    return f"underlay inventory v1: {name}"


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=False) + "\n"


@dataclass(frozen=True)
class SchemaStatus:
    name: str
    path: Path
    state: str  # "current", "stale", "missing", "written"


def write(folder: Path) -> list[SchemaStatus]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, schema in generate().items():
        path = folder / f"{name}.json"
        path.write_text(render(schema), encoding="utf-8")
        out.append(SchemaStatus(name, path, "written"))
    return out


def check(folder: Path) -> list[SchemaStatus]:
    out = []
    for name, schema in generate().items():
        path = folder / f"{name}.json"
        if not path.is_file():
            out.append(SchemaStatus(name, path, "missing"))
            continue
        same = path.read_text(encoding="utf-8") == render(schema)
        out.append(SchemaStatus(name, path, "current" if same else "stale"))
    return out
