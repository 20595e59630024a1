"""API schemas of plans, opportunities, cash, the what-if and joint-order cases."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from defpact.core.schemas import MarkingPublic
from defpact.procurement.lifecycle import STATE_LABELS, allowed_actions
from defpact.procurement.planning_service import ItemPlan, Opportunity
from defpact.procurement.records import Case
from defpact.procurement.schemas import CatalogueItemPublic, ItemKey

__all__ = [
    "CaseCommit",
    "CaseCreate",
    "CasePublic",
    "CaseTransition",
    "CashPublic",
    "ItemPlanPublic",
    "OpportunityPublic",
    "PlanEntry",
    "WhatIfIn",
    "WhatIfPublic",
]

RuleName = Literal["shapley", "proportional", "nearest-core"]
ActionName = Literal[
    "send_lor", "offer_loa", "sign_loa", "award", "start_delivery", "close", "withdraw"
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanEntry(BaseModel):
    """One item of ``defpact procurement plan`` (docs/procurement.md), plus ``shares``."""

    name: str
    participants: list[str]
    qty: dict[str, int]
    stand_alone: dict[str, float]
    sum_stand_alone: float
    joint_cost: float
    savings: float
    savings_pct: float
    shapley: dict[str, float]
    proportional: dict[str, float]
    shares: dict[str, float] = Field(description="per nation share under the selected rule")
    saving_by_nation: dict[str, float]
    individually_rational: bool
    core_max_excess: float | None
    in_core: bool
    blocking_coalition: list[str] | None
    signature_individual: str
    signature_joint: str
    award_individual: dict[str, str]
    award_joint: str | None
    delivery_individual: dict[str, list[str]]
    delivery_joint: dict[str, list[str]]
    need_by: dict[str, str]
    meets_need_by_individual: dict[str, bool]
    meets_need_by_joint: dict[str, bool]
    months_gained_by_joint: dict[str, int] = Field(
        description="individual last delivery - joint last delivery; negative: joint is slower"
    )

    @classmethod
    def of(cls, entry: dict[str, Any]) -> PlanEntry:
        alone, saving = entry["stand_alone"], entry["saving_by_nation"]
        shares = {n: round(alone[n] - saving[n], 2) for n in entry["participants"]}
        return cls.model_validate({**entry, "shares": shares})


class OpportunityPublic(BaseModel):
    item: str
    name: str
    channel: str
    rule: str
    plan: PlanEntry | None
    error: str | None = Field(description="why the plan cannot be computed, if it cannot")

    @classmethod
    def of(cls, o: Opportunity) -> OpportunityPublic:
        return cls(
            item=o.item.key,
            name=o.item.name,
            channel=o.item.channel,
            rule=o.rule,
            plan=PlanEntry.of(o.plan) if o.plan else None,
            error=o.error,
        )


class ItemPlanPublic(BaseModel):
    item: CatalogueItemPublic
    start: str
    rule: str
    plan: PlanEntry | None
    error: str | None

    @classmethod
    def of(cls, p: ItemPlan) -> ItemPlanPublic:
        return cls(
            item=CatalogueItemPublic.of(p.item),
            start=p.start,
            rule=p.rule,
            plan=PlanEntry.of(p.plan) if p.plan else None,
            error=p.error,
        )


class NationCashPublic(BaseModel):
    individual: dict[str, float]
    joint: dict[str, float]
    budget: dict[str, float] | None = Field(description="null: no budget line visible to you")
    breaches_individual: list[int] | None
    breaches_joint: list[int] | None


class CashPublic(BaseModel):
    start: str
    rule: str
    nations: dict[str, NationCashPublic]
    skipped: dict[str, str]


class WhatIfIn(_In):
    nation: Annotated[str, StringConstraints(min_length=2, max_length=2)]
    qty: dict[ItemKey, int] = Field(max_length=200, description="item key -> units it would buy")


class ShareChange(BaseModel):
    before: float
    after: float
    change: float
    increase: bool
    cause: str | None


class JoinerItem(BaseModel):
    name: str
    candidate_qty: int
    joint_cost_before: float
    joint_cost_after: float
    candidate_share: float
    changes: dict[str, ShareChange]


class Increase(BaseModel):
    item: str
    nation: str
    change: float
    cause: str | None


class TotalChange(BaseModel):
    before: float
    after: float
    change: float


class WhatIfPublic(BaseModel):
    nation: str
    members: list[str]
    items: dict[str, JoinerItem]
    increases: list[Increase]
    totals: dict[str, TotalChange]


class CaseCreate(_In):
    item: ItemKey
    rule: RuleName = "shapley"
    nations: list[Annotated[str, StringConstraints(min_length=2, max_length=2)]] | None = Field(
        default=None,
        max_length=40,
        description="participants (default: every nation with a visible requirement)",
    )


class CaseCommit(_In):
    version: int = Field(ge=1, description="The case version you saw (optimistic concurrency)")


class CaseTransition(_In):
    action: ActionName
    version: int | None = Field(default=None, ge=1, description="checked when given")


class CommitmentPublic(BaseModel):
    nation: str
    share: float
    username: str
    committed_at: datetime


class CaseStepPublic(BaseModel):
    action: str
    from_state: str | None
    to_state: str
    nation: str | None
    username: str
    at: datetime


class CasePublic(BaseModel):
    id: int
    item: str
    item_name: str
    rule: str
    state: str
    state_label: str
    allowed_actions: list[str] = Field(description="actions the lifecycle allows now")
    lead: str
    participants: list[str]
    quantities: dict[str, int]
    need_by: dict[str, str]
    shares: dict[str, float]
    stand_alone: dict[str, float]
    joint_cost: float
    committed: list[str]
    awaiting: list[str]
    plan: PlanEntry
    marking: MarkingPublic
    commitments: list[CommitmentPublic]
    steps: list[CaseStepPublic]
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, case: Case) -> CasePublic:
        done = case.committed_nations
        return cls(
            id=case.id,
            item=case.item,
            item_name=case.item_name,
            rule=case.rule,
            state=case.state.value,
            state_label=STATE_LABELS[case.state],
            allowed_actions=[a.value for a in allowed_actions(case.state)],
            lead=case.lead,
            participants=list(case.participants),
            quantities=case.quantities,
            need_by=case.need_by,
            shares=case.shares,
            stand_alone=case.stand_alone,
            joint_cost=case.joint_cost,
            committed=[n for n in case.participants if n in done],
            awaiting=[n for n in case.participants if n not in done],
            plan=PlanEntry.of(case.plan),
            marking=MarkingPublic.of(case.marking),
            commitments=[
                CommitmentPublic.model_validate(c, from_attributes=True) for c in case.commitments
            ],
            steps=[CaseStepPublic.model_validate(s, from_attributes=True) for s in case.steps],
            created_by=case.created_by,
            created_at=case.created_at,
            updated_at=case.updated_at,
            version=case.version,
        )
