"""API schemas of the catalogue, requirements, budget lines and scenario import.

Input models forbid unknown fields and check types and lengths; the values themselves (tiers
starting at 1 and increasing, prices and quantities >= 0, need-by not before the start, ...)
are checked by the services, whose 422 names the field (``cost.tiers``, ``need_by``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from defpact.core.schemas import MarkingIn, MarkingPublic
from defpact.procurement.budget_service import BudgetChange
from defpact.procurement.catalogue_service import CatalogueDraft
from defpact.procurement.records import (
    BudgetLine,
    CatalogueItem,
    ImportReport,
    Requirement,
)
from defpact.procurement.requirement_service import RequirementChange

__all__ = [
    "BudgetLineCreate",
    "BudgetLinePublic",
    "BudgetLineUpdate",
    "CatalogueItemCreate",
    "CatalogueItemPublic",
    "CatalogueItemUpdate",
    "Channel",
    "CostParams",
    "ImportReportPublic",
    "ItemKey",
    "RecordId",
    "RequirementCreate",
    "RequirementPublic",
    "RequirementUpdate",
    "ScenarioImport",
    "SchedParams",
]

ItemKey = Annotated[str, StringConstraints(min_length=1, max_length=40)]
RecordId = Annotated[int, Path(ge=1, le=2_147_483_647, description="record id")]
Channel = Literal["FMS", "DCS", "NSPA", "EDA"]
Month = Annotated[str, StringConstraints(min_length=1, max_length=7)]
Note = Annotated[str, StringConstraints(max_length=500)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CostParams(_In):
    """Pricing: c(S) = (1+s)(F + g|S| + m(Q) sum t1 x^log2(slope)); see docs/procurement.md."""

    t1: float = Field(description="first-unit price, >= 0")
    slope: float = Field(default=1.0, description="learning-curve slope, > 0 (1.0 = none)")
    c0: int = Field(default=0, description="units produced before this order, >= 0")
    tiers: list[tuple[int, float]] = Field(
        default_factory=lambda: [(1, 1.0)],
        max_length=50,
        description="all-units price tiers [min_qty, multiplier]; start at 1, increasing",
    )
    fixed_order: float = Field(default=0.0, description="F, fixed cost per order")
    per_nation: float = Field(default=0.0, description="g, cost per participating nation")
    surcharge: float = Field(default=0.0, description="s, e.g. FMS surcharge 0.032")


class SchedParams(_In):
    """Schedule in months and units; see docs/procurement.md."""

    T_loa: int = 0
    joint_extra: int = 0
    T_accept: int = 0
    lead: int = 0
    cap: int = Field(description="units the line makes per month, >= 1")
    backlog: int = 0
    moq: int = 0
    lot_cycle: int = 1


class CatalogueItemUpdate(_In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    channel: Channel = "FMS"
    cost: CostParams
    sched: SchedParams
    version: int = Field(ge=1, description="The version you loaded (optimistic concurrency)")

    def draft(self, key: str) -> CatalogueDraft:
        return CatalogueDraft(
            key, self.name, self.channel, self.cost.model_dump(), self.sched.model_dump()
        )


class CatalogueItemCreate(_In):
    key: ItemKey = Field(description="short id, e.g. 'javelin' (lower case, digits, - and _)")
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    channel: Channel = "FMS"
    cost: CostParams
    sched: SchedParams

    def draft(self) -> CatalogueDraft:
        return CatalogueDraft(
            self.key, self.name, self.channel, self.cost.model_dump(), self.sched.model_dump()
        )


class CatalogueItemPublic(BaseModel):
    key: str
    name: str
    channel: str
    cost: dict[str, Any]
    sched: dict[str, Any]
    updated_by: str
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, item: CatalogueItem) -> CatalogueItemPublic:
        return cls(
            key=item.key,
            name=item.name,
            channel=item.channel,
            cost=item.cost,
            sched=item.sched,
            updated_by=item.updated_by,
            updated_at=item.updated_at,
            version=item.version,
        )


class RequirementUpdate(_In):
    quantity: int = Field(description="units wanted, >= 1")
    need_by: Month = Field(description="YYYY-MM, not before the planning start")
    note: Note = ""
    marking: MarkingIn = Field(default_factory=MarkingIn)
    version: int = Field(ge=1, description="The version you loaded (optimistic concurrency)")

    def change(self, nation: str) -> RequirementChange:
        return RequirementChange(
            self.quantity, self.need_by, self.note, self.marking.to_marking(nation)
        )


class RequirementCreate(_In):
    item: ItemKey
    quantity: int = Field(description="units wanted, >= 1")
    need_by: Month = Field(description="YYYY-MM, not before the planning start")
    note: Note = ""
    marking: MarkingIn = Field(default_factory=MarkingIn)

    def change(self, nation: str) -> RequirementChange:
        return RequirementChange(
            self.quantity, self.need_by, self.note, self.marking.to_marking(nation)
        )


class RequirementPublic(BaseModel):
    id: int
    item: str
    item_name: str
    nation: str
    quantity: int
    need_by: str
    note: str
    marking: MarkingPublic
    author: str
    created_at: datetime
    updated_at: datetime
    version: int
    withdrawn: bool

    @classmethod
    def of(cls, r: Requirement) -> RequirementPublic:
        return cls(
            id=r.id,
            item=r.item,
            item_name=r.item_name,
            nation=r.marking.originator,
            quantity=r.quantity,
            need_by=r.need_by,
            note=r.note,
            marking=MarkingPublic.of(r.marking),
            author=r.author,
            created_at=r.created_at,
            updated_at=r.updated_at,
            version=r.version,
            withdrawn=r.withdrawn,
        )


class BudgetLineUpdate(_In):
    amount: float = Field(description="procurement budget of the fiscal year, >= 0")
    note: Note = ""
    marking: MarkingIn = Field(default_factory=MarkingIn)
    version: int = Field(ge=1, description="The version you loaded (optimistic concurrency)")

    def change(self, nation: str) -> BudgetChange:
        return BudgetChange(self.amount, self.note, self.marking.to_marking(nation))


class BudgetLineCreate(_In):
    year: int = Field(description="fiscal (calendar) year, 2000-2100")
    amount: float = Field(description="procurement budget of the fiscal year, >= 0")
    note: Note = ""
    marking: MarkingIn = Field(default_factory=MarkingIn)

    def change(self, nation: str) -> BudgetChange:
        return BudgetChange(self.amount, self.note, self.marking.to_marking(nation))


class BudgetLinePublic(BaseModel):
    id: int
    nation: str
    year: int
    amount: float
    note: str
    marking: MarkingPublic
    author: str
    created_at: datetime
    updated_at: datetime
    version: int
    withdrawn: bool

    @classmethod
    def of(cls, b: BudgetLine) -> BudgetLinePublic:
        return cls(
            id=b.id,
            nation=b.marking.originator,
            year=b.year,
            amount=b.amount,
            note=b.note,
            marking=MarkingPublic.of(b.marking),
            author=b.author,
            created_at=b.created_at,
            updated_at=b.updated_at,
            version=b.version,
            withdrawn=b.withdrawn,
        )


class ScenarioImport(_In):
    scenario: dict[str, Any] = Field(
        description="A scenario document (docs/procurement.md); only the caller's nation's "
        "requirements and budget are imported, plus the catalogue items"
    )
    marking: MarkingIn = Field(
        default_factory=MarkingIn, description="Marking of the requirements and lines created"
    )


class ImportReportPublic(BaseModel):
    catalogue_created: list[str]
    catalogue_updated: list[str]
    catalogue_unchanged: list[str]
    requirements_created: list[str]
    requirements_updated: list[str]
    budget_years_created: list[int]
    budget_years_updated: list[int]
    ignored_nations: list[str] = Field(
        description="Nations whose quantities or budgets in the file were not imported"
    )

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportPublic:
        return cls.model_validate(report, from_attributes=True)
