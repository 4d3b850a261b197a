"""Waivers, positions, views, the handbook, bad rule files and custom rules."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import jsonschema

from engine.diagnostics import Severity
from engine.standards import check, handbook, load
from tests.conftest import REPO_ROOT
from tests.standards.helpers import TODAY, build, line, run
from tests.test_cache import age
from tests.test_views import SARIF_SCHEMA

OLD_FRR = {"inventory/devices/fra1-spine01.yaml": [['version: "8.4.4"', 'version: "8.2.2"']]}
WAIVER = """\
waivers:
  - rule: OS-MIN-DEVICE
    target: {target}
    reason: upgrade waits for the new image
    owner: Jan Richter <jan.richter@northwind.example>
    ticket: CHG-1
    expires: {expires}
"""


def _underlay(
    repo: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", "--repo", str(repo), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def _codes(result_diags: list, *codes: str) -> list[str]:
    return sorted(f"{line(d)} {d.code}" for d in result_diags if d.code in codes)


# ---------------------------------------------------------------- the sample organisation
def test_sample_passes_with_its_waivers() -> None:
    result = run(REPO_ROOT)
    assert result.ok
    unwaived = [f"{line(d)} {d.code}" for d in result.diagnostics if d.waiver is None]
    assert unwaived == [
        "inventory/contracts.yaml:22 SUP-RENEWAL",
        "inventory/devices/fra2-leaf01.yaml:20 LIFE-EOS-SOON",
    ]
    waived = {(d.code, d.subject, d.waiver.ticket) for d in result.diagnostics if d.waiver}
    assert ("OS-MIN-DEVICE", "device fra2-core01", "CHG-1234") in waived
    assert {code for code, _, _ in waived} == {"OS-MIN-DEVICE", "SRV-BACKUP-RPO", "SUP-SLA"}


def test_sample_after_a_waiver_expires() -> None:
    result = run(REPO_ROOT, date(2027, 2, 1))  # PROC-2291 expired on 2027-01-31
    assert not result.ok
    expired = [d for d in result.diagnostics if d.code == "T507"]
    assert [(d.pos.path, d.severity) for d in expired] == [
        ("standards/waivers.yaml", Severity.ERROR)
    ]
    assert "PROC-2291" in expired[0].message


# ---------------------------------------------------------------- waivers
def test_active_waiver_suppresses_but_reports(tmp_path: Path) -> None:
    waivers = WAIVER.format(target="fra1-spine01", expires="2027-03-31")
    result = run(build(tmp_path / "r", {"edit": OLD_FRR, "waivers": waivers}))
    assert _codes(result.diagnostics, "OS-MIN-DEVICE", "T507", "T508") == [
        "inventory/devices/fra1-spine01.yaml:16 waived OS-MIN-DEVICE"
    ]
    waiver = next(d.waiver for d in result.diagnostics if d.waiver)
    assert (str(waiver.pos), waiver.ticket, waiver.expires) == (
        "standards/waivers.yaml:2:5",
        "CHG-1",
        "2027-03-31",
    )
    assert result.ok


def test_expired_waiver_is_an_error_and_suppresses_nothing(tmp_path: Path) -> None:
    waivers = WAIVER.format(target="fra1-spine01", expires="2026-11-26")
    result = run(build(tmp_path / "r", {"edit": OLD_FRR, "waivers": waivers}))
    assert _codes(result.diagnostics, "OS-MIN-DEVICE", "T507", "T508") == [
        "inventory/devices/fra1-spine01.yaml:16 OS-MIN-DEVICE",
        "standards/waivers.yaml:7 T507",
    ]
    assert not result.ok


def test_waiver_expiring_today_still_holds(tmp_path: Path) -> None:
    waivers = WAIVER.format(target="fra1-spine01", expires=TODAY.isoformat())
    assert run(build(tmp_path / "r", {"edit": OLD_FRR, "waivers": waivers})).ok


def test_unmatched_waiver_is_a_warning(tmp_path: Path) -> None:
    waivers = WAIVER.format(target="fra1-leaf01", expires="2027-03-31")
    result = run(build(tmp_path / "r", {"waivers": waivers}))
    found = [d for d in result.diagnostics if d.code == "T508"]
    assert [(line(d), d.severity) for d in found] == [
        ("standards/waivers.yaml:2", Severity.WARNING)
    ]
    assert result.ok


def test_waiver_with_a_selector_and_for_an_unknown_rule(tmp_path: Path) -> None:
    waivers = """\
waivers:
  - rule: OS-MIN-DEVICE
    target: {kind: device, site: fra1, role: [core, access]}
    reason: fabric upgrade in one window
    owner: Jan Richter <jan.richter@northwind.example>
    ticket: CHG-2
    expires: 2027-01-01
  - rule: NO-SUCH-RULE
    target: fra1-spine01
    reason: typo
    owner: Jan Richter <jan.richter@northwind.example>
    ticket: CHG-3
    expires: 2027-01-01
