"""Use cases of the seat exchange: bids and their allocation.

A bid spreads exactly 100 points of one nation over the iterations of an intake year, never on
its own courses (``seats.validate_seat_problem``; a bad bid is a 422 naming ``points`` or
``points.<iteration>``). An allocation (an admin's decision) solves the year's bids by maximum
Nash welfare (exact, CP-SAT) or a round-robin draft and stores the seats with the fairness
report (envy, EF1, Pareto optimality). Nominations, waiting lists, the release of unused seats
and the ledger are in ``nomination_service``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import InvalidInput
from defpact.core.uow import UnitOfWork
from defpact.training import access
from defpact.training.gantt import seats_csv
from defpact.training.model import InstanceError
from defpact.training.seats import (
    CourseIteration,
    SeatAllocation,
    SeatProblem,
    allocate_nash,
    allocate_round_robin,
    is_pareto_optimal,
    validate_seat_problem,
)
from defpact.training.store_academy import (
    AcademyRow,
    AllocationRow,
    BidRow,
    CourseRow,
    IterationRow,
)

__all__ = [
    "Allocated",
    "AllocationInfo",
    "BidInfo",
    "allocate_and_report",
    "allocate_seats",
    "allocation_csv",
    "get_allocation",
    "iterations_of",
    "latest_allocation",
    "latest_allocation_row",
    "list_bids",
    "seat_problem",
    "submit_bid",
]


@dataclass(frozen=True, slots=True)
class BidInfo:
    nation: str
    year: int
    points: Mapping[str, int]
    submitted_by: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AllocationInfo:
    id: int
    year: int
    method: str
    status: str
    exact: bool
    max_per_iteration: int
    allow_own: bool
    seats: Mapping[str, Mapping[str, int]]
    utilities: Mapping[str, int]
    fairness: Mapping[str, Any]
    wall_time_s: float
    created_by: str
    created_at: datetime


def iterations_of(session: Session, year: int) -> list[tuple[IterationRow, CourseRow, AcademyRow]]:
    rows = session.execute(
        select(IterationRow, CourseRow, AcademyRow)
        .join(CourseRow, CourseRow.id == IterationRow.course_id)
        .join(AcademyRow, AcademyRow.id == CourseRow.academy_id)
        .where(IterationRow.year == year)
        .order_by(IterationRow.starts, IterationRow.code)
    ).all()
    return [(i, c, a) for i, c, a in rows]


def seat_problem(
    session: Session,
    year: int,
    bids: Mapping[str, Mapping[str, int]],
    *,
    max_per_iteration: int = 1,
    allow_own: bool = False,
) -> SeatProblem:
    iterations = tuple(
        CourseIteration(i.code, c.code, a.nation, i.seats, c.title, i.starts.isoformat())
        for i, c, a in iterations_of(session, year)
    )
    return SeatProblem(iterations, dict(bids), max_per_iteration, allow_own)


def _bid_field(path: str, nation: str) -> str:
    """``bids.XK.IT-1`` -> ``points.IT-1``; ``bids.XK`` -> ``points``."""
    rest = path.removeprefix(f"bids.{nation}")
    return "points" + rest if path.startswith("bids.") else path


def submit_bid(
    uow: UnitOfWork, actor: Actor, nation: str, year: int, points: Mapping[str, int]
) -> BidInfo:
    """File (or replace) ``nation``'s bid for ``year``: 100 points, no own courses."""
    with uow:
        session = uow.session
        access.require_writer(session, actor, nation, "bids")
        problem = seat_problem(session, year, {nation: dict(points)})
        if not problem.iterations:
            raise InvalidInput(f"no course iterations are offered in {year}", field="year")
        try:
            validate_seat_problem(problem)
        except InstanceError as exc:
            raise InvalidInput(exc.message, field=_bid_field(exc.field, nation)) from None
        row = session.scalars(
            select(BidRow).where(BidRow.nation == nation, BidRow.year == year)
        ).first()
        before = dict(row.points) if row else None
        kept = {k: v for k, v in points.items() if v > 0}
        if row is None:
            row = BidRow(nation=nation, year=year, points=kept, submitted_by=actor.name)
            session.add(row)
        row.points, row.submitted_by, row.updated_at = kept, actor.name, utcnow()
        session.flush()
        record_event(
            session,
            actor,
            "training.bid.submit",
            "training_bid",
            row.id,
            object_nation=nation,
            before=None if before is None else {"points": before},
            after={"points": kept},
        )
        info = BidInfo(nation, year, dict(kept), row.submitted_by, row.updated_at)
        uow.commit()
    return info


def list_bids(uow: UnitOfWork, year: int) -> list[BidInfo]:
    with uow:
        rows = uow.session.scalars(
            select(BidRow).where(BidRow.year == year).order_by(BidRow.nation)
        )
        return [
            BidInfo(r.nation, r.year, dict(r.points), r.submitted_by, r.updated_at) for r in rows
        ]


def allocation_csv(uow: UnitOfWork, allocation_id: int) -> tuple[int, str]:
    """The seats of an allocation as CSV, with the points each nation had bid."""
    with uow:
        row = uow.session.get(AllocationRow, allocation_id)
        if row is None:
            raise access.not_found("allocation", allocation_id)
        problem = seat_problem(uow.session, row.year, row.fairness.get("bids", {}))
        known = {it.id for it in problem.iterations}
        result, year = _result_of(row, known), row.year
    return year, seats_csv(problem, result)


