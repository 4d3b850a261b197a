"""Change windows and freezes: the change-control standard of when `underlay apply` may change
devices. `check` reports a broken file with the other standards; apply `decide`s with it.

standards/change-control/windows.yaml (schemas/change-windows.json):

    timezone: Europe/Berlin            # the default for windows and freezes
    windows:                           # weekly maintenance windows; none declared: any time
      - name: weeknight
        days: [tue, wed, thu]
        start: "22:00"
        end: "04:00"                   # before start: the window runs past midnight
    freezes:                           # no change at all, windows or not
      - name: year-end
        start: 2025-12-15              # dates, inclusive, in the timezone
        end: 2026-01-06
        reason: year-end trading peak and reduced staffing

A repository without the file has no windows and no freezes. Outside a window, or inside a
freeze, apply refuses unless `--emergency --reason TEXT` is given; the reason is recorded.
The clock is always passed in (`now`), so decisions are testable on any day.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from engine.diagnostics import Diagnostic
from engine.frozen import Frozen
from engine.load.reader import expect_mapping, read_file
from engine.load.sourcemap import Layer, SourceMap
from engine.validate.schema import check

WINDOWS_FILE = "standards/change-control/windows.yaml"


class Day(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


_DAYS = list(Day)


def _zone(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone (e.g. Europe/Berlin)") from None
    return name


class Window(Frozen):
    """A weekly maintenance window. Example: Window(name="weeknight", days=["tue"],
    start=time(22), end=time(4)) runs Tuesday 22:00 to Wednesday 04:00."""

    name: str = Field(min_length=1)
    description: str = ""
    days: list[Day] = Field(min_length=1, description="the days the window starts on")
    start: time = Field(description="HH:MM, local time")
    end: time = Field(description="HH:MM; at or before start: the window ends the next day")
    timezone: str | None = Field(default=None, description="overrides the file's timezone")

    _check_zone = field_validator("timezone")(_zone)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _hh_mm(cls, value: object) -> object:
        # a number (YAML 1.1 reads 22:00 as 1320) would silently become seconds: demand text
        if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError(f'{value!r} is not a time as "HH:MM"')
        return value

    def open_at(self, now: datetime, default_zone: str) -> bool:
        local = now.astimezone(zoneinfo.ZoneInfo(self.timezone or default_zone))
        for day_offset in (0, -1):  # a window that started yesterday may still be open
            day = local.date() + timedelta(days=day_offset)
            if _DAYS[day.weekday()] not in self.days:
                continue
            begins = datetime.combine(day, self.start, local.tzinfo)
            ends = datetime.combine(day, self.end, local.tzinfo)
            if ends <= begins:
                ends += timedelta(days=1)
            if begins <= local < ends:
                return True
        return False


class Freeze(Frozen):
    """No changes between two dates (inclusive). Example: Freeze(name="year-end",
    start=date(2025, 12, 15), end=date(2026, 1, 6), reason="year-end trading peak")"""

    name: str = Field(min_length=1)
    start: date
    end: date
    reason: str = Field(min_length=1)
    timezone: str | None = None

    _check_zone = field_validator("timezone")(_zone)

    @model_validator(mode="after")
    def _ordered(self) -> Freeze:
        if self.end < self.start:
            raise ValueError(f"freeze {self.name}: end {self.end} is before start {self.start}")
        return self

    def covers(self, now: datetime, default_zone: str) -> bool:
        local = now.astimezone(zoneinfo.ZoneInfo(self.timezone or default_zone)).date()
        return self.start <= local <= self.end


class ChangeWindows(Frozen):
    """The whole file (standards/change-control/windows.yaml)."""

    timezone: str = Field(default="UTC", description="IANA time zone of times and dates")
    windows: list[Window] = Field(default=[], description="none: changes at any time")
    freezes: list[Freeze] = Field(default=[], description="none: no freezes")

    _check_zone = field_validator("timezone")(_zone)


@dataclass(frozen=True)
class Decision:
    """Example: Decision(allowed=False, reason="freeze year-end (2025-12-15 to 2026-01-06):
    year-end trading peak", window=None)"""

    allowed: bool
    reason: str
    window: str | None = None


@dataclass(frozen=True)
class Loaded:
    windows: ChangeWindows | None  # None: the file is invalid (see diagnostics)
    diagnostics: list[Diagnostic]
    present: bool


def load(repo: Path) -> Loaded:
    """The repository's change windows; an absent file means no windows and no freezes."""
    path = repo / WINDOWS_FILE
    if not path.is_file():
        return Loaded(ChangeWindows(), [], present=False)
    doc = read_file(path, WINDOWS_FILE)
    if not doc.ok or not expect_mapping(doc, "timezone, windows and freezes"):
        return Loaded(None, list(doc.diagnostics), present=True)
    model, problems = check(ChangeWindows, doc.data, SourceMap((Layer(doc, ()),)), "windows")
    return Loaded(model, problems, present=True)


def decide(windows: ChangeWindows, now: datetime) -> Decision:
    """May devices change at `now` (timezone-aware)?"""
    for freeze in windows.freezes:
        if freeze.covers(now, windows.timezone):
            return Decision(
                False, f"freeze {freeze.name} ({freeze.start} to {freeze.end}): {freeze.reason}"
            )
    if not windows.windows:
        return Decision(True, "no change windows are declared: changes are allowed at any time")
    for window in windows.windows:
        if window.open_at(now, windows.timezone):
            return Decision(True, f"inside change window {window.name}", window.name)
    names = ", ".join(_describe(w, windows.timezone) for w in windows.windows)
    return Decision(False, f"outside every change window ({names})")


def _describe(window: Window, zone: str) -> str:
    days = ",".join(d.value for d in window.days)
    return (
        f"{window.name}: {days} {window.start:%H:%M}-{window.end:%H:%M} {window.timezone or zone}"
    )
