"""Scenario files (JSON or YAML): parsing and validation into immutable dataclasses.

A scenario lists the nations in a fixed order (used for every tie), the items with their
pricing (``cost``), schedule (``sched``), quantities (``qty``) and need-by months, and each
nation's budget by fiscal year. The schema is documented in docs/procurement.md. Every error
is an ``InvalidInput`` whose ``field`` is the dotted path of the offending value, for example
``items.radar.cost.tiers`` or ``items.radar.qty.MK``; unknown fields are errors too, so that
a typo is not silently ignored.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import yaml

from defpact.core.errors import InvalidInput
from defpact.procurement.cost import MAX_TOTAL_QUANTITY, CostParams
from defpact.procurement.months import YearMonth, parse_month
from defpact.procurement.schedule import SchedParams

__all__ = ["CHANNELS", "DEFAULT_START", "Item", "Scenario", "load_scenario", "parse_scenario"]

CHANNELS = ("FMS", "DCS", "NSPA", "EDA")
DEFAULT_START = "2026-01"
_COST = {
    "t1": "t1",
    "slope": "slope",
    "c0": "c0",
    "tiers": "tiers",
    "fixed_order": "fixed_order",
    "per_nation": "per_nation",
    "surcharge": "surcharge",
}
_SCHED = {
    "T_loa": "t_loa",
    "joint_extra": "joint_extra",
    "T_accept": "t_accept",
    "lead": "lead",
    "cap": "cap",
    "backlog": "backlog",
    "moq": "moq",
    "lot_cycle": "lot_cycle",
}
_INTEGER_FIELDS = {"c0", "t_loa", "joint_extra", "t_accept", "lead", "cap", "backlog", "moq"}
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Item:
    """One system to buy; ``qty`` and ``need_by`` (month index) follow the nation order."""

    id: str
    name: str
    channel: str
    cost: CostParams
    sched: SchedParams
    qty: dict[str, int]
    need_by: dict[str, int]


@dataclass(frozen=True, slots=True)
class Scenario:
    start: YearMonth
    nations: tuple[str, ...]
    items: dict[str, Item]
    budget: dict[str, dict[int, Fraction]]  # nation -> fiscal year -> amount


def load_scenario(path: Path) -> Scenario:
    """Read a ``.json``, ``.yaml`` or ``.yml`` scenario file and validate it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the scenario: {exc}", field=str(path)) from None
    try:
        if path.suffix.lower() in {".yaml", ".yml"}:
            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except (yaml.YAMLError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidInput(f"not valid JSON/YAML: {first}", field=str(path)) from None
    return parse_scenario(data)


def parse_scenario(data: object) -> Scenario:
    """Validate a decoded scenario document (dicts and lists) into a Scenario."""
    root = _mapping(data, "scenario")
    _known(root, {"start", "nations", "items", "budget"}, "scenario")
    start_text = root.get("start", DEFAULT_START)
    start = _month(start_text, "start")
    nations = _nations(root.get("nations"))
    items_data = _mapping(root.get("items", {}), "items")
    items = {
        item_id: _item(item_id, value, nations, start) for item_id, value in items_data.items()
    }
    budget = _budget(root.get("budget", {}), nations)
    return Scenario(start=start, nations=nations, items=items, budget=budget)


def _fail(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, field=field)


def _mapping(value: object, field: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(field, "must be an object (mapping)")
    for key in value:
        if not isinstance(key, str) or not key:
            raise _fail(field, f"key {key!r} must be a non-empty string (quote it in YAML)")
    return dict(value)


def _known(value: Mapping[str, Any], allowed: set[str], field: str) -> None:
    for key in value:
        if key not in allowed:
            raise _fail(f"{field}.{key}", f"unknown field (expected one of {sorted(allowed)})")


def _integer(value: object, field: str, minimum: int = 0) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise _fail(field, f"must be an integer >= {minimum}, got {value!r}")
    return value


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(field, f"must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise _fail(field, f"must be a finite number >= 0, got {value!r}")
    return float(value)


def _month(value: object, field: str) -> YearMonth:
    if not isinstance(value, str):
        raise _fail(field, f"must be a month string YYYY-MM, got {value!r}")
    try:
        return parse_month(value)
    except ValueError as exc:
        raise _fail(field, str(exc)) from None


def _nations(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise _fail("nations", "must be a non-empty list of nation codes")
    for index, nation in enumerate(value):
        if not isinstance(nation, str) or not nation.strip():
            hint = " (quote codes like 'NO' in YAML)" if isinstance(nation, bool) else ""
            raise _fail(f"nations[{index}]", f"must be a nation code string{hint}")
        if nation in value[:index]:
            raise _fail(f"nations[{index}]", f"duplicate nation {nation!r}")
    return tuple(value)


def _nested(prefix: str, build: Callable[[], _T]) -> _T:
    """Run a dataclass constructor, prefixing the field of any error it raises."""
    try:
        return build()
    except InvalidInput as exc:
        raise _fail(f"{prefix}.{exc.field}", exc.detail) from None


def _item(item_id: str, value: object, nations: tuple[str, ...], start: YearMonth) -> Item:
    field = f"items.{item_id}"
    data = _mapping(value, field)
    _known(data, {"name", "channel", "cost", "sched", "qty", "need_by"}, field)
    name = data.get("name", item_id)
    if not isinstance(name, str) or not name.strip():
        raise _fail(f"{field}.name", "must be a non-empty string")
    channel = data.get("channel", "FMS")
    if channel not in CHANNELS:
        raise _fail(f"{field}.channel", f"must be one of {', '.join(CHANNELS)}, got {channel!r}")
    cost_params = _params(data, "cost", _COST, field)
    cost = _nested(field, lambda: CostParams(**cost_params))
    sched_params = _params(data, "sched", _SCHED, field)
    sched = _nested(field, lambda: SchedParams(**sched_params))
    qty = _per_nation(data.get("qty", {}), f"{field}.qty", nations)
    quantities = {n: _integer(qty[n], f"{field}.qty.{n}") for n in nations if n in qty}
    if sum(quantities.values()) > MAX_TOTAL_QUANTITY:
        raise _fail(
            f"{field}.qty",
            f"{sum(quantities.values())} units in total exceed {MAX_TOTAL_QUANTITY} per item; "
            "count in lots instead (e.g. t1 per lot of 100 rounds)",
        )
    dates = _per_nation(data.get("need_by", {}), f"{field}.need_by", nations)
    need_by = {n: _need_by(dates[n], f"{field}.need_by.{n}", start) for n in nations if n in dates}
    return Item(item_id, name, channel, cost, sched, quantities, need_by)


def _params(
    data: Mapping[str, Any], block: str, names: dict[str, str], field: str
) -> dict[str, Any]:
    where = f"{field}.{block}"
    raw = _mapping(data.get(block), where)
    _known(raw, set(names), where)
    params: dict[str, Any] = {}
    for key, value in raw.items():
        attribute = names[key]
        if attribute == "tiers":
            params[attribute] = _tiers(value, f"{where}.tiers")
        elif attribute in _INTEGER_FIELDS or attribute == "lot_cycle":
            params[attribute] = _integer(value, f"{where}.{key}", 1 if key == "lot_cycle" else 0)
        else:
            params[attribute] = _number(value, f"{where}.{key}")
    required = "t1" if block == "cost" else "cap"
    if required not in params:
        raise _fail(f"{where}.{required}", "is required")
    return params


def _tiers(value: object, field: str) -> tuple[tuple[int, float], ...]:
    if not isinstance(value, list) or not value:
        raise _fail(field, "must be a non-empty list of [min_qty, multiplier] pairs")
    tiers = []
    for index, pair in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise _fail(where, "must be a pair [min_qty, multiplier]")
        tiers.append((_integer(pair[0], where, 0), _number(pair[1], where)))
    return tuple(tiers)


def _per_nation(value: object, field: str, nations: tuple[str, ...]) -> dict[str, Any]:
    data = _mapping(value, field)
    for nation in data:
        if nation not in nations:
            raise _fail(f"{field}.{nation}", "unknown nation (not in nations)")
    return data


def _need_by(value: object, field: str, start: YearMonth) -> int:
    month = _month(value, field)
    offset = start.offset(month)
    if offset < 0:
        raise _fail(field, f"{start.label(offset)} is before start {start.label()}")
    return offset


def _budget(value: object, nations: tuple[str, ...]) -> dict[str, dict[int, Fraction]]:
    result: dict[str, dict[int, Fraction]] = {}
    for nation, years in _per_nation(value, "budget", nations).items():
        field = f"budget.{nation}"
        if not isinstance(years, Mapping):
            raise _fail(field, "must be an object {year: amount}")
        lines: dict[int, Fraction] = {}
        for year, amount in years.items():
            if isinstance(year, bool) or not str(year).isdigit() or len(str(year)) != 4:
                raise _fail(f"{field}.{year}", "year must be a 4-digit number")
            number = _number(amount, f"{field}.{year}")
            lines[int(year)] = (
                Fraction(amount) if isinstance(amount, int) else Fraction(repr(number))
            )
        result[nation] = lines
    return result
