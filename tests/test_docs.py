"""Generated documentation stays current, and every code the engine emits is documented."""

from __future__ import annotations

import re

from engine.diagnostics import CODES
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
