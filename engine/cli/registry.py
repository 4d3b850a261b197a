"""Every command of `underlay`, its one-line help and the module of its group.

A group's module (engine.cli.<module>) is imported only when one of its commands runs, so
`underlay validate` never pays for Nornir, NAPALM, paramiko or gitpython: the parser of the
other commands is a stub with this help. The module's `register(parsers)` adds the arguments
to the parsers of its commands, made here with the help below (defined once).
"""

from __future__ import annotations

GROUPS: dict[str, dict[str, str]] = {
    "inventory_cmds": {
        "validate": "check YAML, schemas, references and consistency",
        "check": "validate, then check the standards (with waivers)",
        "standards": "the standards library (standards/*.yaml)",
        "schemas": "write the JSON Schemas into schemas/ (or --check them)",
        "explain": "explain a diagnostic code (or --all as Markdown)",
        "render": "render the intended configs of devices and servers",
    },
    "lab_cmds": {"lab": "the local device lab built from the inventory"},
    "device_cmds": {
        "plan": "what applying the repository would change, device by device",
        "drift": "live state against main: out-of-band or pending changes",
    },
    "hostkeys_cmds": {"hostkeys": "the devices' pinned SSH host keys (inventory/known_hosts)"},
    "apply_cmds": {
        "apply": "apply a saved plan: canary, batches, commit-confirm, verify, record",
    },
    "audit_cmds": {"audit": "the audit trail: records of apply and drift runs"},
    "report_cmds": {
        "report": "the standard status report (HTML, Markdown or JSON)",
        "metrics": "Prometheus metrics (node_exporter textfile collector)",
    },
    "pipeline_cmds": {"pipeline": "run a declared CI pipeline (pipelines/NAME.yaml)"},
    "init_cmds": {"init": "scaffold a new infrastructure repository in PATH"},
    "import_cmds": {"import": "a repository built or extended from live devices (onboarding)"},
    "worker_cmds": {"worker": "a Celery worker: runs the device tasks of a site's queue"},
}
COMMANDS: dict[str, str] = {name: text for group in GROUPS.values() for name, text in group.items()}


def group_of(command: str | None) -> str | None:
    return next((module for module, names in GROUPS.items() if command in names), None)
