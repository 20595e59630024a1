"""Pydantic input and output schemas of the governance API (separate In/Public models).

Inputs forbid unknown fields and bound every string; outputs are built from the services'
frozen dataclasses by ``presenters``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from defpact.core.identity import Clearance
from defpact.core.marking import TLP, parse_releasable_to
from defpact.core.schemas import ClearanceName
from defpact.governance import service
from defpact.governance.access import MarkingSpec
from defpact.governance.approval import MAX_COMMENT, Decision, RoundStatus
from defpact.governance.provisions import Provision
from defpact.governance.textdiff import LineKind
from defpact.governance.tracker import ActionStatus

__all__ = [
    "AccessionCreate",
    "AccessionPublic",
    "ActionCreate",
    "ActionPublic",
    "DecisionCreate",
    "DecisionCreated",
    "DiffPublic",
    "DocumentCreate",
    "DocumentPublic",
    "GroupCreate",
    "GroupMemberAdd",
    "GroupPublic",
    "MarkingIn",
    "MeetingCreate",
    "MeetingPublic",
    "MinutesUpdate",
    "ProgressCreate",
    "SummaryPublic",
    "VersionCreate",
    "VersionPublic",
    "VoteCreate",
    "WithdrawalCreate",
    "WithdrawalPublic",
]

Username = Annotated[str, StringConstraints(min_length=3, max_length=64, pattern=r"^[a-z0-9._-]+$")]
NationCode = Annotated[str, StringConstraints(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")]
ReleaseCode = Annotated[str, StringConstraints(pattern=r"^([A-Za-z]{2}|PACT)$")]
TlpName = Literal["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=100_000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class MarkingIn(_In):
    classification: ClearanceName = "UNCLASSIFIED"
    releasable_to: list[ReleaseCode] = Field(default_factory=lambda: ["PACT"], max_length=40)
    tlp: TlpName = "GREEN"

    @field_validator("releasable_to")
    @classmethod
    def _known_codes(cls, value: list[str]) -> list[str]:
        return sorted(parse_releasable_to(value))

    def spec(self) -> MarkingSpec:
        return MarkingSpec(
            Clearance[self.classification],
            parse_releasable_to(self.releasable_to),
            TLP.parse(self.tlp),
        )


class MarkingPublic(_Out):
    originator: str
    classification: ClearanceName
    releasable_to: list[str]
    tlp: str
    banner: str


class UserRefPublic(_Out):
    username: str = Field(description="Empty for a person named by another node (a replica).")
    nation: str
    display_name: str


class GroupCreate(_In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    mandate: LongText = ""
    chair_nation: NationCode
    provisions: list[Provision] = Field(min_length=1, max_length=6)
    members: list[Username] = Field(default_factory=list, max_length=200)
    marking: MarkingIn = Field(default_factory=MarkingIn)


class GroupMemberAdd(_In):
    username: Username


class GroupPublic(_Out):
    id: int
    name: str
    mandate: str
    chair_nation: str
    provisions: list[Provision]
    members: list[UserRefPublic]
    marking: MarkingPublic
    created_at: datetime
    withdrawn_at: datetime | None = None


class ActionCreate(_In):
    provision: Provision
    title: Title
    description: LongText = ""
    owner_nation: NationCode
    due: date
    group_id: int | None = None
    status: ActionStatus = ActionStatus.OPEN
    marking: MarkingIn | None = None

    def new(self) -> service.NewAction:
        return service.NewAction(
            provision=self.provision,
            title=self.title,
            owner_nation=self.owner_nation,
            due=self.due,
            description=self.description,
            group_id=self.group_id,
            status=self.status,
            marking=self.marking.spec() if self.marking else None,
        )


class MeetingCreate(_In):
    group_id: int
    title: Title
    place: Annotated[str, StringConstraints(max_length=200)] = ""
    starts: AwareDatetime
    ends: AwareDatetime
    agenda: LongText = ""
    minutes: LongText = ""
    attendees: list[Username] = Field(default_factory=list, max_length=200)
    marking: MarkingIn | None = None


class MinutesUpdate(_In):
    minutes: LongText
    version: int | None = Field(default=None, description="The meeting version you edited.")


class DecisionCreate(_In):
    text: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    actions: list[ActionCreate] = Field(default_factory=list, max_length=50)


class DecisionPublic(_Out):
    id: int
    text: str
    created_at: datetime
    action_ids: list[int]


class MeetingPublic(_Out):
    id: int
    group_id: int
    group_name: str
    title: str
    place: str
    starts: datetime
    ends: datetime
    agenda: str
    minutes: str
    attendees: list[UserRefPublic]
    decisions: list[DecisionPublic]
    marking: MarkingPublic
    version: int
    withdrawn_at: datetime | None = None


class DocumentCreate(_In):
    title: Title
    content: Annotated[str, StringConstraints(min_length=1, max_length=500_000)]
    summary: Annotated[str, StringConstraints(max_length=500)] = "first draft"
    marking: MarkingIn = Field(default_factory=MarkingIn)


class VersionCreate(_In):
    content: Annotated[str, StringConstraints(min_length=1, max_length=500_000)]
    summary: Annotated[str, StringConstraints(max_length=500)] = ""
    marking: MarkingIn | None = None


class VoteCreate(_In):
    decision: Decision
    comment: Annotated[str, StringConstraints(max_length=MAX_COMMENT)] = ""
    nation: NationCode | None = Field(
        default=None, description="The nation voted for; only your own (default)."
    )


class BallotPublic(_Out):
    nation: str
    decision: Decision
    comment: str
    voter: str
    cast_at: datetime


class PositionPublic(_Out):
    nation: str
    position: Literal["approved", "rejected", "pending", "removed"]


class RoundPublic(_Out):
    id: int
    kind: str
    status: RoundStatus
    opened_at: datetime
    closed_at: datetime | None
    positions: list[PositionPublic]
    ballots: list[BallotPublic]
    pending: list[str]


class VersionSummaryPublic(_Out):
    number: int
    summary: str
    author: str
    created_at: datetime
    marking: MarkingPublic
    round_status: RoundStatus | None


class DocumentPublic(_Out):
    id: int
    title: str
    marking: MarkingPublic
    created_at: datetime
    versions: list[VersionSummaryPublic]
    adopted_version: int | None
    in_approval: int | None


class VersionPublic(_Out):
    document_id: int
    document_title: str
    number: int
    content: str
    content_html: str = Field(description="The Markdown rendered with raw HTML disabled.")
    summary: str
    author: str
    created_at: datetime
    marking: MarkingPublic
    latest: bool
    round: RoundPublic | None


class DiffLinePublic(_Out):
    kind: LineKind
    old_number: int | None
    new_number: int | None
    text: str


class DiffPublic(_Out):
    document_id: int
    title: str
    from_number: int
    to_number: int
    added: int
    removed: int
    lines: list[DiffLinePublic]
    unified: str


class NotePublic(_Out):
    author: str
    nation: str | None
    status: ActionStatus
    note: str
    at: datetime


class ActionPublic(_Out):
    id: int
    provision: Provision
    provision_label: str
    title: str
    description: str
    owner_nation: str
    group_id: int | None
    decision_id: int | None
    due: date
    status: ActionStatus
    overdue: bool
    notes: list[NotePublic]
    marking: MarkingPublic
    created_at: datetime
    updated_at: datetime
    version: int
    withdrawn_at: datetime | None = None


class DecisionCreated(_Out):
    decision: DecisionPublic
    actions: list[ActionPublic]


class ProgressCreate(_In):
    status: ActionStatus | None = None
    note: Annotated[str, StringConstraints(max_length=4000)] = ""
    version: int | None = Field(default=None, description="The item version you edited.")


class SummaryRowPublic(_Out):
    key: str
    label: str
    total: int
    overdue: int
    by_status: dict[str, int]
    completion: float


class SummaryPublic(_Out):
    today: date
    by_provision: list[SummaryRowPublic]
    by_nation: list[SummaryRowPublic]


class AccessionCreate(_In):
    nation: NationCode
    joined: date | None = Field(default=None, description="Membership from; default today.")
    statement: Annotated[str, StringConstraints(max_length=4000)] = ""


class AccessionPublic(_Out):
    id: int
    nation: str
    nation_name: str
    stated_joined: date
    statement: str
    proposer_nation: str | None
    proposer: str
    proposed_at: datetime
    status: Literal["open", "admitted", "rejected", "lapsed", "superseded"]
    effective_joined: date | None
    round: RoundPublic


class WithdrawalCreate(_In):
    left: date | None = Field(
        default=None, description="Last day is the day before; default today."
    )


class ClosedRoundPublic(_Out):
    id: int
    kind: str
    status: RoundStatus


class WithdrawalPublic(_Out):
    nation: str
    name: str
    joined: date
    left: date | None
    closed_rounds: list[ClosedRoundPublic]
