"""Spread independent per-file work over the machine's cores.

Device and server files are checked independently of each other, so large inventories are
split into chunks for worker processes (forked: they inherit the already-loaded groups).
Small inventories stay in-process, where starting workers would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
J = TypeVar("J")
MIN_JOBS_FOR_WORKERS = 2000
CHUNK = 500

_work: tuple[Callable[[list[Any], Any], list[Any]], Any] | None = None


def _run_chunk(chunk: list[Any]) -> list[Any]:
    assert _work is not None
    func, context = _work
    return func(chunk, context)


def workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run(
    func: Callable[[list[J], Any], list[T]], jobs: list[J], context: Any, *, spare: bool = True
) -> Iterator[T]:
    """func(chunk, context) for chunks of jobs, results in job order.

    With workers, the work starts at once (before the first result is asked for), so the
    caller can do other work meanwhile; without, it runs lazily in this process. `spare`
    leaves a core to this process (which then works on each result too).
    """
    global _work  # noqa: PLW0603 - handed to forked workers without pickling the context
    if (
        len(jobs) < MIN_JOBS_FOR_WORKERS
        or workers() < 2
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return _serial(func, jobs, context)
    chunks = [jobs[i : i + CHUNK] for i in range(0, len(jobs), CHUNK)]
    _work = (func, context)
    try:
        # one worker fewer than cores when this process works on the results too
        pool = multiprocessing.get_context("fork").Pool(max(1, workers() - spare))
    finally:
        _work = None  # the forked workers hold their own copy
    return _drain(pool, pool.imap(_run_chunk, chunks))


def _serial(func: Callable[[list[J], Any], list[T]], jobs: list[J], context: Any) -> Iterator[T]:
    yield from func(jobs, context)


def _drain(pool: Any, results: Iterator[list[T]]) -> Iterator[T]:
    try:
        for result in results:
            yield from result
    finally:
        pool.terminate()
        pool.join()
