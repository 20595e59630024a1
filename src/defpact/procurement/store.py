"""Tables of the procurement context (SQLAlchemy 2).

- ``procurement_catalogue``: pact-wide reference data (not marked), one row per system.
- ``procurement_requirements`` and ``procurement_budget_lines``: a nation's needs and budget
  per fiscal year, marked records (``MarkedMixin``); every read filters with ``visible_to``.
- ``procurement_cases``: joint orders, marked too: the lead (proposing) nation is the
  originator and the case is released by name to the other participants, at the highest
  classification of the requirements it was built from, so only participants see it.
- ``procurement_commitments``: one row per participant that committed to its share; unique per
  (case, nation).
- ``procurement_case_steps``: the lifecycle history shown on the case page (the audit log
  holds the same events, tamper-evident).

At most one requirement per (nation, item) and one budget line per (nation, year) is active:
``active_key`` holds that pair while the record is active and NULL once it is withdrawn, under a
unique constraint (NULLs never collide), so even concurrent creations cannot duplicate one.

Rows that two people may change at once (catalogue entries, requirements, budget lines and
cases) carry a ``version`` column (SQLAlchemy ``version_id_col``): a write from a stale state
matches no row and fails instead of overwriting.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from defpact.core.db import Base, UTCDateTime, utcnow
from defpact.core.releasability import MarkedMixin

__all__ = [
    "BudgetLineRow",
    "CaseRow",
    "CaseStepRow",
    "CatalogueItemRow",
    "CommitmentRow",
    "RequirementRow",
]


class CatalogueItemRow(Base):
    __tablename__ = "procurement_catalogue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(4))
    cost: Mapped[dict[str, Any]] = mapped_column(JSON)
    sched: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class RequirementRow(MarkedMixin, Base):
    __tablename__ = "procurement_requirements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("procurement_catalogue.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    need_by: Mapped[str] = mapped_column(String(7))
    # "<nation>:<item id>" while active, NULL once withdrawn: one active requirement per item.
    active_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class BudgetLineRow(MarkedMixin, Base):
    __tablename__ = "procurement_budget_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    # "<nation>:<year>" while active, NULL once withdrawn: one active line per fiscal year.
    active_key: Mapped[str | None] = mapped_column(String(20), unique=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CaseRow(MarkedMixin, Base):
    __tablename__ = "procurement_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("procurement_catalogue.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(40))
    item_name: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), index=True)
    participants: Mapped[list[str]] = mapped_column(JSON)
    quantities: Mapped[dict[str, int]] = mapped_column(JSON)
    need_by: Mapped[dict[str, str]] = mapped_column(JSON)
    shares_cents: Mapped[dict[str, int]] = mapped_column(JSON)
    stand_alone_cents: Mapped[dict[str, int]] = mapped_column(JSON)
    joint_cost_cents: Mapped[int] = mapped_column(BigInteger)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CommitmentRow(Base):
    __tablename__ = "procurement_commitments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("procurement_cases.id"), index=True)
    nation: Mapped[str] = mapped_column(String(2))
    share_cents: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("case_id", "nation"),)


class CaseStepRow(Base):
    __tablename__ = "procurement_case_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("procurement_cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    nation: Mapped[str | None] = mapped_column(String(2))
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
