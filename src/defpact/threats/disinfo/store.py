"""Tables of the disinformation platform: ingest batches, posts, detection runs, groups.

A *batch* is one uploaded file of one nation; it carries the releasability marking
(``MarkedMixin``) and the ingest report (counts, skipped rows by reason, first examples). Its
*posts* inherit the batch's marking: every read of posts joins the batch and applies
``visible_to`` to it. A *run* pools the posts of the batches its creator could see
(``disinfo_run_batches`` lists them) and is itself marked: originator the creator's nation,
released to nobody else, classification the highest of the pooled batches. A *group* is one
detected coordinated group of a run; its *evidence* rows link it to the posts (and through them
to the batches) behind its links, so a page can show only what the viewer may see now.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Table, Text, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from defpact.core.db import Base, UTCDateTime, utcnow
from defpact.core.releasability import MarkedMixin

__all__ = [
    "BatchRow",
    "EvidenceRow",
    "GroupRow",
    "PostRow",
    "RunBatchRow",
    "RunRow",
    "insert_posts",
]


class BatchRow(MarkedMixin, Base):
    __tablename__ = "disinfo_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(8))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_accepted: Mapped[int] = mapped_column(Integer, default=0)
    rows_skipped: Mapped[int] = mapped_column(Integer, default=0)
    skipped_by_reason: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    warnings: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    examples: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_by_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostRow(Base):
    __tablename__ = "disinfo_posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("disinfo_batches.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[str] = mapped_column(String(200))
    account: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(40))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text, default="")
    urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    reply_to: Mapped[str | None] = mapped_column(String(200))
    reshare_of: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(20))
    media_hash: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_disinfo_posts_post_id", "post_id"),)


class RunRow(MarkedMixin, Base):
    __tablename__ = "disinfo_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    posts_pooled: Mapped[int] = mapped_column(Integer, default=0)
    groups_found: Mapped[int] = mapped_column(Integer, default=0)


class RunBatchRow(Base):
    """A batch whose posts a run pooled."""

    __tablename__ = "disinfo_run_batches"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("disinfo_runs.id", ondelete="CASCADE"), primary_key=True
    )
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("disinfo_batches.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class GroupRow(Base):
    __tablename__ = "disinfo_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("disinfo_runs.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int] = mapped_column(Integer)
    accounts: Mapped[list[str]] = mapped_column(JSON, default=list)
    score: Mapped[float] = mapped_column(Float)
    edges: Mapped[int] = mapped_column(Integer)
    posts: Mapped[int] = mapped_column(Integer)
    shared_objects: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    time_start: Mapped[datetime] = mapped_column(UTCDateTime)
    time_end: Mapped[datetime] = mapped_column(UTCDateTime)
    languages: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    platforms: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    nations: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    campaign_stix_id: Mapped[str | None] = mapped_column(String(80))
    campaign_name: Mapped[str | None] = mapped_column(String(200))
    disarm: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_name: Mapped[str | None] = mapped_column(String(64))


class EvidenceRow(Base):
    """One post behind one shared object of a group (``obj`` indexes ``shared_objects``)."""

    __tablename__ = "disinfo_evidence"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("disinfo_groups.id", ondelete="CASCADE"), primary_key=True
    )
    obj: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_pk: Mapped[int] = mapped_column(
        ForeignKey("disinfo_posts.id", ondelete="CASCADE"), primary_key=True, index=True
    )


POST_COLUMNS = ("batch_id", "post_id", "account", "platform", "published_at", "text", "urls",
                "reply_to", "reshare_of", "language", "media_hash")  # fmt: skip


def insert_posts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert posts fast: ``COPY`` on PostgreSQL, a multi-row Core INSERT elsewhere.

    (Not the ORM bulk path, which splits a chunk wherever the set of NULL columns changes.)
    Every row holds every key of ``POST_COLUMNS``.
    """
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(cast(Table, PostRow.__table__)), rows)
        return
    cursor = connection.connection.cursor()
    statement = f"COPY disinfo_posts ({', '.join(POST_COLUMNS)}) FROM STDIN"
    with cursor.copy(statement) as copy:
        for row in rows:
            values = [row[name] for name in POST_COLUMNS]
            values[6] = json.dumps(values[6], ensure_ascii=False)
            copy.write_row(values)
