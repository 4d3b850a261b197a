"""Plan building blocks over recorded getter output: state diff, cabling, views, drift."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path
from typing import Any

import pytest

from engine.errors import GitError
from engine.model.inventory import CableEnd
from engine.model.layout import Inventory
from engine.plan import cabling
from engine.plan.build import repo_commit
from engine.plan.drift import classify, drift
from engine.plan.model import Action, DevicePlan, Plan, Summary
from engine.plan.state import actual_state, intended_state, state_changes
from engine.record import AppliedRecord
from engine.validate import validate
from engine.views import plan as views
from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return validate(REPO_ROOT).inventory


def _getters_matching(inventory: Inventory, name: str) -> dict[str, Any]:
    """napalm-shaped getter output of a device that is exactly as modelled."""
    device = inventory.devices[name]
    assert device.bgp is not None and device.ntp is not None
    return {
        "interfaces": {
            n: {"description": i.description or "", "is_enabled": i.enabled, "is_up": True}
            for n, i in device.interfaces.items()
        },
        "interfaces_ip": {
            n: {"ipv4": {str(i.ipv4.ip): {"prefix_length": i.ipv4.network.prefixlen}}}
            for n, i in device.interfaces.items()
            if i.ipv4
        },
        "bgp_neighbors": {
            "global": {
                "router_id": str(device.bgp.router_id),
                "peers": {
                    str(p.address): {
                        "remote_as": p.remote_as,
                        "description": p.description or "",
                        "is_up": True,
                    }
                    for p in device.bgp.neighbors
                },
            }
        },
        "ntp_servers": {s: {} for s in device.ntp.servers},
        "mgmt0": "ignored",
    }


def test_matching_device_has_no_state_changes(inventory: Inventory) -> None:
    device = inventory.devices["fra1-spine02"]
    getters = _getters_matching(inventory, "fra1-spine02")
    getters["interfaces"]["mgmt0"] = {"description": "", "is_enabled": True}
    assert state_changes(intended_state(device), actual_state(device, getters)) == ()


def test_state_changes_name_the_exact_value(inventory: Inventory) -> None:
    device = inventory.devices["fra1-spine02"]
    getters = _getters_matching(inventory, "fra1-spine02")
    peer = "198.18.1.11"
    getters["bgp_neighbors"]["global"]["peers"][peer]["description"] = ""
    getters["bgp_neighbors"]["global"]["peers"][peer]["is_up"] = False
    getters["ntp_servers"] = {"198.18.0.4": {}}
    changes = {
        c.path: c for c in state_changes(intended_state(device), actual_state(device, getters))
    }
    assert changes[f"bgp[{peer}].description"].actual == ""
    assert changes[f"bgp[{peer}].up"].intended is True
    assert changes["ntp[198.18.0.4]"].kind == "unexpected"
    assert changes["ntp[198.18.0.5]"].kind == "missing"


def test_a_missing_interface_is_one_change_and_true_is_not_one(inventory: Inventory) -> None:
    device = inventory.devices["fra1-spine02"]
    getters = _getters_matching(inventory, "fra1-spine02")
    gone = sorted(getters["interfaces"])[0]
    del getters["interfaces"][gone]
    peer = "198.18.1.11"
    getters["bgp_neighbors"]["global"]["peers"][peer]["is_up"] = 1
    intended = intended_state(device)
    changes = {c.path: c for c in state_changes(intended, actual_state(device, getters))}
    assert set(changes) == {f"interfaces.{gone}", f"bgp[{peer}].up"}
    assert changes[f"interfaces.{gone}"].intended == intended["interfaces"][gone]
    assert changes[f"interfaces.{gone}"].actual is None
    assert (changes[f"bgp[{peer}].up"].kind, changes[f"bgp[{peer}].up"].actual) == ("changed", 1)


def _lldp_as_declared(inventory: Inventory) -> dict[str, dict[str, list[dict[str, str]]]]:
    """What LLDP reports over the cables and the sample's dark fibre circuit."""
    lldp: dict[str, dict[str, list[dict[str, str]]]] = {}
    links = [(c.a, c.b) for c in inventory.cables] + [
        (c.a, c.b) for c in inventory.circuits.values()
    ]
    for a, b in links:
        assert a.device and a.port and b.device and b.port
        lldp.setdefault(a.device, {})[a.port] = [{"hostname": b.device, "port": b.port}]
        lldp.setdefault(b.device, {})[b.port] = [{"hostname": a.device, "port": a.port}]
    return lldp


