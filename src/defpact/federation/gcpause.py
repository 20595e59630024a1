"""Pausing Python's cyclic garbage collector while one feed page is built or applied.

A page allocates tens of thousands of short-lived objects (rows, dicts, markings); each burst
triggers collections that traverse every object the process holds (a node holds many: the
ATT&CK reference data alone is thousands of objects). Measured on the sync benchmark, those
collections took most of a page's time. A page is bounded (at most 5,000 objects) and creates
no reference cycles that must be collected before it ends, so the collector is paused for the
page and resumed after it; reference counting still frees everything as usual. Pauses nest and
may overlap across threads: the collector resumes when the last one ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]

_lock = threading.Lock()
_holders = 0
_was_enabled = True


@contextmanager
def collector_paused() -> Iterator[None]:
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
