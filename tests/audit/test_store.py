"""The audit store on real git repositories: the chain, tampering, interrupted applies, secrets."""

from __future__ import annotations

import hashlib
import itertools
import json
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path

from engine.record import REF, AppliedRecord, AuditStore, Configs, Outcome, Record, verify
from engine.record.model import canonical_json
from engine.views.audit import log_text
from tests.audit.conftest import SECRET, git, outcome, record, redact, write_records

Repo = tuple[Path, dict[str, str]]


def _chain(repo: Path) -> list[str]:
    return git(repo, "rev-list", "--first-parent", "--reverse", REF).split()


def _rewrite(repo: Path, replace: dict[int, str | None]) -> None:
    """Rewrite the audit ref as an attacker would with git plumbing: commit i gets tree
    `replace[i]` (None drops the commit); later commits are replayed with their own trees and
    messages on top."""
    parent = None
    for i, commit in enumerate(_chain(repo)):
        if i in replace and replace[i] is None:
            continue
        tree = replace.get(i) or git(repo, "rev-parse", f"{commit}^{{tree}}")
        message = git(repo, "log", "-1", "--format=%B", commit)
        args = ["commit-tree", tree, "-m", message, *(["-p", parent] if parent else [])]
        parent = git(repo, *args)
    assert parent is not None
    git(repo, "update-ref", REF, parent)


def _tree_with(repo: Path, commit: str, path: str, text: str) -> str:
    """`commit`'s tree with the file at `path` (depth 1 or 3) replaced by `text`."""
    blob = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"], cwd=repo, input=text.encode(),
        capture_output=True, check=True,
    ).stdout.decode().strip()  # fmt: skip
    return _replace(repo, f"{commit}^{{tree}}", path.split("/"), blob)


def _replace(repo: Path, tree: str, parts: list[str], blob: str) -> str:
    lines = git(repo, "ls-tree", tree).splitlines()
    out = []
    for line in lines:
        meta, name = line.split("\t")
        mode, kind, sha = meta.split()
        if name == parts[0]:
            sha = blob if len(parts) == 1 else _replace(repo, sha, parts[1:], blob)
        out.append(f"{mode} {kind} {sha}\t{name}")
    return subprocess.run(
        ["git", "mktree"], cwd=repo, input="\n".join(out).encode() + b"\n",
        capture_output=True, check=True,
    ).stdout.decode().strip()  # fmt: skip


def _edited_record(repo: Path, commit: str) -> str:
    data = json.loads(git(repo, "show", f"{commit}:record.json"))
    data["devices"][0]["outcome"] = "confirmed" if data["devices"][0]["outcome"] != "confirmed" \
        else "failed"  # fmt: skip
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def test_append_builds_a_chain_without_touching_the_work_tree(fresh: Repo) -> None:
    repo, shas = fresh
    index = (repo / ".git/index").read_bytes()
    store = write_records(repo, shas)
    entries = store.entries()
    assert [e.record.seq for e in entries if e.record] == [0, 1, 2]
    assert entries[0].record and entries[0].record.previous is None
    for before, after in itertools.pairwise(entries):
        assert before.record and after.record
        assert after.record.previous == before.record.hash() == before.claimed_hash
    assert verify(store) == []
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "symbolic-ref", "HEAD") == "refs/heads/main"
    assert git(repo, "rev-parse", "HEAD") == shas["merge"]
    assert (repo / ".git/index").read_bytes() == index


def test_backups_give_each_device_a_diffable_history(fresh: Repo) -> None:
    repo, shas = fresh
    write_records(repo, shas)
    history = git(repo, "log", "-p", "--format=%s", REF, "--", "backups/r1/")
    assert history.count("backups/r1/running.conf") >= 3
    assert "+r1 seen in march" in history and "-r1 after feb" in history
    assert git(repo, "show", f"{REF}:backups/r2/running.conf") == "r2 jan"  # carried forward
    assert git(repo, "show", f"{REF}~1:before/r1/running.conf") == "r1 after jan"


def test_an_edited_record_is_caught_and_named(fresh: Repo) -> None:
    repo, shas = fresh
    store = write_records(repo, shas)
    second = _chain(repo)[1]
    _rewrite(repo, {1: _tree_with(repo, second, "record.json", _edited_record(repo, second))})
    problems = [str(p) for p in verify(store)]
    assert any("record 1 (feb/finished)" in p and "edited after it was written" in p
               for p in problems)  # fmt: skip
    assert any("record 2 (mar/finished)" in p and "record 1 (feb/finished) hashes to" in p
               for p in problems)  # fmt: skip


