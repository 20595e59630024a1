"""Scheduled sync inside ``defpact serve``: each peer pulled at its interval, in the background.

A dispatcher thread wakes every ``tick`` seconds and starts one worker thread per peer that is
due (:func:`sync.due_peers`: active, with a token, its interval or backoff elapsed) and not
already syncing, so a slow or unreachable peer never delays the others. Each worker runs
:func:`sync.sync_peer`, which applies every page atomically with its cursor and records the
status (last success, failures, backoff) on the peer row; the scheduler itself only keeps what
the web page shows: whether it runs, its last check, the peers syncing now and each peer's last
scheduled result. Several server workers (``--workers``) each run a scheduler; two syncs of one
peer cannot both apply a page (the cursor row is locked and compared), the loser retries later.

On by default; ``DEFPACT_FEDERATION_SCHEDULE=false`` turns it off (sync then runs only through
``defpact federation sync`` / ``run``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from defpact.core.db import utcnow
from defpact.core.runtime import Node
from defpact.federation.identity import NodeIdentity, ensure_node_identity
from defpact.federation.sync import SyncResult, due_peers, sync_peer
from defpact.federation.transport import ClientFactory

__all__ = ["ScheduleStatus", "SyncScheduler", "start_for"]

_log = logging.getLogger("defpact.federation")


@dataclass(frozen=True, slots=True)
class ScheduleStatus:
    running: bool
    last_check: datetime | None
    syncing: tuple[str, ...]
    last_results: dict[str, str] = field(default_factory=dict)  # nation -> summary


class SyncScheduler:
    def __init__(
        self,
        node: Node,
        identity: NodeIdentity,
        *,
        tick: float = 5.0,
        factory: ClientFactory | None = None,
    ) -> None:
        self._node, self._identity, self._tick, self._factory = node, identity, tick, factory
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._syncing: dict[str, threading.Thread] = {}
        self._results: dict[str, str] = {}
        self._last_check: datetime | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="federation-scheduler",
                                        daemon=True)  # fmt: skip
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            workers = list(self._syncing.values())
        for worker in workers:
            worker.join(timeout)

    def status(self) -> ScheduleStatus:
        with self._lock:
            running = self._thread is not None and self._thread.is_alive()
            return ScheduleStatus(running, self._last_check, tuple(sorted(self._syncing)),
                                  dict(self._results))  # fmt: skip

    def check_once(self) -> list[threading.Thread]:
        """Start a worker for every due peer not syncing already; returns the new workers."""
        try:
            due = due_peers(self._node)
        except Exception:  # the database may be briefly unavailable: try again next tick
            _log.exception("federation scheduler: listing due peers failed")
            return []
        started = []
        with self._lock:
            self._last_check = utcnow()
            for nation in due:
                if nation in self._syncing:
                    continue
                name = f"federation-sync-{nation}"
                worker = threading.Thread(target=self._sync, args=(nation,), name=name,
                                          daemon=True)  # fmt: skip
                self._syncing[nation] = worker
                started.append(worker)
        for worker in started:
            worker.start()
        return started

    def _run(self) -> None:
        while not self._stop.is_set():
            self.check_once()
            self._stop.wait(self._tick)

    def _sync(self, nation: str) -> None:
        try:
            result = sync_peer(self._node, self._identity, nation, factory=self._factory)
            summary = _summary(result)
        except Exception as exc:  # a bug must not kill the scheduler; the next tick retries
            _log.exception("federation scheduler: sync of %s failed", nation)
            summary = f"error: {exc}"
        with self._lock:
            self._results[nation] = f"{utcnow():%Y-%m-%d %H:%M:%S} {summary}"
            self._syncing.pop(nation, None)


def _summary(result: SyncResult) -> str:
    if result.error is not None:
        return f"failed: {result.error}"
    t = result.totals
    return (f"caught up; {result.pages} pages, {t.stored} stored, {t.removed} removed, "
            f"{t.refused} not released to us")  # fmt: skip


def start_for(app: Any, node: Node) -> Callable[[], None] | None:
    """Start the scheduler of a served app (``app.state.federation_scheduler``) unless the
    setting turns it off; returns the function that stops it."""
    if not node.settings.federation_schedule:
        return None
    scheduler = SyncScheduler(node, ensure_node_identity(node.settings))
    app.state.federation_scheduler = scheduler
    scheduler.start()
    return scheduler.stop
