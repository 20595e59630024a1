"""Tables and repositories of the governance context (SQLAlchemy 2, ``select()`` style).

Groups, meetings, documents and their versions, and action items carry a marking
(``MarkedMixin``); every repository read takes the ``visible_to`` condition the service built for
the caller. Approval rounds (of document versions and of accession requests alike) carry a
version column: two approvers who vote on the same round at once cannot both write from the same
state (optimistic concurrency, SQLAlchemy ``version_id_col``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
    true,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from defpact.core.db import Base, UTCDateTime, utcnow
from defpact.core.releasability import MarkedMixin

__all__ = [
    "AccessionRepository",
    "AccessionRow",
    "ActionNoteRow",
    "ActionRepository",
    "ActionRow",
    "DecisionRow",
    "DocumentRepository",
    "DocumentRow",
    "GroupMemberRow",
    "GroupRepository",
    "GroupRow",
    "MeetingAttendeeRow",
    "MeetingRepository",
    "MeetingRow",
    "ParticipantRow",
    "RoundRepository",
    "RoundRow",
    "VersionRow",
    "VoteRow",
]


class GroupRow(MarkedMixin, Base):
    __tablename__ = "gov_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    mandate: Mapped[str] = mapped_column(Text, default="")
    chair_nation: Mapped[str] = mapped_column(String(2))
    provisions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A replica's members as its originating node names them: [[nation, display name], ...]
    # (users of this node are members through gov_group_members).
    member_names: Mapped[list[list[str]]] = mapped_column(JSON, default=list)


class GroupMemberRow(Base):
    __tablename__ = "gov_group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("gov_groups.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)


class MeetingRow(MarkedMixin, Base):
    __tablename__ = "gov_meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("gov_groups.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    agenda: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A replica's attendees as its originating node names them: [[nation, display name], ...].
    attendee_names: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class MeetingAttendeeRow(Base):
    __tablename__ = "gov_meeting_attendees"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("gov_meetings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)


class DecisionRow(Base):
    """A meeting's decision; ``uid`` names it on every node (action items cite it by uid)."""

    __tablename__ = "gov_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(
        String(36), unique=True, index=True, default=lambda: str(uuid.uuid4())
    )
    meeting_id: Mapped[int] = mapped_column(ForeignKey("gov_meetings.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentRow(MarkedMixin, Base):
    __tablename__ = "gov_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoundRow(Base):
    """A unanimity round; ``kind`` is ``document`` or ``accession``."""

    __tablename__ = "gov_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ParticipantRow(Base):
    __tablename__ = "gov_round_participants"
    __table_args__ = (UniqueConstraint("round_id", "nation_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("gov_rounds.id"), index=True)
    nation_code: Mapped[str] = mapped_column(String(2))
    removed_on: Mapped[date | None] = mapped_column(Date)


class VoteRow(Base):
    __tablename__ = "gov_votes"
    __table_args__ = (UniqueConstraint("round_id", "nation_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("gov_rounds.id"), index=True)
    nation_code: Mapped[str] = mapped_column(String(2))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    voter_name: Mapped[str] = mapped_column(String(120))
    decision: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VersionRow(MarkedMixin, Base):
    __tablename__ = "gov_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("gov_documents.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("gov_rounds.id"), unique=True)


class ActionRow(MarkedMixin, Base):
    __tablename__ = "gov_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provision: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_nation: Mapped[str] = mapped_column(String(2), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("gov_groups.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("gov_decisions.id"), index=True)
    due: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ActionNoteRow(Base):
    __tablename__ = "gov_action_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("gov_actions.id"), index=True)
    author_name: Mapped[str] = mapped_column(String(120))
    author_nation: Mapped[str | None] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccessionRow(Base):
    __tablename__ = "gov_accessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nation_code: Mapped[str] = mapped_column(ForeignKey("nations.code"), index=True)
    stated_joined: Mapped[date] = mapped_column(Date)
    statement: Mapped[str] = mapped_column(Text, default="")
    proposer_nation: Mapped[str | None] = mapped_column(String(2))
    proposer_name: Mapped[str] = mapped_column(String(120))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    round_id: Mapped[int] = mapped_column(ForeignKey("gov_rounds.id"), unique=True)
    effective_joined: Mapped[date | None] = mapped_column(Date)


Condition = ColumnElement[bool]


class GroupRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def find(self, visible: Condition) -> Sequence[GroupRow]:
        return self._s.scalars(select(GroupRow).where(visible).order_by(GroupRow.name)).all()

    def get(self, group_id: int, visible: Condition) -> GroupRow | None:
        stmt = select(GroupRow).where(GroupRow.id == group_id, visible)
        return self._s.scalars(stmt).first()

    def by_name(self, name: str) -> GroupRow | None:
        return self._s.scalars(select(GroupRow).where(GroupRow.name == name)).first()

    def member_ids(self, group_id: int) -> list[int]:
        stmt = select(GroupMemberRow.user_id).where(GroupMemberRow.group_id == group_id)
        return list(self._s.scalars(stmt.order_by(GroupMemberRow.id)))

    def groups_of_user(self, user_id: int) -> list[int]:
        stmt = select(GroupMemberRow.group_id).where(GroupMemberRow.user_id == user_id)
        return list(self._s.scalars(stmt))


class MeetingRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def find(self, visible: Condition, group_id: int | None = None) -> Sequence[MeetingRow]:
        stmt = select(MeetingRow).where(visible).order_by(MeetingRow.starts_at, MeetingRow.id)
        if group_id is not None:
            stmt = stmt.where(MeetingRow.group_id == group_id)
        return self._s.scalars(stmt).all()

    def get(self, meeting_id: int, visible: Condition) -> MeetingRow | None:
        stmt = select(MeetingRow).where(MeetingRow.id == meeting_id, visible)
        return self._s.scalars(stmt).first()

    def attendee_ids(self, meeting_id: int) -> list[int]:
        stmt = select(MeetingAttendeeRow.user_id).where(MeetingAttendeeRow.meeting_id == meeting_id)
        return list(self._s.scalars(stmt.order_by(MeetingAttendeeRow.id)))

    def meetings_attended(self, user_id: int) -> list[int]:
        stmt = select(MeetingAttendeeRow.meeting_id).where(MeetingAttendeeRow.user_id == user_id)
        return list(self._s.scalars(stmt))

    def decisions(self, meeting_id: int) -> Sequence[DecisionRow]:
        stmt = select(DecisionRow).where(DecisionRow.meeting_id == meeting_id)
        return self._s.scalars(stmt.order_by(DecisionRow.id)).all()


class DocumentRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def find(self, visible: Condition) -> Sequence[DocumentRow]:
        stmt = select(DocumentRow).where(visible).order_by(DocumentRow.title, DocumentRow.id)
        return self._s.scalars(stmt).all()

    def get(self, document_id: int, visible: Condition) -> DocumentRow | None:
        stmt = select(DocumentRow).where(DocumentRow.id == document_id, visible)
        return self._s.scalars(stmt).first()

    def by_title(self, title: str) -> DocumentRow | None:
        return self._s.scalars(select(DocumentRow).where(DocumentRow.title == title)).first()

    def versions(self, document_id: int, visible: Condition = true()) -> Sequence[VersionRow]:
        stmt = select(VersionRow).where(VersionRow.document_id == document_id, visible)
        return self._s.scalars(stmt.order_by(VersionRow.number)).all()

    def latest_number(self, document_id: int) -> int:
        numbers = [v.number for v in self.versions(document_id)]
        return max(numbers, default=0)


class RoundRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, round_id: int) -> RoundRow | None:
        return self._s.get(RoundRow, round_id)

    def open_rounds(self) -> Sequence[RoundRow]:
        stmt = select(RoundRow).where(RoundRow.status == "open").order_by(RoundRow.id)
        return self._s.scalars(stmt).all()

    def participants(self, round_id: int) -> Sequence[ParticipantRow]:
        stmt = select(ParticipantRow).where(ParticipantRow.round_id == round_id)
        return self._s.scalars(stmt.order_by(ParticipantRow.nation_code)).all()

    def votes(self, round_id: int) -> Sequence[VoteRow]:
        stmt = select(VoteRow).where(VoteRow.round_id == round_id)
        return self._s.scalars(stmt.order_by(VoteRow.cast_at, VoteRow.id)).all()


class ActionRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def find(self, visible: Condition) -> Sequence[ActionRow]:
        stmt = select(ActionRow).where(visible).order_by(ActionRow.due, ActionRow.id)
        return self._s.scalars(stmt).all()

    def get(self, action_id: int, visible: Condition) -> ActionRow | None:
        stmt = select(ActionRow).where(ActionRow.id == action_id, visible)
        return self._s.scalars(stmt).first()

    def by_title(self, title: str) -> ActionRow | None:
        return self._s.scalars(select(ActionRow).where(ActionRow.title == title)).first()

    def notes(self, action_id: int) -> Sequence[ActionNoteRow]:
        stmt = select(ActionNoteRow).where(ActionNoteRow.action_id == action_id)
        return self._s.scalars(stmt.order_by(ActionNoteRow.at, ActionNoteRow.id)).all()


class AccessionRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def find(self) -> Sequence[AccessionRow]:
        stmt = select(AccessionRow).order_by(AccessionRow.proposed_at.desc(), AccessionRow.id)
        return self._s.scalars(stmt).all()

    def get(self, accession_id: int) -> AccessionRow | None:
        return self._s.get(AccessionRow, accession_id)

    def by_round(self, round_id: int) -> AccessionRow | None:
        stmt = select(AccessionRow).where(AccessionRow.round_id == round_id)
        return self._s.scalars(stmt).first()

    def open_for(self, nation: str) -> AccessionRow | None:
        stmt = (
            select(AccessionRow)
            .join(RoundRow, RoundRow.id == AccessionRow.round_id)
            .where(AccessionRow.nation_code == nation, RoundRow.status == "open")
        )
        return self._s.scalars(stmt).first()
