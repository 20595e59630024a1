"""Yearly exercise programme scheduler: a CP-SAT model at weekly resolution over 52 weeks.

Variables, for exercise e with duration d_e and eligible areas A(e):
  s_e        start week, domain = starts in the window whose weeks avoid every named unit's
             blackouts and every participant's hard holidays (pins fix it to one week);
  p_ea       e runs in area a (optional fixed-size interval [s_e, s_e+d_e) per area);
  x_e        e is scheduled, x_e = sum_a p_ea (so AddExactlyOne(p_ea, not x_e));
  y_eu       force sourcing: unit u of the required type is sent, sum_u y_eu = count * x_e.

Hard constraints:
  area capacity      Cumulative(p-intervals of a, demand 1; closures as fixed intervals of
                     demand = capacity) <= capacity_a  (NoOverlap when capacity is 1);
  host concurrency   Cumulative(x-intervals of exercises hosted by h) <= max_concurrent_per_host;
  unit rest          NoOverlap over [s_e, s_e+d_e+g) of the unit's exercises (g = min rest
                     weeks) and sum of their presences <= max_exercises_per_unit;
  mandatory          x_e = 1 (pinned exercises too, at their start week and area).

Objective (maximised, integer weights from ``Weights``):
  W_p * sum_{optional e} priority_e x_e  +  W_c * sum_{pair, quarter} c_pq
  - W_d * sum_e |s_e - preferred_e| x_e  -  W_h * sum_e hol_e(s_e) x_e
where c_pq = 1 iff some scheduled exercise with both nations of the pair starts in quarter q
(z_eq: exactly one quarter literal per scheduled exercise) and hol_e(s) counts the
(participant, week) pairs of the exercise falling on that participant's soft holiday weeks.

When the mandatory set is infeasible, ``x_e`` of mandatory and pinned exercises become solver
assumptions; ``SufficientAssumptionsForInfeasibility`` gives a core, which a deletion filter
shrinks to a minimal conflicting set (every proper subset re-solved and found feasible).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

from ortools.sat.python import cp_model

from defpact.training.formulation import (
    ProgrammeModel,
    StartDomains,
    sourcing_pool,
    start_domains,
)
from defpact.training.model import (
    Assignment,
    Conflict,
    Exercise,
    Instance,
    Pin,
    Plan,
    participants,
    validate_instance,
)

__all__ = ["explain_infeasibility", "greedy_plan", "pins_from_plan", "schedule"]

_STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


class _FirstSolution(cp_model.CpSolverSolutionCallback):
    def __init__(self, t0: float) -> None:
        super().__init__()
        self.t0 = t0
        self.first: float | None = None

    def on_solution_callback(self) -> None:
        if self.first is None:
            self.first = time.perf_counter() - self.t0


def _solver(time_limit_s: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit_s)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # One presolve round and no probing: on 120 exercises probing took most of the ~1 CPU-s
    # before the first plan, and at equal deterministic time the final gaps were the same.
    solver.parameters.max_presolve_iterations = 1
    solver.parameters.cp_model_probing_level = 0
    return solver


def schedule(instance: Instance) -> Plan:
    """Solve the yearly programme of a validated instance; explain infeasibility if it is."""
    t0 = time.perf_counter()
    validate_instance(instance)
    cfg = instance.config
    dom = start_domains(instance)
    builder = ProgrammeModel(instance, dom)
    builder.hint(greedy_plan(instance, dom))
    solver = _solver(cfg.time_limit_s - (time.perf_counter() - t0), cfg.workers, cfg.seed)
    callback = _FirstSolution(t0)
    status = _STATUS[solver.solve(builder.m, callback)]
    if status in ("OPTIMAL", "FEASIBLE"):
        return _plan(instance, builder, solver, status, t0, callback.first)
    conflict = None
    if status == "INFEASIBLE":  # the explanation gets what is left, but at least 5 s
        left = cfg.time_limit_s - (time.perf_counter() - t0)
        conflict = explain_infeasibility(instance, time_limit_s=max(5.0, left))
    return Plan(
        year=instance.year,
        status=status,
        unscheduled=tuple(e.id for e in instance.exercises),
        wall_time_s=time.perf_counter() - t0,
        conflict=conflict,
    )


def _plan(
    inst: Instance,
    b: ProgrammeModel,
    solver: cp_model.CpSolver,
    status: str,
    t0: float,
    first: float | None,
) -> Plan:
    assignments = []
    for ex in inst.exercises:
        if solver.boolean_value(b.present[ex.id]):
            assignments.append(_assignment(ex, b, solver))
    objective = round(solver.objective_value)
    bound = float(solver.best_objective_bound)
    gap = 0.0 if status == "OPTIMAL" else abs(bound - objective) / max(1.0, abs(objective))
    done = {a.exercise_id for a in assignments}
    return Plan(
        year=inst.year,
        status=status,
        assignments=tuple(assignments),
        unscheduled=tuple(e.id for e in inst.exercises if e.id not in done),
        objective=objective,
        best_bound=bound,
        gap=gap,
        wall_time_s=time.perf_counter() - t0,
        first_feasible_s=first,
        objective_terms={k: int(solver.value(v)) for k, v in b.terms.items()},
    )


def _assignment(ex: Exercise, b: ProgrammeModel, solver: cp_model.CpSolver) -> Assignment:
    start = int(solver.value(b.start[ex.id]))
    area = next(a for (e, a), p in b.area.items() if e == ex.id and solver.boolean_value(p))
    sourced = tuple(u for (e, u), y in b.chosen.items() if e == ex.id and solver.boolean_value(y))
    named = tuple(u for ids in ex.named_units.values() for u in ids)
    return Assignment(
        exercise_id=ex.id,
        name=ex.name,
        type=ex.type,
        host=ex.host,
        nations=participants(ex),
        area_id=area,
        start_week=start,
        end_week=start + ex.duration_weeks - 1,
        units=named + sourced,
        sourced_units=sourced,
    )


def pins_from_plan(plan: Plan, keep: Iterable[str] | None = None) -> tuple[Pin, ...]:
    """Pins for a re-plan: the approved exercises ``keep`` (all when None) at their place."""
    wanted = None if keep is None else set(keep)
    return tuple(
        Pin(a.exercise_id, a.start_week, a.area_id, a.sourced_units)
        for a in plan.assignments
        if wanted is None or a.exercise_id in wanted
    )


def explain_infeasibility(instance: Instance, *, time_limit_s: float = 30.0) -> Conflict | None:
    """A minimal set of mandatory/pinned exercises that cannot all be scheduled, or None.

    Each check is a feasibility solve in which only the assumed exercises are forced. The set
    returned is infeasible (proved) and, when ``minimal`` is True, dropping any one member gave
    a proved feasible model. A check that times out keeps its member and clears ``minimal``.
    """
    validate_instance(instance)
    deadline = time.perf_counter() + time_limit_s
    dom = start_domains(instance)
    b = ProgrammeModel(instance, dom, explain=True)
    by_index = {lit.index: ex_id for ex_id, lit in b.forced.items()}

    def check(ids: Sequence[str]) -> tuple[str, list[str]]:
        b.m.clear_assumptions()
        b.m.add_assumptions([b.forced[i] for i in ids])
        left = max(0.05, deadline - time.perf_counter())
        solver = _solver(min(left, max(1.0, time_limit_s / 4)), 1, instance.config.seed)
        status = _STATUS[solver.solve(b.m)]
        core = []
        if status == "INFEASIBLE":
            core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()]
        return status, core

    status, core = check(list(b.forced))
    if status != "INFEASIBLE":
        return None
    members, minimal = _deletion_filter(core or list(b.forced), check)
    members.sort()
    return Conflict(tuple(members), minimal, _reasons(instance, dom, members))


def _deletion_filter(
    core: Sequence[str], check: Callable[[Sequence[str]], tuple[str, list[str]]]
) -> tuple[list[str], bool]:
    """Shrink an infeasible core: drop a member whenever the rest is still infeasible."""
    members, necessary, minimal = list(core), set[str](), True
    while rest := [m for m in members if m not in necessary]:
        trial = [m for m in members if m != rest[0]]
        status, sub = check(trial)
        if status == "INFEASIBLE":
            members = [m for m in trial if m in sub] if sub else trial
        else:
            necessary.add(rest[0])
            minimal = minimal and status in ("OPTIMAL", "FEASIBLE")
    return members, minimal


def _reasons(inst: Instance, dom: StartDomains, ids: Sequence[str]) -> tuple[str, ...]:
    """Plain-language hints: shared units, areas and hosts of the conflicting exercises."""
    exercises = [e for e in inst.exercises if e.id in set(ids)]
    if not exercises:
        return ("the fixed constraints are infeasible even without mandatory exercises",)
    reasons = [
        f"{e.id} has no start week in {e.earliest_week}..{e.latest_week} that avoids its "
        "units' blackouts, hard holidays and area closures"
        for e in exercises
        if not any(dom.area_starts.get((e.id, a)) for a in e.areas)
    ]
    shared: dict[str, list[str]] = {}
    for e in exercises:
        for key in sorted({f"unit {u}" for ids in e.named_units.values() for u in ids}):
            shared.setdefault(key, []).append(e.id)
        for key in sorted({f"area {a}" for a in e.areas} | {f"host nation {e.host}"}):
            shared.setdefault(key, []).append(e.id)
    most = inst.config.max_exercises_per_unit
    for key, who in shared.items():
        if key.startswith("unit ") and len(who) > most:
            reasons.append(f"{key} is needed by {len(who)} exercises (at most {most} a year)")
        elif len(who) > 1:
            reasons.append(f"{key} is needed by {', '.join(who)}")
    return tuple(reasons)


class _Occupancy:
    """Week-by-week use of areas, hosts and units while the greedy plan is built."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.cap = {a.id: a.capacity for a in inst.areas}
        self.area_use: dict[tuple[str, int], int] = {}
        self.host_use: dict[tuple[str, int], int] = {}
        self.busy: dict[str, set[int]] = {u.id: set() for u in inst.units}
        self.count: dict[str, int] = dict.fromkeys(self.busy, 0)

    def unit_free(self, unit_id: str, start: int, duration: int) -> bool:
        cfg = self.inst.config
        gap = cfg.min_rest_weeks
        return self.count[unit_id] < cfg.max_exercises_per_unit and not any(
            w in self.busy[unit_id] for w in range(start - gap, start + duration + gap)
        )

    def place_free(self, ex: Exercise, start: int, area: str) -> bool:
        limit = self.inst.config.max_concurrent_per_host
        weeks = range(start, start + ex.duration_weeks)
        return all(self.area_use.get((area, w), 0) < self.cap[area] for w in weeks) and all(
            self.host_use.get((ex.host, w), 0) < limit for w in weeks
        )

    def take(self, ex: Exercise, start: int, area: str, units: Iterable[str]) -> None:
        for w in range(start, start + ex.duration_weeks):
            self.area_use[area, w] = self.area_use.get((area, w), 0) + 1
            self.host_use[ex.host, w] = self.host_use.get((ex.host, w), 0) + 1
        for unit_id in units:
            self.busy[unit_id].update(range(start, start + ex.duration_weeks))
            self.count[unit_id] += 1


