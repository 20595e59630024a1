"""Tables and repositories of the shared kernel: nations, memberships, users, tokens, sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from defpact.core.db import Base, UTCDateTime, utcnow

__all__ = [
    "LoginFailureRow",
    "MembershipRepository",
    "MembershipRow",
    "NationRow",
    "TokenRow",
    "UserRepository",
    "UserRow",
    "WebSessionRow",
]


class NationRow(Base):
    __tablename__ = "nations"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    nato_joined: Mapped[date | None] = mapped_column(Date)
    eu_joined: Mapped[date | None] = mapped_column(Date)


class MembershipRow(Base):
    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nation_code: Mapped[str] = mapped_column(ForeignKey("nations.code"), index=True)
    joined: Mapped[date] = mapped_column(Date)
    left: Mapped[date | None] = mapped_column(Date)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    nation_code: Mapped[str] = mapped_column(ForeignKey("nations.code"), index=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    clearance: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class TokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSessionRow(Base):
    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginFailureRow(Base):
    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )


class MembershipRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def all(self) -> Sequence[MembershipRow]:
        stmt = select(MembershipRow).order_by(MembershipRow.joined, MembershipRow.id)
        return self._s.scalars(stmt).all()

    def current(self, on: date) -> Sequence[MembershipRow]:
        stmt = (
            select(MembershipRow)
            .where(MembershipRow.joined <= on)
            .where((MembershipRow.left.is_(None)) | (MembershipRow.left > on))
            .order_by(MembershipRow.joined, MembershipRow.id)
        )
        return self._s.scalars(stmt).all()

    def current_codes(self, on: date) -> frozenset[str]:
        stmt = (
            select(MembershipRow.nation_code)
            .where(MembershipRow.joined <= on)
            .where((MembershipRow.left.is_(None)) | (MembershipRow.left > on))
        )
        return frozenset(self._s.scalars(stmt))

    def open_for(self, nation: str) -> MembershipRow | None:
        stmt = select(MembershipRow).where(
            MembershipRow.nation_code == nation, MembershipRow.left.is_(None)
        )
        return self._s.scalars(stmt).first()

    def add(self, row: MembershipRow) -> None:
        self._s.add(row)


class UserRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, user_id: int) -> UserRow | None:
        return self._s.get(UserRow, user_id)

    def by_username(self, username: str) -> UserRow | None:
        return self._s.scalars(select(UserRow).where(UserRow.username == username)).first()

    def list(self, nation: str | None = None) -> Sequence[UserRow]:
        stmt = select(UserRow).order_by(UserRow.nation_code, UserRow.username)
        if nation is not None:
            stmt = stmt.where(UserRow.nation_code == nation)
        return self._s.scalars(stmt).all()

    def add(self, row: UserRow) -> None:
        self._s.add(row)

    def token_by_hash(self, token_hash: str) -> TokenRow | None:
        return self._s.scalars(select(TokenRow).where(TokenRow.token_hash == token_hash)).first()

    def token(self, token_id: int) -> TokenRow | None:
        return self._s.get(TokenRow, token_id)

    def tokens_of(self, user_id: int) -> Sequence[TokenRow]:
        stmt = select(TokenRow).where(TokenRow.user_id == user_id).order_by(TokenRow.id)
        return self._s.scalars(stmt).all()

    def count_failures(self, *, username: str | None, address: str | None, since: datetime) -> int:
        stmt = select(func.count()).select_from(LoginFailureRow).where(LoginFailureRow.at >= since)
        if username is not None:
            stmt = stmt.where(LoginFailureRow.username == username)
        if address is not None:
            stmt = stmt.where(LoginFailureRow.address == address)
        return int(self._s.scalar(stmt) or 0)
