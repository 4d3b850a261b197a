"""Progress of a device command while it runs (plan, drift, apply), on standard error.

On a terminal: a live display (rich) of devices done/total, the failures so far and the devices
still in flight. Elsewhere (CI, a pipe): one plain line per device as it finishes, and one per
apply batch as it starts, each written and flushed at once through the redacting output. The
final views on standard output are unchanged.

    with progress_for(out, "plan", total=18) as progress:
        run_plan(..., progress=progress)
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from engine.cli.output import Output


class Lines:
    """CI: `underlay: plan 3/18: fra1-leaf01: update`, one line per device as it finishes."""

    def __init__(self, out: Output, what: str, total: int) -> None:
        self.out, self.what, self.total = out, what, total
        self.finished = 0
        self.lock = threading.Lock()
        self.closed = False  # the run is over (or interrupted): workers still ending say nothing

    def started(self, name: str) -> None:
        """Nothing to say until it finishes."""

    def done(self, name: str, outcome: str, failed: bool) -> None:
        with self.lock:
            if self.closed:
                return
            self.finished += 1
            mark = " (failed)" if failed else ""
            self.out.note(f"{self.what} {self.finished}/{self.total}: {name}: {outcome}{mark}")
            self.out.flush()

    def batch(self, number: int, names: Sequence[str]) -> None:
        with self.lock:
            if self.closed:
                return
            self.out.note(f"{self.what} batch {number}: {', '.join(names)}")
            self.out.flush()

    def close(self) -> None:
        with self.lock:
            self.closed = True


class Live:
    """A terminal: a rich progress bar with done/total, failures and the devices in flight."""

    def __init__(self, what: str, total: int) -> None:
        from rich.console import Console  # noqa: PLC0415 - only on a terminal
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: PLC0415

        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        self.bar = Progress(*columns, TextColumn("{task.fields[status]}"),
                            console=Console(stderr=True), transient=True)  # fmt: skip
        self.task = self.bar.add_task(what, total=total, status="")
        self.flight: set[str] = set()
        self.failed = 0
        self.lock = threading.Lock()

    def started(self, name: str) -> None:
        with self.lock:
            self.flight.add(name)
            self._show(advance=0)

    def done(self, name: str, outcome: str, failed: bool) -> None:
        with self.lock:
            self.flight.discard(name)
            self.failed += failed
            self._show(advance=1)

    def batch(self, number: int, names: Sequence[str]) -> None:
        with self.lock:
            self.bar.update(self.task, description=f"batch {number}")

    def _show(self, advance: int) -> None:
        flight = ", ".join(sorted(self.flight)[:4]) + (" ..." if len(self.flight) > 4 else "")
        status = f"failed {self.failed}" + (f" | in flight: {flight}" if flight else "")
        self.bar.update(self.task, advance=advance, status=status)


@contextmanager
def progress_for(out: Output, what: str, total: int) -> Iterator[Lines | Live]:
    """The display for this run: live on a terminal, plain lines elsewhere."""
    if not sys.stderr.isatty():
        lines = Lines(out, what, total)
        try:
            yield lines
        finally:
            lines.close()
        return
    live = Live(what, total)
    with live.bar:
        yield live
