"""Inline SVG charts for the HTML report: drawn here, no JavaScript, no fonts, no network.

Each function returns one `<svg>` element sized in CSS pixels, with a <title> for screen readers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from engine.report.model import ContractRow, ServiceAttainment, Tally, TrendPoint

GREEN, AMBER, RED, GREY, BLUE = "#2e7d32", "#f0a500", "#c62828", "#9e9e9e", "#1f5fa8"
INK, MUTED, GRID = "#1d2733", "#5f6b7a", "#e3e7ec"
STATE_COLOUR = {
    "expired": GREY,
    "within 90 days": RED,
    "within 180 days": AMBER,
    "active": GREEN,
    "not started": BLUE,
}


@dataclass(frozen=True)
class Bar:
    label: str
    tally: Tally
    note: str = ""


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" class="chart">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 12,
          fill: str = INK, weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}" font-weight="{weight}">{escape(text)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str = "") -> str:
    title = f"<title>{escape(tip)}</title>" if tip else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" '
        f'fill="{fill}" rx="2">{title}</rect>'
    )


def percent(ratio: float | None) -> str:
    if ratio is None:
        return "n/a"
    shown = f"{ratio * 100:.1f}"
    return f"{'99.9' if shown == '100.0' and ratio < 1 else shown}%"


def compliance_bars(bars: Sequence[Bar], title: str, width: int = 640) -> str:
    """Per row: passed (green), waived (amber) and failing (red) checks, as shares of 100%."""
    label_w, value_w, row = 190, 150, 24
    track = width - label_w - value_w
    body = []
    for i, bar in enumerate(bars):
        y = 8 + i * row
        body.append(_text(0, y + 13, bar.label, size=12))
        body += _stack(bar.tally, label_w, y, track)
        value = f"{percent(bar.tally.ratio)}  ({bar.tally.checked} checks)"
        body.append(_text(width - value_w + 8, y + 13, value, size=12, fill=MUTED))
    return _svg(width, 16 + row * len(bars), title, body)


def _stack(t: Tally, x: float, y: float, track: float) -> list[str]:
    if t.checked == 0:
        return [_rect(x, y + 2, track, 14, GRID, "nothing to check")]
    passed = t.checked - t.failing - t.waived
    parts = [(passed, GREEN, "passed"), (t.waived, AMBER, "waived"), (t.failing, RED, "failing")]
    out, at = [], x
    for n, colour, word in parts:
        w = track * n / t.checked
        if n:
            out.append(_rect(at, y + 2, w, 14, colour, f"{n} {word}"))
        at += w
    return out


def sparkline(points: Sequence[TrendPoint], now: float | None, width: int = 640) -> str:
    """Compliance ratio per commit (oldest left), the working tree as the last point."""
    values = [p.ratio for p in points] + [now]
    labels = [p.commit[:7] for p in points] + ["now"]
    height, left, right, top, bottom = 150, 44, 16, 14, 34
    known = [v for v in values if v is not None]
    low = min([*known, 0.9]) if known else 0.9
    low = max(0.0, (int(low * 20) / 20))  # round down to 5%
    span_x = (width - left - right) / max(len(values) - 1, 1)

    def y_of(v: float) -> float:
        return top + (1 - (v - low) / (1 - low or 1)) * (height - top - bottom)

    body = _grid(low, y_of, left, width - right)
    xy = [(left + i * span_x, y_of(v)) for i, v in enumerate(values) if v is not None]
    if len(xy) > 1:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        body.append(f'<polyline points="{pts}" fill="none" stroke="{BLUE}" stroke-width="2"/>')
    for i, v in enumerate(values):
        x = left + i * span_x
        body.append(_text(x, height - 12, labels[i], anchor="middle", size=10, fill=MUTED))
        if v is not None:
            tip = f"{labels[i]}: {percent(v)}"
            body.append(f'<circle cx="{x:.1f}" cy="{y_of(v):.1f}" r="3.5" fill="{BLUE}">'
                        f"<title>{escape(tip)}</title></circle>")
    if now is not None:
        body.append(_text(xy[-1][0] - 4, xy[-1][1] - 8, percent(now), anchor="end", size=12,
                          weight="bold"))
    return _svg(width, height, "compliance trend over recent commits", body)


def _grid(low: float, y_of: Callable[[float], float], x0: float, x1: float) -> list[str]:
    out = []
    steps = 4
    for i in range(steps + 1):
        v = low + (1 - low) * i / steps
        y = y_of(v)
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(_text(x0 - 6, y + 4, f"{v * 100:.0f}%", anchor="end", size=10, fill=MUTED))
    return out


def timeline(contracts: Sequence[ContractRow], today: date, width: int = 900) -> str:
    """Each contract from start to end; today, +90 and +180 days marked."""
    if not contracts:
        return ""
    label_w, row, top = 150, 22, 34
    first = min(*(c.starts for c in contracts), today - timedelta(days=365))
    last = max(*(c.ends for c in contracts), today + timedelta(days=365))
    days = (last - first).days or 1
    track = width - label_w - 80

    def x_of(d: date) -> float:
        return label_w + track * (d - first).days / days

    height = top + row * len(contracts) + 10
    body = [_rect(x_of(today), top - 6, x_of(today + timedelta(days=180)) - x_of(today),
                  height - top, "#fdf3dc", "the next 180 days"),
            _rect(x_of(today), top - 6, x_of(today + timedelta(days=90)) - x_of(today),
                  height - top, "#fbe3e1", "the next 90 days")]
    body += _years(first, last, x_of, height)
    for i, c in enumerate(contracts):
        y = top + i * row
        body.append(_text(0, y + 12, c.id, size=12))
        tip = f"{c.id} ({c.vendor_name}, {c.kind}): {c.starts} to {c.ends}, {c.state}"
        body.append(_rect(x_of(c.starts), y + 2, x_of(c.ends) - x_of(c.starts), 13,
                          STATE_COLOUR[c.state], tip))
        body.append(_text(x_of(c.ends) + 4, y + 12, str(c.ends), size=10, fill=MUTED))
    x = x_of(today)
    body.append(f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height}" '
                f'stroke="{INK}" stroke-width="1.5"/>')
    body.append(_text(x + 4, top - 10, f"today {today}", size=11, weight="bold"))
    return _svg(width, height, "contract timeline", body)


def _years(
    first: date, last: date, x_of: Callable[[date], float], height: int
) -> list[str]:
    out = []
    for year in range(first.year + 1, last.year + 1):
        x = x_of(date(year, 1, 1))
        out.append(f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height}" stroke="{GRID}"/>')
        out.append(_text(x + 3, 12, str(year), size=10, fill=MUTED))
    return out


# ---------------------------------------------------------------- SLA attainment (both views)
def pct(value: float | None, digits: int = 2) -> str:
    """Example: pct(99.95) -> "99.95%"; pct(None) -> "n/a" """
    return "n/a" if value is None else f"{round(value, digits):g}%"


def verdict(attained: bool | None) -> str:
    return {True: "attained", False: "NOT attained", None: "n/a"}[attained]


def culprits(s: ServiceAttainment) -> str:
    """Example: "fra1-web01 (server) 2m 4s, fra1-leaf03 (device) 12s"; "-" when none."""
    return ", ".join(f"{c.name} ({c.kind}) {_hms(c.downtime_seconds)}" for c in s.culprits) or "-"


def _hms(total: float) -> str:
    minutes, secs = divmod(round(total), 60)
    hours, minutes = divmod(minutes, 60)
    return " ".join(f"{n}{u}" for n, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if n) or "0s"
