"""The access-matrix mixin: role x nation x marking -> expected status, for every resource.

A resource's test class subclasses ``AccessMatrix``, creates its fixtures (one record per
marking it wants to probe, keyed by a name) and lists ``routes``: how to call each route on a
record and which answer each kind of caller must get. The mixin runs every (route, caller,
record) combination and asserts the answer, so that a new route cannot be added without saying
who may use it. Expected answers come from the releasability rule itself (``can_read``) so the
matrix covers every marking, not a sample.

An answer is the status code by default. Routes that answer 200 to everyone signed in (lists,
exports, boards) observe instead whether the record is *in* the answer: ``listed`` builds such
an observation, and ``list_expect`` is the matching expectation ("listed" iff readable).

``demo_callers()`` are the callers most matrices use: anonymous and the five demo users of each
founding nation (admin, procurement, training, analyst, approver) with their seeded roles and
clearances.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from defpact.core.identity import Clearance, Principal, Role
from defpact.core.marking import PACT, TLP, Marking, can_read
from support import ApiClient, basic

__all__ = [
    "FOUNDERS",
    "MARKINGS",
    "AccessMatrix",
    "Caller",
    "Route",
    "demo_callers",
    "list_expect",
    "listed",
    "read_expect",
]

FOUNDERS = frozenset({"XK", "AL", "HR"})
# One record per case of the rule, all originated by XK: released to the whole pact; TLP:RED
# through PACT (so to nobody else); a named nation above the clearance of procurement and
# training users; TLP:RED to named nations; the originator only, SECRET (above every demo
# clearance but the analysts').
MARKINGS: dict[str, Marking] = {
    "pact-unclass-green": Marking("XK", Clearance.UNCLASSIFIED, frozenset({PACT}), TLP.GREEN),
    "pact-restricted-red": Marking("XK", Clearance.RESTRICTED, frozenset({PACT}), TLP.RED),
    "al-confidential-amber": Marking("XK", Clearance.CONFIDENTIAL, frozenset({"AL"}), TLP.AMBER),
    "al-hr-red-named": Marking("XK", Clearance.RESTRICTED, frozenset({"AL", "HR"}), TLP.RED),
    "xk-only-secret": Marking("XK", Clearance.SECRET, frozenset(), TLP.AMBER_STRICT),
}
# role name -> (roles, clearance) as seeded by `defpact demo` (core/seed.py)
DEMO_ROLES: dict[str, tuple[frozenset[Role], Clearance]] = {
    "admin": (frozenset({Role.ADMIN, Role.OBSERVER}), Clearance.CONFIDENTIAL),
    "procurement": (frozenset({Role.PROCUREMENT}), Clearance.RESTRICTED),
    "training": (frozenset({Role.TRAINING}), Clearance.RESTRICTED),
    "analyst": (frozenset({Role.ANALYST, Role.INTEL}), Clearance.SECRET),
    "approver": (frozenset({Role.APPROVER}), Clearance.CONFIDENTIAL),
}


@dataclass(frozen=True)
class Caller:
    username: str | None  # None = anonymous
    principal: Principal | None

    def has_role(self, *roles: Role) -> bool:
        return self.principal is not None and self.principal.has_role(*roles)

    @property
    def nation(self) -> str | None:
        return self.principal.nation if self.principal else None


def _status(response: Any, _record_id: Any) -> int | str:
    return int(response.status_code)


@dataclass(frozen=True)
class Route:
    name: str
    call: Callable[[ApiClient, dict[str, str], Any], Any]
    # (caller, marking, readable) -> expected answer
    expect: Callable[[Caller, Marking, bool], int | str]
    # (response, record id) -> observed answer; the status code unless given
    observe: Callable[[Any, Any], int | str] = field(default=_status)


def demo_callers(nations: Iterable[str] = ("XK", "AL", "HR")) -> list[Caller]:
    callers = [Caller(None, None)]
    for nation in nations:
        for role, (roles, clearance) in DEMO_ROLES.items():
            username = f"{nation.lower()}.{role}"
            callers.append(Caller(username, Principal(0, username, nation, roles, clearance)))
    return callers


def read_expect(caller: Caller, _marking: Marking, readable: bool) -> int:
    """A direct read: 401 anonymous, 200 when readable, else 404 (as if it did not exist)."""
    return 401 if caller.principal is None else (200 if readable else 404)


def list_expect(caller: Caller, _marking: Marking, readable: bool) -> int | str:
    """A listing: 401 anonymous; otherwise 200 with the record in it iff readable."""
    if caller.principal is None:
        return 401
    return "listed" if readable else "absent"


def listed(ids_in: Callable[[Any], Iterable[Any]]) -> Callable[[Any, Any], int | str]:
    """Observe a listing: its status unless 200, else whether the record's id is among
    ``ids_in(response)``."""

    def observe(response: Any, record_id: Any) -> int | str:
        if response.status_code != 200:
            return int(response.status_code)
        return "listed" if record_id in set(ids_in(response)) else "absent"

    return observe


class AccessMatrix:
    """Subclasses provide callers, ``records`` (name -> (record id, Marking)) and routes."""

    def run_matrix(
        self,
        client: ApiClient,
        callers: list[Caller],
        records: dict[str, tuple[Any, Marking]],
        routes: list[Route],
        members: frozenset[str] = FOUNDERS,
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
                    got = route.observe(route.call(client, headers, record_id), record_id)
                    checked += 1
                    if got != want:
                        failures.append(
                            f"{route.name} as {caller.username or 'anonymous'} on {name}: "
                            f"got {got!r}, expected {want!r}"
                        )
        assert not failures, f"{len(failures)} of {checked} wrong:\n" + "\n".join(failures)
        return checked
