"""Use cases of nominations: persons (name, rank, nation only) on allocated seats, waiting
lists, the release of unused seats at the nomination deadline, and the reciprocity ledger.

Each nomination carries ``clearance_held``: the security clearance level the nominating nation
attests the person holds (a declaration, not a vetting record). A nomination or waiting-list
entry below the course's ``clearance_required`` is refused (422 naming ``clearance_held``).

A nation nominates up to the seats the latest allocation gave it on an iteration; others queue
on the iteration's waiting list. When the nomination deadline has passed, the course owner
releases the iteration: every seat still unfilled goes to the waiting list in order (first
come, first served). The ledger counts seats offered, given to partners and received.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput
from defpact.core.identity import Clearance
from defpact.core.uow import UnitOfWork
from defpact.training import access
from defpact.training.seat_service import iterations_of, latest_allocation_row
from defpact.training.store_academy import (
    AcademyRow,
    CourseRow,
    IterationRow,
    NominationRow,
)

__all__ = [
    "LedgerLine",
    "NominationInfo",
    "Release",
    "ledger",
    "list_nominations",
    "nominate",
    "release_unused_seats",
]


@dataclass(frozen=True, slots=True)
class NominationInfo:
    id: int
    iteration: str
    nation: str
    name: str
    rank: str
    status: str
    position: int
    clearance_held: Clearance = Clearance.UNCLASSIFIED


@dataclass(frozen=True, slots=True)
class Release:
    iteration: str
    freed: int
    promoted: tuple[NominationInfo, ...]


@dataclass(frozen=True, slots=True)
class LedgerLine:
    nation: str
    offered: int
    given: int
    received: int

    @property
    def balance(self) -> int:
        return self.received - self.given


def _nomination(row: NominationRow, code: str) -> NominationInfo:
    return NominationInfo(
        row.id,
        code,
        row.nation,
        row.name,
        row.rank,
        row.status,
        row.position,
        Clearance(row.clearance_held),
    )


def _filled(session: Session, iteration_id: int, nation: str | None = None) -> int:
    stmt = select(func.count(NominationRow.id)).where(
        NominationRow.iteration_id == iteration_id,
        NominationRow.status.in_(("nominated", "promoted")),
    )
    if nation is not None:
        stmt = stmt.where(NominationRow.nation == nation)
    return int(session.scalar(stmt) or 0)


def nominate(
    uow: UnitOfWork,
    actor: Actor,
    iteration_id: int,
    *,
    nation: str,
    name: str,
    rank: str,
    clearance_held: Clearance = Clearance.UNCLASSIFIED,
    waiting: bool = False,
) -> NominationInfo:
    """Nominate a person to one of ``nation``'s seats, or (``waiting``) queue them.

    ``clearance_held`` is the level ``nation`` attests; it must reach the course's requirement.
    """
    person = access.checked_text(name, "name", 120)
    grade = access.checked_text(rank, "rank", 60)
    with uow:
        session = uow.session
        access.require_writer(session, actor, nation, "nominations")
        it = session.get(IterationRow, iteration_id)
        if it is None:
            raise access.not_found("course iteration", iteration_id)
        if _owner(session, it) == nation:
            raise InvalidInput(
                f"{it.code} is a course of {nation}; seats go to partners", field="nation"
            )
        _check_clearance(session, it, clearance_held)
        if waiting:
            last = (
                session.scalar(
                    select(func.max(NominationRow.position)).where(
                        NominationRow.iteration_id == it.id
                    )
                )
                or 0
            )
            status, position = "waiting", last + 1
        else:
            alloc = latest_allocation_row(session, it.year)
            seats = int(alloc.seats.get(nation, {}).get(it.code, 0)) if alloc else 0
            if _filled(session, it.id, nation) >= seats:
                raise Conflict(
                    f"{nation} has no unfilled seat of {it.code} ({seats} allocated); "
                    "add the person to the waiting list",
                    field="waiting",
                )
            status, position = "nominated", 0
        row = NominationRow(
            iteration_id=it.id,
            nation=nation,
            name=person,
            rank=grade,
            clearance_held=int(clearance_held),
            status=status,
            position=position,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        record_event(
            session,
            actor,
            f"training.nomination.{status}",
            "training_iteration",
            it.id,
            object_nation=nation,
            after={
                "nation": nation,
                "name": person,
                "rank": grade,
                "clearance_held": Clearance(clearance_held).name,
            },
        )
        info = _nomination(row, it.code)
        uow.commit()
    return info


def _check_clearance(session: Session, it: IterationRow, held: Clearance) -> None:
    course = session.get(CourseRow, it.course_id)
    needed = Clearance(course.clearance_required if course else 0)
    if held < needed:
        raise InvalidInput(
            f"{it.code} requires {needed.name} clearance; the nominee holds {held.name}",
            field="clearance_held",
        )


def _owner(session: Session, it: IterationRow) -> str:
    course = session.get(CourseRow, it.course_id)
    academy = session.get(AcademyRow, course.academy_id) if course else None
    return academy.nation if academy else ""


def list_nominations(uow: UnitOfWork, actor: Actor, iteration_id: int) -> list[NominationInfo]:
    """The course owner and the console see every name; a nation sees its own people only."""
    with uow:
        session = uow.session
        it = session.get(IterationRow, iteration_id)
        if it is None:
            raise access.not_found("course iteration", iteration_id)
        stmt = select(NominationRow).where(NominationRow.iteration_id == it.id)
        if actor.nation is not None and actor.nation != _owner(session, it):
            stmt = stmt.where(NominationRow.nation == actor.nation)
        rows = session.scalars(
            stmt.order_by(NominationRow.status, NominationRow.position, NominationRow.id)
        )
        return [_nomination(r, it.code) for r in rows]


def release_unused_seats(
    uow: UnitOfWork, actor: Actor, iteration_id: int, *, on: date | None = None
) -> Release:
    """After the nomination deadline, give every unfilled seat to the waiting list in order."""
    day = on or access.today()
    with uow:
        session = uow.session
        it = session.get(IterationRow, iteration_id)
        if it is None:
            raise access.not_found("course iteration", iteration_id)
        access.require_writer(session, actor, _owner(session, it), "course iterations")
        if day <= it.nomination_deadline:
            raise Conflict(
                f"nominations for {it.code} close on {it.nomination_deadline}; "
                "unused seats are released after that",
                field="nomination_deadline",
            )
        if it.released_at is not None:
            raise Conflict(f"the unused seats of {it.code} were already released")
        freed = max(0, it.seats - _filled(session, it.id))
        queue = session.scalars(
            select(NominationRow)
            .where(NominationRow.iteration_id == it.id, NominationRow.status == "waiting")
            .order_by(NominationRow.position, NominationRow.id)
            .limit(freed)
        ).all()
        for row in queue:
            row.status = "promoted"
        it.released_at = utcnow()
        session.flush()
        promoted = tuple(_nomination(r, it.code) for r in queue)
        record_event(
            session,
            actor,
            "training.iteration.release",
            "training_iteration",
            it.id,
            after={"freed": freed, "promoted": [[p.nation, p.name] for p in promoted]},
        )
        uow.commit()
    return Release(it.code, freed, promoted)


def ledger(uow: UnitOfWork, year: int) -> list[LedgerLine]:
    """Seats offered, given to partners and received, per nation, for ``year``.

    A seat counts where it went: by the latest allocation, except for iterations whose unused
    seats were released, which count the people actually nominated or promoted.
    """
    with uow:
        session = uow.session
        its = iterations_of(session, year)
        owner = {i.code: a.nation for i, _, a in its}
        released = {i.code for i, _, _ in its if i.released_at is not None}
        offered: dict[str, int] = {}
        for i, _, a in its:
            offered[a.nation] = offered.get(a.nation, 0) + i.seats
        alloc = latest_allocation_row(session, year)
        moves = [
            (nation, code, int(k))
            for nation, got in (alloc.seats if alloc else {}).items()
            for code, k in got.items()
            if code in owner and code not in released
        ]
        filled = session.execute(
            select(NominationRow.nation, IterationRow.code)
            .join(IterationRow, IterationRow.id == NominationRow.iteration_id)
            .where(
                IterationRow.year == year,
                IterationRow.released_at.is_not(None),
                NominationRow.status.in_(("nominated", "promoted")),
            )
        ).all()
        moves += [(n, code, 1) for n, code in filled]
    nations = sorted(set(offered) | {m[0] for m in moves})
    given = dict.fromkeys(nations, 0)
    received = dict.fromkeys(nations, 0)
    for nation, code, k in moves:
        if owner[code] != nation:
            received[nation] += k
            given[owner[code]] += k
    return [LedgerLine(n, offered.get(n, 0), given[n], received[n]) for n in nations]
