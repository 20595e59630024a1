"""Reference data, exercises and programme plans of the joint-training context, with validation.

Time is counted in ISO weeks 1..52 of the programme year (ISO week 53, when a year has one,
lies outside the horizon). A week range ``(a, b)`` is inclusive. An exercise of duration ``d``
that starts in week ``s`` occupies weeks ``s .. s+d-1`` and must lie inside its window
``earliest_week .. latest_week``.

The participants of an exercise are its listed ``nations`` plus its ``host`` (the host always
participates). An eligible area must lie in a participating nation: an area whose host nation
is neither the exercise host nor a listed nation is "an area in no host nation" and is rejected.

``validate_instance`` raises ``InstanceError`` whose ``field`` names the offending field by a
path such as ``exercises[EX-7].latest_week``; an infeasible programme is *not* an error (the
scheduler answers it with a conflicting set of mandatory exercises).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "EXERCISE_TYPES",
    "WEEKS",
    "Area",
    "Assignment",
    "Config",
    "Conflict",
    "Exercise",
    "HolidayPeriod",
    "Instance",
    "InstanceError",
    "Pin",
    "Plan",
    "Unit",
    "Weights",
    "participants",
    "quarter_of",
    "validate_instance",
    "weeks_of",
]

WEEKS = 52
EXERCISE_TYPES = ("live", "command-post", "computer-assisted")

WeekRange = tuple[int, int]


class InstanceError(ValueError):
    """Bad input: ``field`` is the path of the offending field, ``message`` says what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    nation: str
    type: str
    home_base: str = ""
    blackouts: tuple[WeekRange, ...] = ()


@dataclass(frozen=True, slots=True)
class Area:
    id: str
    host: str
    type: str
    capacity: int = 1
    closures: tuple[WeekRange, ...] = ()


@dataclass(frozen=True, slots=True)
class HolidayPeriod:
    """Weeks a nation cannot (``hard``) or prefers not to (soft) exercise."""

    nation: str
    start_week: int
    end_week: int
    hard: bool = False
    name: str = ""


@dataclass(frozen=True, slots=True)
class Exercise:
    """One exercise; units are named (``named_units``) or sourced by type (``sourced_units``)."""

    id: str
    name: str
    type: str
    host: str
    nations: tuple[str, ...]
    duration_weeks: int
    earliest_week: int
    latest_week: int
    areas: tuple[str, ...]
    preferred_start: int | None = None
    priority: int = 1
    mandatory: bool = False
    named_units: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sourced_units: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    objectives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Pin:
    """An approved exercise kept at its start week and area in a re-plan (units optional)."""

    exercise_id: str
    start_week: int
    area_id: str
    units: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Weights:
    """Objective weights (integers); see docs/training.md for the objective."""

    priority: int = 100
    pair_quarter: int = 300
    deviation: int = 4
    holiday: int = 25


@dataclass(frozen=True, slots=True)
class Config:
    max_concurrent_per_host: int = 2
    min_rest_weeks: int = 1
    max_exercises_per_unit: int = 6
    weights: Weights = field(default_factory=Weights)
    force_sourcing: bool = False
    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0


@dataclass(frozen=True, slots=True)
class Instance:
    year: int
    nations: tuple[str, ...]
    units: tuple[Unit, ...]
    areas: tuple[Area, ...]
    exercises: tuple[Exercise, ...]
    holidays: tuple[HolidayPeriod, ...] = ()
    config: Config = field(default_factory=Config)
    pins: tuple[Pin, ...] = ()


@dataclass(frozen=True, slots=True)
class Assignment:
    """A scheduled exercise: where, when and with which units (named plus sourced)."""

    exercise_id: str
    name: str
    type: str
    host: str
    nations: tuple[str, ...]
    area_id: str
    start_week: int
    end_week: int
    units: tuple[str, ...]
    sourced_units: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Conflict:
    """Mandatory (or pinned) exercises that cannot all be scheduled together."""

    exercise_ids: tuple[str, ...]
    minimal: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    year: int
    status: str
    assignments: tuple[Assignment, ...] = ()
    unscheduled: tuple[str, ...] = ()
    objective: int | None = None
    best_bound: float | None = None
    gap: float | None = None
    wall_time_s: float = 0.0
    first_feasible_s: float | None = None
    objective_terms: Mapping[str, int] = field(default_factory=dict)
    conflict: Conflict | None = None


def participants(exercise: Exercise) -> tuple[str, ...]:
    """Listed nations plus the host, in first-seen order."""
    return tuple(dict.fromkeys((exercise.host, *exercise.nations)))


def weeks_of(start_week: int, duration: int) -> range:
    return range(start_week, start_week + duration)


