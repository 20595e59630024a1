"""Academy seat exchange: allocate the seats partners offer on course iterations to the nations.

Each bidding nation n spreads 100 points b[n,i] over course iterations i. Nation n may receive
x[n,i] <= c[n,i] seats of iteration i, where c[n,i] = min(max_per_iteration, seats_i) when n bid
on i and i is not n's own course (unless ``allow_own``), else 0; sum_n x[n,i] <= seats_i. Its
utility is additive: u_n = sum_i b[n,i] x[n,i].

Maximum Nash welfare (``allocate_nash``), solved exactly with CP-SAT in two stages:
  1. maximise k = the number of nations with positive utility;
  2. among allocations with k positive nations, maximise the product of positive utilities.
Stage 2 maximises F = sum_n L(w_n) with w_n = u_n if u_n > 0 else 1 and the integer table
L(w) = floor(S ln w). Exactness: every product is an integer at most P = prod_n U_n (U_n = the
largest utility n can reach), and S ln P(A) - n < F(A) <= S ln P(A). For two allocations with
P1 > P2, ln P1 - ln P2 >= ln(1 + 1/P2) >= 1/(P + 1), so with S = n (P + 1) the order of F is the
strict order of the products: the F-maximum is a product maximum. ``exact`` is reported False
only if that S would overflow 64-bit integers (more than ~8 nations), in which case S is
capped. L is concave on the integers (checked), so l_n = L(w_n) is modelled by the chord lines
l_n <= L(v) + (L(v+1) - L(v)) (w_n - v), v = 1..U_n - 1: at an integer w the smallest of them is
exactly L(w), and they give the LP a tight bound (an element constraint is used otherwise).

For additive utilities a maximum-Nash-welfare allocation is envy-free up to one seat (EF1) and
Pareto optimal (Caragiannis et al., 2016). With at most one seat per iteration the utilities are
no longer additive over seats, so ``envy_report`` reports every envious pair after the caps and
whether the envy disappears after removing one seat from the envied bundle.

``allocate_round_robin`` is the transparent alternative: nations take turns (default order:
alphabetical) and each picks a seat of its highest-bid iteration still available to it (ties:
file order); a nation with nothing left to pick drops out.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from defpact.training.model import InstanceError

__all__ = [
    "CourseIteration",
    "Envy",
    "SeatAllocation",
    "SeatProblem",
    "allocate_nash",
    "allocate_round_robin",
    "envy_report",
    "is_pareto_optimal",
    "validate_seat_problem",
]

_SAFE = 2**60


@dataclass(frozen=True, slots=True)
class CourseIteration:
    id: str
    course: str
    owner: str
    seats: int
    title: str = ""
    start: str = ""


@dataclass(frozen=True, slots=True)
class SeatProblem:
    iterations: tuple[CourseIteration, ...]
    bids: Mapping[str, Mapping[str, int]]
    max_per_iteration: int = 1
    allow_own: bool = False


@dataclass(frozen=True, slots=True)
class Envy:
    """``nation`` values ``envied``'s seats above its own; ``ef1`` if one seat less cures it."""

    nation: str
    envied: str
    own_value: int
    other_value: int
    ef1: bool


@dataclass(frozen=True, slots=True)
class SeatAllocation:
    method: str
    status: str
    exact: bool
    seats: Mapping[str, Mapping[str, int]]
    utilities: Mapping[str, int]
    unallocated: Mapping[str, int]
    positive: int
    nash_product: int
    envy: tuple[Envy, ...]
    ef1: bool
    picks: tuple[tuple[str, str], ...] = ()
    wall_time_s: float = 0.0


def validate_seat_problem(problem: SeatProblem) -> None:
    """Raise ``InstanceError`` naming the field: bad seats, unknown ids, bids not summing to 100."""
    ids = [it.id for it in problem.iterations]
    if len(set(ids)) != len(ids) or not all(ids):
        raise InstanceError("iterations", "iteration ids must be unique and non-empty")
    for it in problem.iterations:
        if it.seats < 0:
            raise InstanceError(f"iterations[{it.id}].seats", "must not be negative")
        if not it.owner:
            raise InstanceError(f"iterations[{it.id}].owner", "is required")
    if problem.max_per_iteration < 1:
        raise InstanceError("max_seats_per_iteration", "must be at least 1")
    if not problem.bids:
        raise InstanceError("bids", "at least one nation must bid")
    owners = {it.id: it.owner for it in problem.iterations}
    for nation, bid in problem.bids.items():
        for it_id, points in bid.items():
            if it_id not in owners:
                raise InstanceError(f"bids.{nation}.{it_id}", "unknown course iteration")
            if points < 0:
                raise InstanceError(f"bids.{nation}.{it_id}", "points must not be negative")
            if owners[it_id] == nation and points and not problem.allow_own:
                raise InstanceError(
                    f"bids.{nation}.{it_id}", f"{nation} owns this course; no seats in own courses"
                )
        total = sum(bid.values())
        if total != 100:
            raise InstanceError(f"bids.{nation}", f"points sum to {total}, they must sum to 100")


