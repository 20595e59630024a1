"""Seeded random instances of the programme scheduler, for benchmarks and tests.

Nations are taken from a fixed list (AL, HR, XK, MK, ...); units and areas are spread over the
nations round-robin; every nation has a hard holiday in week 52 and soft summer leave in weeks
31-33. An exercise has 2-4 participants (the first is the host), 1-3 eligible areas in
participating nations, a duration of 1-3 weeks, a window 4-20 weeks wider than its duration, a
preferred start, a priority 1..10 and one unit per participant (named, or ``{type: 1}`` to be
sourced when ``sourced`` is set).

The generator plants a feasible schedule for the mandatory exercises while it draws them: each
mandatory exercise is placed greedily against the capacity, host, unit, blackout and rest
constraints, and made optional when no place is left, so generated instances are feasible by
construction.
"""

from __future__ import annotations

import random

from defpact.training.model import (
    Area,
    Config,
    Exercise,
    HolidayPeriod,
    Instance,
    Unit,
    validate_instance,
)
from defpact.training.seats import CourseIteration, SeatProblem

__all__ = ["generate_instance", "generate_seat_problem"]

_NATIONS = ("AL", "HR", "XK", "MK", "ME", "SI", "BG", "RO", "GR", "IT")
_TYPES = ("infantry", "engineer", "logistics", "signals", "medical")
_AREA_TYPES = ("live-fire", "manoeuvre", "simulation")


class _Planter:
    """Greedy occupancy of a planted schedule, so mandatory exercises stay feasible."""

    def __init__(self, inst_cfg: Config, areas: list[Area], units: list[Unit]) -> None:
        self.cfg = inst_cfg
        self.area_cap = {a.id: a.capacity for a in areas}
        self.closed = {a.id: {w for s, e in a.closures for w in range(s, e + 1)} for a in areas}
        self.blocked = {u.id: {w for s, e in u.blackouts for w in range(s, e + 1)} for u in units}
        self.area_use: dict[tuple[str, int], int] = {}
        self.host_use: dict[tuple[str, int], int] = {}
        self.unit_busy: dict[str, set[int]] = {u.id: set() for u in units}
        self.unit_count: dict[str, int] = {u.id: 0 for u in units}

    def fits(self, start: int, dur: int, area: str, host: str, units: list[str]) -> bool:
        weeks = range(start, start + dur)
        rest = range(start - self.cfg.min_rest_weeks, start + dur + self.cfg.min_rest_weeks)
        return (
            start + dur - 1 <= 51  # week 52 is a hard holiday in generated instances
            and all(self.area_use.get((area, w), 0) < self.area_cap[area] for w in weeks)
            and not any(w in self.closed[area] for w in weeks)
            and all(
                self.host_use.get((host, w), 0) < self.cfg.max_concurrent_per_host for w in weeks
            )
            and all(self.unit_count[u] < self.cfg.max_exercises_per_unit for u in units)
            and not any(w in self.blocked[u] for u in units for w in weeks)
            and not any(w in self.unit_busy[u] for u in units for w in rest)
        )

    def place(self, start: int, dur: int, area: str, host: str, units: list[str]) -> None:
        for w in range(start, start + dur):
            self.area_use[area, w] = self.area_use.get((area, w), 0) + 1
            self.host_use[host, w] = self.host_use.get((host, w), 0) + 1
        for u in units:
            self.unit_busy[u].update(range(start, start + dur))
            self.unit_count[u] += 1


