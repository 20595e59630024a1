"""Validation of what users store (catalogue entries, requirements, budget lines) and the
assembly of stored records into a scenario document that ``parse_scenario`` reads.

A catalogue entry is validated by the scenario parser itself (one item in a one-nation
scenario), so the platform accepts exactly what scenario files accept, with the same messages;
the field is reported relative to the entry (``cost.tiers``, ``sched.cap``). The platform adds
two rules: the key is a short slug (it is the item id in exported scenarios), and a production
line makes at least one unit a month (``sched.cap >= 1``), so that no requirement can make a
plan impossible to simulate. Stored parameters are normalised (every field present).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from defpact.core.errors import InvalidInput
from defpact.procurement.cost import MAX_TOTAL_QUANTITY
from defpact.procurement.months import YearMonth, parse_month
from defpact.procurement.scenario import CHANNELS, Item, parse_scenario

__all__ = [
    "KEY_PATTERN",
    "MAX_BUDGET",
    "NeedRow",
    "check_amount",
    "check_key",
    "check_need_by",
    "check_quantity",
    "check_year",
    "normalise_entry",
    "params_of",
    "scenario_document",
]

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
MAX_BUDGET = 10**13  # currency units per year (10 trillion): far above any national budget
# Platform bounds (far beyond real values) so that no stored figure can overflow a plan.
_LIMITS: dict[str, float] = {
    "cost.t1": 1e12, "cost.fixed_order": 1e12, "cost.per_nation": 1e12, "cost.slope": 4.0,
    "cost.surcharge": 10.0, "cost.c0": 1e9, "sched.T_loa": 600, "sched.joint_extra": 600,
    "sched.T_accept": 600, "sched.lead": 600, "sched.cap": 1e6, "sched.backlog": 1e7,
    "sched.moq": 1e7, "sched.lot_cycle": 120,
}  # fmt: skip


def check_key(key: str, field: str = "key") -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidInput(
            f"{key!r} is not a valid item key: 1 to 40 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit",
            field=field,
        )
    return key


def _relative(exc: InvalidInput, key: str) -> InvalidInput:
    field = exc.field or ""
    prefix = f"items.{key}."
    return InvalidInput(exc.detail, field=field.removeprefix(prefix))


def params_of(item: Item) -> tuple[dict[str, Any], dict[str, Any]]:
    """The full cost and schedule parameters of a parsed item, in the scenario-file format."""
    cost, sched = item.cost, item.sched
    cost_doc = {
        "t1": cost.t1,
        "slope": cost.slope,
        "c0": cost.c0,
        "tiers": [[q, m] for q, m in cost.tiers],
        "fixed_order": cost.fixed_order,
        "per_nation": cost.per_nation,
        "surcharge": cost.surcharge,
    }
    sched_doc = {
        "T_loa": sched.t_loa,
        "joint_extra": sched.joint_extra,
        "T_accept": sched.t_accept,
        "lead": sched.lead,
        "cap": sched.cap,
        "backlog": sched.backlog,
        "moq": sched.moq,
        "lot_cycle": sched.lot_cycle,
    }
    return cost_doc, sched_doc


def normalise_entry(
    key: str, name: str, channel: str, cost: Mapping[str, Any], sched: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validated, complete (cost, sched) of a catalogue entry; InvalidInput names the field."""
    check_key(key)
    if not 1 <= len(name.strip()) <= 200:
        raise InvalidInput("must be 1 to 200 characters", field="name")
    if channel not in CHANNELS:
        raise InvalidInput(
            f"must be one of {', '.join(CHANNELS)}, got {channel!r}", field="channel"
        )
    document = {
        "nations": ["XX"],
        "items": {
            key: {"name": name, "channel": channel, "cost": dict(cost), "sched": dict(sched)}
        },
    }
    try:
        item = parse_scenario(document).items[key]
    except InvalidInput as exc:
        raise _relative(exc, key) from None
    cost, sched = params_of(item)
    _check_limits(cost, sched)
    if item.sched.cap < 1:
        raise InvalidInput(
            "must be at least 1 unit a month on the platform (a line that makes nothing can "
            "never deliver)",
            field="sched.cap",
        )
    return cost, sched


def _check_limits(cost: dict[str, Any], sched: dict[str, Any]) -> None:
    values = {f"cost.{k}": v for k, v in cost.items() if k != "tiers"}
    values |= {f"sched.{k}": v for k, v in sched.items()}
    for field, limit in _LIMITS.items():
        if values[field] > limit:
            raise InvalidInput(f"must be at most {limit:g}", field=field)
    for index, (min_qty, multiplier) in enumerate(cost["tiers"]):
        if min_qty > 1e9 or multiplier > 100:
            raise InvalidInput(
                "min_qty must be at most 1e9 and the multiplier at most 100",
                field=f"cost.tiers[{index}]",
            )


def check_quantity(quantity: int, field: str = "quantity") -> int:
    if quantity < 0:
        raise InvalidInput(f"must not be negative, got {quantity}", field=field)
    if quantity == 0:
        raise InvalidInput(
            "must be at least 1 (withdraw the requirement instead of setting 0)", field=field
        )
    if quantity > MAX_TOTAL_QUANTITY:
        raise InvalidInput(f"must be at most {MAX_TOTAL_QUANTITY} units", field=field)
    return quantity


def check_need_by(text: str, start: str, field: str = "need_by") -> str:
    """A ``YYYY-MM`` month not before ``start``."""
    try:
        month = parse_month(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field) from None
    first = parse_month(start)
    if first.offset(month) < 0:
        raise InvalidInput(f"{text} is before the planning start {start}", field=field)
    if first.offset(month) > 1200:
        raise InvalidInput(f"{text} is more than 100 years after {start}", field=field)
    return text


def check_year(year: int, field: str = "year") -> int:
    if not 2000 <= year <= 2100:
        raise InvalidInput(f"must be a fiscal year between 2000 and 2100, got {year}", field=field)
    return year


def check_amount(value: float, field: str = "amount") -> int:
    """A money amount >= 0 as integer cents."""
    if not value >= 0 or value > MAX_BUDGET:
        raise InvalidInput(f"must be a number between 0 and {MAX_BUDGET:,}", field=field)
    return round(value * 100)


@dataclass(frozen=True, slots=True)
class NeedRow:
    """One nation's requirement as the scenario sees it."""

    nation: str
    item: str
    quantity: int
    need_by: str


def _amount(cents: int) -> int | float:
    return cents // 100 if cents % 100 == 0 else cents / 100


def scenario_document(
    start: YearMonth | str,
    nations: Iterable[str],
    catalogue: Iterable[tuple[str, str, str, Mapping[str, Any], Mapping[str, Any]]],
    needs: Iterable[NeedRow],
    budgets: Iterable[tuple[str, int, int]],
) -> dict[str, Any]:
    """A scenario document (the file format) from catalogue entries (key, name, channel, cost,
    sched), requirements and budget lines (nation, year, cents)."""
    label = start if isinstance(start, str) else start.label()
    items: dict[str, Any] = {
        key: {
            "name": name,
            "channel": channel,
            "cost": dict(cost),
            "sched": dict(sched),
            "qty": {},
            "need_by": {},
        }
        for key, name, channel, cost, sched in catalogue
    }
    for need in needs:
        items[need.item]["qty"][need.nation] = need.quantity
        items[need.item]["need_by"][need.nation] = need.need_by
    budget: dict[str, dict[str, int | float]] = {}
    for nation, year, cents in budgets:
        budget.setdefault(nation, {})[str(year)] = _amount(cents)
    return {"start": label, "nations": list(nations), "items": items, "budget": budget}