def _caps(problem: SeatProblem) -> dict[tuple[str, str], int]:
    caps = {}
    for it in problem.iterations:
        for nation, bid in problem.bids.items():
            if bid.get(it.id, 0) > 0 and (problem.allow_own or it.owner != nation):
                caps[nation, it.id] = min(problem.max_per_iteration, it.seats)
    return {k: v for k, v in caps.items() if v > 0}


class _SeatModel:
    """x[n,i] seats and utilities u_n; shared by the Nash solver and the Pareto check."""

    def __init__(self, problem: SeatProblem) -> None:
        self.p = problem
        self.nations = sorted(problem.bids)
        self.m = cp_model.CpModel()
        self.x = {k: self.m.new_int_var(0, c, f"x[{k}]") for k, c in _caps(problem).items()}
        for it in problem.iterations:
            takers = [v for (_, i), v in self.x.items() if i == it.id]
            if sum(_caps(problem).get((n, it.id), 0) for n in self.nations) > it.seats:
                self.m.add(sum(takers) <= it.seats)
        self.top = {
            n: sum(problem.bids[n][i] * c for (m, i), c in _caps(problem).items() if m == n)
            for n in self.nations
        }
        self.u = {n: self.m.new_int_var(0, self.top[n], f"u[{n}]") for n in self.nations}
        for n in self.nations:
            self.m.add(
                self.u[n] == sum(problem.bids[n][i] * v for (m, i), v in self.x.items() if m == n)
            )

    def seats(self, solver: cp_model.CpSolver) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {n: {} for n in self.nations}
        for (n, i), v in self.x.items():
            if (k := int(solver.value(v))) > 0:
                out[n][i] = k
        return out


def _solve(
    model: cp_model.CpModel, time_limit_s: float, workers: int
) -> tuple[cp_model.CpSolver, str]:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit_s)
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    return solver, solver.status_name(status)


def allocate_nash(
    problem: SeatProblem, *, time_limit_s: float = 30.0, workers: int = 1
) -> SeatAllocation:
    """Maximum Nash welfare allocation (see the module docstring for the exactness argument).

    One worker by default: CP-SAT is then deterministic, so equal bids give equal seats.
    """
    t0 = time.perf_counter()
    validate_seat_problem(problem)
    sm = _SeatModel(problem)
    pos = {n: sm.m.new_bool_var(f"pos[{n}]") for n in sm.nations}
    first, first_status = _most_positive(sm, pos, time_limit_s / 2, workers)
    if first is None:
        empty: dict[str, dict[str, int]] = {n: {} for n in sm.nations}
        return _result(problem, "nash", first_status, False, empty, t0)
    exact = _nash_objective(sm, pos)
    left = time_limit_s - (time.perf_counter() - t0)
    solver, status = _solve(sm.m, left, workers)
    if status not in ("OPTIMAL", "FEASIBLE"):  # out of time: keep the stage-1 allocation
        status, seats = "FEASIBLE", sm.seats(first)
    else:
        seats = sm.seats(solver)
    proven = first_status == "OPTIMAL" and status == "OPTIMAL"
    return _result(
        problem, "nash", "OPTIMAL" if proven else "FEASIBLE", exact and proven, seats, t0
    )


def _most_positive(
    sm: _SeatModel, pos: Mapping[str, cp_model.IntVar], time_limit_s: float, workers: int
) -> tuple[cp_model.CpSolver | None, str]:
    """Stage 1: maximise the number of nations with seats, then fix it and hint the result."""
    for n in sm.nations:
        sm.m.add(sm.u[n] >= 1).only_enforce_if(pos[n])
        sm.m.add(sm.u[n] == 0).only_enforce_if(~pos[n])
    sm.m.maximize(sum(pos.values()))
    solver, status = _solve(sm.m, time_limit_s, workers)
    if status not in ("OPTIMAL", "FEASIBLE"):
        return None, status
    sm.m.add(sum(pos.values()) == round(solver.objective_value))
    for v in (*sm.x.values(), *pos.values()):
        sm.m.add_hint(v, solver.value(v))
    return solver, status


