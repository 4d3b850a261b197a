"""The CLI's one writer: what its redactor knows, and that files get the same treatment."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from engine.cli.output import Output
from engine.secrets import REDACTED, SECRETS_FILE_ENV, known_secrets
from tests.conftest import REPO_ROOT

SECRET, FILED = "From-the-env-1", "From-the-file-2"


def _env(tmp_path: Path, secrets: str) -> dict[str, str]:
    path = tmp_path / "secrets.yaml"
    path.write_text(secrets)
    return {"UNDERLAY_CREDENTIALS_CORE_PASSWORD": SECRET, SECRETS_FILE_ENV: str(path)}


def test_every_password_of_the_environment_and_the_secrets_file(tmp_path: Path) -> None:
    env = _env(tmp_path, f"credentials:\n  edge: {{username: ops, password: {FILED}}}\n")
    assert known_secrets(env) == {SECRET, FILED}


def test_an_unusable_secrets_file_adds_nothing(tmp_path: Path) -> None:
    assert known_secrets(_env(tmp_path, "credentials: [\n")) == {SECRET}


def test_files_are_redacted_in_a_folder_and_in_a_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNDERLAY_CREDENTIALS_CORE_PASSWORD", SECRET)
    out = Output()
    files = {"a/one.txt": f"one {SECRET}\n", "two.txt": "two\n"}
    written = out.files(tmp_path / "folder", files)
    assert [p.relative_to(tmp_path).as_posix() for p in written] == [
        "folder/a/one.txt",
        "folder/two.txt",
    ]
    assert written[0].read_text() == f"one {REDACTED}\n"
    [archive] = out.files(tmp_path / "bundle.zip", files)
    with zipfile.ZipFile(archive) as bundle:
        assert bundle.read("a/one.txt").decode() == f"one {REDACTED}\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_an_output_file_gets_its_folders(tmp_path: Path) -> None:
    """`--out .underlay/plan.json` on a fresh clone: the folder is made, as for a report."""
    from engine.cli import main  # noqa: PLC0415

    target = tmp_path / "new" / "folder" / "result.json"
    assert (
        main(["--repo", str(REPO_ROOT), "validate", "--format", "json", "--output", str(target)])
        == 0
    )
    assert target.read_text().startswith("{")


def test_an_unwritable_output_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine.cli import main  # noqa: PLC0415

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    assert main(["--repo", str(REPO_ROOT), "validate", "--output", str(blocker / "x.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"underlay: validate: cannot write {blocker / 'x.txt'}: "), err
    assert "Traceback" not in err
