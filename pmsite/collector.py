"""When Python's cyclic garbage collector runs during a build.

A full collection walks every object the process holds. Reading 10,000 items makes a
few million objects that live until the process ends, and the collector's default
thresholds walk all of them again each time the heap grows by a quarter: about 1.5 s
of a 10,000-item rebuild's 8 s went to collections that found nothing to free. A build
process therefore pauses the collector while it reads and links the model (which makes
no garbage cycles worth collecting; the cold build's peak memory is the same) and then
moves those objects out of the collector's way with ``gc.freeze``, so later collections
walk only what rendering makes.

The preview server builds again and again in one process and keeps the default
behaviour: a frozen model would never be freed when the next build replaces it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_once = False  # this process builds once (set by the command line's build and check)
_kept = False  # objects were frozen for the rest of the process: never unfreeze them


def builds_once() -> None:
    """Declare that this process builds one site and exits (``pmsite build``, ``pmsite
    check``): from now on ``long_lived`` pauses and freezes. A library caller or a test
    run that builds many sites in one process never calls this, so nothing it drops
    stays frozen."""
    global _once
    _once = True


@contextmanager
def long_lived() -> Iterator[None]:
    """Pause the collector while the objects made inside are made, then freeze them
    (and everything before) for the rest of the process; nothing unless the process
    ``builds_once``: a frozen object that becomes garbage in a cycle is never freed."""
    global _kept
    if not _once:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        _kept = True
        if enabled:
            gc.enable()


@contextmanager
def frozen_for_fork() -> Iterator[None]:
    """Leave the objects made so far out of forked workers' collections, which would
    otherwise touch (and so copy) every page of memory they inherit; afterwards the
    parent collects them again, unless ``long_lived`` froze them for good."""
    gc.freeze()
    try:
        yield
    finally:
        if not _kept:
            gc.unfreeze()