def _result_of(row: AllocationRow, known: set[str]) -> SeatAllocation:
    seats = {n: {i: int(k) for i, k in got.items() if i in known} for n, got in row.seats.items()}
    return SeatAllocation(
        row.method,
        row.status,
        row.exact,
        seats,
        dict(row.utilities),
        {},
        0,
        0,
        (),
        bool(row.fairness.get("ef1")),
    )


def _fairness(problem: SeatProblem, result: SeatAllocation) -> dict[str, Any]:
    try:
        pareto: bool | None = is_pareto_optimal(problem, result.seats, time_limit_s=10.0)
    except TimeoutError:
        pareto = None
    return {
        "ef1": result.ef1,
        "envy": [
            {
                "nation": e.nation,
                "envied": e.envied,
                "own_value": e.own_value,
                "other_value": e.other_value,
                "ef1": e.ef1,
            }
            for e in result.envy
        ],
        "pareto_optimal": pareto,
        "nations_with_seats": result.positive,
        "nash_product": str(result.nash_product),
        "unallocated": dict(result.unallocated),
        "picks": [list(p) for p in result.picks],
        "bids": {n: dict(b) for n, b in problem.bids.items()},
    }


def _allocation(row: AllocationRow) -> AllocationInfo:
    return AllocationInfo(
        row.id,
        row.year,
        row.method,
        row.status,
        row.exact,
        row.max_per_iteration,
        row.allow_own,
        row.seats,
        row.utilities,
        row.fairness,
        row.wall_time_s,
        row.created_by,
        row.created_at,
    )


@dataclass(frozen=True, slots=True)
class Allocated:
    """A stored allocation with the problem it solved and the solver's full result."""

    info: AllocationInfo
    problem: SeatProblem
    result: SeatAllocation


def allocate_seats(
    uow: UnitOfWork,
    actor: Actor,
    year: int,
    *,
    method: str = "nash",
    max_per_iteration: int = 1,
    allow_own: bool = False,
    order: Sequence[str] | None = None,
) -> AllocationInfo:
    """Allocate ``year``'s seats from the stored bids and store the result (admins)."""
    return allocate_and_report(
        uow,
        actor,
        year,
        method=method,
        max_per_iteration=max_per_iteration,
        allow_own=allow_own,
        order=order,
    ).info


def allocate_and_report(
    uow: UnitOfWork,
    actor: Actor,
    year: int,
    *,
    method: str = "nash",
    max_per_iteration: int = 1,
    allow_own: bool = False,
    order: Sequence[str] | None = None,
) -> Allocated:
    """``allocate_seats``, also answering the problem and the full result (for the CLI)."""
    if method not in ("nash", "round-robin"):
        raise InvalidInput("method must be nash or round-robin", field="method")
    if not 1 <= max_per_iteration <= 50:
        raise InvalidInput("max_per_iteration must be 1..50", field="max_per_iteration")
    with uow:
        session = uow.session
        access.require_admin(session, actor)
        bids = {
            b.nation: b.points for b in session.scalars(select(BidRow).where(BidRow.year == year))
        }
        problem = seat_problem(
            session, year, bids, max_per_iteration=max_per_iteration, allow_own=allow_own
        )
    try:
        validate_seat_problem(problem)
        if order is not None and sorted(order) != sorted(bids):
            raise InstanceError("order", "must list every bidding nation exactly once")
    except InstanceError as exc:
        raise InvalidInput(exc.message, field=exc.field) from None
    if method == "nash":
        result = allocate_nash(problem, time_limit_s=30.0)
    else:
        result = allocate_round_robin(problem, order)
    fairness = _fairness(problem, result)
    with uow:
        session = uow.session
        row = AllocationRow(
            year=year,
            method=method,
            status=result.status,
            exact=result.exact,
            max_per_iteration=max_per_iteration,
            allow_own=allow_own,
            seats={n: dict(s) for n, s in result.seats.items()},
            utilities=dict(result.utilities),
            fairness=fairness,
            wall_time_s=result.wall_time_s,
            created_by=actor.name,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        record_event(
            session,
            actor,
            "training.allocation.create",
            "training_allocation",
            row.id,
            after={
                "year": year,
                "method": method,
                "status": result.status,
                "seats": row.seats,
                "ef1": result.ef1,
            },
        )
        info = _allocation(row)
        uow.commit()
    return Allocated(info, problem, result)


def latest_allocation(uow: UnitOfWork, year: int) -> AllocationInfo | None:
    with uow:
        row = latest_allocation_row(uow.session, year)
        return _allocation(row) if row else None


def latest_allocation_row(session: Session, year: int) -> AllocationRow | None:
    stmt = select(AllocationRow).where(AllocationRow.year == year)
    return session.scalars(stmt.order_by(AllocationRow.id.desc())).first()


def get_allocation(uow: UnitOfWork, allocation_id: int) -> AllocationInfo:
    with uow:
        row = uow.session.get(AllocationRow, allocation_id)
        if row is None:
            raise access.not_found("allocation", allocation_id)
        return _allocation(row)