"""
    result = run(build(tmp_path / "r", {"edit": OLD_FRR, "waivers": waivers}))
    assert _codes(result.diagnostics, "OS-MIN-DEVICE", "T506", "T508") == [
        "inventory/devices/fra1-spine01.yaml:16 waived OS-MIN-DEVICE",
        "standards/waivers.yaml:8 T506",
    ]


# ---------------------------------------------------------------- positions
def test_inherited_value_is_reported_at_the_group_naming_the_object(tmp_path: Path) -> None:
    edit = {
        "inventory/groups.yaml": [
            ["servers: [198.18.0.5, 198.18.0.6]", "servers: [198.18.0.5, 192.0.2.6]"]
        ]
    }
    result = run(build(tmp_path / "r", {"edit": edit}))
    ntp = [d for d in result.diagnostics if d.code == "MGMT-NTP"]
    assert {(d.pos.path, d.pos.line) for d in ntp} == {("inventory/groups.yaml", 8)}
    assert {d.pos.col for d in ntp} == {7, 29}  # `servers:` (.6 missing), the wrong server
    spine = [d.message for d in ntp if d.subject == "device fra1-spine01" and d.pos.col == 29]
    assert spine == [
        "device fra1-spine01 (inherited from group org-baseline): NTP must use exactly "
        "198.18.0.5 and 198.18.0.6 ('192.0.2.6' is not one of ['198.18.0.5', '198.18.0.6'])"
    ]
    assert len({d.subject for d in ntp}) == 18  # every device and server that inherits it


def test_own_value_is_reported_at_its_own_line_and_column(tmp_path: Path) -> None:
    result = run(build(tmp_path / "r", {"edit": OLD_FRR}))
    (finding,) = [d for d in result.diagnostics if d.code == "OS-MIN-DEVICE"]
    assert str(finding.pos) == "inventory/devices/fra1-spine01.yaml:16:12"
    assert finding.message == "device fra1-spine01: frr 8.2.2 is below the minimum release 8.4"


# ---------------------------------------------------------------- CLI and views
def test_check_exit_codes(tmp_path: Path) -> None:
    clean = build(tmp_path / "clean")
    assert _underlay(clean, "check", "--today", "2026-11-27").returncode == 0
    broken = build(tmp_path / "broken", {"edit": OLD_FRR})
    proc = _underlay(broken, "check", "--today", "2026-11-27")
    assert proc.returncode == 1
    assert "inventory/devices/fra1-spine01.yaml:16:12: error[OS-MIN-DEVICE]: " in proc.stdout
    assert proc.stdout.splitlines()[-1] == "Found 1 error, 2 warnings in 34 files."  # + windows
    assert _underlay(broken, "check", "--today", "soon").returncode == 2


def test_validation_errors_fail_check_and_skip_standards(tmp_path: Path) -> None:
    edit = {"inventory/devices/fra1-spine01.yaml": [["role: core", "role: spine"]]}
    result = run(build(tmp_path / "r", {"edit": edit}))
    assert not result.ok
    assert {d.code for d in result.diagnostics} == {"S201", "T509"}


def test_sarif_carries_waivers_as_suppressions(tmp_path: Path) -> None:
    waivers = WAIVER.format(target="fra1-spine01", expires="2027-03-31")
    repo = build(tmp_path / "r", {"edit": OLD_FRR, "waivers": waivers})
    proc = _underlay(repo, "check", "--today", "2026-11-27", "--format", "sarif")
    assert proc.returncode == 0
    log = json.loads(proc.stdout)
    jsonschema.validate(log, SARIF_SCHEMA)
    (waived,) = [r for r in log["runs"][0]["results"] if "suppressions" in r]
    assert waived["ruleId"] == "OS-MIN-DEVICE"
    (suppression,) = waived["suppressions"]
    assert suppression["kind"] == "external"
    assert suppression["justification"] == "upgrade waits for the new image"
    where = suppression["location"]["physicalLocation"]
    assert (where["artifactLocation"]["uri"], where["region"]["startLine"]) == (
        "standards/waivers.yaml",
        2,
    )
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert (
        rules["OS-MIN-DEVICE"]["shortDescription"]["text"]
        == "Network OS at or above the minimum release"
    )
    assert rules["OS-MIN-DEVICE"]["helpUri"].endswith("docs/standards.md#os-min-device")


def test_json_github_and_junit_show_waived_findings(tmp_path: Path) -> None:
    waivers = WAIVER.format(target="fra1-spine01", expires="2027-03-31")
    repo = build(tmp_path / "r", {"edit": OLD_FRR, "waivers": waivers})
    body = json.loads(_underlay(repo, "check", "--today", "2026-11-27", "--format", "json").stdout)
    assert body["valid"] is True and body["summary"]["waived"] == 1
    (waived,) = [d for d in body["diagnostics"] if d["waiver"]]
    assert waived["waiver"]["ticket"] == "CHG-1"
    github = _underlay(repo, "check", "--today", "2026-11-27", "--format", "github").stdout
    assert "::notice file=inventory/devices/fra1-spine01.yaml,line=16," in github
    junit = _underlay(repo, "check", "--today", "2026-11-27", "--format", "junit").stdout
    assert 'failures="0"' in junit


# ---------------------------------------------------------------- the handbook
def test_handbook_is_current() -> None:
    assert (REPO_ROOT / "docs/standards.md").read_text() == handbook.render(load(REPO_ROOT)), (
        "run `underlay standards docs -o docs/standards.md`"
    )


def test_handbook_groups_rules_by_area_with_rationale() -> None:
    text = handbook.render(load(REPO_ROOT))
    assert (
        text.index("## Cabling")
        < text.index("### CABLE-INTERSITE-FIBER")
        < text.index("## Management")
    )
    assert "Log lines, certificates, commit-confirm timers" in text
    assert "- NIST SP 800-53 Rev. 5 AU-8: Time Stamps" in text


# ---------------------------------------------------------------- bad rule files
BAD_RULES = """\
rules:
  - id: OK-RULE
    title: fine
    severity: warning
    area: Tests
    applies_to: {kind: device}
    assert: {schema: {required: [name]}}
    message: ok
    rationale: ok
  - id: OK-RULE
    title: the same id again
    severity: warning
    area: Tests
    applies_to: {kind: device}
    assert: {schema: {required: [name]}}
    message: ok
    rationale: ok
  - id: BAD-FIELD
    title: a typo
    severity: fatal
    area: Tests
    applies_to: {kind: device}
    assert: {schema: {required: [name]}}
    message: ok
    rationale: ok
  - id: BAD-SCHEMA
    title: not a schema
    severity: error
    area: Tests
    applies_to: {kind: device, where: {lifecyle.status: active}}
    assert: {schema: {type: 12}}
    message: ok
    rationale: ok
  - id: BAD-PYTHON
    title: unknown
    severity: error
    area: Tests
    applies_to: {kind: device}
    assert: {python: no-such-rule}
    message: ok
    rationale: ok
  - id: BAD-MESSAGE
    title: placeholder
    severity: error
    area: Tests
    applies_to: {kind: device}
    assert: {python: end-of-support, with: {when: passed}}
    message: "{colour} is wrong"
    rationale: ok
