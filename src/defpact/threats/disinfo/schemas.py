"""API schemas of the disinformation platform (separate input and output models)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from defpact.core.schemas import MarkingIn, MarkingPublic
from defpact.threats.disinfo.publishing import CampaignDraft
from defpact.threats.disinfo.records import (
    Batch,
    DisarmTechnique,
    EvidencePost,
    GroupSummary,
    GroupView,
    Run,
    SharedObjectView,
)
from defpact.threats.disinfo.run_service import RunRequest

__all__ = [
    "BatchPagePublic",
    "BatchPublic",
    "CampaignCreate",
    "GroupPublic",
    "GroupSummaryPublic",
    "PublishedPublic",
    "RunCreate",
    "RunPagePublic",
    "RunPublic",
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SkippedRowPublic(BaseModel):
    line: int
    reason: str
    detail: str


class BatchPublic(BaseModel):
    id: int
    filename: str
    format: str
    marking: MarkingPublic
    rows_read: int
    rows_accepted: int
    rows_skipped: int
    skipped_by_reason: dict[str, int]
    warnings: dict[str, int]
    examples: list[SkippedRowPublic] = Field(description="the first skipped rows, with reasons")
    uploaded_by: str
    created_at: datetime
    withdrawn: bool

    @classmethod
    def of(cls, b: Batch) -> BatchPublic:
        return cls(
            id=b.id, filename=b.filename, format=b.format, marking=MarkingPublic.of(b.marking),
            rows_read=b.rows_read, rows_accepted=b.rows_accepted, rows_skipped=b.rows_skipped,
            skipped_by_reason=b.skipped_by_reason, warnings=b.warnings,
            examples=[SkippedRowPublic(**e) for e in b.examples], uploaded_by=b.uploaded_by,
            created_at=b.created_at, withdrawn=b.withdrawn,
        )  # fmt: skip


class BatchPagePublic(BaseModel):
    items: list[BatchPublic]
    total: int
    limit: int
    offset: int


class RunCreate(_In):
    window_seconds: float = Field(default=60.0, gt=0, le=86_400)
    min_group_size: int = Field(default=3, ge=2, le=1000)
    alpha: float = Field(default=1.0, ge=0, le=1000)
    text_similarity: float = Field(default=0.5, gt=0, le=1)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)

    def request(self) -> RunRequest:
        return RunRequest(self.window_seconds, self.min_group_size, self.alpha,
                          self.text_similarity, self.seed)  # fmt: skip


class DisarmPublic(BaseModel):
    id: str
    name: str


class GroupSummaryPublic(BaseModel):
    id: int
    run_id: int
    rank: int
    accounts: list[str]
    size: int
    score: float | None = Field(description="withheld (null) when part of the evidence is hidden")
    edges: int | None
    posts: int
    time_start: datetime | None
    time_end: datetime | None
    languages: dict[str, int]
    platforms: dict[str, int]
    nations: dict[str, int]
    partial: bool = Field(description="some evidence is from batches you may not read now")
    campaign_stix_id: str | None
    campaign_name: str | None
    disarm: list[DisarmPublic]
    published_at: datetime | None

    @classmethod
    def of(cls, g: GroupSummary) -> GroupSummaryPublic:
        return cls(
            id=g.id, run_id=g.run_id, rank=g.rank, accounts=list(g.accounts),
            size=len(g.accounts), score=g.score, edges=g.edges, posts=g.posts,
            time_start=g.time_start, time_end=g.time_end, languages=g.languages,
            platforms=g.platforms, nations=g.nations, partial=g.hidden,
            campaign_stix_id=g.campaign_stix_id, campaign_name=g.campaign_name,
            disarm=[DisarmPublic(id=t.id, name=t.name) for t in g.disarm],
            published_at=g.published_at,
        )  # fmt: skip


class RunPublic(BaseModel):
    id: int
    marking: MarkingPublic
    created_by: str
    created_at: datetime
    params: dict[str, Any]
    stats: dict[str, Any] | None
    batch_ids: list[int]
    partial: bool
    posts_pooled: int | None
    groups: list[GroupSummaryPublic]

    @classmethod
    def of(cls, r: Run) -> RunPublic:
        return cls(
            id=r.id, marking=MarkingPublic.of(r.marking), created_by=r.created_by,
            created_at=r.created_at, params=r.params, stats=r.stats,
            batch_ids=list(r.batch_ids), partial=r.partial, posts_pooled=r.posts_pooled,
            groups=[GroupSummaryPublic.of(g) for g in r.groups],
        )  # fmt: skip


class RunPagePublic(BaseModel):
    items: list[RunPublic]
    total: int
    limit: int
    offset: int


class SharedObjectPublic(BaseModel):
    kind: str
    key: str
    idf: float
    accounts: list[str]
    posts: int

    @classmethod
    def of(cls, o: SharedObjectView) -> SharedObjectPublic:
        return cls(kind=o.kind, key=o.key, idf=round(o.idf, 4), accounts=list(o.accounts),
                   posts=o.posts)  # fmt: skip


class EvidencePublic(BaseModel):
    post_id: str
    account: str
    platform: str
    published_at: datetime
    text: str
    urls: list[str]
    language: str | None
    nation: str
    batch_id: int
    object_kind: str
    object_key: str

    @classmethod
    def of(cls, p: EvidencePost, objects: dict[int, SharedObjectView]) -> EvidencePublic:
        obj = objects[p.obj]
        return cls(
            post_id=p.post_id, account=p.account, platform=p.platform,
            published_at=p.published_at, text=p.text, urls=list(p.urls), language=p.language,
            nation=p.nation, batch_id=p.batch_id, object_kind=obj.kind, object_key=obj.key,
        )  # fmt: skip


class GroupPublic(BaseModel):
    group: GroupSummaryPublic
    run_marking: MarkingPublic
    shared_objects: list[SharedObjectPublic]
    evidence: list[EvidencePublic]

    @classmethod
    def of(cls, v: GroupView) -> GroupPublic:
        objects = {o.index: o for o in v.objects}
        return cls(
            group=GroupSummaryPublic.of(v.summary), run_marking=MarkingPublic.of(v.run_marking),
            shared_objects=[SharedObjectPublic.of(o) for o in v.objects],
            evidence=[EvidencePublic.of(p, objects) for p in v.evidence],
        )  # fmt: skip


DisarmId = Annotated[str, StringConstraints(pattern=r"^T\d{4}(\.\d{3})?$")]


class DisarmIn(_In):
    id: DisarmId
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class CampaignCreate(_In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=20_000)] = ""
    disarm: list[DisarmIn] = Field(default_factory=list, max_length=50)
    marking: MarkingIn = Field(default_factory=MarkingIn)
    examples: int = Field(default=10, ge=0, le=50, description="example posts published as notes")

    def draft(self, nation: str) -> CampaignDraft:
        techniques = tuple({t.id: DisarmTechnique(t.id, t.name) for t in self.disarm}.values())
        return CampaignDraft(self.name, self.description, techniques,
                             self.marking.to_marking(nation), self.examples)  # fmt: skip


class PublishedPublic(BaseModel):
    group_id: int
    campaign_stix_id: str
    collection_id: str
    objects: int
