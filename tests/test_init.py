"""`underlay init`: a new repository that validates, checks and dry-runs its pipeline cleanly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import git


def underlay(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True,
                          text=True, timeout=120, check=False, cwd=cwd)


def test_init_creates_a_clean_repository(tmp_path: Path) -> None:
    target = tmp_path / "infra"
    made = underlay("init", str(target))
    assert made.returncode == 0, made.stderr
    assert "initial commit" in made.stdout
    for rel in ("inventory/devices/hq1-core01.yaml", "inventory/servers/hq1-app01.yaml",
                "schemas/device.json", "schemas/pipeline.json", "standards/waivers.yaml",
                "pipelines/pull-request.yaml", ".github/workflows/merge.yml", ".gitignore",
                "README.md"):
        assert (target / rel).is_file(), rel
    for command in (["validate"], ["check"], ["schemas", "--check"], ["pipeline", "validate"]):
        proc = underlay("--repo", str(target), *command)
        assert proc.returncode == 0, (command, proc.stdout, proc.stderr)
    assert underlay("--repo", str(target), "check").stdout.startswith("No problems found")
    handle = git.Repo(target)
    assert not handle.is_dirty(untracked_files=True)
    assert handle.head.commit.message.startswith("Initial infrastructure repository")


def test_pipeline_dry_run_in_a_new_repository(tmp_path: Path) -> None:
    target = tmp_path / "infra"
    assert underlay("init", str(target)).returncode == 0
    proc = underlay("pipeline", "run", "pull-request", "--dry-run", cwd=target)
    assert proc.returncode == 0, proc.stderr
    assert "would run: underlay validate --format text" in proc.stdout


def test_workflows_of_a_new_repository_match_the_official_schema(tmp_path: Path) -> None:
    target = tmp_path / "infra"
    assert underlay("init", str(target)).returncode == 0
    files = sorted(str(p) for p in (target / ".github/workflows").glob("*.yml"))
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         *files], capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stdout
    assert "python -m pip install underlay" in (target / ".github/workflows/drift.yml").read_text()


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    proc = underlay("init", str(tmp_path))
    assert proc.returncode == 1
    assert "is not empty" in proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_init_scaffolds_the_whole_standards_library_in_the_organisations_names(
    tmp_path: Path,
) -> None:
    from engine.standards import load  # noqa: PLC0415
    from tests.conftest import REPO_ROOT  # noqa: PLC0415

    target = tmp_path / "acme"
    made = underlay("init", str(target), "--organisation", "Acme Widgets plc", "--site", "lon1",
                    "--domain", "corp.acme.example")
    assert made.returncode == 0, made.stderr
    ours = sorted(r.rule.id for r in load(target).rules)
    assert ours == sorted(r.rule.id for r in load(REPO_ROOT).rules)  # the sample's baseline
    assert {"MGMT-NTP", "MGMT-BANNER", "SRV-BACKUP", "SVC-OWNER-SLA"} <= set(ours)
    for path in target.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            text = path.read_text().lower()
            for sample in ("fra1", "fra2", "northwind"):
                assert sample not in text, (path, sample)
    assert (target / "inventory/devices/lon1-core01.yaml").is_file()
    assert "Acme Widgets plc" in (target / "inventory/groups.yaml").read_text()
    assert "corp.acme.example" in (target / "standards/management.yaml").read_text()
    check = underlay("--repo", str(target), "check")
    assert check.returncode == 0 and check.stdout.startswith("No problems found"), check.stdout


def test_init_refuses_names_it_cannot_use(tmp_path: Path) -> None:
    proc = underlay("init", str(tmp_path / "x"), "--site", "Lon-1", "--organisation", "A (UK)")
    assert proc.returncode == 2  # a usage error
    assert "--site 'Lon-1'" in proc.stderr and "--organisation 'A (UK)'" in proc.stderr
    assert not (tmp_path / "x").exists()


def _yaml_blocks(markdown: str, kind: str) -> list[str]:
    section = markdown.split(f"\n## {kind}\n", 1)[1].split("\n## ", 1)[0]
    return [block.split("```", 1)[0] for block in section.split("```yaml\n")[1:]]


def test_an_organisation_written_from_the_docs_validates_and_checks_cleanly(
    tmp_path: Path,
) -> None:
    """`underlay init`, then a device and servers copied from docs/inventory.md's examples,
    each added to the contract's `covers:` as the docs say."""
    from ruamel.yaml import YAML  # noqa: PLC0415

    from tests.conftest import REPO_ROOT  # noqa: PLC0415

    target = tmp_path / "example"
    assert underlay("init", str(target), "--organisation", "Example Corp").returncode == 0
    docs = (REPO_ROOT / "docs/inventory.md").read_text()
    added: dict[str, list[str]] = {"devices": [], "servers": []}
    for kind, folder in (("device", "devices"), ("server", "servers")):
        for block in _yaml_blocks(docs, kind):
            name = YAML(typ="safe", pure=True).load(block)["name"]
            (target / "inventory" / folder / f"{name}.yaml").write_text(block)
            added[folder].append(name)
    assert added == {"devices": ["hq1-core02"], "servers": ["hq1-hv01", "hq1-db01"]}
    contracts = target / "inventory/contracts.yaml"
    text = contracts.read_text().replace("[hq1-core01]", "[hq1-core01, hq1-core02]")
    contracts.write_text(text.replace("[hq1-app01]", "[hq1-app01, hq1-hv01]"))
    for command in ("validate", "check"):
        proc = underlay("--repo", str(target), command)
        assert proc.returncode == 0, proc.stdout
        assert proc.stdout.startswith("No problems found"), proc.stdout