"""


def test_bad_rule_file_gives_file_line_diagnostics(tmp_path: Path) -> None:
    repo = build(tmp_path / "r", {"files": {"standards/zz-bad.yaml": BAD_RULES}})
    library = load(repo)
    found = sorted(f"{d.pos.path}:{d.pos.line} {d.code}" for d in library.diagnostics)
    assert found == [
        "standards/zz-bad.yaml:10 T502",
        "standards/zz-bad.yaml:20 T501",
        "standards/zz-bad.yaml:30 T501",
        "standards/zz-bad.yaml:31 T503",
        "standards/zz-bad.yaml:39 T504",
        "standards/zz-bad.yaml:48 T505",
    ]
    proc = _underlay(repo, "check", "--today", "2026-11-27")
    assert proc.returncode == 1
    assert "standards/zz-bad.yaml:20:15: error[T501]: severity: " in proc.stdout
    assert _underlay(repo, "standards", "docs").returncode == 1


def test_rule_file_yaml_error_keeps_its_code(tmp_path: Path) -> None:
    repo = build(tmp_path / "r", {"files": {"standards/zz-bad.yaml": "rules:\n  - id: [\n"}})
    assert [d.code for d in load(repo).diagnostics] == ["Y101"]


# ---------------------------------------------------------------- custom rules (entry points)
PLUGIN = '''\
from engine.standards.registry import Hit, python_rule


@python_rule(placeholders=("model",))
def rack_units(targets, ctx):
    """Every device names its rack in snmp.location."""
    for t in targets:
        location = t.obj.snmp.location if t.obj.snmp else None
        if not location or "rack" not in location:
            yield Hit(t.kind, t.name, ("snmp",), {"model": t.obj.model})
'''
CUSTOM_RULE = """\
rules:
  - id: ORG-RACK
    title: Devices name their rack
    severity: error
    area: Organisation
    applies_to: {kind: device}
    assert: {python: rack-location}
    message: "{model} has no rack in its SNMP location"
    rationale: Remote hands need the rack.