def generate_instance(
    n_exercises: int,
    *,
    n_nations: int = 4,
    n_units: int = 40,
    n_areas: int = 6,
    seed: int = 0,
    sourced: bool = False,
    mandatory_share: float = 0.2,
    year: int = 2026,
    config: Config | None = None,
) -> Instance:
    """A random, valid instance; ``sourced`` asks for unit types instead of named units."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    cfg = config or Config(max_exercises_per_unit=8, force_sourcing=sourced)
    nations = _NATIONS[: max(2, min(n_nations, len(_NATIONS)))]
    units = [
        _random_unit(rng, i, nations[i % len(nations)]) for i in range(max(n_units, len(nations)))
    ]
    areas = [_random_area(rng, i, nations[i % len(nations)]) for i in range(n_areas)]
    holidays = [HolidayPeriod(n, 52, 52, hard=True, name="Christmas") for n in nations]
    holidays += [HolidayPeriod(n, 31, 33, hard=False, name="summer leave") for n in nations]
    planter = _Planter(cfg, areas, units)
    exercises = [
        _random_exercise(rng, i, nations, units, areas, planter, sourced, mandatory_share)
        for i in range(n_exercises)
    ]
    inst = Instance(
        year, nations, tuple(units), tuple(areas), tuple(exercises), tuple(holidays), cfg
    )
    validate_instance(inst)
    return inst


def _random_unit(rng: random.Random, i: int, nation: str) -> Unit:
    blackouts: tuple[tuple[int, int], ...] = ()
    if rng.random() < 0.3:
        a = rng.randint(2, 48)
        blackouts = ((a, a + rng.randint(1, 3)),)
    return Unit(f"{nation}-U{i:03d}", nation, _TYPES[(i // 4) % len(_TYPES)], "", blackouts)


def _random_area(rng: random.Random, i: int, nation: str) -> Area:
    closures: tuple[tuple[int, int], ...] = ()
    if rng.random() < 0.3:
        a = rng.randint(2, 48)
        closures = ((a, a + rng.randint(0, 2)),)
    return Area(f"{nation}-A{i}", nation, rng.choice(_AREA_TYPES), rng.randint(1, 3), closures)


def _random_exercise(
    rng: random.Random,
    i: int,
    nations: tuple[str, ...],
    units: list[Unit],
    areas: list[Area],
    planter: _Planter,
    sourced: bool,
    mandatory_share: float,
) -> Exercise:
    size = min(len(nations), rng.choices((2, 3, 4), weights=(6, 3, 1))[0])
    host = rng.choice(sorted({a.host for a in areas}))
    members = (host, *rng.sample([n for n in nations if n != host], size - 1))
    local = [a.id for a in areas if a.host in members]
    eligible = rng.sample(local, min(len(local), rng.randint(1, 3)))
    dur = rng.choices((1, 2, 3), weights=(5, 4, 2))[0]
    picked = [rng.choice([u for u in units if u.nation == n]) for n in members]
    earliest = rng.randint(1, 50 - dur)
    latest = min(51, earliest + dur - 1 + rng.randint(4, 20))
    mandatory = rng.random() < mandatory_share
    if mandatory:
        mandatory = _plant(rng, planter, earliest, latest, dur, eligible, host, picked)
    named = {} if sourced else {u.nation: (u.id,) for u in picked}
    wanted = {u.nation: {u.type: 1} for u in picked} if sourced else {}
    return Exercise(
        id=f"EX-{i:03d}",
        name=f"Exercise {i}",
        type=rng.choice(("live", "command-post", "computer-assisted")),
        host=host,
        nations=members,
        duration_weeks=dur,
        earliest_week=earliest,
        latest_week=latest,
        areas=tuple(eligible),
        preferred_start=rng.randint(earliest, latest - dur + 1),
        priority=rng.randint(1, 10),
        mandatory=mandatory,
        named_units=named,
        sourced_units=wanted,
    )


def _plant(
    rng: random.Random,
    planter: _Planter,
    earliest: int,
    latest: int,
    dur: int,
    eligible: list[str],
    host: str,
    picked: list[Unit],
) -> bool:
    options = [(s, a) for s in range(earliest, latest - dur + 2) for a in eligible]
    rng.shuffle(options)
    ids = [u.id for u in picked]
    for start, area in options:
        if planter.fits(start, dur, area, host, ids):
            planter.place(start, dur, area, host, ids)
            return True
    return False


def generate_seat_problem(
    n_nations: int = 4, n_seats: int = 300, *, seed: int = 0, max_per_iteration: int = 1
) -> SeatProblem:
    """Course iterations offering 1-4 seats each (``n_seats`` in all) and random 100-point bids
    of every nation over 5-30 iterations it does not own (popular courses are bid on more)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    nations = _NATIONS[: max(2, min(n_nations, len(_NATIONS)))]
    iterations: list[CourseIteration] = []
    while (total := sum(it.seats for it in iterations)) < n_seats:
        k = len(iterations)
        seats = min(n_seats - total, rng.randint(1, 4))
        owner = nations[k % len(nations)]
        iterations.append(CourseIteration(f"{owner}-C{k:03d}", f"C{k:03d}", owner, seats))
    popularity = [rng.random() ** 2 for _ in iterations]
    bids = {}
    for nation in nations:
        options = [k for k, it in enumerate(iterations) if it.owner != nation]
        n_bids = min(len(options), rng.randint(5, 30))
        chosen = rng.choices(options, weights=[popularity[k] + 0.01 for k in options], k=n_bids * 3)
        picked = list(dict.fromkeys(chosen))[:n_bids]
        cuts = sorted(rng.sample(range(1, 100), len(picked) - 1))
        points = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
        bids[nation] = {iterations[k].id: p for k, p in zip(picked, points, strict=True) if p}
    return SeatProblem(tuple(iterations), bids, max_per_iteration=max_per_iteration)
