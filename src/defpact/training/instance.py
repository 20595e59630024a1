"""JSON instance files of the programme scheduler and a seeded random instance generator.

File format (``docs/training.md`` has a full example)::

    {"year": 2026, "nations": ["AL", "HR", "XK"], "national_holidays": "soft",
     "config": {...}, "units": [...], "areas": [...], "holidays": [...],
     "exercises": [...], "pinned": [...]}

Keys are checked strictly (an unknown key is an error naming it, so a typo such as
``"mandatroy"`` is not silently ignored). ``required_units`` maps a nation to a list of unit ids
(named units) or to ``{unit_type: count}`` (units to be sourced), or to
``{"named": [...], "sourced": {...}}`` for both. ``national_holidays`` ("soft", "hard" or
"none", default "soft") adds each member's public-holiday weeks from ``holidays.py``.

``generator.generate_instance`` draws random instances in this model (bench and tests).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from defpact.training.holidays import national_holiday_periods
from defpact.training.model import (
    Area,
    Config,
    Exercise,
    HolidayPeriod,
    Instance,
    InstanceError,
    Pin,
    Unit,
    Weights,
    validate_instance,
)
from defpact.training.seats import CourseIteration, SeatProblem, validate_seat_problem

__all__ = ["instance_from_dict", "instance_to_dict", "seat_problem_from_dict"]

_TOP = {
    "format",
    "year",
    "nations",
    "national_holidays",
    "config",
    "units",
    "areas",
    "holidays",
    "exercises",
    "pinned",
}
_UNIT = {"id", "nation", "type", "home_base", "blackouts"}
_AREA = {"id", "host", "type", "capacity", "closures"}
_HOLIDAY = {"nation", "start_week", "end_week", "hard", "name"}
_EXERCISE = {
    "id",
    "name",
    "type",
    "host",
    "nations",
    "duration_weeks",
    "earliest_week",
    "latest_week",
    "preferred_start",
    "areas",
    "priority",
    "mandatory",
    "required_units",
    "objectives",
}
_PIN = {"exercise", "start_week", "area", "units"}
_CONFIG = {
    "max_concurrent_per_host",
    "min_rest_weeks",
    "max_exercises_per_unit",
    "weights",
    "force_sourcing",
    "time_limit_s",
    "workers",
    "seed",
}
_WEIGHTS = {"priority", "pair_quarter", "deviation", "holiday"}
_MISSING: Any = object()


class _Obj:
    """Typed access to one JSON object; every error names the field by its path."""

    def __init__(self, raw: object, path: str, keys: set[str]) -> None:
        if not isinstance(raw, dict):
            raise InstanceError(path or "file", "must be a JSON object")
        self.raw: dict[str, Any] = raw
        self.path = path
        unknown = sorted(set(raw) - keys)
        if unknown:
            raise InstanceError(self.at(unknown[0]), "unknown field")

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, kind: type, default: Any = _MISSING) -> Any:
        if key not in self.raw:
            if default is _MISSING:
                raise InstanceError(self.at(key), "is required")
            return default
        value = self.raw[key]
        ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            ok, value = True, float(value)
        if not ok:
            raise InstanceError(self.at(key), f"must be of type {_KIND[kind]}")
        return value

    def strings(self, key: str, default: Any = _MISSING) -> tuple[str, ...]:
        items = self.get(key, list, default)
        if not all(isinstance(v, str) for v in items):
            raise InstanceError(self.at(key), "must be a list of strings")
        return tuple(items)

    def ranges(self, key: str) -> tuple[tuple[int, int], ...]:
        out = []
        for item in self.get(key, list, []):
            ok = isinstance(item, list) and len(item) == 2
            if not ok or not all(isinstance(v, int) and not isinstance(v, bool) for v in item):
                raise InstanceError(self.at(key), "must be a list of [start, end] weeks")
            out.append((item[0], item[1]))
        return tuple(out)


_KIND = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "list",
    dict: "object",
}


def _items(top: _Obj, key: str) -> list[tuple[str, Any]]:
    out = []
    for i, raw in enumerate(top.get(key, list, [])):
        ident = raw.get("id", raw.get("exercise", i)) if isinstance(raw, dict) else i
        out.append((f"{key}[{ident}]", raw))
    return out


def instance_from_dict(data: object) -> Instance:
    """Parse and validate a decoded JSON instance; raise ``InstanceError`` naming the field."""
    top = _Obj(data, "", _TOP)
    year = top.get("year", int)
    nations = top.strings("nations")
    mode = top.get("national_holidays", str, "soft")
    if mode not in ("soft", "hard", "none"):
        raise InstanceError("national_holidays", "must be one of soft, hard, none")
    holidays = tuple(_holiday(_Obj(raw, p, _HOLIDAY)) for p, raw in _items(top, "holidays"))
    if mode != "none":
        holidays += national_holiday_periods(nations, year, hard=mode == "hard")
    instance = Instance(
        year=year,
        nations=nations,
        units=tuple(_unit(_Obj(raw, p, _UNIT)) for p, raw in _items(top, "units")),
        areas=tuple(_area(_Obj(raw, p, _AREA)) for p, raw in _items(top, "areas")),
        exercises=tuple(_exercise(_Obj(r, p, _EXERCISE)) for p, r in _items(top, "exercises")),
        holidays=holidays,
        config=_config(_Obj(top.get("config", dict, {}), "config", _CONFIG)),
        pins=tuple(_pin(_Obj(raw, p, _PIN)) for p, raw in _items(top, "pinned")),
    )
    validate_instance(instance)
    return instance


def _unit(o: _Obj) -> Unit:
    return Unit(
        o.get("id", str),
        o.get("nation", str),
        o.get("type", str),
        o.get("home_base", str, ""),
        o.ranges("blackouts"),
    )


def _area(o: _Obj) -> Area:
    return Area(
        o.get("id", str),
        o.get("host", str),
        o.get("type", str),
        o.get("capacity", int, 1),
        o.ranges("closures"),
    )


def _holiday(o: _Obj) -> HolidayPeriod:
    return HolidayPeriod(
        o.get("nation", str),
        o.get("start_week", int),
        o.get("end_week", int),
        o.get("hard", bool, False),
        o.get("name", str, ""),
    )


def _pin(o: _Obj) -> Pin:
    return Pin(
        o.get("exercise", str), o.get("start_week", int), o.get("area", str), o.strings("units", [])
    )


def _config(o: _Obj) -> Config:
    w = _Obj(o.get("weights", dict, {}), "config.weights", _WEIGHTS)
    base, wb = Config(), Weights()
    return Config(
        max_concurrent_per_host=o.get("max_concurrent_per_host", int, base.max_concurrent_per_host),
        min_rest_weeks=o.get("min_rest_weeks", int, base.min_rest_weeks),
        max_exercises_per_unit=o.get("max_exercises_per_unit", int, base.max_exercises_per_unit),
        weights=Weights(
            *(
                w.get(k, int, getattr(wb, k))
                for k in ("priority", "pair_quarter", "deviation", "holiday")
            )
        ),
        force_sourcing=o.get("force_sourcing", bool, base.force_sourcing),
        time_limit_s=o.get("time_limit_s", float, base.time_limit_s),
        workers=o.get("workers", int, base.workers),
        seed=o.get("seed", int, base.seed),
    )


def _exercise(o: _Obj) -> Exercise:
    named, sourced = _required_units(o)
    return Exercise(
        id=o.get("id", str),
        name=o.get("name", str, o.raw.get("id", "")),
        type=o.get("type", str, "live"),
        host=o.get("host", str),
        nations=o.strings("nations"),
        duration_weeks=o.get("duration_weeks", int),
        earliest_week=o.get("earliest_week", int),
        latest_week=o.get("latest_week", int),
        areas=o.strings("areas"),
        preferred_start=o.get("preferred_start", int, None),
        priority=o.get("priority", int, 1),
        mandatory=o.get("mandatory", bool, False),
        named_units=named,
        sourced_units=sourced,
        objectives=o.strings("objectives", []),
    )


def _required_units(o: _Obj) -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, int]]]:
    named: dict[str, tuple[str, ...]] = {}
    sourced: dict[str, dict[str, int]] = {}
    for nation, spec in o.get("required_units", dict, {}).items():
        path = f"{o.path}.required_units.{nation}"
        if isinstance(spec, list):
            spec = {"named": spec}
        elif isinstance(spec, dict) and not set(spec) <= {"named", "sourced"}:
            spec = {"sourced": spec}
        req = _Obj(spec, path, {"named", "sourced"})
        if "named" in req.raw:
            named[nation] = req.strings("named")
        counts = req.get("sourced", dict, {})
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in counts.values()):
            raise InstanceError(f"{path}.sourced", "counts must be integers")
        if counts:
            sourced[nation] = dict(counts)
    return named, sourced


def instance_to_dict(inst: Instance) -> dict[str, Any]:
    """The JSON form of an instance; holidays are written out, so it round-trips exactly."""
    pins = [
        {
            "exercise": p.exercise_id,
            "start_week": p.start_week,
            "area": p.area_id,
            "units": list(p.units),
        }
        for p in inst.pins
    ]
    data: dict[str, Any] = _plain(
        {
            "year": inst.year,
            "nations": inst.nations,
            "national_holidays": "none",
            "config": dataclasses.asdict(inst.config),
            "units": [dataclasses.asdict(u) for u in inst.units],
            "areas": [dataclasses.asdict(a) for a in inst.areas],
            "holidays": [dataclasses.asdict(h) for h in inst.holidays],
            "exercises": [_exercise_dict(e) for e in inst.exercises],
            "pinned": pins,
        }
    )
    return data


def _plain(value: Any) -> Any:
    """Tuples to lists, recursively, so the result is exactly what JSON decoding gives."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _exercise_dict(e: Exercise) -> dict[str, Any]:
    required: dict[str, Any] = {}
    for nation in dict.fromkeys([*e.named_units, *e.sourced_units]):
        named, sourced = e.named_units.get(nation), e.sourced_units.get(nation)
        if named is not None and sourced is not None:
            required[nation] = {"named": list(named), "sourced": dict(sourced)}
        else:
            required[nation] = list(named) if named is not None else dict(sourced or {})
    out: dict[str, Any] = {
        "id": e.id,
        "name": e.name,
        "type": e.type,
        "host": e.host,
        "nations": list(e.nations),
        "duration_weeks": e.duration_weeks,
        "earliest_week": e.earliest_week,
        "latest_week": e.latest_week,
        "areas": list(e.areas),
        "priority": e.priority,
        "mandatory": e.mandatory,
        "required_units": required,
        "objectives": list(e.objectives),
    }
    if e.preferred_start is not None:
        out["preferred_start"] = e.preferred_start
    return out


_SEATS = {"format", "max_seats_per_iteration", "allow_own_courses", "iterations", "bids"}
_ITERATION = {"id", "course", "title", "owner", "seats", "start"}


def seat_problem_from_dict(data: object) -> SeatProblem:
    """Parse and validate a decoded JSON bids file (format in docs/training.md)."""
    top = _Obj(data, "", _SEATS)
    iterations = []
    for path, raw in _items(top, "iterations"):
        o = _Obj(raw, path, _ITERATION)
        iterations.append(
            CourseIteration(
                o.get("id", str),
                o.get("course", str, o.raw.get("id", "")),
                o.get("owner", str),
                o.get("seats", int),
                o.get("title", str, ""),
                o.get("start", str, ""),
            )
        )
    bids: dict[str, dict[str, int]] = {}
    for nation, raw in top.get("bids", dict, {}).items():
        o = _Obj(raw, f"bids.{nation}", set(raw) if isinstance(raw, dict) else set())
        bids[nation] = {key: o.get(key, int) for key in o.raw}
    problem = SeatProblem(
        tuple(iterations),
        bids,
        top.get("max_seats_per_iteration", int, 1),
        top.get("allow_own_courses", bool, False),
    )
    validate_seat_problem(problem)
    return problem
