"""Import of scenario files into the platform (export is ``planning_service.export_scenario``).

A scenario file holds several nations' data, but a user may only speak for their own nation.
Importing as a ``procurement`` user of nation N therefore stores:

- every item of the file into the catalogue (pact-wide reference data, which procurement users
  may edit anyway): new keys are created, existing ones updated when their parameters differ;
- N's quantities and need-by months as N's requirements (created, or the active one updated;
  a new requirement gets the marking given with the import, an updated one keeps its own);
- N's budget by fiscal year as N's budget lines (same rule).

Other nations' quantities and budgets are **not** imported (they are not N's to state); the
report lists those nations under ``ignored_nations``. A quantity of 0 or an absent one changes
nothing. The whole import is one transaction: the file is validated first, and any error
(naming the field by its path in the file, e.g. ``items.radar.cost.tiers``) stores nothing.
"""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from defpact.core.context import Actor
from defpact.core.errors import InvalidInput
from defpact.core.identity import Role
from defpact.core.marking import Marking
from defpact.core.nations import NATIONS
from defpact.core.uow import UnitOfWork
from defpact.procurement.budget_service import BudgetChange, store_budget_line
from defpact.procurement.catalogue import check_key, params_of
from defpact.procurement.catalogue_service import CatalogueDraft, save_catalogue_entry
from defpact.procurement.queries import require_principal
from defpact.procurement.records import ImportReport
from defpact.procurement.requirement_service import (
    RequirementChange,
    check_marking,
    store_requirement,
)
from defpact.procurement.scenario import Item, Scenario, parse_scenario
from defpact.procurement.store import BudgetLineRow, CatalogueItemRow, RequirementRow

__all__ = ["import_scenario"]

_FIELDS = {"quantity": "qty", "need_by": "need_by"}


def _catalogue(
    session: Session, actor: Actor, item: Item, report: ImportReport
) -> CatalogueItemRow:
    check_key(item.id, field=f"items.{item.id}")
    cost, sched = params_of(item)
    draft = CatalogueDraft(item.id, item.name, item.channel, cost, sched)
    row = session.scalars(select(CatalogueItemRow).where(CatalogueItemRow.key == item.id)).first()
    try:
        saved, changed = save_catalogue_entry(session, actor, draft, row)
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, field=f"items.{item.id}.{exc.field}") from None
    bucket = (
        report.catalogue_created
        if row is None
        else report.catalogue_updated
        if changed
        else report.catalogue_unchanged
    )
    bucket.append(item.id)
    return saved


def _requirement(
    session: Session,
    actor: Actor,
    scenario: Scenario,
    item: Item,
    row: CatalogueItemRow,
    marking: Marking,
    report: ImportReport,
) -> None:
    nation = marking.originator
    quantity = item.qty.get(nation, 0)
    if quantity == 0:
        return
    if nation not in item.need_by:
        raise InvalidInput(
            f"is required for {nation}'s requirement", field=f"items.{item.id}.need_by.{nation}"
        )
    need_by = scenario.start.label(item.need_by[nation])
    key = f"{nation}:{row.id}"
    active = session.scalars(select(RequirementRow).where(RequirementRow.active_key == key)).first()
    if active is not None and (active.quantity, active.need_by) == (quantity, need_by):
        return
    change = RequirementChange(quantity, need_by, "", marking)
    if active is not None:
        change = RequirementChange(quantity, need_by, active.note, active.marking)
    try:
        store_requirement(session, actor, row, nation, change, active)
    except InvalidInput as exc:
        field = _FIELDS.get(exc.field or "", exc.field)
        raise InvalidInput(exc.detail, field=f"items.{item.id}.{field}.{nation}") from None
    (report.requirements_created if active is None else report.requirements_updated).append(item.id)


def _budget(
    session: Session,
    actor: Actor,
    years: dict[int, Fraction],
    marking: Marking,
    report: ImportReport,
) -> None:
    nation = marking.originator
    for year, value in sorted(years.items()):
        key = f"{nation}:{year}"
        active = session.scalars(
            select(BudgetLineRow).where(BudgetLineRow.active_key == key)
        ).first()
        if active is not None and Fraction(active.amount_cents, 100) == value:
            continue
        change = BudgetChange(float(value), "", marking)
        if active is not None:
            change = BudgetChange(float(value), active.note, active.marking)
        try:
            store_budget_line(session, actor, nation, year, change, active)
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, field=f"budget.{nation}.{year}") from None
        (report.budget_years_created if active is None else report.budget_years_updated).append(
            year
        )


def import_scenario(
    uow: UnitOfWork, actor: Actor, data: object, marking: Marking | None = None
) -> ImportReport:
    """Import a decoded scenario document as the acting procurement user (see module doc)."""
    principal = require_principal(actor, Role.PROCUREMENT, what="importing a scenario")
    scenario = parse_scenario(data)
    for index, code in enumerate(scenario.nations):
        if code not in NATIONS:
            raise InvalidInput(f"unknown nation code {code!r}", field=f"nations[{index}]")
    nation = principal.nation
    marking = marking or Marking(nation)
    report = ImportReport()
    with uow:
        session = uow.session
        check_marking(session, marking, nation, principal.clearance)
        for item in scenario.items.values():
            row = _catalogue(session, actor, item, report)
            _requirement(session, actor, scenario, item, row, marking, report)
        _budget(session, actor, scenario.budget.get(nation, {}), marking, report)
        others = {n for i in scenario.items.values() for n, q in i.qty.items() if q > 0}
        others |= {n for n, years in scenario.budget.items() if years}
        report.ignored_nations.extend(n for n in scenario.nations if n in others - {nation})
        uow.commit()
    return report