def test_cabling_as_declared_has_no_findings(inventory: Inventory) -> None:
    assert cabling.verify(inventory, _lldp_as_declared(inventory)) == []


def test_cabling_wrong_port_missing_and_unexpected(inventory: Inventory) -> None:
    lldp = _lldp_as_declared(inventory)
    lldp["fra1-leaf03"]["eth3"] = [{"hostname": "fra1-db01.corp.northwind.example", "port": "eth2"}]
    del lldp["fra1-db01"]["eth1"]
    lldp["fra1-db01"]["eth2"] = [{"hostname": "fra1-leaf03", "port": "eth3"}]
    cable = next(c for c in inventory.cables if c.a.device == "fra1-spine01")
    del lldp[cable.a.device][cable.a.port]
    del lldp[cable.b.device][cable.b.port]
    lldp["fra1-leaf01"]["eth9"] = [{"hostname": "rogue-switch", "port": "ge-0/0/1"}]
    found = {(f.kind, f.cable) for f in cabling.verify(inventory, lldp)}
    assert found == {("wrong-port", "fra1-c103"), ("missing", cable.id), ("unexpected", None)}


def test_cabling_matches_ports_across_abbreviations(inventory: Inventory) -> None:
    """LLDP of an IOS neighbour reports Gi0/1; the cable declares GigabitEthernet0/1."""
    spine = inventory.devices["fra1-spine01"]
    ios = spine.model_copy(
        update={
            "name": "fra1-rtr01",
            "platform": "ios",
            "interfaces": {"GigabitEthernet0/1": spine.interfaces["eth1"]},
        }
    )
    cable = inventory.cables[0].model_copy(
        update={"a": CableEnd(device="fra1-rtr01", port="GigabitEthernet0/1")}
    )
    changed = dataclasses.replace(
        inventory,
        devices={**inventory.devices, "fra1-rtr01": ios},
        cables=[cable, *inventory.cables[1:]],
    )
    lldp = _lldp_as_declared(changed)
    lldp["fra1-rtr01"] = {"Gi0/1": [{"hostname": cable.b.device, "port": cable.b.port}]}
    lldp[cable.b.device][cable.b.port] = [{"hostname": "fra1-rtr01", "port": "Gi0/1"}]
    assert cabling.verify(changed, lldp) == []


def test_state_reads_an_abbreviated_interface_as_the_device_lists_it(
    inventory: Inventory,
) -> None:
    spine = inventory.devices["fra1-spine01"]
    ios = spine.model_copy(
        update={"platform": "ios", "interfaces": {"Gi0/1": spine.interfaces["eth1"]}, "bgp": None}
    )
    itf = spine.interfaces["eth1"]
    getters = {
        "interfaces": {
            "GigabitEthernet0/1": {"description": itf.description, "is_enabled": True}
        },
        "interfaces_ip": {
            "GigabitEthernet0/1": {"ipv4": {str(itf.ipv4.ip): {"prefix_length": 31}}}  # type: ignore[union-attr]
        },
        "ntp_servers": {str(s): {} for s in ios.ntp.servers} if ios.ntp else {},
    }
    assert state_changes(intended_state(ios), actual_state(ios, getters)) == ()


def test_a_dark_fibre_circuit_is_verified_as_a_link(inventory: Inventory) -> None:
    lldp = _lldp_as_declared(inventory)
    del lldp["fra1-edge01"]["eth3"], lldp["fra2-edge01"]["eth1"]
    found = {(f.kind, f.cable, f.message) for f in cabling.verify(inventory, lldp)}
    assert found == {
        (
            "missing",
            "fra1-fra2-df1",
            "circuit fra1-fra2-df1: LLDP sees no link fra1-edge01:eth3 <-> fra2-edge01:eth1",
        )
    }


