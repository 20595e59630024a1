"""API schemas of intelligence reports (separate input and output models)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from defpact.core.schemas import MarkingIn, MarkingPublic
from defpact.threats.intel.model import IntelReport, ReportDraft

__all__ = ["ReportCreate", "ReportPagePublic", "ReportPublic", "ReportUpdate"]

Tag = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._:-]+$")]
Reliability = Literal["A", "B", "C", "D", "E", "F"]
Credibility = Literal["1", "2", "3", "4", "5", "6"]


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    summary: Annotated[str, StringConstraints(max_length=4000)] = ""
    body: Annotated[str, StringConstraints(max_length=200_000)] = Field(
        default="", description="Markdown; raw HTML is not rendered"
    )
    region: Annotated[str, StringConstraints(max_length=80)] = ""
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    reliability: Reliability = Field(description="Admiralty source reliability A-F")
    credibility: Credibility = Field(description="Admiralty information credibility 1-6")
    marking: MarkingIn = Field(default_factory=MarkingIn)

    def draft(self, nation: str) -> ReportDraft:
        return ReportDraft(
            self.title,
            self.summary,
            self.body,
            self.region,
            tuple(self.tags),
            self.reliability,
            self.credibility,
            self.marking.to_marking(nation),
        )


class ReportUpdate(ReportCreate):
    version: int = Field(ge=1, description="The version you loaded (optimistic concurrency)")


class ReportPublic(BaseModel):
    id: int
    title: str
    summary: str
    body: str
    body_html: str
    region: str
    tags: list[str]
    reliability: str
    credibility: str
    admiralty: str
    marking: MarkingPublic
    author: str
    created_at: datetime
    updated_at: datetime
    version: int
    withdrawn: bool

    @classmethod
    def of(cls, report: IntelReport) -> ReportPublic:
        from defpact.threats.intel.model import render_markdown

        return cls(
            id=report.id,
            title=report.title,
            summary=report.summary,
            body=report.body,
            body_html=render_markdown(report.body),
            region=report.region,
            tags=list(report.tags),
            reliability=report.reliability,
            credibility=report.credibility,
            admiralty=report.admiralty,
            marking=MarkingPublic.of(report.marking),
            author=report.author,
            created_at=report.created_at,
            updated_at=report.updated_at,
            version=report.version,
            withdrawn=report.withdrawn,
        )


class ReportPagePublic(BaseModel):
    items: list[ReportPublic]
    total: int
    limit: int
    offset: int
