"""Spec checks: refused with every problem named, before the host is touched (no root needed)."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Interface
from pathlib import Path

import pytest

from engine import lab
from tests.lab.helpers import chain_spec


def _problems(spec: lab.LabSpec) -> str:
    return "\n".join(lab.check_spec(spec))


def _with_node(spec: lab.LabSpec, name: str, **changes: object) -> lab.LabSpec:
    nodes = tuple(replace(n, **changes) if n.name == name else n for n in spec.nodes)  # type: ignore[arg-type]
    return replace(spec, nodes=nodes)


def test_chain_spec_is_valid() -> None:
    assert lab.check_spec(chain_spec()) == []


def test_mgmt_address_outside_lab_range_is_refused() -> None:
    spec = _with_node(chain_spec(), "r1", mgmt_address=IPv4Interface("10.0.0.11/24"))
    assert "node r1: mgmt_address 10.0.0.11/24: must lie inside 198.18.0.0/15" in _problems(spec)


def test_frr_address_outside_lab_range_is_refused() -> None:
    r1 = chain_spec().node("r1")
    spec = _with_node(
        chain_spec(), "r1", frr_config=r1.frr_config.replace("198.18.1.0/31", "10.1.1.0/31")
    )
    assert "node r1: frr_config line 8: 10.1.1.0/31 is outside 198.18.0.0/15" in _problems(spec)


@pytest.mark.parametrize(
    "line", ["ip route 0.0.0.0/0 198.18.1.1", " neighbor 198.18.1.1 default-originate"]
)
def test_default_route_is_refused(line: str) -> None:
    r1 = chain_spec().node("r1")
    spec = _with_node(
        chain_spec(), "r1", frr_config=r1.frr_config.replace("!\nend", f"{line}\n!\nend")
    )
    assert "lab nodes never get a default route" in _problems(spec)


def test_port_used_twice_and_unknown_node_are_refused() -> None:
    spec = chain_spec()
    spec = replace(spec, links=(*spec.links, lab.LabLink("r1", "eth1", "r9", "eth1")))
    problems = _problems(spec)
    assert "port r1:eth1: used by 2 links" in problems
    assert "node 'r9' is not declared" in problems


def test_linux_file_outside_etc_is_refused() -> None:
    spec = _with_node(chain_spec(), "srv1", files={"/var/lib/x": "", "/etc/../root/.ssh/a": ""})
    problems = lab.check_spec(spec)
    assert len(problems) == 2 and all("only /etc is node-private" in p for p in problems)


def test_up_refuses_before_touching_anything(tmp_path: Path) -> None:
    spec = _with_node(chain_spec(), "srv1", interfaces=(("eth1", "192.168.1.1/24"),))
    with pytest.raises(
        lab.LabSpecError, match=r"srv1: interface eth1 192\.168\.1\.1/24: must be IPv4 inside"
    ):
        lab.up(spec, tmp_path / "state")
    assert not (tmp_path / "state").exists()
