"""Live plans computed from what the caller may see: opportunities, item plans, cash against
budget, the what-if of a joining nation, and the scenario export.

Every figure here is computed from one scenario assembled from the catalogue and the
requirements and budget lines *visible to the caller* (``visible_to``), never from anything
else: a requirement a nation may not read changes none of its totals, shares, delivery months
or participant lists, so no aggregate can leak it. The nation order (every tie) is the
membership order (``queries.nation_order``). Month 0 is ``PLANNING_START``.

- ``opportunities``: every catalogue item wanted by two or more visible nations, with its plan
  entry from ``build_plan`` (joint cost, savings, shares per nation, deliveries alone and
  jointly, months gained, negative when the joint order is slower), best savings first.
- ``item_plan``: the same entry for one item (also with fewer than two participants).
- ``cash_overview``: ``portfolio_cash`` per visible nation; a nation without any visible budget
  line gets ``budget`` and breaches ``None`` (unknown, not zero).
- ``what_if``: ``joiner_effect`` for a candidate nation with the quantities it would order,
  replacing any requirement of its own.
- ``export_scenario``: the scenario document itself (the file format of docs/procurement.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from defpact.core.errors import InvalidInput, NotFound
from defpact.core.identity import Principal
from defpact.core.service import require_nation
from defpact.core.uow import UnitOfWork
from defpact.procurement.allocation import RULES, Rule
from defpact.procurement.catalogue import NeedRow, scenario_document
from defpact.procurement.cost import MAX_TOTAL_QUANTITY
from defpact.procurement.joiner import joiner_effect
from defpact.procurement.plan import build_plan
from defpact.procurement.portfolio import portfolio_cash
from defpact.procurement.queries import (
    catalogue_item_of,
    catalogue_rows,
    nation_order,
    visible_budget_lines,
    visible_requirements,
)
from defpact.procurement.records import PLANNING_START, CatalogueItem
from defpact.procurement.scenario import Item, Scenario, parse_scenario

__all__ = [
    "ItemPlan",
    "Opportunity",
    "cash_overview",
    "check_rule",
    "export_scenario",
    "item_plan",
    "opportunities",
    "what_if",
]


@dataclass(frozen=True, slots=True)
class Opportunity:
    item: CatalogueItem
    rule: str
    plan: dict[str, Any] | None  # the build_plan entry; None when it cannot be computed
    error: str | None


@dataclass(frozen=True, slots=True)
class ItemPlan:
    item: CatalogueItem
    start: str
    rule: str
    plan: dict[str, Any] | None
    error: str | None


@dataclass(frozen=True, slots=True)
class _Visible:
    document: dict[str, Any]
    scenario: Scenario
    budget_nations: frozenset[str]
    catalogue: dict[str, CatalogueItem]


def check_rule(rule: str) -> Rule:
    if rule not in RULES:
        raise InvalidInput(f"must be one of {', '.join(RULES)}, got {rule!r}", field="rule")
    return rule  # type: ignore[return-value]


def _visible(session: Session, principal: Principal) -> _Visible:
    catalogue = catalogue_rows(session)
    needs = session.execute(visible_requirements(session, principal)).all()
    budgets = session.scalars(visible_budget_lines(session, principal)).all()
    nations = {r.originator for r, _ in needs} | {b.originator for b in budgets}
    document = scenario_document(
        PLANNING_START,
        nation_order(session, nations) or [principal.nation],
        [(c.key, c.name, c.channel, c.cost, c.sched) for c in catalogue],
        [NeedRow(r.originator, i.key, r.quantity, r.need_by) for r, i in needs],
        [(b.originator, b.year, b.amount_cents) for b in budgets],
    )
    return _Visible(
        document=document,
        scenario=parse_scenario(document),
        budget_nations=frozenset(b.originator for b in budgets),
        catalogue={c.key: catalogue_item_of(c) for c in catalogue},
    )


def _entry(scenario: Scenario, item: Item, rule: Rule) -> tuple[dict[str, Any] | None, str | None]:
    single = replace(scenario, items={item.id: item}, budget={})
    try:
        return build_plan(single, rule=rule)["items"][item.id], None
    except InvalidInput as exc:
        field = (exc.field or "").removeprefix(f"items.{item.id}.")
        return None, f"{field}: {exc.detail}" if field else exc.detail


def _participants(scenario: Scenario, item: Item) -> int:
    return sum(1 for nation in scenario.nations if item.qty.get(nation, 0) > 0)


def opportunities(
    uow: UnitOfWork, principal: Principal, rule: str = "shapley"
) -> list[Opportunity]:
    """Items wanted by 2+ nations visible to the principal, largest savings first."""
    chosen = check_rule(rule)
    with uow:
        visible = _visible(uow.session, principal)
    found = []
    for item in visible.scenario.items.values():
        if _participants(visible.scenario, item) >= 2:
            plan, error = _entry(visible.scenario, item, chosen)
            found.append(Opportunity(visible.catalogue[item.id], chosen, plan, error))
    return sorted(found, key=lambda o: (-(o.plan or {}).get("savings", 0.0), o.item.name))


def item_plan(uow: UnitOfWork, principal: Principal, key: str, rule: str = "shapley") -> ItemPlan:
    chosen = check_rule(rule)
    with uow:
        visible = _visible(uow.session, principal)
    item = visible.scenario.items.get(key)
    if item is None:
        raise NotFound(f"no catalogue item {key!r}")
    plan, error = _entry(visible.scenario, item, chosen)
    start = visible.scenario.start.label()
    return ItemPlan(visible.catalogue[key], start, chosen, plan, error)


def cash_overview(uow: UnitOfWork, principal: Principal, rule: str = "shapley") -> dict[str, Any]:
    """``portfolio_cash`` over the visible scenario; budgets only where a line is visible."""
    chosen = check_rule(rule)
    with uow:
        visible = _visible(uow.session, principal)
    report = portfolio_cash(visible.scenario, chosen)
    for nation, entry in report["nations"].items():
        if nation not in visible.budget_nations:
            entry["budget"] = entry["breaches_individual"] = entry["breaches_joint"] = None
    report["start"] = visible.scenario.start.label()
    report["rule"] = chosen
    return report


def _candidate_items(
    document: dict[str, Any], nation: str, quantities: Mapping[str, int]
) -> dict[str, Any]:
    items: dict[str, Any] = {}
    for key, quantity in quantities.items():
        if key not in document["items"]:
            raise InvalidInput(f"unknown catalogue item {key!r}", field=f"qty.{key}")
        if not 0 <= quantity <= MAX_TOTAL_QUANTITY:
            raise InvalidInput(
                f"must be between 0 and {MAX_TOTAL_QUANTITY}, got {quantity}", field=f"qty.{key}"
            )
        if quantity == 0:
            continue
        entry = document["items"][key]
        entry["qty"] = {n: q for n, q in entry["qty"].items() if n != nation} | {nation: quantity}
        entry["need_by"] = {n: m for n, m in entry["need_by"].items() if n != nation}
        items[key] = entry
    if not items:
        raise InvalidInput("give the candidate a quantity > 0 for at least one item", field="qty")
    return items


def what_if(
    uow: UnitOfWork, principal: Principal, nation: str, quantities: Mapping[str, int]
) -> dict[str, Any]:
    """How each visible participant's Shapley share changes if ``nation`` orders ``quantities``.

    The candidate's own visible requirements (if any) are replaced by ``quantities``; only
    items with a candidate quantity > 0 are reported (``joiner_effect`` format).
    """
    code = require_nation(nation)
    with uow:
        visible = _visible(uow.session, principal)
        document = visible.document
        document["items"] = _candidate_items(document, code, quantities)
        document["nations"] = nation_order(uow.session, {*document["nations"], code})
    document["budget"] = {}
    return joiner_effect(parse_scenario(document), code)


def export_scenario(uow: UnitOfWork, principal: Principal) -> dict[str, Any]:
    """The catalogue and the visible requirements and budgets as a scenario document."""
    with uow:
        return _visible(uow.session, principal).document
