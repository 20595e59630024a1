"""Keeping one feed page cheap: the garbage collector paused, index lookups on PostgreSQL.

A page allocates tens of thousands of short-lived objects (rows, dicts, markings); each burst
triggers collections that traverse every object the process holds (a node holds many: the
ATT&CK reference data alone is thousands of objects). Measured on the sync benchmark, those
collections took most of a page's time. A page is bounded (at most 5,000 objects) and creates
no reference cycles that must be collected before it ends, so the collector is paused for the
page and resumed after it; reference counting still frees everything as usual. Pauses nest and
may overlap across threads: the collector resumes when the last one ends.

:func:`keyed_lookups`: a page's reads are lookups of up to 5,000 keys in 500-key ``IN`` lists on
indexed columns. PostgreSQL, with statistics that lag a table growing by thousands of rows per
page, plans them as sequential scans (measured: every page scanned all of ``threat_objects``, so
the initial sync slowed as it went, 1,000 objects/s falling to 220/s over 100,000 objects).
Sequential scans are therefore off for the page's transaction (``SET LOCAL``, nothing else is
affected); SQLite plans these lookups on the indexes already.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["collector_paused", "keyed_lookups"]

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


def keyed_lookups(session: Session) -> None:
    """Plan this transaction's queries on indexes (PostgreSQL; no effect elsewhere)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_seqscan = off"))
