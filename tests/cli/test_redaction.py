"""Redaction in one place: every command, in every format, writes through the CLI's output
(engine.cli.output), which redacts every password this machine resolves. A credential password
resolved from the environment is planted in the sample's login banner (every rendered config,
every intended config of `audit show`) and in a finding's message (check, report); it must
appear nowhere: not on standard output or error, not in a written file, not in the audit trail,
not in a pull-request comment.

The devices are unreachable (tests.cli.offline), so plan, drift and apply run to the end and
print; no lab is used.
"""

from __future__ import annotations

import gc
import io
import os
import shutil
import subprocess
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import NamedTuple

import pytest

from engine.cli import main
from engine.secrets import REDACTED
from tests.cli.offline import PASSWORD, USERNAME, commit, environment, git, offline_sample
from tests.pipeline.conftest import FakeGitHub, fake_github

CANARY = "Canary-7f3e-Hunter2"
DEVICE = "fra1-leaf01"
DIAGNOSTIC_FORMATS = ("text", "json", "github", "sarif", "junit")


class Transcript(NamedTuple):
    repo: Path
    out: Path  # where the commands wrote their files
    lines: list[tuple[tuple[str, ...], int, str]]  # argv, exit code, stdout + stderr
    posted: list[str]  # the bodies of pull-request comments the (fake) GitHub received


def _plant(repo: Path) -> None:
    groups = repo / "inventory/groups.yaml"
    legal = "* Northwind Logistics GmbH - AUTHORISED ACCESS ONLY                    *"
    assert legal in groups.read_text()
    groups.write_text(groups.read_text().replace(legal, f"{legal} {CANARY}"))
    device = repo / "inventory/devices/fra2-leaf01.yaml"
    text = device.read_text().replace("\nbgp:", f'\nbanner: "Welcome {CANARY}"\nbgp:', 1)
    device.write_text(text)  # MGMT-BANNER: a finding whose message quotes the banner
    commit(repo, "a password in the banner (by mistake)")


def _commands(repo: Path, out: Path) -> list[tuple[str, ...]]:
    """In order: the plan is applied, drift and apply leave records for the audit commands."""
    plan = str(out / "plan.json")
    return [
        *[("validate", "--format", f) for f in DIAGNOSTIC_FORMATS],
        ("validate", "--output", str(out / "validate.txt")),
        *[("check", "--format", f, "--no-cache") for f in DIAGNOSTIC_FORMATS],
        ("check", "--format", "sarif", "--output", str(out / "check.sarif")),
        ("render",),
        ("render", "--format", "json"),
        ("render", "--device", DEVICE, "--out", str(out / "render")),
        ("render", "--device", CANARY),  # a usage error that quotes the argument
        ("explain", CANARY),
        ("standards", "docs"),
        ("standards", "docs", "--output", str(out / "standards.md")),
        ("schemas", "--check"),
        ("plan", "--out", plan),
        *[("plan", "--format", f, "--limit", DEVICE) for f in ("text", "markdown", "json")],
        ("drift", "--format", "text"),
        *[("drift", "--no-record", "--format", f) for f in ("json", "markdown")],
        ("drift", "--no-record", "--output", str(out / "drift.txt")),
        ("apply", plan, "--emergency", "--reason", f"INC-1 {CANARY}"),
        ("apply", plan, "--format", "json", "--emergency", "--reason", "INC-2"),
        *[("audit", "log", "--format", f) for f in ("text", "json")],
        *[("audit", "show", DEVICE, "--format", f) for f in ("text", "json")],
        *[("audit", "blame", DEVICE, "banner", "--format", f) for f in ("text", "json")],
        *[("audit", "verify", "--format", f) for f in ("text", "json")],
        *[
            ("audit", "export", "--since", "2000-01-01", "--until", "2100-01-01", "--out", x)
            for x in (str(out / "evidence"), str(out / "evidence.zip"))
        ],
        *[("report", "--format", f) for f in ("html", "markdown", "json")],
        ("report", "--format", "html", "--out", str(out / "report.html")),
        ("metrics",),
        ("metrics", "--textfile", str(out / "underlay.prom")),
        ("lab", "status", "--state-dir", str(out / "no-lab")),
        ("pipeline", "validate"),
        ("pipeline", "run", "pull-request"),
        ("pipeline", "comment", str(out.parent / "comment.md")),
    ]


