"""audit blame, show, log and export, and the `underlay audit` commands, on a real history."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from engine.audit.blame import blame, locate
from engine.audit.export import export
from engine.audit.log import Filter, log
from engine.audit.show import show
from engine.cli import main
from engine.record import AuditStore
from tests.audit.conftest import at, write_records
from tests.audit.test_store import _rewrite

Repo = tuple[Path, dict[str, str]]
FRR = "/etc/frr/frr.conf"


@pytest.mark.parametrize(
    ("field", "setter", "author", "file", "group"),
    [
        ("interfaces.eth1.description", "c2", "Bob", "inventory/devices/r1.yaml", None),
        ("ntp.servers", "c2", "Bob", "inventory/groups.yaml", "baseline"),
        ("bgp.asn", "c1", "Alice", "inventory/devices/r1.yaml", None),
        ("bgp.neighbors.0.remote_as", "c1", "Alice", "inventory/devices/r1.yaml", None),
        ("banner", "c3", "Dave", "inventory/devices/r1.yaml", None),
    ],
)
def test_blame_names_the_commit_and_author_that_set_a_value(
    history: Repo, field: str, setter: str, author: str, file: str, group: str | None
) -> None:
    repo, shas = history
    found = blame(repo, "r1", field)
    assert found.problem is None and found.change is not None
    assert (found.change.commit, found.change.author, found.file, found.group) == (
        shas[setter], author, file, group
    )  # fmt: skip


def test_blame_reports_approvals_from_the_commit_and_its_merge(history: Repo) -> None:
    repo, shas = history
    reviewed = blame(repo, "r1", "interfaces.eth1.description").change
    merged = blame(repo, "r1", "banner").change
    inherited = blame(repo, "r2", "banner")
    assert reviewed and reviewed.reviewed_by == ("Carol <carol@example.org>",)
    assert merged and merged.approved_by == ("Frank <frank@example.org>",)
    assert merged.landed_in == shas["merge"]
    assert inherited.value == "Authorised access only." and inherited.group == "baseline"
    assert inherited.change and inherited.change.commit == shas["c1"]
    assert not inherited.change.approved


def test_blame_of_what_does_not_exist_is_a_problem_not_a_crash(history: Repo) -> None:
    repo, _ = history
    assert blame(repo, "r1", "bgp.nothing").problem == "r1 has no value at bgp.nothing"
    assert blame(repo, "r9", "bgp.asn").problem == "r9: no such device or server"


def test_locate_accepts_keys_with_dots() -> None:
    data = {"interfaces": {"eth1.100": {"mtu": 9000}}, "ntp": {"servers": ["a", "b"]}}
    assert locate(data, ["interfaces", "eth1", "100", "mtu"]) == (
        ("interfaces", "eth1.100", "mtu"), 9000
    )  # fmt: skip
    assert locate(data, ["ntp", "servers", "1"]) == (("ntp", "servers", 1), "b")
    assert locate(data, ["ntp", "servers", "7"]) is None


def test_show_gives_the_intended_and_actual_config_of_a_past_date(history: Repo) -> None:
    repo, shas = history
    january = show(repo, "r1", at("2024-01-20T00:00:00"))
    february = show(repo, "r1", at("2024-02-20T00:00:00"))
    assert january.intended and january.intended.commit == shas["c1"]
    assert "to r2:eth1" in january.intended.artifacts[FRR]
    assert january.actual and january.actual.config == "r1 after jan\n"
    assert january.actual.record == "jan/finished"
    assert january.change and january.change.author == "Alice"
    assert january.compliance and january.compliance.compliant
    assert february.intended and "uplink to r2" in february.intended.artifacts[FRR]
    assert february.actual and february.actual.config == "r1 after feb\n"
    assert february.change and february.change.reviewed_by == ("Carol <carol@example.org>",)


def test_show_after_a_merge_and_a_drift_run(history: Repo) -> None:
    repo, shas = history
    march = show(repo, "r1", at("2024-03-15T00:00:00"))
    assert march.intended and march.intended.commit == shas["merge"]
    assert "r1 is managed by underlay" in "".join(march.intended.artifacts.values())
    assert march.actual and (march.actual.config, march.actual.outcome) == (
        "r1 seen in march\n", "drifted"
    )  # fmt: skip
    assert march.change and march.change.approved_by == ("Frank <frank@example.org>",)


def test_show_before_anything_existed(history: Repo) -> None:
    repo, _ = history
    found = show(repo, "r1", at("2023-12-01T00:00:00"))
    assert (found.intended, found.actual, found.found) == (None, None, False)


@pytest.mark.parametrize(
    ("keep", "runs"),
    [
        (Filter(), ["jan", "feb", "mar"]),
        (Filter(device="r2"), ["jan"]),
        (Filter(author="BOB"), ["feb"]),
        (Filter(kind="drift"), ["mar"]),
        (Filter(since=at("2024-02-01T00:00:00"), until=at("2024-02-28T23:59:59")), ["feb"]),
        (Filter(since=at("2024-02-01T00:00:00"), device="r1", kind="apply"), ["feb"]),
    ],
)
def test_log_filters(history: Repo, keep: Filter, runs: list[str]) -> None:
    repo, _ = history
    assert [e.record.run for e in log(repo, keep) if e.record] == runs


def test_export_collects_changes_approvals_runs_and_standards(history: Repo) -> None:
    repo, shas = history
    evidence = export(repo, at("2024-02-01T00:00:00"), at("2024-03-31T23:59:59"))
    assert [c.commit for c in evidence.changes] == [shas["c2"], shas["c3"]]
    assert evidence.unapproved == ()
    assert [e.record.run for e in evidence.runs if e.record] == ["feb", "mar"]
    assert [s.commit for s in evidence.standards] == [shas["c2"], shas["merge"]]
    assert evidence.problems == () and evidence.end_commit == shas["merge"]
    wider = export(repo, at("2024-01-01T00:00:00"), at("2024-03-31T23:59:59"))
    assert [c.author for c in wider.unapproved] == ["Alice"]


def test_export_bundle_as_folder_and_zip(
    history: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, shas = history
    period = ["--since", "2024-01-01", "--until", "2024-03-31"]
    assert (
        main(["--repo", str(repo), "audit", "export", *period, "--out", str(tmp_path / "ev")]) == 0
    )
    readme = (tmp_path / "ev/README.md").read_text()
    data = json.loads((tmp_path / "ev/evidence.json").read_text())
    assert "Intact" in readme and f"`{shas['c2'][:12]}` | Bob | Carol" in readme
    assert "| Alice | **none** |" in readme and "## Standards status" in readme
    assert data["chain_intact"] is True and data["unapproved"] == [shas["c1"]]
    assert [r["record"]["run"] for r in data["runs"]] == ["jan", "feb", "mar"]
    assert (
        main(["--repo", str(repo), "audit", "export", *period, "--out", str(tmp_path / "ev.zip")])
        == 0
    )
    assert sorted(zipfile.ZipFile(tmp_path / "ev.zip").namelist()) == ["README.md", "evidence.json"]
    assert "3 run records, chain intact" in capsys.readouterr().out


def test_cli_log_show_blame(history: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo, _ = history
    base = ["--repo", str(repo), "audit"]
    assert main([*base, "log", "--author", "bob", "--format", "json"]) == 0
    assert [r["record"]["run"] for r in json.loads(capsys.readouterr().out)["records"]] == ["feb"]
    assert main([*base, "log", "--device", "r2"]) == 0
    assert "#0 apply finished  jan" in capsys.readouterr().out
    assert main([*base, "blame", "r1", "ntp.servers"]) == 0
    out = capsys.readouterr().out
    assert "set in inventory/groups.yaml:" in out and "(inherited from group baseline)" in out
    assert "approved by: Carol <carol@example.org>" in out
    assert main([*base, "blame", "r1", "bgp.nothing"]) == 1
    assert main([*base, "show", "r1", "--at", "2024-02-20"]) == 0
    out = capsys.readouterr().out
    assert "r1 after feb" in out and "uplink to r2" in out and "standards then: compliant" in out
    assert main([*base, "show", "r1", "--at", "2023-01-01"]) == 1
    assert main([*base, "log", "--since", "yesterday"]) == 2


def test_cli_verify_names_the_broken_link(fresh: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo, shas = fresh
    write_records(repo, shas)
    assert main(["--repo", str(repo), "audit", "verify"]) == 0
    assert "audit trail intact: 3 records" in capsys.readouterr().out
    _rewrite(repo, {1: None})
    assert main(["--repo", str(repo), "audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "record 2 (mar/finished)" in out and "seq 1 is missing" in out
    assert main(["--repo", str(repo), "audit", "verify", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False
    assert len(list(AuditStore(repo).records())) == 2