"""


def _plugin(root: Path, name: str, module: str, entry: str) -> dict[str, str]:
    """A rule plugin installed the way pip would (a dist-info with entry points)."""
    plugins = root / "plugins"
    (plugins / f"{name}-1.0.dist-info").mkdir(parents=True)
    (plugins / f"{name}.py").write_text(module)
    (plugins / f"{name}-1.0.dist-info/METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"
    )
    (plugins / f"{name}-1.0.dist-info/entry_points.txt").write_text(
        f"[underlay.rules]\n{entry}\n"
    )
    return {"PYTHONPATH": f"{plugins}:{REPO_ROOT}", "PATH": "/usr/bin:/bin"}


def test_custom_rule_through_the_entry_point_group(tmp_path: Path) -> None:
    env = _plugin(tmp_path, "northwind_rules", PLUGIN, "rack-location = northwind_rules:rack_units")
    repo = build(tmp_path / "r", {"files": {"standards/org.yaml": CUSTOM_RULE}})
    text = (repo / "inventory/devices/fra1-leaf01.yaml").read_text()
    (repo / "inventory/devices/fra1-leaf01.yaml").write_text(text.replace("rack ", "cabinet "))
    proc = _underlay(repo, "check", "--today", "2026-11-27", env=env)
    assert (
        "error[ORG-RACK]: device fra1-leaf01: AS7326-56X has no rack in its SNMP location"
        in proc.stdout
    ), proc.stdout + proc.stderr
    assert proc.returncode == 1
    # a plugin without a `scope` may look at anything: no incremental check with it
    assert not (repo / ".underlay/cache/check").exists()
    without = _underlay(repo, "check", "--today", "2026-11-27")
    assert (
        "error[T504]: rule ORG-RACK: no Python rule 'rack-location' is registered" in without.stdout
    )


FACTS_PLUGIN = '''\
from engine.standards.model import Kind
from engine.standards.registry import Hit, facts_rule


def _rack(target, params):
    snmp = target.obj.snmp
    return (target.obj.site, snmp.location if snmp else None)


@facts_rule(_rack, reads=[Kind.DEVICE], placeholders=("other",))
def one_box_per_u(selected, extracts, ctx):
    """No two devices of a site at the same rack position."""
    seen = {}
    for kind, name in sorted(selected):
        site, location = extracts["device"][name]
        if location is None:
            continue
        other = seen.setdefault((site, location), name)
        if other != name:
            yield Hit(kind, name, ("snmp", "location"), {"other": other}, key=False)
'''
FACTS_RULE = """\
rules:
  - id: ORG-ONE-BOX-PER-U
    title: One device per rack position
    severity: error
    area: Organisation
    applies_to: {kind: device}
    assert: {python: one-box-per-u}
    message: "same rack position as {other}"
    rationale: Two boxes cannot share a rack unit.
"""


def test_custom_rule_across_objects_is_incremental(tmp_path: Path) -> None:
    """A plugin FactsRule (scope facts): check keeps its cache, and a finding that involves an
    unchanged file is found when another file changes, and gone when that is undone."""
    env = _plugin(tmp_path, "rack_rules", FACTS_PLUGIN, "one-box-per-u = rack_rules:one_box_per_u")
    repo = age(build(tmp_path / "r", {"files": {"standards/org.yaml": FACTS_RULE}}))
    args = ("check", "--today", "2026-11-27")
    assert _underlay(repo, *args, env=env).returncode == 0
    assert list((repo / ".underlay/cache/check").glob("*.marshal"))
    leaf02 = repo / "inventory/devices/fra1-leaf02.yaml"
    original = leaf02.read_text()
    leaf02.write_text(original.replace("rack B04", "rack B03"))  # where fra1-leaf01 is
    proc = _underlay(repo, *args, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (
        "inventory/devices/fra1-leaf02.yaml:23:13: error[ORG-ONE-BOX-PER-U]: device fra1-leaf02: "
        "same rack position as fra1-leaf01" in proc.stdout
    ), proc.stdout
    leaf02.write_text(original)
    assert _underlay(repo, *args, env=env).returncode == 0


def test_check_validates_the_change_windows_file(tmp_path: Path) -> None:
    """apply reads standards/change-control/windows.yaml: a mistake there must fail check."""
    repo = tmp_path / "repo"
    for folder in ("inventory", "standards"):
        shutil.copytree(REPO_ROOT / folder, repo / folder)
    windows = repo / "standards/change-control/windows.yaml"
    windows.write_text(windows.read_text().replace("timezone:", "time_zone:", 1))
    result = check(repo, date(2026, 11, 27))
    bad = [d for d in result.diagnostics if d.pos.path == "standards/change-control/windows.yaml"]
    assert not result.ok
    assert bad and bad[0].code == "S202" and bad[0].pos.line > 1
