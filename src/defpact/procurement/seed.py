"""Demo data of the procurement context (development only; called by ``defpact demo``).

**Every figure here is invented for the demonstration.** Prices, learning curves, tiers,
production rates, backlogs, quantities and budgets are plausible orders of magnitude for
systems of these classes, not quotations, not real programme data and not any nation's real
plans. Amounts are in US dollars.

The catalogue has six systems; XK, AL and HR state requirements for most of them (so the
opportunities page shows joint orders with savings, one of them slower jointly for one nation)
and budget lines for 2026-2029 (tight enough that buying alone breaks some years that
joint buying keeps within budget). Requirements are RESTRICTED, releasable to the pact; one HR
requirement is released to AL only, so XK's and AL's opportunities differ. Budget lines are
RESTRICTED, TLP:AMBER. ``seed_procurement_demo`` is idempotent: it creates only what is
missing (a catalogue key, a nation's active requirement for an item, a nation's budget year)
and never overwrites what users changed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from defpact.core.context import Actor
from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, Marking
from defpact.core.uow import UnitOfWork
from defpact.procurement.budget_service import BudgetChange, store_budget_line
from defpact.procurement.catalogue_service import CatalogueDraft, save_catalogue_entry
from defpact.procurement.requirement_service import RequirementChange, store_requirement
from defpact.procurement.store import BudgetLineRow, CatalogueItemRow, RequirementRow

__all__ = ["DEMO_CATALOGUE", "DEMO_REQUIREMENTS", "seed_procurement_demo"]

_FMS = 0.032  # FMS administrative surcharge


def _entry(name: str, channel: str, cost: dict[str, Any], sched: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "channel": channel, "cost": cost, "sched": sched}


DEMO_CATALOGUE: dict[str, dict[str, Any]] = {
    "javelin": _entry(
        "Javelin-class anti-tank guided missile (rounds)",
        "FMS",
        {"t1": 215_000, "slope": 0.98, "tiers": [[1, 1.0], [100, 0.97], [250, 0.94]],
         "fixed_order": 1_200_000, "per_nation": 150_000, "surcharge": _FMS},
        {"T_loa": 5, "joint_extra": 2, "T_accept": 2, "lead": 14, "cap": 60, "backlog": 900,
         "moq": 100, "lot_cycle": 6},
    ),
    "manpads": _entry(
        "Stinger-class MANPADS (missile rounds)",
        "FMS",
        {"t1": 480_000, "slope": 0.97, "tiers": [[1, 1.0], [60, 0.96], [150, 0.93]],
         "fixed_order": 900_000, "per_nation": 120_000, "surcharge": _FMS},
        {"T_loa": 6, "joint_extra": 2, "T_accept": 2, "lead": 24, "cap": 25, "backlog": 400,
         "moq": 40, "lot_cycle": 6},
    ),
    "radio": _entry(
        "Tactical software-defined radio (manpack)",
        "DCS",
        {"t1": 38_000, "slope": 0.96, "tiers": [[1, 1.0], [200, 0.93], [500, 0.88]],
         "fixed_order": 250_000, "per_nation": 60_000, "surcharge": 0.0},
        {"T_loa": 3, "joint_extra": 1, "T_accept": 1, "lead": 6, "cap": 120, "backlog": 600,
         "moq": 150, "lot_cycle": 3},
    ),
    "vehicle": _entry(
        "4x4 armoured vehicle (JLTV class)",
        "FMS",
        {"t1": 650_000, "slope": 0.98, "tiers": [[1, 1.0], [50, 0.97], [120, 0.94]],
         "fixed_order": 2_000_000, "per_nation": 300_000, "surcharge": _FMS},
        {"T_loa": 6, "joint_extra": 2, "T_accept": 2, "lead": 12, "cap": 30, "backlog": 240,
         "moq": 40, "lot_cycle": 6},
    ),
    "cuas": _entry(
        "Counter-drone system, short range, vehicle-mounted",
        "NSPA",
        {"t1": 3_200_000, "slope": 0.95, "tiers": [[1, 1.0], [6, 0.95], [12, 0.9]],
         "fixed_order": 1_500_000, "per_nation": 200_000, "surcharge": 0.018},
        {"T_loa": 4, "joint_extra": 1, "T_accept": 2, "lead": 10, "cap": 2, "backlog": 8,
         "moq": 4, "lot_cycle": 4},
    ),
    "uav": _entry(
        "Tactical UAV system (3 air vehicles, ground station)",
        "DCS",
        {"t1": 2_500_000, "slope": 0.92, "tiers": [[1, 1.0], [8, 0.9]],
         "fixed_order": 300_000, "per_nation": 80_000, "surcharge": 0.0},
        {"T_loa": 3, "joint_extra": 1, "T_accept": 1, "lead": 9, "cap": 1, "backlog": 2,
         "moq": 3, "lot_cycle": 4},
    ),
}  # fmt: skip

# (nation, item, quantity, need-by, released to)
DEMO_REQUIREMENTS: tuple[tuple[str, str, int, str, tuple[str, ...]], ...] = (
    ("XK", "javelin", 60, "2028-06", (PACT,)),
    ("AL", "javelin", 80, "2028-03", (PACT,)),
    ("HR", "javelin", 150, "2028-09", (PACT,)),
    ("XK", "manpads", 24, "2029-06", (PACT,)),
    ("AL", "manpads", 40, "2029-12", (PACT,)),
    ("HR", "manpads", 60, "2029-06", (PACT,)),
    ("XK", "radio", 180, "2027-12", (PACT,)),
    ("AL", "radio", 250, "2027-09", (PACT,)),
    ("HR", "radio", 400, "2028-03", (PACT,)),
    ("XK", "vehicle", 40, "2028-12", (PACT,)),
    ("AL", "vehicle", 30, "2028-06", (PACT,)),
    ("XK", "cuas", 3, "2027-12", (PACT,)),
    ("AL", "cuas", 4, "2028-03", (PACT,)),
    ("HR", "cuas", 6, "2027-09", ("AL",)),
    ("HR", "uav", 4, "2027-09", (PACT,)),
)

_BUDGETS: dict[str, dict[int, int]] = {
    "XK": {2026: 25_000_000, 2027: 33_000_000, 2028: 10_000_000, 2029: 2_000_000},
    "AL": {2026: 27_500_000, 2027: 40_000_000, 2028: 12_000_000, 2029: 3_000_000},
    "HR": {2026: 30_000_000, 2027: 35_000_000, 2028: 15_000_000, 2029: 3_000_000},
}


def _requirement_marking(nation: str, release: tuple[str, ...]) -> Marking:
    return Marking(nation, Clearance.RESTRICTED, frozenset(release), TLP.GREEN)


def seed_procurement_demo(uow: UnitOfWork) -> int:
    """Create the missing demo catalogue entries, requirements and budget lines.

    Returns how many records were created (0 when everything is already there).
    """
    actor = Actor.console("demo")
    created = 0
    with uow:
        session = uow.session
        rows = {r.key: r for r in session.scalars(select(CatalogueItemRow))}
        for key, spec in DEMO_CATALOGUE.items():
            if key not in rows:
                draft = CatalogueDraft(
                    key, spec["name"], spec["channel"], spec["cost"], spec["sched"]
                )
                rows[key], _ = save_catalogue_entry(session, actor, draft, None)
                created += 1
        for nation, key, quantity, need_by, release in DEMO_REQUIREMENTS:
            item = rows[key]
            active_key = f"{nation}:{item.id}"
            stmt = select(RequirementRow.id).where(RequirementRow.active_key == active_key)
            if session.scalars(stmt).first() is None:
                marking = _requirement_marking(nation, release)
                change = RequirementChange(quantity, need_by, "demo data", marking)
                store_requirement(session, actor, item, nation, change, None)
                created += 1
        for nation, years in _BUDGETS.items():
            marking = Marking(nation, Clearance.RESTRICTED, frozenset({PACT}), TLP.AMBER)
            for year, value in years.items():
                stmt = select(BudgetLineRow.id).where(  # a local line or a replica
                    BudgetLineRow.originator == nation,
                    BudgetLineRow.year == year,
                    BudgetLineRow.withdrawn_at.is_(None),
                )
                if session.scalars(stmt).first() is None:
                    line = BudgetChange(float(value), "demo data", marking)
                    store_budget_line(session, actor, nation, year, line, None)
                    created += 1
        uow.commit()
    return created
