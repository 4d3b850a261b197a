"""JSON Schemas: generated from the models, committed, and in agreement with the validator."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from engine import schemagen
from engine.load.reader import read_file
from tests.conftest import REPO_ROOT


def _schema_for(rel: str) -> str:
    for prefix, name in schemagen.FILE_SCHEMA.items():
        if rel == prefix or (prefix.endswith("/") and rel.startswith(prefix)):
            return name
    raise AssertionError(f"no schema for {rel}")


def test_committed_schemas_are_current() -> None:
    assert [s.name for s in schemagen.check(REPO_ROOT / "schemas") if s.state != "current"] == []


def test_schemas_check_detects_stale_and_missing(tmp_path: Path) -> None:
    shutil.copytree(REPO_ROOT / "schemas", tmp_path / "schemas")
    (tmp_path / "inventory").mkdir()
    (tmp_path / "schemas/device.json").write_text("{}\n")
    (tmp_path / "schemas/sites.json").unlink()
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "--repo", str(tmp_path), "schemas", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "device.json: stale" in proc.stdout and "sites.json: missing" in proc.stdout


@pytest.mark.parametrize("schema", sorted(schemagen.generate()))
def test_schema_is_valid_draft_2020_12(schema: str) -> None:
    body = schemagen.generate()[schema]
    assert body["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(body)


def test_sample_files_name_their_schema_and_pass_it() -> None:
    """Editors use the `$schema` comment; the sample must pass the schema it names."""
    for path in sorted((REPO_ROOT / "inventory").rglob("*.yaml")):
        rel = path.relative_to(REPO_ROOT).as_posix()
        first = path.read_text().splitlines()[0]
        name = _schema_for(rel)
        assert first.startswith("# yaml-language-server: $schema="), rel
        target = (path.parent / first.split("$schema=")[1]).resolve()
        assert target == (REPO_ROOT / "schemas" / f"{name}.json").resolve(), rel
        schema = json.loads(target.read_text())
        jsonschema.Draft202012Validator(schema).validate(read_file(path, rel).data)


def test_schema_rejects_what_the_validator_rejects() -> None:
    schema = schemagen.generate()["device"]
    bad = {
        "name": "r1",
        "site": "s",
        "role": "spine",
        "platform": "frr",
        "vendor": "v",
        "model": "m",
        "os": {"version": "1"},
        "management": {"address": "198.18.0.1", "credentials": "lab"},
    }
    with pytest.raises(jsonschema.ValidationError, match="spine"):
        jsonschema.validate(bad, schema)
