"""Procurement services on SQLite and PostgreSQL: catalogue, requirements, budgets, the leak
rule on requirements and every aggregate built from them, import/export and the demo seed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from defpact.core.audit import AuditEventRow
from defpact.core.context import Actor
from defpact.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance, Principal
from defpact.core.marking import PACT, TLP, Marking
from defpact.core.runtime import Node
from defpact.core.sessions import principal_of
from defpact.core.store import UserRepository
from defpact.procurement import (
    budget_service,
    catalogue_service,
    planning_service,
    requirement_service,
    transfer_service,
)
from defpact.procurement.budget_service import BudgetChange, store_budget_line
from defpact.procurement.catalogue_service import CatalogueDraft, save_catalogue_entry
from defpact.procurement.plan import build_plan
from defpact.procurement.requirement_service import RequirementChange, store_requirement
from defpact.procurement.scenario import parse_scenario
from defpact.procurement.seed import DEMO_REQUIREMENTS, seed_procurement_demo
from defpact.procurement.store import CatalogueItemRow, RequirementRow

RADAR_COST = {
    "t1": 1_000_000,
    "tiers": [[1, 1.0], [8, 0.9]],
    "fixed_order": 200_000,
    "per_nation": 50_000,
    "surcharge": 0.032,
}
RADAR_SCHED = {
    "T_loa": 3,
    "joint_extra": 1,
    "T_accept": 1,
    "lead": 4,
    "cap": 2,
    "backlog": 2,
    "moq": 5,
    "lot_cycle": 3,
}
ATGM_COST = {"t1": 150_000, "slope": 0.95, "fixed_order": 300_000, "per_nation": 20_000}
ATGM_SCHED = {"T_loa": 2, "T_accept": 1, "lead": 6, "cap": 30}


def _who(node: Node, username: str) -> Principal:
    with node.uow() as uow:
        row = UserRepository(uow.session).by_username(username)
        assert row is not None
        return principal_of(row)


def _as(node: Node, username: str) -> Actor:
    return Actor.of(_who(node, username))


def _marking(nation: str, **marking: Any) -> Marking:
    return Marking(
        nation,
        marking.get("classification", Clearance.UNCLASSIFIED),
        frozenset(marking.get("release", {PACT})),
        marking.get("tlp", TLP.GREEN),
    )


def _need(node: Node, username: str, item: str, quantity: int, need_by: str, **marking: Any) -> int:
    principal = _who(node, username)
    change = RequirementChange(quantity, need_by, "", _marking(principal.nation, **marking))
    return requirement_service.create_requirement(node.uow(), Actor.of(principal), item, change).id


_NEEDS: tuple[tuple[str, str, int, str, dict[str, Any]], ...] = (
    ("xk.procurement", "radar", 4, "2027-06", {}),
    ("al.procurement", "radar", 6, "2027-09", {}),
    ("hr.procurement", "radar", 3, "2027-03", {"release": {"AL"}}),
    ("xk.procurement", "atgm", 40, "2027-12", {}),
    ("al.procurement", "atgm", 50, "2027-12", {"classification": Clearance.CONFIDENTIAL}),
)


@pytest.fixture
def market(node: Node) -> Node:
    """radar: XK 4, AL 6 (PACT), HR 3 (released to AL only); atgm: XK 40 (PACT), AL 50
    (CONFIDENTIAL, PACT); budgets: XK 2026 (PACT), HR 2026 (released to AL only).
    Stored through the services' store functions in one transaction (a fast set-up)."""
    with node.uow() as uow:
        session, rows = uow.session, {}
        users = UserRepository(session)
        for key, cost, sched in (
            ("radar", RADAR_COST, RADAR_SCHED),
            ("atgm", ATGM_COST, ATGM_SCHED),
        ):
            draft = CatalogueDraft(key, key.upper(), "FMS", cost, sched)
            rows[key], _ = save_catalogue_entry(session, Actor.console(), draft, None)
        for user, key, quantity, need_by, marking in _NEEDS:
            who = principal_of(users.by_username(user))  # type: ignore[arg-type]
            change = RequirementChange(quantity, need_by, "", _marking(who.nation, **marking))
            store_requirement(session, Actor.of(who), rows[key], who.nation, change, None)
        for user, release in (("xk.procurement", {PACT}), ("hr.procurement", {"AL"})):
            who = principal_of(users.by_username(user))  # type: ignore[arg-type]
            line = BudgetChange(9_000_000, "", _marking(who.nation, release=release))
            store_budget_line(session, Actor.of(who), who.nation, 2026, line, None)
        uow.commit()
    return node


