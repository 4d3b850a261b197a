"""Group inheritance keeps the position of the place each value really came from."""

from __future__ import annotations

from pathlib import Path

from engine.load.inherit import merge
from engine.validate import validate


def test_merge_object_over_groups_in_order() -> None:
    merged = merge(
        [
            {"ntp": {"servers": ["a"]}},
            {"ntp": {"servers": ["b"], "x": 1}, "banner": "g1"},
            {"banner": "g2", "tags": ["t"]},
        ]
    )
    assert merged == {"ntp": {"servers": ["a"], "x": 1}, "banner": "g1", "tags": ["t"]}


def test_inherited_value_positions_point_to_the_group(base_repo: Path) -> None:
    inv = validate(base_repo).inventory
    assert inv.devices["r1"].ntp is not None  # inherited from group baseline
    pos = inv.pos("device", "r1", ("ntp", "servers", 0))
    assert (pos.path, pos.line) == ("inventory/groups.yaml", 4)
    own = inv.pos("device", "r1", ("bgp", "asn"))
    assert (own.path, own.line) == ("inventory/devices/r1.yaml", 15)


def test_object_value_wins_and_keeps_its_own_position(base_repo: Path) -> None:
    device = base_repo / "inventory/devices/r1.yaml"
    device.write_text(device.read_text() + "ntp:\n  servers: [198.18.0.6]\n")
    inv = validate(base_repo).inventory
    assert [str(s) for s in inv.devices["r1"].ntp.servers] == ["198.18.0.6"]  # type: ignore[union-attr]
    pos = inv.pos("device", "r1", ("ntp", "servers", 0))
    assert (pos.path, pos.line) == ("inventory/devices/r1.yaml", 21)
