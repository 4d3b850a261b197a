"""Change windows and freezes: decisions at injected times, and file:line:col diagnostics."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.standards import windows
from engine.standards.windows import ChangeWindows
from tests.conftest import REPO_ROOT

RULES = ChangeWindows.model_validate(
    {
        "timezone": "Europe/Berlin",
        "windows": [{"name": "weeknight", "days": ["tue"], "start": "22:00", "end": "04:00"},
                    {"name": "ny", "days": ["mon"], "start": "09:00", "end": "10:00",
                     "timezone": "America/New_York"}],
        "freezes": [{"name": "year-end", "start": "2026-12-18", "end": "2027-01-04",
                     "reason": "closing"}],
    }
)


@pytest.mark.parametrize(
    ("when", "allowed", "why"),
    [
        ("2026-06-02T20:00:00+00:00", True, "weeknight"),  # Tue 22:00 Berlin (CEST)
        ("2026-06-03T01:59:00+00:00", True, "weeknight"),  # Wed 03:59: past midnight
        ("2026-06-03T02:00:00+00:00", False, "outside"),  # Wed 04:00: closed
        ("2026-06-02T19:59:00+00:00", False, "outside"),
        ("2026-06-01T13:30:00+00:00", True, "ny"),  # Mon 09:30 in New York
        ("2026-12-22T22:00:00+00:00", False, "freeze year-end"),  # a Tuesday night, frozen
        ("2027-01-04T22:59:00+00:00", False, "freeze year-end"),  # 23:59 local: last day
        ("2027-01-05T21:30:00+00:00", True, "weeknight"),  # Tue after the freeze
    ],
)
def test_decisions(when: str, allowed: bool, why: str) -> None:
    decision = windows.decide(RULES, datetime.fromisoformat(when))
    assert decision.allowed is allowed
    assert why in decision.reason


def test_no_windows_means_any_time_but_freezes_still_hold() -> None:
    rules = ChangeWindows.model_validate(
        {"freezes": [{"name": "f", "start": "2026-01-01", "end": "2026-01-01", "reason": "r"}]}
    )
    assert windows.decide(rules, datetime(2026, 3, 1, tzinfo=UTC)).allowed
    assert not windows.decide(rules, datetime(2026, 1, 1, 12, tzinfo=UTC)).allowed


def test_a_repository_without_the_file_has_no_restrictions(tmp_path: Path) -> None:
    loaded = windows.load(tmp_path)
    assert not loaded.present and loaded.windows == ChangeWindows()


def test_the_sample_file_is_valid() -> None:
    loaded = windows.load(REPO_ROOT)
    assert loaded.present and loaded.diagnostics == [] and loaded.windows is not None
    assert {w.name for w in loaded.windows.windows} == {"weeknight", "saturday"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("timezone: Mars/Olympus\n", "2:11: error[S201]"),
        ("windows:\n  - name: w\n    days: [tue]\n    start: \"25:00\"\n    end: \"04:00\"\n",
         "5:12: error[S201]"),
        ("windows:\n  - name: w\n    days: [tues]\n    start: \"22:00\"\n    end: \"04:00\"\n",
         "4:12: error[S201]"),
        ("freezes:\n  - name: f\n    start: 2026-02-01\n    end: 2026-01-01\n    reason: r\n",
         "3:5: error[S201]"),
        ("holidays: []\n", "2:1: error[S202]"),
    ],
)
def test_invalid_files_point_at_the_value(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / windows.WINDOWS_FILE
    path.parent.mkdir(parents=True)
    path.write_text("# change windows\n" + body)
    loaded = windows.load(tmp_path)
    assert loaded.windows is None
    shown = [f"{d.pos}: {d.severity}[{d.code}]: {d.message}" for d in loaded.diagnostics]
    assert any(s.startswith(f"{windows.WINDOWS_FILE}:{expected}") for s in shown), shown
