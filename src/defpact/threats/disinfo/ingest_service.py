"""Ingest of post batches: one file of one nation, read as a stream, stored in one transaction.

Rows are read with :func:`.posts.read_posts`, so a bad row is skipped with its reason and
counted in the batch's ingest report (count by reason and the first examples); the file as a
whole fails only when it cannot be read at all (``InvalidInput`` naming the file). Valid posts
go in with multi-row INSERTs of a few thousand rows at a time. The batch carries the marking
chosen by the uploader (originator: the uploader's nation); every read of batches and posts
goes through ``visible_to`` on the batch, so what a caller may not see does not exist for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.errors import InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.marking import Marking, marking_problem
from defpact.core.nations import NATIONS
from defpact.core.releasability import visible_to
from defpact.core.service import member_codes_in
from defpact.core.uow import UnitOfWork
from defpact.threats.disinfo.posts import InputFormatError, Post, read_posts
from defpact.threats.disinfo.records import Batch
from defpact.threats.disinfo.store import BatchRow, insert_posts

__all__ = [
    "WRITER_ROLES",
    "Upload",
    "get_batch",
    "ingest_batch",
    "list_batches",
    "visible_batches",
]

WRITER_ROLES = (Role.ANALYST, Role.INTEL)
_CHUNK = 5000
_LIMITS = {"id": 200, "account": 200, "platform": 40, "reply_to": 200, "reshare_of": 200,
           "language": 20, "media_hash": 200}  # fmt: skip

IngestProgress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Upload:
    """A file to ingest: a path, or a binary stream with its file name (format from the name
    unless ``fmt`` is given); the stored name is the last path part, at most 255 characters."""

    source: str | Path | IO[bytes]
    name: str
    fmt: str | None = None

    @property
    def filename(self) -> str:
        return Path(self.name).name[:255] or "upload"


def _to_domain(row: BatchRow) -> Batch:
    return Batch(
        id=row.id,
        filename=row.filename,
        format=row.format,
        marking=row.marking,
        rows_read=row.rows_read,
        rows_accepted=row.rows_accepted,
        rows_skipped=row.rows_skipped,
        skipped_by_reason=dict(row.skipped_by_reason),
        warnings=dict(row.warnings),
        examples=list(row.examples),
        uploaded_by=row.uploaded_by_name,
        created_at=row.created_at,
        withdrawn=row.withdrawn_at is not None,
    )


def _uploader(actor: Actor, nation: str) -> Clearance:
    """The clearance the upload is checked against; users ingest only for their own nation."""
    principal = actor.principal
    if principal is None:
        return Clearance.SECRET  # the node's operator at the console
    if not principal.has_role(*WRITER_ROLES):
        raise PermissionDenied("ingesting posts needs the analyst or intel role")
    if principal.nation != nation:
        raise InvalidInput("a batch belongs to the uploader's own nation", field="nation")
    return principal.clearance


def _too_long(post: Post) -> str | None:
    for name, limit in _LIMITS.items():
        value = getattr(post, name)
        if value is not None and len(value) > limit:
            return f"field '{name}' is longer than {limit} characters"
    return None


def _row(post: Post, batch_id: int) -> dict[str, Any]:
    return {
        "batch_id": batch_id, "post_id": post.id, "account": post.account,
        "platform": post.platform, "published_at": post.published_at, "text": post.text,
        "urls": list(post.urls), "reply_to": post.reply_to, "reshare_of": post.reshare_of,
        "language": post.language, "media_hash": post.media_hash,
    }  # fmt: skip


def _store_posts(
    session: Session, batch: BatchRow, upload: Upload, progress: IngestProgress | None
) -> None:
    try:
        stream, report = read_posts(upload.source, fmt=upload.fmt, name=upload.filename)
    except InputFormatError as exc:
        raise InvalidInput(str(exc), field="file") from None
    chunk: list[dict[str, Any]] = []
    stored = 0
    for post in stream:
        problem = _too_long(post)
        if problem is not None:
            report.rows_accepted -= 1
            report.skip(report.rows_read + (report.format == "csv"), "bad_field", problem)
            continue
        chunk.append(_row(post, batch.id))
        if len(chunk) >= _CHUNK:
            insert_posts(session, chunk)
            stored += len(chunk)
            chunk = []
            if progress is not None:
                progress(stored)
    if chunk:
        insert_posts(session, chunk)
        stored += len(chunk)
    if progress is not None:
        progress(stored)
    data = report.to_dict()
    batch.format = report.format
    batch.rows_read, batch.rows_accepted = report.rows_read, stored
    batch.rows_skipped = report.rows_skipped
    batch.skipped_by_reason = data["skipped_by_reason"]
    batch.warnings, batch.examples = data["warnings"], data["examples"]


def ingest_batch(
    uow: UnitOfWork,
    actor: Actor,
    upload: Upload,
    marking: Marking,
    progress: IngestProgress | None = None,
) -> Batch:
    """Store the valid posts of ``upload`` as one batch of the marking's originator nation;
    bad rows are skipped and reported in the batch."""
    nation = marking.originator
    if nation not in NATIONS:
        raise InvalidInput(f"unknown nation {nation!r}", field="nation")
    clearance = _uploader(actor, nation)
    with uow:
        session = uow.session
        if problem := marking_problem(marking, member_codes_in(session), clearance):
            raise InvalidInput(problem[1], field=problem[0])
        batch = BatchRow(
            filename=upload.filename,
            format=upload.fmt or "",
            uploaded_by_id=actor.user_id,
            uploaded_by_name=actor.name,
        )
        batch.apply_marking(marking)
        session.add(batch)
        session.flush()
        _store_posts(session, batch, upload, progress)
        session.flush()
        result = _to_domain(batch)
        record_event(
            session, actor, "disinfo_batch.ingest", "disinfo_batch", batch.id,
            object_nation=nation,
            after={"filename": batch.filename, "rows_read": batch.rows_read,
                   "rows_accepted": batch.rows_accepted, "rows_skipped": batch.rows_skipped,
                   "classification": marking.classification.name,
                   "releasable_to": sorted(marking.releasable_to), "tlp": marking.tlp.value},
        )  # fmt: skip
        uow.commit()
        return result


def visible_batches(session: Session, principal: Principal) -> Select[BatchRow]:
    """Batches the principal may read now (withdrawn ones only to their originator)."""
    members = member_codes_in(session)
    return select(BatchRow).where(visible_to(BatchRow, principal, members))


def list_batches(
    uow: UnitOfWork, principal: Principal, limit: int = 50, offset: int = 0
) -> tuple[list[Batch], int]:
    """Visible batches, newest first, and how many are visible in all."""
    with uow:
        stmt = visible_batches(uow.session, principal)
        total = int(uow.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
        rows = uow.session.scalars(
            stmt.order_by(BatchRow.id.desc()).limit(limit).offset(offset)
        ).all()
        return [_to_domain(r) for r in rows], total


def get_batch(uow: UnitOfWork, principal: Principal, batch_id: int) -> Batch:
    with uow:
        stmt = visible_batches(uow.session, principal).where(BatchRow.id == batch_id)
        row = uow.session.scalars(stmt).first()
        if row is None:
            raise NotFound(f"no batch {batch_id}")
        batch = _to_domain(row)
        if row.classification >= int(Clearance.RESTRICTED):
            record_event(
                uow.session, Actor.of(principal), "disinfo_batch.read", "disinfo_batch",
                row.id, object_nation=row.originator,
            )  # fmt: skip
            uow.commit()
        return batch