def _visible_plan(quantities: dict[str, int], need_by: dict[str, str]) -> dict[str, Any]:
    """The plan entry of the radar computed from exactly these requirements."""
    document = {
        "nations": list(quantities),
        "items": {
            "radar": {
                "name": "RADAR",
                "cost": RADAR_COST,
                "sched": RADAR_SCHED,
                "qty": quantities,
                "need_by": need_by,
            }
        },
    }
    return build_plan(parse_scenario(document))["items"]["radar"]


def test_requirements_are_listed_only_where_released(market: Node) -> None:
    def seen(user: str) -> set[tuple[str, str]]:
        found = requirement_service.list_requirements(market.uow(), _who(market, user))
        return {(r.item, r.marking.originator) for r in found}

    assert seen("xk.procurement") == {("radar", "XK"), ("radar", "AL"), ("atgm", "XK")}
    assert seen("al.procurement") >= {("radar", "HR")}
    assert ("atgm", "AL") not in seen("hr.procurement")  # CONFIDENTIAL, HR user RESTRICTED
    assert ("atgm", "AL") in seen("hr.approver")  # CONFIDENTIAL clearance
    assert ("radar", "HR") not in seen("xk.approver")
    hidden = requirement_service.list_requirements(
        market.uow(), _who(market, "al.procurement"), nation="HR"
    )[0]
    xk = _who(market, "xk.procurement")
    with pytest.raises(NotFound) as seen:
        requirement_service.get_requirement(market.uow(), xk, hidden.id)
    with pytest.raises(NotFound) as missing:
        requirement_service.get_requirement(market.uow(), xk, 99_999)
    assert seen.value.detail.replace(str(hidden.id), "N") == missing.value.detail.replace(
        "99999", "N"
    )


def test_every_aggregate_equals_the_plan_of_visible_requirements_only(market: Node) -> None:
    """Opportunities, cash, what-if and export: as if hidden requirements did not exist."""
    xk_view = planning_service.opportunities(market.uow(), _who(market, "xk.procurement"))
    assert [o.item.key for o in xk_view] == ["radar"]  # atgm: AL's is CONFIDENTIAL
    expected = _visible_plan({"XK": 4, "AL": 6}, {"XK": "2027-06", "AL": "2027-09"})
    assert xk_view[0].plan == expected
    al_view = planning_service.opportunities(market.uow(), _who(market, "al.procurement"))
    radar = next(o for o in al_view if o.item.key == "radar")
    assert radar.plan is not None and radar.plan["participants"] == ["XK", "AL", "HR"]
    assert radar.plan["joint_cost"] > expected["joint_cost"]
    approver = planning_service.opportunities(market.uow(), _who(market, "xk.approver"))
    assert {o.item.key for o in approver} == {"radar", "atgm"}
    xk = _who(market, "xk.procurement")
    cash = planning_service.cash_overview(market.uow(), xk)
    assert set(cash["nations"]) == {"XK", "AL"}
    assert cash["nations"]["XK"]["budget"] == {2026: 9_000_000.0}
    assert cash["nations"]["AL"]["budget"] is None  # no AL budget line visible: unknown, not 0
    effect = planning_service.what_if(market.uow(), xk, "MK", {"radar": 2})
    assert effect["members"] == ["XK", "AL"]
    document = planning_service.export_scenario(market.uow(), xk)
    assert "HR" not in document["nations"] and "HR" not in document["budget"]
    assert build_plan(parse_scenario(document))["items"]["radar"]["qty"] == {"XK": 4, "AL": 6}
    al_doc = planning_service.export_scenario(market.uow(), _who(market, "al.procurement"))
    assert al_doc["budget"]["HR"] == {"2026": 9_000_000}


