"""Pydantic schemas of the correlation API (separate input and output models)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from defpact.core.schemas import MarkingPublic
from defpact.threats.correlation.service import (
    AlertPage,
    AlertView,
    CorrelationView,
    LookupResult,
    ObjectSide,
)
from defpact.threats.correlation.sightings import SightingSummary
from defpact.threats.correlation.warninglist_service import WarninglistInfo

__all__ = [
    "AlertPagePublic",
    "AlertPublic",
    "CorrelationPublic",
    "LookupPublic",
    "SightingSummaryPublic",
    "WarninglistImport",
    "WarninglistPublic",
    "WarninglistSwitch",
]

StixId = Annotated[
    str, StringConstraints(max_length=300, pattern=r"^[a-z][a-z0-9-]*--[0-9a-f-]{36}$")
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LookupHitPublic(_Out):
    stix_id: str
    type: str
    collection_id: str
    marking: MarkingPublic
    kind: str
    value: str
    relation: Literal["equal", "within", "contains"] = Field(
        description="equal; within: this indexed range holds the value; contains: this "
        "indexed address or range lies in the queried range"
    )
    suppressed: bool = Field(description="on a warninglist when indexed: never correlates")


class LookupPublic(_Out):
    kind: str
    value: str = Field(description="the normalised query value")
    warninglists: list[str] = Field(description="enabled warninglists the value is on now")
    total: int = Field(description="visible objects holding the value")
    hits: list[LookupHitPublic]

    @classmethod
    def of(cls, result: LookupResult) -> LookupPublic:
        return cls(
            kind=result.query.kind.value,
            value=result.query.value,
            warninglists=list(result.warninglists),
            total=result.total,
            hits=[
                LookupHitPublic(
                    stix_id=h.stix_id,
                    type=h.object_type,
                    collection_id=h.collection_id,
                    marking=MarkingPublic.of(h.marking),
                    kind=h.kind.value,
                    value=h.value,
                    relation=h.relation,
                    suppressed=h.suppressed,
                )  # fmt: skip
                for h in result.hits
            ],
        )


class ObjectSidePublic(_Out):
    stix_id: str
    type: str
    collection_id: str
    marking: MarkingPublic
    kind: str
    value: str

    @classmethod
    def of(cls, side: ObjectSide) -> ObjectSidePublic:
        return cls(
            stix_id=side.stix_id, type=side.object_type, collection_id=side.collection_id,
            marking=MarkingPublic.of(side.marking), kind=side.kind.value, value=side.value,
        )  # fmt: skip


class CorrelationPublic(_Out):
    id: int
    created_at: datetime
    new: ObjectSidePublic = Field(description="the object whose arrival made the correlation")
    old: ObjectSidePublic = Field(description="the earlier object of another nation")

    @classmethod
    def of(cls, view: CorrelationView) -> CorrelationPublic:
        return cls(
            id=view.id,
            created_at=view.created_at,
            new=ObjectSidePublic.of(view.new),
            old=ObjectSidePublic.of(view.old),
        )


class AlertPublic(_Out):
    id: int
    nation: str
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    correlation: CorrelationPublic

    @classmethod
    def of(cls, alert: AlertView) -> AlertPublic:
        return cls(
            id=alert.id, nation=alert.nation, created_at=alert.created_at,
            acknowledged_at=alert.acknowledged_at, acknowledged_by=alert.acknowledged_by,
            correlation=CorrelationPublic.of(alert.correlation),
        )  # fmt: skip


class AlertPagePublic(_Out):
    items: list[AlertPublic]
    total: int = Field(description="alerts of the state asked that the caller may see")
    limit: int
    offset: int

    @classmethod
    def of(cls, page: AlertPage) -> AlertPagePublic:
        return cls(
            items=[AlertPublic.of(a) for a in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


class NationSightingsPublic(_Out):
    nation: str
    sightings: int
    sightings_total: int
    false_positives: int
    last_seen: str | None


class SightingSummaryPublic(_Out):
    stix_id: str
    sightings: int = Field(description="visible sighting objects")
    sightings_total: int = Field(description="sum of their count property")
    false_positives: int = Field(description="visible sightings with x_defpact_false_positive")
    last_seen: str | None
    by_nation: list[NationSightingsPublic]

    @classmethod
    def of(cls, summary: SightingSummary) -> SightingSummaryPublic:
        return cls.model_validate(summary)


class WarninglistPublic(_Out):
    name: str
    builtin: bool
    enabled: bool
    version: int
    type: str
    description: str
    matching_attributes: list[str]
    entries: int

    @classmethod
    def of(cls, info: WarninglistInfo) -> WarninglistPublic:
        return cls(
            name=info.name, builtin=info.builtin, enabled=info.enabled, version=info.version,
            type=info.type, description=info.description,
            matching_attributes=list(info.matching_attributes), entries=info.entries,
        )  # fmt: skip


class WarninglistImport(_In):
    """A MISP warninglist (``list.json`` of MISP/misp-warninglists)."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    version: int
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    type: Literal["string", "substring", "hostname", "cidr", "regex"]
    entries: Annotated[
        list[Annotated[str, StringConstraints(max_length=2000)]],
        Field(alias="list", max_length=2_000_000),
    ]
    matching_attributes: list[Annotated[str, StringConstraints(max_length=100)]] = Field(
        default_factory=list, max_length=200
    )
    category: Annotated[str, StringConstraints(max_length=64)] = ""


class WarninglistSwitch(_In):
    enabled: bool
