"""Pydantic schemas of the hub API (reports in, board and object views out)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from defpact.core.marking import banner
from defpact.core.schemas import MarkingIn, MarkingPublic
from defpact.threats.hub import reports
from defpact.threats.hub.service import BoardItem, ObjectView, ReportResult

__all__ = [
    "BoardPublic",
    "CampaignIn",
    "IncidentIn",
    "ObjectViewPublic",
    "ReportCreated",
]

Short = Annotated[str, StringConstraints(max_length=500)]
ObservableKind = Literal[
    "ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "md5", "sha1", "sha256"
]
IncidentType = Literal[
    "phishing", "malware", "ransomware", "intrusion", "denial-of-service", "defacement",
    "data-breach", "espionage", "sabotage", "other",
]  # fmt: skip


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ObservableIn(_In):
    kind: ObservableKind
    value: Annotated[str, StringConstraints(min_length=1, max_length=2048)]


class IncidentIn(_In):
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    incident_type: IncidentType
    first_seen: AwareDatetime | None = None
    last_seen: AwareDatetime | None = None
    affected_nations: list[Annotated[str, StringConstraints(min_length=2, max_length=2)]] = Field(
        default_factory=list, max_length=60
    )
    sectors: list[Annotated[str, StringConstraints(max_length=80)]] = Field(
        default_factory=list, max_length=20
    )
    observables: list[ObservableIn] = Field(default_factory=list, max_length=500)
    make_indicators: bool = Field(True, description="one STIX indicator per observable")
    marking: MarkingIn = Field(default_factory=MarkingIn)

    def report(self) -> reports.IncidentReport:
        return reports.IncidentReport(
            self.title, self.description, self.incident_type, self.first_seen, self.last_seen,
            tuple(self.affected_nations), tuple(self.sectors),
            tuple(reports.Observable(o.kind, o.value) for o in self.observables),
            self.make_indicators,
        )  # fmt: skip


class PostIn(_In):
    text: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
    platform: Annotated[str, StringConstraints(max_length=80)] = ""
    url: Annotated[str, StringConstraints(max_length=2048)] = ""
    published_at: AwareDatetime | None = None
    language: Annotated[str, StringConstraints(max_length=20)] = ""


class AccountIn(_In):
    platform: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    login: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class CampaignIn(_In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    objective: Annotated[str, StringConstraints(max_length=2000)] = ""
    first_seen: AwareDatetime | None = None
    last_seen: AwareDatetime | None = None
    narratives: list[Short] = Field(default_factory=list, max_length=50)
    channels: list[Short] = Field(default_factory=list, max_length=50)
    languages: list[Annotated[str, StringConstraints(max_length=20)]] = Field(
        default_factory=list, max_length=20, description="BCP 47 tags, e.g. sq, hr, sr-Cyrl, en"
    )
    affected_nations: list[Annotated[str, StringConstraints(min_length=2, max_length=2)]] = Field(
        default_factory=list, max_length=60
    )
    techniques: list[Annotated[str, StringConstraints(max_length=12)]] = Field(
        default_factory=list, max_length=100, description="DISARM technique ids, e.g. T0049.003"
    )
    example_posts: list[PostIn] = Field(default_factory=list, max_length=100)
    accounts: list[AccountIn] = Field(default_factory=list, max_length=500)
    marking: MarkingIn = Field(default_factory=MarkingIn)

    def report(self) -> reports.CampaignReport:
        return reports.CampaignReport(
            self.name, self.description, self.objective, self.first_seen, self.last_seen,
            tuple(self.narratives), tuple(self.channels), tuple(self.languages),
            tuple(self.affected_nations), tuple(self.techniques),
            tuple(reports.ExamplePost(p.text, p.platform, p.url, p.published_at, p.language)
                  for p in self.example_posts),
            tuple(reports.SocialAccount(a.platform, a.login) for a in self.accounts),
        )  # fmt: skip


class ReportCreated(BaseModel):
    id: str = Field(description="STIX id of the incident or campaign")
    status_id: str
    objects: int
    object_ids: list[str]

    @classmethod
    def of(cls, result: ReportResult) -> ReportCreated:
        ids = [s.stix_id for s in result.status.successes]
        return cls(id=result.stix_id, status_id=result.status.id, objects=len(ids), object_ids=ids)


class ItemPublic(BaseModel):
    id: str
    type: str
    name: str
    originator: str
    marking: MarkingPublic
    banner: str
    date_added: str
    revoked: bool

    @classmethod
    def of(cls, item: BoardItem) -> ItemPublic:
        return cls(
            id=item.stix_id, type=item.type, name=item.name, originator=item.originator,
            marking=MarkingPublic.of(item.marking), banner=banner(item.marking),
            date_added=item.date_added, revoked=item.revoked,
        )  # fmt: skip


class SummaryRow(BaseModel):
    originator: str
    type: str
    count: int


class BoardPublic(BaseModel):
    newest: list[ItemPublic]
    summary: list[SummaryRow]


class EdgePublic(BaseModel):
    source: str
    target: str
    label: str
    via: str


class ObjectViewPublic(BaseModel):
    item: ItemPublic
    object: dict[str, Any]
    edges: list[EdgePublic]
    neighbours: list[ItemPublic]

    @classmethod
    def of(cls, view: ObjectView) -> ObjectViewPublic:
        return cls(
            item=ItemPublic.of(view.item), object=view.obj,
            edges=[EdgePublic(source=e.source, target=e.target, label=e.label, via=e.via)
                   for e in view.edges],
            neighbours=[ItemPublic.of(n) for n in view.neighbours],
        )  # fmt: skip


class TechniquePublic(BaseModel):
    id: str
    name: str
    tactic: str
    stix_id: str
    url: str
    parent: str | None


class TacticPublic(BaseModel):
    id: str
    name: str


class DisarmPublic(BaseModel):
    attribution: str
    tactics: list[TacticPublic]
    techniques: list[TechniquePublic]


class ImportResult(BaseModel):
    format: Literal["stix", "misp"]
    status_id: str
    total: int
    stored: int
    failed: int
    failures: list[dict[str, str]]
