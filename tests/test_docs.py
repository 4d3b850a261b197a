"""Generated documentation stays current, and every code the engine emits is documented."""

from __future__ import annotations

import re

from engine.diagnostics import CODES
from engine.model.examples import EXAMPLES, FIELD_EXAMPLES
from engine.model.layout import COLLECTIONS, OBJECT_FOLDERS
from engine.views import inventory_doc
from engine.views.codes import catalogue_markdown
from tests.conftest import REPO_ROOT


def test_diagnostics_catalogue_is_current() -> None:
    assert (REPO_ROOT / "docs/diagnostics.md").read_text() == catalogue_markdown(), (
        "run `underlay explain --all > docs/diagnostics.md`"
    )


def test_every_emitted_code_is_in_the_catalogue() -> None:
    emitted = set()
    for path in (REPO_ROOT / "engine").rglob("*.py"):
        if path.name != "diagnostics.py":
            emitted |= set(re.findall(r'"([YSRCT]\d{3})"', path.read_text()))
    assert emitted, "no codes found: the pattern is wrong"
    assert emitted <= set(CODES), sorted(emitted - set(CODES))


def test_inventory_reference_is_current() -> None:
    assert (REPO_ROOT / "docs/inventory.md").read_text() == inventory_doc.render(), (
        "run `underlay schemas --markdown > docs/inventory.md`"
    )


def test_inventory_reference_gives_every_field_a_type_meaning_and_example() -> None:
    text = inventory_doc.render()
    models = {k: m for k, (_, m) in OBJECT_FOLDERS.items()}
    models |= {c.kind: c.model for c in COLLECTIONS if c.kind != "group"}
    for kind, model in models.items():
        section = text.split(f"\n## {kind}\n", 1)[1].split("\n## ", 1)[0]
        for path, type_text, _, meaning, _ in inventory_doc.rows(model):
            (row,) = [r for r in section.splitlines() if r.startswith(f"| `{path}` |")]
            cells = [c.strip() for c in row.strip("|").split(" | ")]
            assert type_text and meaning and all(cells[i] for i in (0, 1, 3, 4)), (kind, row)


def _examples(kind: str) -> list[object]:
    from ruamel.yaml import YAML  # noqa: PLC0415

    return [YAML(typ="safe", pure=True).load(text) for text in EXAMPLES[kind]]


def test_every_example_is_valid() -> None:
    models = {k: m for k, (_, m) in OBJECT_FOLDERS.items()}
    models |= {c.kind: c.model for c in COLLECTIONS if c.kind != "group"}
    for kind, model in models.items():
        for example in _examples(kind):
            entries = example if isinstance(example, list) else (
                [example] if kind in OBJECT_FOLDERS else list(example.values()))  # fmt: skip
            for entry in entries:
                model.model_validate(entry)  # a ValidationError names the field
    assert set(FIELD_EXAMPLES) == {"snmp.community"}
