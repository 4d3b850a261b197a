"""Group inheritance keeps the position of the place each value really came from."""

from __future__ import annotations

import json
from pathlib import Path

from engine.load.inherit import merge
from engine.validate import validate
from engine.views.diagnostics import Report, json_view, sarif
from tests.test_cache import age


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


def _bad_group_value(repo: Path, value: str) -> None:
    groups = repo / "inventory/groups.yaml"
    groups.write_text(groups.read_text().replace("servers: [198.18.0.5]", f"servers: [{value}]"))


def test_a_bad_inherited_value_is_one_diagnostic_naming_its_objects(base_repo: Path) -> None:
    _bad_group_value(base_repo, "'ntp server!'")
    (found,) = validate(base_repo).diagnostics
    assert str(found.pos) == "inventory/groups.yaml:4:17"
    assert found.message.startswith("group baseline: ntp.servers.0: ")
    assert found.message.endswith("(inherited by 4 objects: r1, r2, hv01, vm01)")
    assert found.subjects == ("device r1", "device r2", "server hv01", "server vm01")
    assert [str(p) for p in found.related] == [
        "inventory/devices/r1.yaml:3:1",
        "inventory/devices/r2.yaml:3:1",
        "inventory/servers/hv01.yaml:3:1",
        "inventory/servers/vm01.yaml:3:1",
    ]


def test_json_and_sarif_list_the_inheriting_objects(base_repo: Path) -> None:
    _bad_group_value(base_repo, "'ntp server!'")
    report = Report("validate", validate(base_repo).diagnostics, 9)
    (item,) = json.loads(json_view(report))["diagnostics"]
    assert item["inherited_from"] == "baseline"
    assert item["inherited_by"] == ["device r1", "device r2", "server hv01", "server vm01"]
    assert [r["path"] for r in item["related"]][:1] == ["inventory/devices/r1.yaml"]
    (result,) = json.loads(sarif(report))["runs"][0]["results"]
    related = result["relatedLocations"]
    assert len(related) == 4
    assert related[3]["message"]["text"] == "server vm01 inherits it from group baseline"
    uri = related[3]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "inventory/servers/vm01.yaml"


def test_one_inheriting_object_is_named_as_before(base_repo: Path) -> None:
    for name in ("r2.yaml", "../servers/hv01.yaml", "../servers/vm01.yaml"):
        own = base_repo / "inventory/devices" / name
        own.write_text(own.read_text().replace("groups: [baseline]\n", ""))
    _bad_group_value(base_repo, "'ntp server!'")
    (found,) = [d for d in validate(base_repo).diagnostics if d.code == "S201"]
    assert found.message.startswith("device r1 (inherited from group baseline): ntp.servers.0")
    assert found.subjects == ("device r1",)


def test_warm_cache_follows_the_group_value(base_repo: Path) -> None:
    """Cached per-object results are folded afresh on every run: a changed group value
    re-validates its objects, and a warm run reports what a cold one does."""
    age(base_repo)
    assert validate(base_repo, incremental=True).ok
    _bad_group_value(base_repo, "'ntp server!'")
    warm = validate(base_repo, incremental=True)
    assert [d.message for d in warm.diagnostics] == [
        d.message for d in validate(base_repo).diagnostics
    ]
    assert len(warm.diagnostics) == 1 and len(warm.diagnostics[0].subjects) == 4
    again = validate(base_repo, incremental=True)
    assert again.reread == 1 and again.diagnostics == warm.diagnostics
    groups = base_repo / "inventory/groups.yaml"
    groups.write_text(groups.read_text().replace("'ntp server!'", "198.18.0.5"))
    assert validate(base_repo, incremental=True).diagnostics == []
