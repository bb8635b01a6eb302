"""Spreading CPU-bound work (Markdown, page rendering) over the machine's cores.

Worker processes are forked, so they start in milliseconds and inherit the model and
the template environment instead of receiving them; only the work items and results
cross between processes. Small batches, one-core machines and processes with other
threads running (forking those is unsafe: the preview server) run in-process instead.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, overload

from pmsite.collector import frozen_for_fork

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

MAX_WORKERS = 8
_job: tuple[Callable[[Any, Any], Any], Any] | None = None


def workers() -> int:
    """How many processes a large batch is spread over: PMSITE_JOBS, or one per core."""
    setting = os.environ.get("PMSITE_JOBS", "")
    if setting.isdigit() and int(setting) > 0:
        return min(int(setting), MAX_WORKERS)
    return min(len(os.sched_getaffinity(0)), MAX_WORKERS)


def can_fork() -> bool:
    return (
        workers() > 1
        and threading.active_count() == 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


@overload
def fork_map(
    function: Callable[[Any, T], R], state: Any, items: Sequence[T], min_items: int
) -> list[R]: ...


@overload
def fork_map(
    function: Callable[[Any, T], R],
    state: Any,
    items: Sequence[T],
    min_items: int,
    take: Callable[[R], S],
) -> list[S]: ...


def fork_map(
    function: Callable[[Any, T], Any],
    state: Any,
    items: Sequence[T],
    min_items: int,
    take: Callable[[Any], Any] | None = None,
) -> list[Any]:
    """``[function(state, item) for item in items]``, over forked processes when the
    batch is large enough; the result order is the order of ``items``. With ``take``,
    each result is replaced by ``take(result)`` as soon as it arrives, so a result that
    ``take`` makes smaller (shares, or writes out) is never held in full for the whole
    batch at once."""
    keep = take or _same
    if len(items) < min_items or not can_fork():
        return [keep(function(state, item)) for item in items]
    global _job
    _job = (function, state)  # inherited by the forked workers, never pickled
    try:
        count = workers()
        context = multiprocessing.get_context("fork")
        with frozen_for_fork(), context.Pool(count, initializer=_worker_signals) as pool:
            chunk = max(1, len(items) // (count * 8))
            return [keep(result) for result in pool.imap(_run, items, chunksize=chunk)]
    finally:
        _job = None


def _same(result: Any) -> Any:
    return result


def _worker_signals() -> None:
    """A worker ends when the pool ends it: it must not inherit a handler of the parent
    (pmsite serve turns SIGTERM into KeyboardInterrupt, which left a worker blocked and
    the pool waiting for it forever); Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(item: Any) -> Any:
    assert _job is not None
    function, state = _job
    return function(state, item)
