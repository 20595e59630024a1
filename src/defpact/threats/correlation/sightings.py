"""Sighting counts of an object (usually an indicator), from the sightings the caller may see.

A STIX ``sighting`` added over TAXII (by any nation, of any nation's indicator) is indexed by its
``sighting_of_ref`` (newest version only, like every indexed object). The summary counts only the
sightings whose marking releases them to the caller, and exists only for an object the caller
may see (else NotFound: the count of sightings of an invisible object is not revealed either).

**False positives.** A sighting whose ``x_defpact_false_positive`` property is ``true`` reports
that the sighted indicator fired on benign activity; it is counted apart (``false_positives``)
and is still a sighting (its ``count`` is included in ``sightings_total``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from defpact.core.context import Actor
from defpact.core.errors import NotFound, PermissionDenied
from defpact.core.releasability import visible_to
from defpact.core.service import member_codes_in
from defpact.core.uow import UnitOfWork
from defpact.threats.correlation.store import SightingRow
from defpact.threats.stix import reads

__all__ = ["NationSightings", "SightingSummary", "sighting_summary"]


@dataclass(frozen=True, slots=True)
class NationSightings:
    nation: str
    sightings: int  # sighting objects
    sightings_total: int  # sum of their ``count``
    false_positives: int
    last_seen: str | None


@dataclass(frozen=True, slots=True)
class SightingSummary:
    stix_id: str
    sightings: int
    sightings_total: int
    false_positives: int
    last_seen: str | None
    by_nation: tuple[NationSightings, ...]


def _per_nation(rows: list[Any]) -> list[NationSightings]:
    by: dict[str, list[Any]] = {}
    for row in rows:
        by.setdefault(row[1], []).append(row)
    result = []
    for nation in sorted(by):
        group = by[nation]
        seen = [r[4] for r in group if r[4]]
        result.append(NationSightings(
            nation, len(group), sum(r[2] for r in group), sum(1 for r in group if r[3]),
            max(seen) if seen else None,
        ))  # fmt: skip
    return result


def sighting_summary(uow: UnitOfWork, actor: Actor, stix_id: str) -> SightingSummary:
    """Counts of the visible sightings of a visible object, in total and per sighting nation."""
    if actor.principal is None:
        raise PermissionDenied("sighting counts need a signed-in user")
    principal = actor.principal
    with uow:
        session = uow.session
        members = member_codes_in(session)
        if not reads.any_visible(session, None, principal, members, stix_id):
            raise NotFound(f"no object {stix_id!r}")
        stmt = select(
            SightingRow.stix_id, SightingRow.originator, SightingRow.count,
            SightingRow.false_positive, SightingRow.last_seen,
        ).where(
            SightingRow.sighting_of_ref == stix_id, visible_to(SightingRow, principal, members)
        )  # fmt: skip
        unique = {row[0]: row for row in session.execute(stmt)}  # a copy per collection: once
    nations = tuple(_per_nation(list(unique.values())))
    seen = [n.last_seen for n in nations if n.last_seen]
    return SightingSummary(
        stix_id,
        sum(n.sightings for n in nations),
        sum(n.sightings_total for n in nations),
        sum(n.false_positives for n in nations),
        max(seen) if seen else None,
        nations,
    )
