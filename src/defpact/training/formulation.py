"""The CP-SAT formulation of the yearly programme (used by ``scheduler``; internal to training).

Time is weekly over weeks 1..52. For exercise e (duration d_e, eligible areas A(e)):

  S(e)       possible starts: window starts whose weeks avoid every named unit's blackouts and
             every participant's hard holidays (a pin fixes the start and the area);
  b[e,a,t]   e runs in area a starting in week t (t in S(e) and weeks clear of a's closures);
  p[e,a]     = sum_t b[e,a,t]            e uses area a (presence of an optional interval);
  q[e,t]     = sum_a b[e,a,t]            e starts in week t;
  x_e        = sum_a p[e,a] = sum_t q[e,t]  e is scheduled (exactly-one constraints);
  s_e        start variable, s_e = t whenever q[e,t];
  y[e,u]     force sourcing: unit u of a required type is sent; sum_u y[e,u] = count * x_e.

Hard constraints, each stated in the scheduling form the solver propagates with and, where it
is linear, also in a time-indexed form whose LP relaxation gives the strong bound:
  area capacity     Cumulative(optional interval [s_e, s_e+d_e) per (e, a), demand 1; closures
                    as fixed intervals of demand = capacity) <= capacity_a, and per week w:
                    sum_{e, t <= w < t+d_e} b[e,a,t] <= capacity_a;
  host concurrency  Cumulative(exercise intervals of host h) <= N, and per week the same sum;
  unit rest         NoOverlap over [s_e, s_e+d_e+g) for the unit's exercises (g = rest weeks),
                    per week sum_{e, t <= w < t+d_e+g} q[e,t] <= 1 for named units, and per
                    (nation, type) pool and week the number of busy units <= pool size;
  unit load         sum of the unit's presences <= max_exercises_per_unit;
  mandatory/pinned  x_e = 1 (or solver assumptions when explaining infeasibility).

Objective (maximised, integer weights): W_p sum_{optional e} priority_e x_e + W_c sum c[pair, q]
- W_d sum_{e,t} |t - pref_e| q[e,t] - W_h sum_{e,t} hol_e(t) q[e,t], where c[pair, q] = 1 iff a
scheduled exercise with both nations of the pair starts in quarter q (c <= sum of those q[e,t],
and each such q[e,t] implies c, so c is exact in every solution, not only the optimal one), and
hol_e(t) counts the (participant, week) pairs of the exercise on that participant's soft
holiday weeks.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from defpact.training.model import Exercise, Instance, Unit, participants, quarter_of

__all__ = ["ProgrammeModel", "StartDomains", "sourcing_pool", "start_domains"]

LinearExpr = cp_model.LinearExpr
IntVar = cp_model.IntVar


@dataclass(frozen=True, slots=True)
class StartDomains:
    """Possible starts per exercise, per (exercise, area) and per (exercise, sourced unit)."""

    starts: Mapping[str, tuple[int, ...]]
    area_starts: Mapping[tuple[str, str], tuple[int, ...]]
    unit_starts: Mapping[tuple[str, str], tuple[int, ...]]
    soft: Mapping[str, frozenset[int]]


def _weeks(ranges: Iterable[tuple[int, int]]) -> set[int]:
    return {w for a, b in ranges for w in range(a, b + 1)}


def _clear(starts: Iterable[int], duration: int, blocked: set[int]) -> tuple[int, ...]:
    return tuple(s for s in starts if not any(w in blocked for w in range(s, s + duration)))


def _holiday_weeks(inst: Instance, *, hard: bool) -> dict[str, set[int]]:
    return {
        n: _weeks(
            (h.start_week, h.end_week) for h in inst.holidays if (h.nation, h.hard) == (n, hard)
        )
        for n in inst.nations
    }


def start_domains(inst: Instance) -> StartDomains:
    units = {u.id: u for u in inst.units}
    areas = {a.id: a for a in inst.areas}
    hard, soft = _holiday_weeks(inst, hard=True), _holiday_weeks(inst, hard=False)
    pins = {p.exercise_id: p for p in inst.pins}
    starts: dict[str, tuple[int, ...]] = {}
    area_starts: dict[tuple[str, str], tuple[int, ...]] = {}
    unit_starts: dict[tuple[str, str], tuple[int, ...]] = {}
    for ex in inst.exercises:
        d = ex.duration_weeks
        blocked = set().union(*(hard[n] for n in participants(ex)))
        for ids in ex.named_units.values():
            blocked |= set().union(*(_weeks(units[u].blackouts) for u in ids))
        pin = pins.get(ex.id)
        window = range(ex.earliest_week, ex.latest_week - d + 2)
        starts[ex.id] = tuple(
            s for s in _clear(window, d, blocked) if pin is None or s == pin.start_week
        )
        for area_id in ex.areas if pin is None else (pin.area_id,):
            closed = _weeks(areas[area_id].closures)
            area_starts[ex.id, area_id] = _clear(starts[ex.id], d, closed)
        for unit in sourcing_pool(inst, ex):
            unit_starts[ex.id, unit.id] = _clear(starts[ex.id], d, _weeks(unit.blackouts))
    return StartDomains(
        starts, area_starts, unit_starts, {n: frozenset(w) for n, w in soft.items()}
    )


def sourcing_pool(inst: Instance, ex: Exercise) -> list[Unit]:
    """Units that could be sourced for ``ex`` (empty unless force sourcing is on)."""
    if not inst.config.force_sourcing:
        return []
    named = {u for ids in ex.named_units.values() for u in ids}
    return [
        u for u in inst.units if u.id not in named and u.type in ex.sourced_units.get(u.nation, {})
    ]


class ProgrammeModel:
    """Builds the model; with ``explain`` the forced exercises are left to solver assumptions."""

    def __init__(self, inst: Instance, dom: StartDomains, *, explain: bool = False) -> None:
        self.inst, self.dom = inst, dom
        self.m = cp_model.CpModel()
        self.pins = {p.exercise_id: p for p in inst.pins}
        self.start: dict[str, IntVar] = {}
        self.present: dict[str, IntVar] = {}
        self.begin: dict[str, dict[int, IntVar]] = {}
        self.area: dict[tuple[str, str], IntVar] = {}
        self.cells: dict[tuple[str, str], dict[int, IntVar]] = {}
        self.chosen: dict[tuple[str, str], IntVar] = {}
        self.uses: dict[str, list[tuple[Exercise, IntVar]]] = {}
        self.forced: dict[str, IntVar] = {}
        self.terms: dict[str, LinearExpr] = {}
        for ex in inst.exercises:
            self._exercise(ex)
        self._areas()
        self._hosts()
        self._units()
        self._pools()
        if not explain:
            for lit in self.forced.values():
                self.m.add(lit == 1)
            self._objective()

    def _exercise(self, ex: Exercise) -> None:
        m, starts = self.m, self.dom.starts[ex.id]
        x = m.new_bool_var(f"x[{ex.id}]")
        s = m.new_int_var_from_domain(
            cp_model.Domain.from_values(starts or [ex.earliest_week]), f"s[{ex.id}]"
        )
        q = {t: m.new_bool_var(f"q[{ex.id},{t}]") for t in starts}
        m.add_exactly_one([*q.values(), ~x])
        for t, lit in q.items():
            m.add(s == t).only_enforce_if(lit)
        self.start[ex.id], self.present[ex.id], self.begin[ex.id] = s, x, q
        areas = [a for a in ex.areas if self.dom.area_starts.get((ex.id, a))]
        if len(areas) == 1 and self.dom.area_starts[ex.id, areas[0]] == starts:
            self.area[ex.id, areas[0]], self.cells[ex.id, areas[0]] = x, q
        else:
            self._area_cells(ex, areas, q, x)
        if ex.mandatory or ex.id in self.pins:
            self.forced[ex.id] = x
        for unit_id in (u for ids in ex.named_units.values() for u in ids):
            self.uses.setdefault(unit_id, []).append((ex, x))
        self._source(ex, s, x)

    def _area_cells(self, ex: Exercise, areas: list[str], q: dict[int, IntVar], x: IntVar) -> None:
        by_start: dict[int, list[IntVar]] = {t: [] for t in q}
        for area_id in areas:
            p = self.m.new_bool_var(f"p[{ex.id},{area_id}]")
            cells = {
                t: self.m.new_bool_var(f"b[{ex.id},{area_id},{t}]")
                for t in self.dom.area_starts[ex.id, area_id]
            }
            self.m.add_exactly_one([*cells.values(), ~p])
            for t, b in cells.items():
                by_start[t].append(b)
            self.area[ex.id, area_id], self.cells[ex.id, area_id] = p, cells
        self.m.add_exactly_one([*(self.area[ex.id, a] for a in areas), ~x])
        for t, lit in q.items():
            self.m.add(sum(by_start[t]) == lit)

    def _source(self, ex: Exercise, s: IntVar, x: IntVar) -> None:
        pin = self.pins.get(ex.id)
        pool = sourcing_pool(self.inst, ex)
        n_starts = len(self.dom.starts[ex.id])
        for nation, by_type in ex.sourced_units.items():
            for unit_type, count in by_type.items() if pool else ():
                ys = []
                for unit in (u for u in pool if (u.nation, u.type) == (nation, unit_type)):
                    unit_starts = self.dom.unit_starts[ex.id, unit.id]
                    if not unit_starts:
                        continue
                    y = self.m.new_bool_var(f"y[{ex.id},{unit.id}]")
                    self.m.add_implication(y, x)
                    if len(unit_starts) < n_starts:
                        self.m.add_linear_expression_in_domain(
                            s, cp_model.Domain.from_values(unit_starts)
                        ).only_enforce_if(y)
                    if pin is not None and unit.id in pin.units:
                        self.m.add(y == x)
                    ys.append(y)
                    self.chosen[ex.id, unit.id] = y
                    self.uses.setdefault(unit.id, []).append((ex, y))
                self.m.add(sum(ys) == count * x)

    def _interval(self, ex: Exercise, size: int, lit: IntVar) -> cp_model.IntervalVar:
        return self.m.new_optional_fixed_size_interval_var(
            self.start[ex.id], size, lit, f"i[{ex.id}]"
        )

    def _weekly(self, rows: list[tuple[int, int, dict[int, IntVar]]], cap: int) -> None:
        """Time-indexed rows (demand, size, start literals): per week, covering demand <= cap."""
        if sum(k for k, _, _ in rows) <= cap:
            return
        for week in range(1, 53):
            terms, demand = [], 0
            for k, size, lits in rows:
                covering = [lits[t] for t in lits if t <= week < t + size]
                demand += k if covering else 0
                terms += [k * v for v in covering]
            if demand > cap:
                self.m.add(sum(terms) <= cap)

    def _areas(self) -> None:
        exercises = {e.id: e for e in self.inst.exercises}
        for area in self.inst.areas:
            users = [(exercises[e], p) for (e, a), p in self.area.items() if a == area.id]
            if len(users) <= area.capacity:
                continue  # closures are already out of the start domains
            ivs = [self._interval(ex, ex.duration_weeks, p) for ex, p in users]
            fixed = [
                self.m.new_fixed_size_interval_var(a, b - a + 1, f"closed[{area.id}]")
                for a, b in area.closures
            ]
            if area.capacity == 1:
                self.m.add_no_overlap(ivs + fixed)
            else:
                demands = [1] * len(ivs) + [area.capacity] * len(fixed)
                self.m.add_cumulative(ivs + fixed, demands, area.capacity)
            rows = [(1, ex.duration_weeks, self.cells[ex.id, area.id]) for ex, _ in users]
            self._weekly(rows, area.capacity)

    def _hosts(self) -> None:
        cap = self.inst.config.max_concurrent_per_host
        for host in self.inst.nations:
            hosted = [e for e in self.inst.exercises if e.host == host]
            if len(hosted) <= cap:
                continue
            ivs = [self._interval(e, e.duration_weeks, self.present[e.id]) for e in hosted]
            if cap == 1:
                self.m.add_no_overlap(ivs)
            else:
                self.m.add_cumulative(ivs, [1] * len(ivs), cap)
            self._weekly([(1, e.duration_weeks, self.begin[e.id]) for e in hosted], cap)

    def _units(self) -> None:
        cfg = self.inst.config
        for unit_id, uses in self.uses.items():
            if len(uses) > 1:
                self.m.add_no_overlap(
                    [
                        self._interval(ex, ex.duration_weeks + cfg.min_rest_weeks, lit)
                        for ex, lit in uses
                    ]
                )
            if len(uses) > cfg.max_exercises_per_unit:
                self.m.add(sum(lit for _, lit in uses) <= cfg.max_exercises_per_unit)
            gap = cfg.min_rest_weeks
            named = [
                (1, ex.duration_weeks + gap, self.begin[ex.id])
                for ex, lit in uses
                if (ex.id, unit_id) not in self.chosen
            ]
            self._weekly(named, 1)

    def _pools(self) -> None:
        """Aggregate rows per (nation, type): busy units per week and yearly load <= pool."""
        cfg = self.inst.config
        if not cfg.force_sourcing:
            return
        pools: dict[tuple[str, str], set[str]] = {}
        for unit in self.inst.units:
            pools.setdefault((unit.nation, unit.type), set()).add(unit.id)
        for (nation, unit_type), ids in pools.items():
            rows, load = [], []
            for ex in self.inst.exercises:
                sourced = ex.sourced_units.get(nation, {}).get(unit_type, 0)
                named = sum(1 for u in ex.named_units.get(nation, ()) if u in ids)
                if sourced + named:
                    size = ex.duration_weeks + cfg.min_rest_weeks
                    rows.append((sourced + named, size, self.begin[ex.id]))
                    load.append((sourced + named) * self.present[ex.id])
            if any(ex.sourced_units.get(nation, {}).get(unit_type) for ex in self.inst.exercises):
                self._weekly(rows, len(ids))
                self.m.add(sum(load) <= len(ids) * cfg.max_exercises_per_unit)

    def _coverage(self) -> LinearExpr:
        covered = []
        for n1, n2 in itertools.combinations(self.inst.nations, 2):
            exs = [e for e in self.inst.exercises if {n1, n2} <= set(participants(e))]
            for quarter in (1, 2, 3, 4):
                lits = [
                    lit
                    for e in exs
                    for t, lit in self.begin[e.id].items()
                    if quarter_of(t) == quarter
                ]
                if not lits:
                    continue
                c = self.m.new_bool_var(f"c[{n1},{n2},{quarter}]")
                self.m.add(sum(lits) >= c)
                for lit in lits:
                    self.m.add_implication(lit, c)
                covered.append(c)
        return sum(covered, LinearExpr.constant(0))

    def _objective(self) -> None:
        w = self.inst.config.weights
        zero = LinearExpr.constant(0)
        dev, hol = [], []
        for ex in self.inst.exercises:
            table = _holiday_table(ex, self.dom.soft)
            pref = ex.preferred_start
            for t, lit in self.begin[ex.id].items():
                if pref is not None and t != pref:
                    dev.append(abs(t - pref) * lit)
                if table[t]:
                    hol.append(table[t] * lit)
        optional = [e.priority * self.present[e.id] for e in self.inst.exercises if not e.mandatory]
        self.terms = {
            "priority": sum(optional, zero),
            "pair_quarters": self._coverage(),
            "deviation_weeks": sum(dev, zero),
            "holiday_weeks": sum(hol, zero),
        }
        terms = self.terms
        self.m.maximize(
            w.priority * terms["priority"]
            + w.pair_quarter * terms["pair_quarters"]
            - w.deviation * terms["deviation_weeks"]
            - w.holiday * terms["holiday_weeks"]
        )

    def hint(self, placed: Mapping[str, tuple[int, str, tuple[str, ...]]]) -> None:
        """Hint a (greedy) plan: exercise id -> (start week, area, sourced units)."""
        for ex in self.inst.exercises:
            start, area, units = placed.get(ex.id, (0, "", ()))
            self.m.add_hint(self.present[ex.id], ex.id in placed)
            if ex.id in placed:
                self.m.add_hint(self.start[ex.id], start)
            for t, lit in self.begin[ex.id].items():
                self.m.add_hint(lit, t == start)
            for (e, a), p in self.area.items():
                if e == ex.id and p is not self.present[ex.id]:
                    self.m.add_hint(p, a == area)
                    for t, b in self.cells[e, a].items():
                        self.m.add_hint(b, a == area and t == start)
            for (e, u), y in self.chosen.items():
                if e == ex.id:
                    self.m.add_hint(y, u in units)


def _holiday_table(ex: Exercise, soft: Mapping[str, frozenset[int]]) -> dict[int, int]:
    nations = participants(ex)
    return {
        s: sum(1 for n in nations for w in range(s, s + ex.duration_weeks) if w in soft[n])
        for s in range(ex.earliest_week, ex.latest_week + 1)
    }
