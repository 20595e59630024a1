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
affected), each statement is planned for its own parameters (psycopg prepares a statement run
five times; PostgreSQL would then reuse one generic plan made when the tables were small: 170 ms
per 500-key lookup of the replica registry at 10,000 rows), and the statistics of the tables
that grow are refreshed as they grow (``core.db.refresh_statistics``; stale statistics made the
planner filter the registry row by row). SQLite plans these lookups on the indexes already.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from defpact.core.db import refresh_statistics

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


# The tables a page reads by key that grow as replicas arrive or records are exported.
_GROWING = (
    "federation_replicas", "record_changes", "threat_objects", "threat_observables",
    "threat_object_refs", "threat_sightings", "threat_correlations", "threat_alerts",
)  # fmt: skip


def keyed_lookups(session: Session) -> None:
    """Plan this transaction's queries on indexes (PostgreSQL; no effect elsewhere)."""
    if session.get_bind().dialect.name == "postgresql":
        refresh_statistics(session, _GROWING)
        session.execute(text("SET LOCAL enable_seqscan = off"))
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
