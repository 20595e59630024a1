"""Joiner effect: how every existing member's share of each item changes when a nation joins.

For a candidate nation, each item is allocated twice with the Shapley rule: among the existing
members only, and with the candidate added (its quantity from the scenario). A member's
change is its rounded share after minus before. Every increase is flagged with its cause.

Why a Shapley share can rise: with c(k, q) = (1+s)(F + g*k + V(q)), a member's share is
(1+s)(F/n + g + E[V(q_P + q_i) - V(q_P)]), q_P the quantity of its predecessors in a random
order. A joiner lowers F/n, leaves g alone, and shifts q_P upwards. The expected marginal
cost of V rises only if V is not concave: a price tier (the others reach a discount tier
without the member, so its units no longer bring the discount), or a learning curve with
slope > 1 (unit costs rising with volume). Otherwise the increase is an artefact of rounding
to cents. The cause is found by these tests, in order: rounding (the exact share rose by
less than half a cent), price tiers (the increase disappears when the tiers are flattened;
named precisely when the others' quantity now crosses a tier threshold), learning curve.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from defpact.core.errors import InvalidInput
from defpact.procurement.allocation import Allocation, allocate
from defpact.procurement.cost import CostParams
from defpact.procurement.money import amount, to_cents
from defpact.procurement.scenario import Item, Scenario

__all__ = ["joiner_effect"]


def _existing(scenario: Scenario, nation: str, members: Iterable[str] | None) -> list[str]:
    if nation not in scenario.nations:
        raise InvalidInput(f"unknown nation {nation!r} (not in the scenario)", field="nation")
    chosen = set(scenario.nations if members is None else members) - {nation}
    for member in chosen:
        if member not in scenario.nations:
            raise InvalidInput(f"unknown nation {member!r} (not in the scenario)", field="members")
    return [n for n in scenario.nations if n in chosen]


def _shares(cost: CostParams, item: Item, nations: Sequence[str]) -> Allocation:
    return allocate(cost, {n: item.qty.get(n, 0) for n in nations if n in item.qty})


def _share_of(alloc: Allocation, nation: str) -> tuple[int, float]:
    if nation not in alloc.nations:
        return 0, 0.0
    index = alloc.nations.index(nation)
    return alloc.shares[index], alloc.exact_shares[index]


def _tier_cause(item: Item, nation: str, before: Allocation, after: Allocation, joiner: str) -> str:
    mine = item.qty[nation]
    others_before = before.total_quantity - mine
    others_after = after.total_quantity - mine
    crossed = [t for t in item.cost.tiers if others_before < t[0] <= others_after]
    if crossed:
        min_qty, multiplier = crossed[-1]
        return (
            f"price tier: with {joiner} the other participants reach tier min_qty {min_qty} "
            f"(x{multiplier:g}) without {nation} (their quantity {others_before} -> "
            f"{others_after}), so {nation}'s units no longer earn that discount"
        )
    return (
        f"price tiers: with {joiner} more sub-coalitions reach a price tier without {nation}, "
        f"so {nation}'s units earn less of the tier discount"
    )


def _cause(item: Item, nation: str, before: Allocation, after: Allocation, joiner: str) -> str:
    (_, exact_before), (_, exact_after) = _share_of(before, nation), _share_of(after, nation)
    if to_cents(exact_after - exact_before) <= 0:
        return "rounding to cents: the exact share changes by less than half a cent"
    flat = replace(item.cost, tiers=((1, 1.0),))
    flat_before = _share_of(_shares(flat, item, before.nations), nation)[1]
    flat_after = _share_of(_shares(flat, item, after.nations), nation)[1]
    if len(item.cost.tiers) > 1 and to_cents(flat_after - flat_before) <= 0:
        return _tier_cause(item, nation, before, after, joiner)
    if item.cost.slope > 1:
        return (
            f"learning curve with slope {item.cost.slope:g} > 1: unit costs rise with volume, "
            f"and {joiner}'s units come before {nation}'s in half of all joining orders"
        )
    return "price tiers and learning curve together"


def _item_effect(item: Item, before: Allocation, after: Allocation, nation: str) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for member in before.nations:
        old, new = _share_of(before, member)[0], _share_of(after, member)[0]
        increase = new > old
        changes[member] = {
            "before": amount(old),
            "after": amount(new),
            "change": amount(new - old),
            "increase": increase,
            "cause": _cause(item, member, before, after, nation) if increase else None,
        }
    return {
        "name": item.name,
        "candidate_qty": item.qty.get(nation, 0),
        "joint_cost_before": amount(before.joint_cost),
        "joint_cost_after": amount(after.joint_cost),
        "candidate_share": amount(_share_of(after, nation)[0]),
        "changes": changes,
    }


def joiner_effect(
    scenario: Scenario, nation: str, members: Iterable[str] | None = None
) -> dict[str, Any]:
    """Per item, each existing member's Shapley share before and after ``nation`` joins.

    ``members`` are the existing members (default: every scenario nation but ``nation``).
    Returns ``nation``, ``members``, ``items`` (id -> effect), ``increases`` (the flagged
    increases with their cause) and ``totals`` (member -> before, after, change).
    """
    existing = _existing(scenario, nation, members)
    joined = [n for n in scenario.nations if n in existing or n == nation]
    old, new = dict.fromkeys(existing, 0), dict.fromkeys(existing, 0)
    items: dict[str, Any] = {}
    for item in scenario.items.values():
        before, after = _shares(item.cost, item, existing), _shares(item.cost, item, joined)
        items[item.id] = _item_effect(item, before, after, nation)
        for member in before.nations:
            old[member] += _share_of(before, member)[0]
            new[member] += _share_of(after, member)[0]
    increases = [
        {"item": item_id, "nation": member, "change": change["change"], "cause": change["cause"]}
        for item_id, effect in items.items()
        for member, change in effect["changes"].items()
        if change["increase"]
    ]
    totals = {
        m: {"before": amount(old[m]), "after": amount(new[m]), "change": amount(new[m] - old[m])}
        for m in existing
    }
    return {
        "nation": nation,
        "members": existing,
        "items": items,
        "increases": increases,
        "totals": totals,
    }