def test_only_the_originating_procurement_users_change_a_requirement(market: Node) -> None:
    mine = requirement_service.list_requirements(
        market.uow(), _who(market, "xk.procurement"), nation="XK", item="radar"
    )[0]
    change = RequirementChange(5, "2027-06", "", mine.marking)
    with pytest.raises(NotFound):
        requirement_service.update_requirement(
            market.uow(), _as(market, "al.procurement"), mine.id, change, mine.version
        )
    with pytest.raises(PermissionDenied):
        requirement_service.withdraw_requirement(market.uow(), _as(market, "xk.analyst"), mine.id)
    updated = requirement_service.update_requirement(
        market.uow(), _as(market, "xk.procurement"), mine.id, change, mine.version
    )
    assert updated.quantity == 5 and updated.version == mine.version + 1
    with pytest.raises(Conflict, match="version"):
        requirement_service.update_requirement(
            market.uow(), _as(market, "xk.procurement"), mine.id, change, mine.version
        )
    requirement_service.withdraw_requirement(market.uow(), _as(market, "xk.procurement"), mine.id)
    view = planning_service.opportunities(market.uow(), _who(market, "al.procurement"))
    radar = next(o for o in view if o.item.key == "radar")
    assert radar.plan is not None and radar.plan["participants"] == ["AL", "HR"]


def _counts(node: Node) -> tuple[int, int, int]:
    with node.uow() as uow:
        return (
            int(uow.session.scalar(select(func.count()).select_from(CatalogueItemRow)) or 0),
            int(uow.session.scalar(select(func.count()).select_from(RequirementRow)) or 0),
            int(uow.session.scalar(select(func.count()).select_from(AuditEventRow)) or 0),
        )


def test_bad_input_names_the_field_and_stores_nothing(market: Node) -> None:
    """Requirements, catalogue entries and scenario imports: 422 naming the field."""
    before = _counts(market)
    for item, quantity, need_by, field in (
        ("radar", -2, "2027-01", "quantity"),
        ("radar", 2, "2025-12", "need_by"),
        ("radar", 2, "2027-13", "need_by"),
        ("sonar", 2, "2027-01", "item"),
    ):
        with pytest.raises(InvalidInput) as error:
            _need(market, "hr.procurement", item, quantity, need_by)
        assert error.value.field == field
    actor = _as(market, "hr.procurement")
    for cost, field in (
        ({"t1": 10, "tiers": [[2, 1.0]]}, "cost.tiers"),
        ({"t1": 10, "tiers": [[1, 1.0], [1, 0.9]]}, "cost.tiers"),
        ({"t1": -10}, "cost.t1"),
    ):
        with pytest.raises(InvalidInput) as error:
            catalogue_service.create_catalogue_item(
                market.uow(), actor, CatalogueDraft("gun", "Gun", "FMS", cost, {"cap": 1})
            )
        assert error.value.field == field
    with pytest.raises(InvalidInput) as unknown:
        _need(market, "hr.procurement", "atgm", 3, "2027-01", release={"ZZ"})
    assert unknown.value.field == "releasable_to"
    with pytest.raises(PermissionDenied):
        catalogue_service.create_catalogue_item(
            market.uow(),
            _as(market, "hr.analyst"),
            CatalogueDraft("gun", "Gun", "FMS", {"t1": 1}, {"cap": 1}),
        )
    for document, field in (
        (_scenario(nations=["XK", "AL", "HR", "ZZ"]), "nations[3]"),
        (
            _scenario(items={"gun": {"cost": {"t1": 1, "tiers": [[0, 1.0]]}, "sched": {"cap": 1}}}),
            "items.gun.cost.tiers",
        ),
        (
            _scenario(
                items={
                    "gun": {
                        "cost": {"t1": 1},
                        "sched": {"cap": 1},
                        "qty": {"XK": 1},
                        "need_by": {"XK": "2025-01"},
                    }
                }
            ),
            "items.gun.need_by.XK",
        ),
        (
            _scenario(items={"gun": {"cost": {"t1": 1}, "sched": {"cap": 1}, "qty": {"XK": -1}}}),
            "items.gun.qty.XK",
        ),
        (_scenario(items={"Big Gun": {"cost": {"t1": 1}, "sched": {"cap": 1}}}), "items.Big Gun"),
    ):
        with pytest.raises(InvalidInput) as error:
            transfer_service.import_scenario(market.uow(), _as(market, "xk.procurement"), document)
        assert error.value.field == field
    assert _counts(market) == before


