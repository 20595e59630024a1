"""A nation's whole procurement portfolio: cash by fiscal year buying alone vs jointly.

``build_plan`` treats every item as a joint order of its participants, even an item that only
one nation wants. For a ministry's budget view that is not what "buying jointly" means: an
item wanted by a single nation is simply bought alone. ``portfolio_cash`` therefore composes
the per-item plans (``plan_item``) as follows:

- individually, every nation pays the stand-alone cost of each item it wants, on the
  individual schedule (exactly as ``build_plan``);
- jointly, an item with two or more participants is one joint order (each pays its share of
  the selected rule on the joint schedule), and an item with one participant stays an
  individual order.

Payments follow ``payments`` (20 % at LOA signature, 80 % spread from award to last delivery),
summed by fiscal year and compared with the budget. An item whose simulation cannot finish is
left out of the sums and reported under ``skipped`` with the reason.
"""

from __future__ import annotations

from typing import Any

from defpact.core.errors import InvalidInput
from defpact.procurement.allocation import Rule
from defpact.procurement.money import amount
from defpact.procurement.payments import Order, budget_breaches, cash_by_year
from defpact.procurement.plan import plan_item
from defpact.procurement.scenario import Scenario

__all__ = ["portfolio_cash"]


def _orders(
    scenario: Scenario, rule: Rule
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    alone: dict[str, list[Order]] = {n: [] for n in scenario.nations}
    jointly: dict[str, list[Order]] = {n: [] for n in scenario.nations}
    skipped: dict[str, str] = {}
    for item in scenario.items.values():
        try:
            alloc, sched = plan_item(item, scenario.nations, rule)
        except InvalidInput as exc:
            skipped[item.id] = f"{exc.field}: {exc.detail}" if exc.field else exc.detail
            continue
        joint = len(alloc.nations) >= 2
        for nation, cost, share in zip(alloc.nations, alloc.stand_alone, alloc.shares, strict=True):
            last = sched.delivery_individual[nation][1]
            own = Order(cost, sched.signature_individual, sched.award_individual[nation], last)
            alone[nation].append(own)
            if joint and sched.award_joint is not None:
                last_joint = sched.delivery_joint[nation][1]
                jointly[nation].append(
                    Order(share, sched.signature_joint, sched.award_joint, last_joint)
                )
            else:
                jointly[nation].append(own)
    return alone, jointly, skipped


def portfolio_cash(scenario: Scenario, rule: Rule = "shapley") -> dict[str, Any]:
    """Per nation: cash by year alone and jointly, its budget and the breach years.

    Returns ``{"nations": {nation: {"individual": {year: amount}, "joint": {...},
    "budget": {year: amount}, "breaches_individual": [years], "breaches_joint": [years]}},
    "skipped": {item: reason}}``; years are integers, money is rounded to cents.
    """
    alone, jointly, skipped = _orders(scenario, rule)
    nations: dict[str, Any] = {}
    for nation in scenario.nations:
        individual = cash_by_year(alone[nation], scenario.start)
        joint = cash_by_year(jointly[nation], scenario.start)
        budget = scenario.budget.get(nation, {})
        nations[nation] = {
            "individual": {year: amount(c) for year, c in individual.items()},
            "joint": {year: amount(c) for year, c in joint.items()},
            "budget": {year: float(value) for year, value in sorted(budget.items())},
            "breaches_individual": budget_breaches(individual, budget),
            "breaches_joint": budget_breaches(joint, budget),
        }
    return {"nations": nations, "skipped": skipped}
