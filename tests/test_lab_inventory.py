"""The lab of a repository, without building it: nodes, links, brownfield differences, guard."""

from __future__ import annotations

import dataclasses
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from engine import lab
from engine.cli import main
from engine.model.inventory import Cable, Device
from engine.model.layout import Inventory
from engine.render import render
from engine.validate import validate
from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def sample() -> Inventory:
    result = validate(REPO_ROOT)
    assert result.ok
    return result.inventory


def _declared(inventory: Inventory) -> set[tuple[str, str, str, str]]:
    """The cables, and the circuits between two ports of the lab (the sample's dark fibre)."""
    ends = [(c.a, c.b) for c in inventory.cables]
    ends += [(c.a, c.b) for c in inventory.circuits.values()]
    return {(a.device or "", a.port or "", b.device or "", b.port or "") for a, b in ends}


def _links(build: lab.LabBuild) -> set[tuple[str, str, str, str]]:
    return {(k.a_node, k.a_port, k.b_node, k.b_port) for k in build.spec.links}


def test_every_frr_device_and_every_server_is_a_node(sample: Inventory) -> None:
    build = lab.lab_spec(sample)
    kinds = {n.name: n.kind for n in build.spec.nodes}
    want = {**dict.fromkeys(sample.devices, "frr"), **dict.fromkeys(sample.servers, "linux")}
    assert kinds == want
    assert build.skipped == ()
    assert lab.check_spec(build.spec) == []
    assert str(build.spec.node("fra1-leaf01").mgmt_address) == "198.18.0.13/24"


def test_converged_is_exactly_the_intended_config(sample: Inventory) -> None:
    build = lab.lab_spec(sample, converged=True)
    assert build.differences == ()
    assert _links(build) == _declared(sample)
    for node in build.spec.nodes:
        rendered = render(sample, node.name)
        assert node.frr_config == (rendered.config or "")
        assert dict(node.files) == dict(rendered.files)
    assert build.spec.node("fra1-db01").interfaces == (("eth1", "198.18.2.5/31"),)


def test_brownfield_applies_every_documented_difference(sample: Inventory) -> None:
    build = lab.lab_spec(sample)
    assert build.differences == lab.BROWNFIELD
    assert len({d.id for d in build.differences}) == len(build.differences)
    docs = (REPO_ROOT / "docs/lab.md").read_text()
    assert all(f"`{d.id}`" in docs for d in build.differences)


def test_brownfield_differs_exactly_as_documented(sample: Inventory) -> None:
    build = lab.lab_spec(sample)
    node = build.spec.node
    assert "ip route 198.18.250.0/24 198.18.1.64\n" in node("fra2-edge01").frr_config
    assert "neighbor 198.18.1.11 description" not in node("fra1-spine02").frr_config
    assert "interface eth2\n ip address 198.18.1.11/31\n" in node("fra1-leaf02").frr_config
    for name in ("fra1-leaf03", "fra2-core01", "fra1-db01"):
        assert "server 198.18.0.4 iburst\n" in node(name).files["/etc/chrony/chrony.conf"]
    # the wrong port: one cable moved, nothing else; the unplugged eth1 keeps no address
    assert _declared(sample) - _links(build) == {("fra1-leaf03", "eth3", "fra1-db01", "eth1")}
    assert _links(build) - _declared(sample) == {("fra1-leaf03", "eth3", "fra1-db01", "eth2")}
    assert node("fra1-db01").interfaces == ()
    changed = {
        n.name
        for n in build.spec.nodes
        if n.frr_config != (render(sample, n.name).config or "")
        or dict(n.files) != render(sample, n.name).files
    }
    assert changed == {d.device for d in build.differences}


def test_difference_without_its_target_is_left_out(sample: Inventory) -> None:
    smaller = dataclasses.replace(
        sample, devices={k: v for k, v in sample.devices.items() if k != "fra2-edge01"}
    )
    ids = {d.id for d in lab.lab_spec(smaller).differences}
    assert "extra-static-route-fra2-edge01" not in ids
    assert "old-ntp-fra1-leaf03" in ids


def test_other_platforms_are_skipped_with_their_cables(sample: Inventory) -> None:
    ios = sample.devices["fra2-core01"].model_copy(update={"platform": "ios"})
    inventory = dataclasses.replace(sample, devices={**sample.devices, "fra2-core01": ios})
    build = lab.lab_spec(inventory, converged=True)
    assert "fra2-core01" not in {n.name for n in build.spec.nodes}
    assert build.skipped == (
        "fra2-core01: platform ios cannot run in the lab (only frr and linux); it is left out, "
        "with its cables",
    )
    assert all("fra2-core01" not in (k.a_node, k.b_node) for k in build.spec.links)
    assert lab.check_spec(build.spec) == []


def test_require_running_refuses_a_lab_repo_without_a_lab(
    sample: Inventory, tmp_path: Path
) -> None:
    with pytest.raises(lab.LabNotUpError, match=r"the lab is not running: run `underlay lab up`"):
        lab.require_running(sample, tmp_path / "no-lab")


def test_require_running_ignores_real_networks(sample: Inventory, tmp_path: Path) -> None:
    device: Device = sample.devices["fra1-leaf01"]
    management = device.management.model_copy(update={"address": IPv4Address("10.0.0.1")})
    real = device.model_copy(update={"management": management})
    inventory = dataclasses.replace(sample, devices={**sample.devices, "fra1-leaf01": real})
    lab.require_running(inventory, tmp_path / "no-lab")  # does not raise


def test_planned_cables_are_not_plugged_in(sample: Inventory) -> None:
    planned: Cable = sample.cables[0].model_copy(update={"status": "planned"})
    inventory = dataclasses.replace(sample, cables=[planned, *sample.cables[1:]])
    links = lab.lab_spec(inventory, converged=True).spec.links
    assert len(links) == len(sample.cables) - 1 + len(sample.circuits)


def test_a_dark_fibre_between_two_nodes_is_a_link(sample: Inventory) -> None:
    links = lab.lab_spec(sample, converged=True).spec.links
    assert any(
        {(link.a_node, link.a_port), (link.b_node, link.b_port)}
        == {("fra1-edge01", "eth3"), ("fra2-edge01", "eth1")}
        for link in links
    )


def test_cli_lab_status_without_a_lab(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "status", "--state-dir", str(tmp_path / "none")]) == 1
    assert "no lab in" in capsys.readouterr().out


def test_cli_lab_up_refusal_is_a_message_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # refused before the host is touched: by preflight (not root, packages) or, on a lab host,
    # because a lab is already recorded in the state dir
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    (state_dir / "state.json").write_text("{}")
    argv = ["--repo", str(REPO_ROOT), "lab", "up", "--state-dir", str(state_dir)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("underlay: lab up: ")
    assert "Traceback" not in err
    assert "host not ready" in err or "already recorded" in err