def _plan(devices: list[DevicePlan]) -> Plan:
    change = sum(d.action is Action.UPDATE for d in devices)
    return Plan(
        engine_version="t",
        created="2026-11-27T00:00:00+00:00",
        repo_commit=None,
        repo_dirty=False,
        inventory_hash="0" * 64,
        devices=tuple(devices),
        summary=Summary(
            change=change,
            unchanged=len(devices) - change,
            unreachable=0,
            failed=0,
            skipped=0,
            state_changes=0,
            cabling_findings=0,
        ),
        complete=True,
        applyable=change > 0,
    )


def _update(name: str, lines: int) -> DevicePlan:
    diff = "--- a\n+++ b\n" + "".join(f"+line {i} of a long change\n" for i in range(lines))
    return DevicePlan(
        name=name, kind="device", platform="frr", action=Action.UPDATE, config_diff=diff
    )


def test_no_changes_reads_like_terraform() -> None:
    plan = _plan([DevicePlan(name="r1", kind="device", platform="frr", action=Action.NOOP)])
    assert views.summary_line(plan) == views.NO_CHANGES
    assert views.text(plan).rstrip().endswith(views.NO_CHANGES)


def test_markdown_is_collapsible_and_respects_the_size_limit() -> None:
    plan = _plan([_update(f"r{i}", 200) for i in range(40)])
    md = views.markdown(plan, limit=20_000, artifact="plan.json")
    assert len(md) <= 20_000
    assert md.count("<details>") == md.count("</details>") > 0
    assert "device section(s) omitted" in md and "`plan.json`" in md
    assert "```diff" in md


def test_drift_classification() -> None:
    device = _update("r1", 1).model_copy(
        update={"running_config_hash": "live", "candidate_hash": "want"}
    )
    assert classify(device, None) == "unrecorded"
    assert classify(device, AppliedRecord("c1", "want", "after")) == "out-of-band"
    assert classify(device, AppliedRecord("c1", "old", "live")) == "pending"
    assert classify(device, AppliedRecord("c1", "old", "after")) == "both"


def test_a_device_with_an_unconfirmed_commit_is_in_flight_never_in_sync() -> None:
    """Whether its commit stays or its timer reverts it is unknown: drift says so, and lists
    it even when its config matches; the plan text says why apply will refuse it."""
    device = DevicePlan(
        name="r1", kind="device", platform="frr", action=Action.NOOP, pending_commit=True,
        running_config_hash="live", candidate_hash="want",
    )
    assert classify(device, AppliedRecord("c1", "want", "live")) == "in-flight"
    report = drift(_plan([device]), {"r1": AppliedRecord("c1", "want", "live")})
    assert [i.origin for i in report.items] == ["in-flight"] and report.drifted
    assert "unconfirmed commit is pending" in views.text(_plan([device]))
    assert _plan([device]).has_changes  # never "No changes" while its config may revert
    assert views.summary_line(_plan([device])) != views.NO_CHANGES
    assert "1 with an unconfirmed commit pending" in views.summary_line(_plan([device]))


def test_repo_commit_reads_head_and_dirtiness_as_git_does(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    assert repo_commit(repo) == (None, False)  # outside git: no commit, nothing to lose

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    git("init", "-q")
    (repo / "a").write_text("1\n")
    assert repo_commit(repo) == (None, True)  # untracked file, no commit yet
    git("add", "a")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "m")
    head = git("rev-parse", "HEAD")
    assert repo_commit(repo) == (head, False)
    (repo / "a").write_text("2\n")
    assert repo_commit(repo) == (head, True)
    (repo / ".git/HEAD").write_text("garbage\n")
    with pytest.raises(GitError, match="git cannot read this repository"):
        repo_commit(repo)
