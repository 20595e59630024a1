"""Pydantic input and output schemas of the core API (separate In/Public models)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from defpact.core.errors import InvalidInput
from defpact.core.identity import Clearance, Role
from defpact.core.marking import TLP, Marking, banner, parse_releasable_to

__all__ = [
    "ClearanceName",
    "HealthPublic",
    "MarkingIn",
    "MarkingPublic",
    "TLPName",
    "MemberPublic",
    "NationPublic",
    "TokenCreate",
    "TokenCreated",
    "TokenPublic",
    "UserCreate",
    "UserCreated",
    "UserPublic",
]

Username = Annotated[str, StringConstraints(min_length=3, max_length=64, pattern=r"^[a-z0-9._-]+$")]
ClearanceName = Literal["UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET"]
NationCode = Annotated[str, StringConstraints(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class HealthPublic(_Out):
    status: str
    database: str
    version: str


class NationPublic(_Out):
    code: str
    name: str
    nato_joined: date | None
    eu_joined: date | None
    member: bool


class MemberPublic(_Out):
    code: str
    name: str
    joined: date
    left: date | None


class UserPublic(_Out):
    id: int
    username: str
    nation: str
    display_name: str
    roles: list[Role]
    clearance: ClearanceName
    disabled: bool
    created_at: datetime


class UserCreate(_In):
    username: Username
    nation: NationCode
    roles: list[Role] = Field(min_length=1, max_length=7)
    clearance: ClearanceName = "UNCLASSIFIED"
    display_name: Annotated[str, StringConstraints(max_length=120)] = ""
    password: Annotated[str, StringConstraints(max_length=1024)] | None = Field(
        default=None,
        description="At least 12 characters; omitted: one is generated and returned once.",
    )


class UserCreated(_Out):
    user: UserPublic
    generated_password: str | None


class TokenCreate(_In):
    expires_days: int = Field(default=90, ge=1, le=366)
    name: Annotated[str, StringConstraints(max_length=80)] = ""


class TokenPublic(_Out):
    id: int
    username: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class TokenCreated(_Out):
    token: TokenPublic
    secret: str = Field(description="The bearer token; shown once, stored only as a hash.")


TLPName = Literal["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]


class MarkingIn(_In):
    """A releasability marking; the originator is always the author's nation."""

    classification: ClearanceName = "UNCLASSIFIED"
    releasable_to: list[Annotated[str, StringConstraints(min_length=2, max_length=4)]] = Field(
        default_factory=lambda: ["PACT"],
        max_length=40,
        description="Nation codes and/or PACT (every current member at read time)",
    )
    tlp: TLPName = "GREEN"

    def to_marking(self, originator: str) -> Marking:
        try:
            release = parse_releasable_to(self.releasable_to)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="releasable_to") from None
        return Marking(originator, Clearance[self.classification], release, TLP(self.tlp))


class MarkingPublic(_Out):
    originator: str
    classification: ClearanceName
    releasable_to: list[str]
    tlp: TLPName
    banner: str

    @classmethod
    def of(cls, marking: Marking) -> MarkingPublic:
        return cls(
            originator=marking.originator,
            classification=marking.classification.name,
            releasable_to=sorted(marking.releasable_to),
            tlp=marking.tlp.value,
            banner=banner(marking),
        )
