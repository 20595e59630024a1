"""The access-matrix mixin: role x nation x marking -> expected status, for every resource.

A resource's test class subclasses ``AccessMatrix``, creates its fixtures in ``setup_records``
(one record per marking it wants to probe, keyed by a name) and lists ``routes``: how to call
each route on a record and which status each kind of caller must get. The mixin runs every
(route, caller, record) combination and asserts the status, so that a new route cannot be added
without saying who may use it. Expected statuses come from the releasability rule itself
(``can_read``) so the matrix covers every marking, not a sample.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from defpact.core.identity import Principal
from defpact.core.marking import Marking, can_read
from support import ApiClient, basic

__all__ = ["AccessMatrix", "Caller", "Route"]


@dataclass(frozen=True)
class Caller:
    username: str | None  # None = anonymous
    principal: Principal | None


@dataclass(frozen=True)
class Route:
    name: str
    call: Callable[[ApiClient, dict[str, str], Any], Any]
    # (caller, marking, readable) -> expected status
    expect: Callable[[Caller, Marking, bool], int]


class AccessMatrix:
    """Subclasses provide ``callers``, ``records`` (name -> (record id, Marking)) and ``routes``."""

    def run_matrix(
        self,
        client: ApiClient,
        callers: list[Caller],
        records: dict[str, tuple[Any, Marking]],
        routes: list[Route],
        members: frozenset[str],
    ) -> int:
        checked = 0
        failures: list[str] = []
        for route in routes:
            for caller in callers:
                for name, (record_id, marking) in records.items():
                    headers = basic(caller.username) if caller.username else {}
                    p = caller.principal
                    readable = p is not None and can_read(p.nation, p.clearance, marking, members)
                    want = route.expect(caller, marking, readable)
                    got = route.call(client, headers, record_id).status_code
                    checked += 1
                    if got != want:
                        failures.append(
                            f"{route.name} as {caller.username or 'anonymous'} on {name}: "
                            f"got {got}, expected {want}"
                        )
        assert not failures, "\n".join(failures)
        return checked