def _nash_objective(sm: _SeatModel, pos: Mapping[str, cp_model.IntVar]) -> bool:
    """Maximise sum_n floor(S ln w_n); returns whether S guarantees an exact product optimum."""
    live = [n for n in sm.nations if sm.top[n] > 0]
    bound = math.prod(sm.top[n] for n in live)
    scale = len(live) * (bound + 1)
    worst = sum(math.log(sm.top[n]) for n in live) or 1.0
    exact = scale * worst < _SAFE
    if not exact:
        scale = int(_SAFE / worst)
    terms = []
    for n in live:
        table = [0, *(math.floor(scale * math.log(w)) for w in range(1, sm.top[n] + 1))]
        w = sm.m.new_int_var(1, sm.top[n], f"w[{n}]")
        sm.m.add(w == sm.u[n] + 1 - pos[n])
        ln = sm.m.new_int_var(0, table[-1], f"l[{n}]")
        steps = [table[v + 1] - table[v] for v in range(1, sm.top[n])]
        if all(a >= b for a, b in itertools.pairwise(steps)):
            for v in range(1, sm.top[n]):  # concave: the chords' lines meet L exactly at w
                sm.m.add(ln <= table[v] + steps[v - 1] * (w - v))
        else:
            sm.m.add_element(w, table, ln)
        terms.append(ln)
    sm.m.maximize(sum(terms))
    return exact


def allocate_round_robin(
    problem: SeatProblem, order: Sequence[str] | None = None
) -> SeatAllocation:
    """Round-robin draft: in ``order`` each nation takes one seat of its best iteration left."""
    t0 = time.perf_counter()
    validate_seat_problem(problem)
    caps = _caps(problem)
    left = {it.id: it.seats for it in problem.iterations}
    rank = {it.id: k for k, it in enumerate(problem.iterations)}
    seats: dict[str, dict[str, int]] = {n: {} for n in problem.bids}
    picks: list[tuple[str, str]] = []
    active = list(order or sorted(problem.bids))
    while active:
        for nation in list(active):
            options = [
                i
                for (n, i), c in caps.items()
                if n == nation and left[i] > 0 and seats[nation].get(i, 0) < c
            ]
            if not options:
                active.remove(nation)
                continue
            best = min(options, key=lambda i: (-problem.bids[nation][i], rank[i]))
            left[best] -= 1
            seats[nation][best] = seats[nation].get(best, 0) + 1
            picks.append((nation, best))
    return _result(problem, "round-robin", "OPTIMAL", True, seats, t0, tuple(picks))


def _result(
    problem: SeatProblem,
    method: str,
    status: str,
    exact: bool,
    seats: dict[str, dict[str, int]],
    t0: float,
    picks: tuple[tuple[str, str], ...] = (),
) -> SeatAllocation:
    util = {n: sum(problem.bids[n].get(i, 0) * k for i, k in seats[n].items()) for n in seats}
    taken = {it.id: sum(s.get(it.id, 0) for s in seats.values()) for it in problem.iterations}
    envy = envy_report(problem, seats)
    positive = [u for u in util.values() if u > 0]
    return SeatAllocation(
        method=method,
        status=status,
        exact=exact,
        seats=seats,
        utilities=util,
        unallocated={
            it.id: it.seats - taken[it.id] for it in problem.iterations if it.seats > taken[it.id]
        },
        positive=len(positive),
        nash_product=math.prod(positive) if positive else 0,
        envy=envy,
        ef1=all(e.ef1 for e in envy),
        picks=picks,
        wall_time_s=time.perf_counter() - t0,
    )


def envy_report(problem: SeatProblem, seats: Mapping[str, Mapping[str, int]]) -> tuple[Envy, ...]:
    """Every envious pair: n values m's seats (at most the cap per iteration) above its own."""
    out = []
    cap = problem.max_per_iteration
    for n, bid in sorted(problem.bids.items()):
        own = sum(bid.get(i, 0) * k for i, k in seats.get(n, {}).items())
        for m in sorted(seats):
            if m == n:
                continue
            values = [bid.get(i, 0) for i, k in seats[m].items() if k > 0]
            other = sum(bid.get(i, 0) * min(k, cap) for i, k in seats[m].items())
            if other > own:
                out.append(Envy(n, m, own, other, own >= other - max(values, default=0)))
    return tuple(out)


def is_pareto_optimal(
    problem: SeatProblem, seats: Mapping[str, Mapping[str, int]], *, time_limit_s: float = 10.0
) -> bool:
    """True when no feasible allocation makes a nation better off and none worse off."""
    validate_seat_problem(problem)
    sm = _SeatModel(problem)
    current = {
        n: sum(problem.bids[n].get(i, 0) * k for i, k in seats.get(n, {}).items())
        for n in sm.nations
    }
    for n in sm.nations:
        sm.m.add(sm.u[n] >= current[n])
    sm.m.add(sum(sm.u.values()) >= sum(current.values()) + 1)
    _, status = _solve(sm.m, time_limit_s, 1)
    if status not in ("INFEASIBLE", "OPTIMAL", "FEASIBLE"):
        raise TimeoutError("the Pareto check did not finish in time")
    return status == "INFEASIBLE"