def quarter_of(week: int) -> int:
    """Quarter 1..4 of a week: weeks 1-13, 14-26, 27-39, 40-52."""
    return min(4, (week - 1) // 13 + 1)


def validate_instance(instance: Instance) -> None:
    """Raise ``InstanceError`` naming the first bad field; return when the instance is sound."""
    if not instance.nations:
        raise InstanceError("nations", "at least one member nation is required")
    _unique("nations", instance.nations)
    _check_config(instance.config)
    members = set(instance.nations)
    for unit in instance.units:
        _check_unit(unit, members)
    _unique("units", [u.id for u in instance.units])
    for area in instance.areas:
        _check_area(area, members)
    _unique("areas", [a.id for a in instance.areas])
    for i, hol in enumerate(instance.holidays):
        _check_nation(f"holidays[{i}].nation", hol.nation, members)
        _check_range(f"holidays[{i}]", (hol.start_week, hol.end_week))
    _unique("exercises", [e.id for e in instance.exercises])
    units = {u.id: u for u in instance.units}
    areas = {a.id: a for a in instance.areas}
    for ex in instance.exercises:
        _check_exercise(ex, members, units, areas)
    _check_pins(instance, units)


def _unique(name: str, ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for ident in ids:
        if not ident:
            raise InstanceError(name, "an id is empty")
        if ident in seen:
            raise InstanceError(name, f"duplicate id {ident!r}")
        seen.add(ident)


def _check_config(cfg: Config) -> None:
    positive = {
        "max_concurrent_per_host": cfg.max_concurrent_per_host,
        "max_exercises_per_unit": cfg.max_exercises_per_unit,
        "workers": cfg.workers,
    }
    for name, value in positive.items():
        if value < 1:
            raise InstanceError(f"config.{name}", f"must be at least 1, got {value}")
    if not 0 <= cfg.min_rest_weeks <= WEEKS:
        raise InstanceError("config.min_rest_weeks", f"must be in 0..{WEEKS}")
    if cfg.time_limit_s <= 0:
        raise InstanceError("config.time_limit_s", "must be positive")
    for name in ("priority", "pair_quarter", "deviation", "holiday"):
        if getattr(cfg.weights, name) < 0:
            raise InstanceError(f"config.weights.{name}", "must not be negative")


def _check_nation(path: str, nation: str, members: set[str]) -> None:
    if nation not in members:
        raise InstanceError(path, f"{nation!r} is not a member nation of the instance")


def _check_range(path: str, rng: WeekRange) -> None:
    a, b = rng
    if not (1 <= a <= b <= WEEKS):
        raise InstanceError(path, f"week range {a}..{b} is not within 1..{WEEKS} with start <= end")


def _check_unit(unit: Unit, members: set[str]) -> None:
    path = f"units[{unit.id}]"
    _check_nation(f"{path}.nation", unit.nation, members)
    if not unit.type:
        raise InstanceError(f"{path}.type", "is empty")
    for rng in unit.blackouts:
        _check_range(f"{path}.blackouts", rng)


def _check_area(area: Area, members: set[str]) -> None:
    path = f"areas[{area.id}]"
    _check_nation(f"{path}.host", area.host, members)
    if area.capacity < 1:
        raise InstanceError(f"{path}.capacity", f"must be at least 1, got {area.capacity}")
    for rng in area.closures:
        _check_range(f"{path}.closures", rng)


def _check_exercise(
    ex: Exercise, members: set[str], units: Mapping[str, Unit], areas: Mapping[str, Area]
) -> None:
    path = f"exercises[{ex.id}]"
    _check_nation(f"{path}.host", ex.host, members)
    for nation in ex.nations:
        _check_nation(f"{path}.nations", nation, members)
    if len(participants(ex)) < 2:
        raise InstanceError(f"{path}.nations", "an exercise needs at least two nations")
    if ex.type not in EXERCISE_TYPES:
        raise InstanceError(f"{path}.type", f"{ex.type!r} is not one of {EXERCISE_TYPES}")
    if ex.priority < 1:
        raise InstanceError(f"{path}.priority", f"must be at least 1, got {ex.priority}")
    _check_window(ex, path)
    _check_areas(ex, path, areas)
    _check_named_units(ex, path, units)
    _check_sourced_units(ex, path, units)


def _check_window(ex: Exercise, path: str) -> None:
    if not 1 <= ex.duration_weeks <= WEEKS:
        raise InstanceError(f"{path}.duration_weeks", f"must be in 1..{WEEKS}")
    for name, week in (("earliest_week", ex.earliest_week), ("latest_week", ex.latest_week)):
        if not 1 <= week <= WEEKS:
            raise InstanceError(f"{path}.{name}", f"week {week} is not within 1..{WEEKS}")
    width = ex.latest_week - ex.earliest_week + 1
    if width < ex.duration_weeks:
        raise InstanceError(
            f"{path}.latest_week",
            f"window weeks {ex.earliest_week}..{ex.latest_week} ({max(width, 0)} weeks) is "
            f"shorter than duration_weeks {ex.duration_weeks}",
        )
    last_start = ex.latest_week - ex.duration_weeks + 1
    pref = ex.preferred_start
    if pref is not None and not ex.earliest_week <= pref <= last_start:
        raise InstanceError(
            f"{path}.preferred_start",
            f"week {pref} is not a possible start (weeks {ex.earliest_week}..{last_start})",
        )


def _check_areas(ex: Exercise, path: str, areas: Mapping[str, Area]) -> None:
    if not ex.areas:
        raise InstanceError(f"{path}.areas", "at least one eligible area is required")
    if len(set(ex.areas)) != len(ex.areas):
        raise InstanceError(f"{path}.areas", "an area is listed twice")
    nations = participants(ex)
    for area_id in ex.areas:
        area = areas.get(area_id)
        if area is None:
            raise InstanceError(f"{path}.areas", f"unknown area {area_id!r}")
        if area.host not in nations:
            raise InstanceError(
                f"{path}.areas",
                f"area {area_id!r} is in {area.host}, which is neither the host nor a "
                f"participating nation ({', '.join(nations)})",
            )


def _check_named_units(ex: Exercise, path: str, units: Mapping[str, Unit]) -> None:
    nations = participants(ex)
    seen: set[str] = set()
    for nation, unit_ids in ex.named_units.items():
        where = f"{path}.required_units.{nation}"
        if nation not in nations:
            raise InstanceError(where, f"{nation} is not a participating nation")
        for unit_id in unit_ids:
            unit = units.get(unit_id)
            if unit is None:
                raise InstanceError(where, f"unknown unit {unit_id!r}")
            if unit.nation != nation:
                raise InstanceError(
                    where, f"unit {unit_id!r} belongs to {unit.nation}, not {nation}"
                )
            if unit_id in seen:
                raise InstanceError(where, f"unit {unit_id!r} is listed twice")
            seen.add(unit_id)


def _check_sourced_units(ex: Exercise, path: str, units: Mapping[str, Unit]) -> None:
    nations = participants(ex)
    named = {u for ids in ex.named_units.values() for u in ids}
    for nation, by_type in ex.sourced_units.items():
        where = f"{path}.required_units.{nation}"
        if nation not in nations:
            raise InstanceError(where, f"{nation} is not a participating nation")
        for unit_type, count in by_type.items():
            if count < 1:
                raise InstanceError(f"{where}.{unit_type}", f"count must be at least 1: {count}")
            pool = [
                u
                for u in units.values()
                if u.nation == nation and u.type == unit_type and u.id not in named
            ]
            if len(pool) < count:
                raise InstanceError(
                    f"{where}.{unit_type}",
                    f"needs {count} {unit_type} unit(s) of {nation}, only {len(pool)} available",
                )


def _check_pins(instance: Instance, units: Mapping[str, Unit]) -> None:
    exercises = {e.id: e for e in instance.exercises}
    _unique("pinned", [p.exercise_id for p in instance.pins])
    for pin in instance.pins:
        path = f"pinned[{pin.exercise_id}]"
        ex = exercises.get(pin.exercise_id)
        if ex is None:
            raise InstanceError(f"{path}.exercise", f"unknown exercise {pin.exercise_id!r}")
        last_start = ex.latest_week - ex.duration_weeks + 1
        if not ex.earliest_week <= pin.start_week <= last_start:
            raise InstanceError(
                f"{path}.start_week",
                f"week {pin.start_week} is outside the start window "
                f"{ex.earliest_week}..{last_start}",
            )
        if pin.area_id not in ex.areas:
            raise InstanceError(f"{path}.area", f"{pin.area_id!r} is not an eligible area")
        _check_pinned_units(pin, ex, units, f"{path}.units")


def _check_pinned_units(pin: Pin, ex: Exercise, units: Mapping[str, Unit], path: str) -> None:
    taken: dict[tuple[str, str], int] = {}
    named = {u for ids in ex.named_units.values() for u in ids}
    for unit_id in pin.units:
        unit = units.get(unit_id)
        wanted = ex.sourced_units.get(unit.nation, {}) if unit else {}
        if unit is None or unit.type not in wanted or unit_id in named:
            raise InstanceError(path, f"{unit_id!r} is not a unit this exercise sources")
        key = (unit.nation, unit.type)
        taken[key] = taken.get(key, 0) + 1
        if taken[key] > wanted[unit.type]:
            raise InstanceError(path, f"more {unit.type} units of {unit.nation} than required")
