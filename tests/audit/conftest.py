"""Real git repositories with a dated history, and audit records written into them.

History of the `history_repo` (main, first parent), all by real `git` commands:
  2024-01-10 alice  c1 import the base inventory             (no trailer)
  2024-02-10 bob    c2 r1 eth1 description, ntp via groups    Reviewed-by: Carol
  2024-03-05 dave   c3 r1 banner, on branch `feature`         (no trailer)
  2024-03-06 erin   merge of feature into main                Approved-by: Frank
  2024-03-20 zed    c4 on branch `unmerged` (never merged)
Records: 2024-01-15 apply of c1, 2024-02-15 apply of c2, 2024-03-10 drift of the merge.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.record import Actor, AuditStore, Configs, DeviceOutcome, Outcome, Record
from tests.conftest import CASES

SECRET = "s3cr3t-Pa55w0rd"


def redact(text: str) -> str:
    return text.replace(SECRET, "<redacted>")


def git(repo: Path, *args: str, when: str = "2024-01-01T00:00:00Z", who: str = "alice") -> str:
    env = os.environ | {
        "GIT_AUTHOR_NAME": who.capitalize(),
        "GIT_AUTHOR_EMAIL": f"{who}@example.org",
        "GIT_COMMITTER_NAME": who.capitalize(),
        "GIT_COMMITTER_EMAIL": f"{who}@example.org",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
    }
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def commit_all(repo: Path, message: str, when: str, who: str) -> str:
    git(repo, "add", "-A", when=when, who=who)
    git(repo, "commit", "-q", "-m", message, when=when, who=who)
    return git(repo, "rev-parse", "HEAD")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def make_history(repo: Path) -> dict[str, str]:
    shutil.copytree(CASES / "base", repo)
    git(repo, "init", "-q", "-b", "main")
    shas = {"c1": commit_all(repo, "Import the base inventory", "2024-01-10T09:00:00Z", "alice")}
    r1 = repo / "inventory/devices/r1.yaml"
    edit(r1, 'description: "to r2:eth1"', 'description: "uplink to r2"')
    edit(
        repo / "inventory/groups.yaml", "servers: [198.18.0.5]", "servers: [198.18.0.5, 198.18.0.6]"
    )
    shas["c2"] = commit_all(
        repo, "r1 uplink description, second NTP server\n\nReviewed-by: Carol <carol@example.org>",
        "2024-02-10T09:00:00Z", "bob",
    )  # fmt: skip
    git(repo, "checkout", "-q", "-b", "feature")
    edit(r1, "role: core", "role: core\nbanner: r1 is managed by underlay")
    shas["c3"] = commit_all(repo, "r1 banner", "2024-03-05T09:00:00Z", "dave")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "feature", "-m",
        "Merge feature: r1 banner\n\nApproved-by: Frank <frank@example.org>",
        when="2024-03-06T09:00:00Z", who="erin")  # fmt: skip
    shas["merge"] = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "unmerged")
    edit(r1, "model: X1", "model: X2")
    shas["c4"] = commit_all(repo, "r1 model, never merged", "2024-03-20T09:00:00Z", "zed")
    git(repo, "checkout", "-q", "main")
    return shas


def record(kind: str, run: str, commit: str, when: str, *devices: DeviceOutcome,
           user: str = "alice", phase: str = "finished") -> Record:  # fmt: skip
    moment = at(when)
    return Record.model_validate(
        {
            "kind": kind,
            "phase": phase,
            "run": run,
            "actor": Actor(user=user, host="ci-runner"),
            "commit": commit,
            "plan_hash": "ab" * 32,
            "started": moment,
            "finished": moment if phase == "finished" else None,
            "devices": devices,
        }
    )


def outcome(name: str, result: Outcome = Outcome.CONFIRMED, run: str = "") -> DeviceOutcome:
    return DeviceOutcome(
        name=name, outcome=result, candidate_hash=f"cand-{run}", running_config_hash=f"run-{run}"
    )


def write_records(repo: Path, shas: dict[str, str]) -> AuditStore:
    store = AuditStore(repo)
    store.append(
        record("apply", "jan", shas["c1"], "2024-01-15T10:00:00",
               outcome("r1", run="jan"), outcome("r2", run="jan")),
        redact=redact,
        configs={
            "r1": Configs("r1 before jan\n", "r1 after jan\n"),
            "r2": Configs(None, "r2 jan\n"),
        },
    )  # fmt: skip
    store.append(
        record("apply", "feb", shas["c2"], "2024-02-15T10:00:00", outcome("r1", run="feb"),
               user="bob"),
        redact=redact,
        configs={"r1": Configs("r1 after jan\n", "r1 after feb\n")},
    )  # fmt: skip
    store.append(
        record("drift", "mar", shas["merge"], "2024-03-10T10:00:00",
               outcome("r1", Outcome.DRIFTED, "mar"), user="github-actions"),
        redact=redact,
        configs={"r1": Configs(None, "r1 seen in march\n")},
    )  # fmt: skip
    return store


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A repository with history and three records; tests must not change it."""
    repo = tmp_path_factory.mktemp("history") / "repo"
    shas = make_history(repo)
    write_records(repo, shas)
    return repo, shas


@pytest.fixture
def fresh(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The same history, with no records yet: for tests that write or tamper."""
    repo = tmp_path / "repo"
    return repo, make_history(repo)