def greedy_plan(inst: Instance, dom: StartDomains) -> dict[str, tuple[int, str, tuple[str, ...]]]:
    """A quick feasible plan used as a solver hint: pinned, then mandatory, then by priority,
    each exercise at the free (start, area) closest to its preferred start."""
    occ = _Occupancy(inst)
    pins = {p.exercise_id for p in inst.pins}
    order = sorted(
        inst.exercises,
        key=lambda e: (e.id not in pins, not e.mandatory, -e.priority, len(dom.starts[e.id])),
    )
    placed: dict[str, tuple[int, str, tuple[str, ...]]] = {}
    for ex in order:
        named = [u for ids in ex.named_units.values() for u in ids]
        pref = ex.preferred_start or ex.earliest_week
        options = sorted(
            ((t, a) for a in ex.areas for t in dom.area_starts.get((ex.id, a), ())),
            key=lambda ta: (abs(ta[0] - pref), ta[1]),
        )
        for start, area in options:
            if not occ.place_free(ex, start, area):
                continue
            if not all(occ.unit_free(u, start, ex.duration_weeks) for u in named):
                continue
            sourced = _pick_sourced(inst, dom, occ, ex, start)
            if sourced is None:
                continue
            occ.take(ex, start, area, [*named, *sourced])
            placed[ex.id] = (start, area, sourced)
            break
    return placed


def _pick_sourced(
    inst: Instance, dom: StartDomains, occ: _Occupancy, ex: Exercise, start: int
) -> tuple[str, ...] | None:
    chosen: list[str] = []
    pool = sourcing_pool(inst, ex)
    for nation, by_type in ex.sourced_units.items() if pool else ():
        for unit_type, count in by_type.items():
            fit = [
                u.id
                for u in pool
                if (u.nation, u.type) == (nation, unit_type)
                and start in dom.unit_starts[ex.id, u.id]
                and occ.unit_free(u.id, start, ex.duration_weeks)
            ]
            if len(fit) < count:
                return None
            chosen += sorted(fit, key=lambda u: occ.count[u])[:count]
    return tuple(chosen)
