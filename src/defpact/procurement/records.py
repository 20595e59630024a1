"""What the procurement services return: frozen records of the catalogue, requirements, budget
lines and joint-order cases (never ORM rows).

Money is in currency units rounded to cents (floats for display and JSON; the stores keep
integer cents). Months are ``YYYY-MM`` strings. ``PLANNING_START`` is month 0 of every plan the
platform computes (the scenario ``start``); a requirement's need-by month may not precede it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from defpact.core.marking import Marking
from defpact.procurement.lifecycle import CaseState
from defpact.procurement.scenario import DEFAULT_START

__all__ = [
    "PLANNING_START",
    "BudgetLine",
    "Case",
    "CaseStep",
    "CatalogueItem",
    "Commitment",
    "ImportReport",
    "Requirement",
]

PLANNING_START = DEFAULT_START


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    """A system the pact may buy, with its pricing (``cost``) and schedule (``sched``)
    parameters in the scenario-file format (docs/procurement.md)."""

    id: int
    key: str
    name: str
    channel: str
    cost: dict[str, Any]
    sched: dict[str, Any]
    updated_by: str
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class Requirement:
    id: int
    item: str  # catalogue key
    item_name: str
    quantity: int
    need_by: str
    note: str
    marking: Marking
    author: str
    created_at: datetime
    updated_at: datetime
    version: int
    withdrawn: bool


@dataclass(frozen=True, slots=True)
class BudgetLine:
    id: int
    year: int
    amount: float
    note: str
    marking: Marking
    author: str
    created_at: datetime
    updated_at: datetime
    version: int
    withdrawn: bool


@dataclass(frozen=True, slots=True)
class Commitment:
    nation: str
    share: float
    username: str
    committed_at: datetime


@dataclass(frozen=True, slots=True)
class CaseStep:
    action: str
    from_state: str | None
    to_state: str
    nation: str | None
    username: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Case:
    """A joint order: participants, shares fixed at proposal, commitments and history."""

    id: int
    item: str
    item_name: str
    rule: str
    state: CaseState
    lead: str
    participants: tuple[str, ...]
    quantities: dict[str, int]
    need_by: dict[str, str]
    shares: dict[str, float]
    stand_alone: dict[str, float]
    joint_cost: float
    plan: dict[str, Any]
    marking: Marking
    commitments: tuple[Commitment, ...]
    steps: tuple[CaseStep, ...]
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int

    @property
    def committed_nations(self) -> frozenset[str]:
        return frozenset(c.nation for c in self.commitments)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What a scenario import changed; ``ignored_nations`` had data that was not imported."""

    catalogue_created: list[str] = field(default_factory=list)
    catalogue_updated: list[str] = field(default_factory=list)
    catalogue_unchanged: list[str] = field(default_factory=list)
    requirements_created: list[str] = field(default_factory=list)
    requirements_updated: list[str] = field(default_factory=list)
    budget_years_created: list[int] = field(default_factory=list)
    budget_years_updated: list[int] = field(default_factory=list)
    ignored_nations: list[str] = field(default_factory=list)
