"""The procurement plan of a scenario: per item shares, fairness and schedules, per nation cash.

``build_plan`` returns the report of ``defpact procurement plan`` as plain JSON-ready data:

- ``members``: the nations considered (scenario order; ``members`` restricts them);
- ``items``: id -> costs, shares (Shapley, proportional, saving under the selected rule),
  fairness, signature/award/delivery months individually and jointly, need-by checks;
- ``totals``: nation -> stand-alone cost, joint share (selected rule), saving, saving %;
- ``cash_by_fy_individual`` / ``cash_by_fy_joint``: nation -> year -> payments;
- ``budget_breaches_individual`` / ``budget_breaches_joint``: nation -> [years].

Months are ``YYYY-MM``, money is rounded to cents, percentages to two decimals. Nations not
considered are ignored entirely (no quantity, no place on the production line). Individually
a nation pays its stand-alone cost; jointly its share under the selected rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from typing import Any, TypeVar

from defpact.core.errors import InvalidInput
from defpact.procurement.allocation import Allocation, Rule, allocate
from defpact.procurement.money import amount, to_cents
from defpact.procurement.months import YearMonth
from defpact.procurement.payments import Order, budget_breaches, cash_by_year
from defpact.procurement.scenario import Item, Scenario
from defpact.procurement.schedule import ItemSchedule, schedule_item

__all__ = ["build_plan", "percent", "plan_item", "select_members"]

_T = TypeVar("_T")
Orders = dict[str, list[Order]]


def select_members(scenario: Scenario, members: Iterable[str] | None) -> tuple[str, ...]:
    """The nations considered, in scenario order; ``None`` means all of them."""
    if members is None:
        return scenario.nations
    chosen = set()
    for nation in members:
        if nation not in scenario.nations:
            raise InvalidInput(f"unknown nation {nation!r} (not in the scenario)", field="members")
        chosen.add(nation)
    if not chosen:
        raise InvalidInput("must name at least one nation", field="members")
    return tuple(nation for nation in scenario.nations if nation in chosen)


def percent(part: int, whole: int) -> float:
    """100 * part / whole rounded half up to two decimals (0 when whole is 0)."""
    return amount(to_cents(Fraction(part * 100, whole))) if whole else 0.0


def _in_item(item_id: str, build: Callable[[], _T]) -> _T:
    try:
        return build()
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, field=f"items.{item_id}.{exc.field}") from None


def plan_item(item: Item, nations: Sequence[str], rule: Rule) -> tuple[Allocation, ItemSchedule]:
    """Shares and schedule of one item for the considered ``nations``."""
    quantities = {nation: item.qty.get(nation, 0) for nation in nations}
    schedule = _in_item(item.id, lambda: schedule_item(item.sched, quantities, item.need_by))
    return allocate(item.cost, quantities, rule), schedule


def _money(nations: Sequence[str], cents: Sequence[int]) -> dict[str, float]:
    return {nation: amount(c) for nation, c in zip(nations, cents, strict=True)}


def _costs_entry(item: Item, alloc: Allocation) -> dict[str, Any]:
    nations, alone = alloc.nations, alloc.stand_alone
    sum_alone = sum(alone)
    excess = alloc.core_max_excess
    return {
        "name": item.name,
        "participants": list(nations),
        "qty": dict(zip(nations, alloc.quantities, strict=True)),
        "stand_alone": _money(nations, alone),
        "sum_stand_alone": amount(sum_alone),
        "joint_cost": amount(alloc.joint_cost),
        "savings": amount(sum_alone - alloc.joint_cost),
        "savings_pct": percent(sum_alone - alloc.joint_cost, sum_alone),
        "shapley": _money(nations, alloc.shapley),
        "proportional": _money(nations, alloc.proportional),
        "saving_by_nation": _money(
            nations, [a - s for a, s in zip(alone, alloc.shares, strict=True)]
        ),
        "individually_rational": alloc.individually_rational,
        "core_max_excess": None if excess is None else amount(to_cents(excess)),
        "in_core": alloc.in_core,
        "blocking_coalition": None if alloc.in_core else list(alloc.blocking),
    }


def _schedule_entry(
    item: Item, nations: Sequence[str], sched: ItemSchedule, start: YearMonth
) -> dict[str, Any]:
    individual, joint = sched.delivery_individual, sched.delivery_joint
    need_by = {n: item.need_by[n] for n in nations if n in item.need_by}
    return {
        "signature_individual": start.label(sched.signature_individual),
        "signature_joint": start.label(sched.signature_joint),
        "award_individual": {n: start.label(m) for n, m in sched.award_individual.items()},
        "award_joint": None if sched.award_joint is None else start.label(sched.award_joint),
        "delivery_individual": {
            n: [start.label(a), start.label(b)] for n, (a, b) in individual.items()
        },
        "delivery_joint": {n: [start.label(a), start.label(b)] for n, (a, b) in joint.items()},
        "need_by": {n: start.label(m) for n, m in need_by.items()},
        "meets_need_by_individual": {n: individual[n][1] <= m for n, m in need_by.items()},
        "meets_need_by_joint": {n: joint[n][1] <= m for n, m in need_by.items()},
        "months_gained_by_joint": {n: individual[n][1] - joint[n][1] for n in nations},
    }


def _add_orders(alloc: Allocation, sched: ItemSchedule, alone: Orders, jointly: Orders) -> None:
    for nation, cost, share in zip(alloc.nations, alloc.stand_alone, alloc.shares, strict=True):
        award, (_, last) = sched.award_individual[nation], sched.delivery_individual[nation]
        alone[nation].append(Order(cost, sched.signature_individual, award, last))
        if sched.award_joint is not None:
            last_joint = sched.delivery_joint[nation][1]
            jointly[nation].append(
                Order(share, sched.signature_joint, sched.award_joint, last_joint)
            )


def _totals(allocs: Iterable[Allocation], members: Sequence[str]) -> dict[str, Any]:
    alone = dict.fromkeys(members, 0)
    shares = dict.fromkeys(members, 0)
    for alloc in allocs:
        for nation, cost, share in zip(alloc.nations, alloc.stand_alone, alloc.shares, strict=True):
            alone[nation] += cost
            shares[nation] += share
    return {
        nation: {
            "stand_alone": amount(alone[nation]),
            "joint_share": amount(shares[nation]),
            "saving": amount(alone[nation] - shares[nation]),
            "saving_pct": percent(alone[nation] - shares[nation], alone[nation]),
        }
        for nation in members
    }


def _cash(scenario: Scenario, orders: Orders) -> tuple[dict[str, Any], dict[str, list[int]]]:
    cash: dict[str, Any] = {}
    breaches: dict[str, list[int]] = {}
    for nation, nation_orders in orders.items():
        by_year = cash_by_year(nation_orders, scenario.start)
        cash[nation] = {str(year): amount(cents) for year, cents in by_year.items()}
        breaches[nation] = budget_breaches(by_year, scenario.budget.get(nation, {}))
    return cash, breaches


def build_plan(
    scenario: Scenario, members: Iterable[str] | None = None, rule: Rule = "shapley"
) -> dict[str, Any]:
    """The full plan report (see the module docstring and docs/procurement.md)."""
    nations = select_members(scenario, members)
    alone: Orders = {nation: [] for nation in nations}
    jointly: Orders = {nation: [] for nation in nations}
    items: dict[str, Any] = {}
    allocs = []
    for item in scenario.items.values():
        alloc, sched = plan_item(item, nations, rule)
        allocs.append(alloc)
        items[item.id] = _costs_entry(item, alloc) | _schedule_entry(
            item, alloc.nations, sched, scenario.start
        )
        _add_orders(alloc, sched, alone, jointly)
    cash_alone, breaches_alone = _cash(scenario, alone)
    cash_joint, breaches_joint = _cash(scenario, jointly)
    return {
        "members": list(nations),
        "items": items,
        "totals": _totals(allocs, nations),
        "cash_by_fy_individual": cash_alone,
        "cash_by_fy_joint": cash_joint,
        "budget_breaches_individual": breaches_alone,
        "budget_breaches_joint": breaches_joint,
    }
