"""The YAML reader: core-schema scalars, positions for keys and values, safe by construction."""

from __future__ import annotations

from pathlib import Path

from engine.load.reader import parse_text, read_file


def test_core_schema_scalars_are_not_guessed() -> None:
    doc = parse_text(
        "a: yes\nb: 'true'\nc: true\nd: 9.2\ne: '9.2'\nf: 2027-01-31\ng: ~\nh: 0x1F\ni: 010\n",
        "x.yaml",
    )
    assert doc.data == {
        "a": "yes",
        "b": "true",
        "c": True,
        "d": 9.2,
        "e": "9.2",
        "f": "2027-01-31",
        "g": None,
        "h": 31,
        "i": 10,
    }


def test_positions_of_values_and_keys_are_one_based() -> None:
    doc = parse_text("a: 1\nb:\n  - x: 2\n    y: [1, 2]\n", "x.yaml")
    assert doc.values[("a",)] == (1, 4)
    assert doc.keys[("b", 0, "y")] == (4, 5)
    assert doc.values[("b", 0, "y", 1)] == (4, 12)
    assert str(doc.pos(("b", 0, "missing"))) == "x.yaml:3:5"


def test_clean_file_reads_positions_lazily_and_correctly(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("name: r1\ninterfaces:\n  eth1: {mtu: 9000}\n")
    doc = read_file(path, "d.yaml")
    assert doc._values is None  # fast path: nothing recorded yet
    assert str(doc.pos(("interfaces", "eth1", "mtu"))) == "d.yaml:3:15"


def test_fast_and_positioned_paths_build_the_same_data(tmp_path: Path) -> None:
    text = "a: [1, {b: c}]\nd:\n  e: 'f'\n  g: |\n    text\n"
    path = tmp_path / "d.yaml"
    path.write_text(text)
    assert read_file(path, "d.yaml").data == parse_text(text, "d.yaml").data


def test_aliases_share_values_within_the_limit() -> None:
    doc = parse_text("a: &x {k: v}\nb: *x\n", "x.yaml")
    assert doc.ok and doc.data["b"] == {"k": "v"}


def test_duplicate_key_points_at_the_second_and_relates_the_first() -> None:
    doc = parse_text("k: 1\nj: 2\nk: 3\n", "x.yaml")
    (diag,) = doc.diagnostics
    assert (diag.code, diag.pos.line, diag.related[0].line) == ("Y102", 3, 1)