def _run(repo: Path, argv: Sequence[str]) -> tuple[int, str]:
    """`underlay --repo REPO ARGV` in this process: its exit code, standard output and error."""
    said = io.StringIO()
    try:
        with redirect_stdout(said), redirect_stderr(said):
            code = main(["--repo", str(repo), *argv])
    finally:
        gc.enable()  # validate and check turn it off for the rest of their process
    return code, said.getvalue()


@pytest.fixture(scope="module")
def transcript(tmp_path_factory: pytest.TempPathFactory) -> Transcript:
    base = tmp_path_factory.mktemp("canary")
    repo, out = offline_sample(base / "repo"), base / "out"
    out.mkdir()
    _plant(repo)
    (base / "comment.md").write_text(f"a plan that quotes {CANARY}\n")  # an input
    env = environment(base, **{USERNAME: "netops", PASSWORD: CANARY})
    with pytest.MonkeyPatch.context() as patch, fake_github() as api:
        env |= {"GITHUB_TOKEN": "t0k", "GITHUB_REPOSITORY": "o/r", "UNDERLAY_PR": "7"}
        env["GITHUB_API_URL"] = api
        for name in set(os.environ) - set(env):
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        patch.chdir(base)
        lines = [(argv, *_run(repo, argv)) for argv in map(tuple, _commands(repo, out))]
        posted = [body for method, _, body in FakeGitHub.calls if method == "POST"]
    return Transcript(repo, out, lines, posted)


def test_no_command_prints_the_secret(transcript: Transcript) -> None:
    assert [argv for argv, _, said in transcript.lines if CANARY in said] == []


def test_every_command_ran(transcript: Transcript) -> None:
    """Exit codes of commands that ran (unreachable devices, findings: 1); only the usage
    error that quotes the secret is 2 by design."""
    lines = transcript.lines
    faults = [(argv, code) for argv, code, _ in lines if code == 2 and argv[0] != "drift"]
    assert faults == [(("render", "--device", CANARY), 2)]
    assert not [argv for argv, _, said in lines if "internal error" in said or "Traceback" in said]


def test_no_pull_request_comment_holds_it(transcript: Transcript) -> None:
    assert len(transcript.posted) == 1 and REDACTED in transcript.posted[0]
    assert not [body for body in transcript.posted if CANARY in body]


def test_no_written_file_holds_the_secret(transcript: Transcript) -> None:
    repo, out = transcript.repo, transcript.out
    written = [*out.rglob("*"), *(repo / ".underlay/artifacts").rglob("*")]
    files = [p for p in written if p.is_file()]
    assert {"plan.json", "check.sarif", "report.html", "underlay.prom", "plan.md"} <= {
        p.name for p in files
    }
    assert (out / "evidence.zip").is_file() and list((out / "render").rglob("*"))
    shutil.unpack_archive(out / "evidence.zip", out / "unzipped")
    leaks = [p for p in [*files, *(out / "unzipped").rglob("*")] if _holds(p)]
    assert leaks == []


def test_the_audit_trail_holds_it_nowhere(transcript: Transcript) -> None:
    grep = subprocess.run(
        ["git", "grep", "-c", CANARY, "refs/underlay/audit"],
        cwd=transcript.repo, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert grep.returncode == 1, grep.stdout  # 1: no match (there are records to search)
    assert git(transcript.repo, "rev-parse", "refs/underlay/audit")  # records there are


def test_the_secret_was_there_to_find(transcript: Transcript) -> None:
    """Redacted where it stood: the rendered banner, audit show's intended config, findings."""
    said = {argv: text for argv, _, text in transcript.lines}
    for argv in [("render",), ("audit", "show", DEVICE, "--format", "text"), ("check", "--format",
                 "text", "--no-cache"), ("report", "--format", "markdown")]:  # fmt: skip
        assert REDACTED in said[argv], argv


def _holds(path: Path) -> bool:
    return CANARY.encode() in path.read_bytes()
