"""NAPALM's own tools drive a live FRR node of the converged sample lab by the driver name `frr`:
nornir_napalm's tasks and the napalm CLI, with no underlay code between them and the device
(only the lab's address, user and key come from underlay). Nothing here commits: every
configure is a dry run, whose candidate nornir_napalm discards and the CLI's driver discards
when it closes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from napalm.base import models
from nornir.core import Nornir
from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.core.task import Result
from nornir.plugins.runners import SerialRunner
from nornir_napalm.plugins.connections import CONNECTION_NAME
from nornir_napalm.plugins.tasks import napalm_configure, napalm_get

from engine.drivers import bundle
from engine.render import render
from tests.drivers.napalm_cli import napalm_cli
from tests.drivers.samplelab import SampleLab
from tests.drivers.shapes import conforms as napalm_model

pytestmark = pytest.mark.lab

NODE = "fra1-leaf04"  # frr, no brownfield difference (the lab is converged anyway)
ROUTE = "ip route 198.18.251.0/24 Null0"  # harmless, and only ever in a dry run


@pytest.fixture
def nornir(lab_devices: SampleLab) -> Iterator[Nornir]:
    """One host, platform `frr`, as a nornir user would declare it for nornir_napalm."""
    state = lab_devices.state
    ConnectionPluginRegister.auto_register()  # what InitNornir does: nornir_napalm's entry point
    optional = {
        "key_file": state.private_key,
        "netns": state.mgmt_netns_path,
        "known_hosts": state.known_hosts,
    }
    extras = {"optional_args": optional, "timeout": 30}
    host = Host(
        NODE,
        hostname=state.node(NODE).mgmt_ip,
        username=state.user,
        password="",
        platform="frr",
        connection_options={CONNECTION_NAME: ConnectionOptions(extras=extras)},
    )
    inventory = Inventory(hosts=Hosts({NODE: host}), groups=Groups(), defaults=Defaults())
    nr = Nornir(inventory=inventory, runner=SerialRunner())
    yield nr
    nr.close_connections(on_good=True, on_failed=True)


def _one(nr: Nornir, task: Callable[..., Result], **kwargs: Any) -> Result:
    """Runs `task` on the node; its Result (failing the test if the task failed)."""
    result: Result = nr.run(task=task, **kwargs)[NODE][0]
    assert not result.failed, result.exception
    return result


def _intended(lab_devices: SampleLab, kind: str) -> str:
    rendered = render(lab_devices.inventory, NODE)
    if kind == "bundle":  # frr.conf and the managed system files
        return bundle.encode(rendered.artifacts())
    assert rendered.config is not None
    return rendered.config  # a plain frr.conf, as any napalm user would pass it


def test_napalm_get(nornir: Nornir, lab_devices: SampleLab) -> None:
    got = _one(nornir, napalm_get, getters=["facts", "interfaces"]).result
    assert napalm_model(models.FactsDict, got["facts"])
    assert got["facts"]["hostname"] == NODE
    assert got["facts"]["vendor"] == "FRRouting"
    assert all(napalm_model(models.InterfaceDict, i) for i in got["interfaces"].values())
    for port in lab_devices.state.node(NODE).ports:
        assert got["interfaces"][port]["is_up"]


@pytest.mark.parametrize("kind", ["bundle", "frr.conf"])
def test_napalm_configure_replace_dry_run(
    nornir: Nornir, lab_devices: SampleLab, kind: str
) -> None:
    candidate = _intended(lab_devices, kind)
    done = _one(nornir, napalm_configure, configuration=candidate, replace=True, dry_run=True)
    assert done.diff == ""  # converged
    assert not done.changed


def test_napalm_configure_merge_dry_run(nornir: Nornir) -> None:
    done = _one(nornir, napalm_configure, configuration=ROUTE + "\n", replace=False, dry_run=True)
    assert done.changed
    assert f"+{ROUTE}" in done.diff.splitlines()
    running = _one(
        nornir, napalm_get, getters=["config"], getters_options={"config": {"retrieve": "running"}}
    ).result["config"]["running"]
    assert ROUTE not in running  # a dry run: discarded, never committed


def _cli_base(lab_devices: SampleLab) -> tuple[str, ...]:
    """napalm's CLI options for the node; optional_args values are Python literals (quoted)."""
    state = lab_devices.state
    return (
        *("--user", state.user, "--password", "", "--vendor", "frr"),
        "--optional_args",
        f"key_file={state.private_key!r},netns={state.mgmt_netns_path!r},"
        f"known_hosts={state.known_hosts!r}",
        state.node(NODE).mgmt_ip,
    )


def test_napalm_cli_get_facts(lab_devices: SampleLab, tmp_path: Path) -> None:
    done = napalm_cli(*_cli_base(lab_devices), "call", "get_facts", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout)
    assert napalm_model(models.FactsDict, facts)
    assert facts["hostname"] == NODE


@pytest.mark.parametrize(
    ("strategy", "expected"), [("replace", ""), ("merge", f"+{ROUTE}")], ids=["replace", "merge"]
)
def test_napalm_cli_configure_dry_run(
    lab_devices: SampleLab, tmp_path: Path, strategy: str, expected: str
) -> None:
    config = tmp_path / "candidate.conf"
    config.write_text(_intended(lab_devices, "frr.conf") if strategy == "replace" else ROUTE + "\n")
    done = napalm_cli(
        *_cli_base(lab_devices),
        *("configure", str(config), "--strategy", strategy, "--dry-run"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    diff = done.stdout.strip()  # the CLI prints compare_config() and, with --dry-run, stops
    assert (expected in diff.splitlines()) if expected else diff == ""