def test_an_edit_with_a_forged_commit_message_is_caught_by_the_next_link(fresh: Repo) -> None:
    repo, shas = fresh
    store = write_records(repo, shas)
    second = _chain(repo)[1]
    text = _edited_record(repo, second)
    tree = _tree_with(repo, second, "record.json", text)
    forged = hashlib.sha256(
        json.dumps(json.loads(text), sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    _rewrite(repo, {1: tree})
    chain = _chain(repo)
    message = git(repo, "log", "-1", "--format=%B", chain[1])
    claimed = next(line for line in message.splitlines() if line.startswith("Record-Hash: "))
    message = message.replace(claimed, f"Record-Hash: {forged}")
    new = git(repo, "commit-tree", tree, "-p", chain[0], "-m", message)
    third = git(repo, "commit-tree", f"{chain[2]}^{{tree}}", "-p", new, "-m",
                git(repo, "log", "-1", "--format=%B", chain[2]))  # fmt: skip
    git(repo, "update-ref", REF, third)
    problems = verify(store)
    assert [(p.seq, p.record) for p in problems] == [(2, "mar/finished")]
    assert "record 1 (feb/finished) hashes to" in problems[0].message


def test_a_deleted_record_is_caught(fresh: Repo) -> None:
    repo, shas = fresh
    store = write_records(repo, shas)
    _rewrite(repo, {1: None})
    problems = verify(store)
    assert any(p.seq == 2 and "seq 1 is missing" in p.message for p in problems)
    assert any(p.seq == 2 and "previous is" in p.message for p in problems)


def test_deleting_the_first_record_is_caught(fresh: Repo) -> None:
    repo, shas = fresh
    store = write_records(repo, shas)
    _rewrite(repo, {0: None})
    assert any("earlier records were deleted" in p.message for p in verify(store))


def test_dropping_the_newest_record_needs_the_expected_head(fresh: Repo) -> None:
    repo, shas = fresh
    store = write_records(repo, shas)
    newest = store.entries()[-1].claimed_hash
    assert newest and verify(store, expect_head=newest) == []
    git(repo, "update-ref", REF, f"{REF}~1")
    assert verify(store) == []  # undetectable from inside the repository alone ...
    assert "removed from the end" in verify(store, expect_head=newest)[0].message  # ... with it


def test_an_apply_of_a_commit_not_on_main_is_caught(fresh: Repo) -> None:
    repo, shas = fresh
    store = AuditStore(repo)
    now = "2024-03-21T10:00:00"
    store.append(record("apply", "ok", shas["merge"], now, outcome("r1")), redact=redact)
    store.append(record("apply", "branch", shas["c4"], now, outcome("r1")), redact=redact)
    store.append(record("apply", "side", shas["c3"], now, outcome("r1")), redact=redact)
    store.append(record("apply", "ghost", "f" * 40, now, outcome("r1")), redact=redact)
    problems = {p.record: p.message for p in verify(store)}
    assert set(problems) == {"branch/finished", "side/finished", "ghost/finished"}
    assert "not on the first-parent history of refs/heads/main" in problems["branch/finished"]
    assert "not on the first-parent history" in problems["side/finished"]  # merged, not main's
    assert "does not exist" in problems["ghost/finished"]


def test_an_edited_backup_is_caught(fresh: Repo) -> None:
    repo, shas = fresh
    store = write_records(repo, shas)
    last = _chain(repo)[2]
    _rewrite(repo, {2: _tree_with(repo, last, "backups/r1/running.conf", "doctored\n")})
    problems = verify(store)
    assert [(p.seq, p.message) for p in problems] == [
        (2, "backups/r1/running.conf does not match the record (edited backup)")
    ]


def test_a_backup_slipped_in_without_a_record_is_caught(fresh: Repo) -> None:
    repo, shas = fresh
    store = write_records(repo, shas)
    last = _chain(repo)[2]
    _rewrite(repo, {2: _tree_with(repo, last, "backups/r2/running.conf", "doctored\n")})
    messages = [p.message for p in verify(store)]
    assert messages == [
        "backups/r2/running.conf changed, but the record has no config of that device"
    ]


def test_an_interrupted_apply_is_detected(fresh: Repo) -> None:
    repo, shas = fresh
    store = AuditStore(repo)
    started = record("apply", "killed", shas["c1"], "2024-01-15T10:00:00", phase="started")
    store.append(started, redact=redact)
    store.append(record("drift", "d1", shas["c1"], "2024-01-15T11:00:00"), redact=redact)
    [found] = store.interrupted()
    assert (found.run, found.actor.user, found.started) == ("killed", "alice", started.started)
    store.append(record("apply", "ok", shas["c1"], "2024-01-16T10:00:00", phase="started"),
                 redact=redact)  # fmt: skip
    store.append(record("apply", "ok", shas["c1"], "2024-01-16T10:05:00"), redact=redact)
    assert [r.run for r in store.interrupted()] == ["killed"]
    handled = record("apply", "next", shas["c1"], "2024-01-17T10:00:00").model_copy(
        update={"acknowledges": ("killed",)}
    )
    store.append(handled, redact=redact)
    assert store.interrupted() == []


def test_last_applied_is_the_last_successful_apply_per_device(fresh: Repo) -> None:
    repo, shas = fresh
    store = write_records(repo, shas)
    store.append(
        record("apply", "apr", shas["merge"], "2024-04-01T10:00:00",
               outcome("r1", Outcome.ROLLED_BACK, "apr"), outcome("r2", Outcome.NOOP, "apr")),
        redact=redact,
    )  # fmt: skip
    assert store.last_applied() == {
        "r1": AppliedRecord(shas["c2"], "cand-feb", "run-feb"),  # drift and rollback do not count
        "r2": AppliedRecord(shas["merge"], "cand-apr", "run-apr"),
    }


def test_records_never_hold_a_secret(fresh: Repo) -> None:
    repo, shas = fresh
    store = AuditStore(repo)
    config = f"hostname r1\nusername admin secret {SECRET}\n"
    failed = outcome("r1", Outcome.FAILED).model_copy(
        update={"reason": f"device said: bad password {SECRET}"}
    )
    secretive = record("apply", "sec", shas["c1"], "2024-01-15T10:00:00", failed).model_copy(
        update={
            "emergency_reason": f"outage, rotated {SECRET}",
            "overridden_findings": (f"inventory/devices/r1.yaml:9:5: error[X]: key {SECRET}",),
        }
    )
    store.append(secretive, redact=redact, configs={"r1": Configs(config, config + "x\n")})
    objects = [line.split()[0] for line in git(repo, "rev-list", "--objects", REF).splitlines()]
    assert len(objects) >= 6  # commit, trees, record, two configs
    contents = subprocess.run(
        ["git", "cat-file", "--batch"], cwd=repo, input="\n".join(objects).encode() + b"\n",
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    assert b"username admin secret <redacted>" in contents  # the configs are there ...
    assert SECRET.encode() not in contents  # ... without the secret
    assert verify(store) == []


def test_concurrent_writers_all_land_in_one_chain(fresh: Repo) -> None:
    repo, shas = fresh

    def writer(name: str) -> None:
        store = AuditStore(repo)  # one per thread, as separate processes would have
        for i in range(8):
            when = datetime(2024, 5, 1, 10, i, tzinfo=UTC).isoformat()[:19]
            store.append(record("drift", f"{name}{i}", shas["merge"], when), redact=redact)

    threads = [threading.Thread(target=writer, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store = AuditStore(repo)
    assert [r.seq for r in store.records()] == list(range(16))
    assert verify(store) == []


def test_a_repository_without_records_verifies(fresh: Repo) -> None:
    repo, _ = fresh
    store = AuditStore(repo)
    assert (store.entries(), verify(store), store.last_applied(), store.interrupted()) == (
        [],
        [],
        {},
        [],
    )


FINDING = "inventory/groups.yaml:4:7: error[MGMT-NTP]: device r1: NTP must use both servers"


def test_records_from_before_overridden_findings_still_hash_and_verify(fresh: Repo) -> None:
    repo, shas = fresh
    old = record("apply", "old", shas["c1"], "2024-01-15T10:00:00", outcome("r1"))
    written_then = old.model_dump(mode="json")
    for later in ("overridden_findings", "monitoring"):
        del written_then[later]  # what the engine wrote before the fields existed
    assert old.hash() == hashlib.sha256(canonical_json(written_then)).hexdigest()
    assert Record.model_validate(written_then).hash() == old.hash()
    emergency = record("apply", "new", shas["c2"], "2024-02-15T10:00:00", outcome("r1"))
    emergency = emergency.model_copy(
        update={"emergency_reason": "INC-1", "overridden_findings": (FINDING,)}
    )
    assert emergency.hash() != emergency.model_copy(update={"overridden_findings": ()}).hash()
    store = AuditStore(repo)
    for each in (old, emergency):
        store.append(each, redact=redact)
    assert "overridden_findings" not in json.loads(git(repo, "show", f"{REF}~1:record.json"))
    assert json.loads(git(repo, "show", f"{REF}:record.json"))["overridden_findings"] == [FINDING]
    assert verify(store) == []
    lines = log_text(store.entries()).splitlines()
    assert lines[2].endswith("EMERGENCY: INC-1 (despite 1 unwaived standard error(s))")
    assert lines[3] == f"    overrode: {FINDING}"