def test_catalogue_changes_are_audited_and_versioned(market: Node) -> None:
    actor = _as(market, "al.procurement")
    item = catalogue_service.get_catalogue_item(market.uow(), "atgm")
    draft = CatalogueDraft("atgm", "ATGM", "FMS", {**item.cost, "t1": 160_000}, item.sched)
    updated = catalogue_service.update_catalogue_item(market.uow(), actor, "atgm", draft, 1)
    assert updated.cost["t1"] == 160_000 and updated.version == 2
    with pytest.raises(Conflict):
        catalogue_service.update_catalogue_item(market.uow(), actor, "atgm", draft, 1)
    with market.uow() as uow:
        event = uow.session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "procurement_catalogue.update")
        ).one()
        assert event.actor_name == "al.procurement"
        assert event.before and event.before["cost"]["t1"] == 150_000
        assert event.after and event.after["cost"]["t1"] == 160_000


def _scenario(**overrides: Any) -> dict[str, Any]:
    document = {
        "start": "2026-01",
        "nations": ["XK", "AL", "HR"],
        "items": {
            "radar": {
                "name": "RADAR",
                "cost": RADAR_COST,
                "sched": RADAR_SCHED,
                "qty": {"XK": 7, "AL": 2},
                "need_by": {"XK": "2027-01", "AL": "2027-02"},
            },
            "mortar": {
                "name": "Mortar",
                "channel": "EDA",
                "cost": {"t1": 90_000},
                "sched": {"cap": 10},
                "qty": {"XK": 12, "HR": 5},
                "need_by": {"XK": "2026-12", "HR": "2027-01"},
            },
        },
        "budget": {"XK": {"2027": 12_500_000.5}, "HR": {"2027": 1_000_000}},
    }
    document.update(overrides)
    return document


def test_import_stores_catalogue_and_only_the_callers_nation(market: Node) -> None:
    report = transfer_service.import_scenario(
        market.uow(), _as(market, "xk.procurement"), _scenario()
    )
    assert report.catalogue_created == ["mortar"] and report.catalogue_unchanged == ["radar"]
    assert report.requirements_updated == ["radar"] and report.requirements_created == ["mortar"]
    assert report.budget_years_created == [2027] and report.ignored_nations == ["AL", "HR"]
    xk = _who(market, "xk.procurement")
    mine = requirement_service.list_requirements(market.uow(), xk, nation="XK")
    assert {(r.item, r.quantity, r.need_by) for r in mine} == {
        ("radar", 7, "2027-01"),
        ("atgm", 40, "2027-12"),
        ("mortar", 12, "2026-12"),
    }
    al = requirement_service.list_requirements(market.uow(), xk, nation="AL", item="radar")
    assert al[0].quantity == 6  # the file's AL quantity was not imported
    lines = budget_service.list_budget_lines(market.uow(), xk, nation="XK")
    assert {(b.year, b.amount) for b in lines} == {(2026, 9_000_000.0), (2027, 12_500_000.5)}


def test_demo_seed_is_idempotent_and_shows_savings(node: Node) -> None:
    created = seed_procurement_demo(node.uow())
    assert created > len(DEMO_REQUIREMENTS)
    assert seed_procurement_demo(node.uow()) == 0
    found = planning_service.opportunities(node.uow(), _who(node, "xk.procurement"))
    assert len(found) >= 4
    assert all(o.plan is not None and o.plan["savings"] > 0 for o in found)
    gained = [g for o in found if o.plan for g in o.plan["months_gained_by_joint"].values()]
    assert min(gained) < 0 < max(gained)  # some joint orders are honestly slower
