"""Use cases of documents: numbered versions and the readable diff between two of them.

A document (e.g. the implementation guide) has versions 1, 2, ... each with Markdown content,
a change summary, its author and its own marking; only the originator nation adds versions.
Their approval by the ministries is in ``approval_service``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import InvalidInput
from defpact.core.identity import Role
from defpact.core.marking import Marking, banner
from defpact.core.origin import ensure_originated_here
from defpact.core.service import member_codes_in
from defpact.core.uow import UnitOfWork
from defpact.governance import access, rounds
from defpact.governance.access import MarkingSpec
from defpact.governance.approval import RoundStatus
from defpact.governance.group_service import checked_text
from defpact.governance.replication import journal_document
from defpact.governance.rounds import RoundInfo
from defpact.governance.store import DocumentRepository, DocumentRow, RoundRow, VersionRow
from defpact.governance.textdiff import DiffLine, diff_stats, line_diff, unified_diff

__all__ = [
    "MAX_CONTENT",
    "DiffInfo",
    "DocumentInfo",
    "NewDocument",
    "VersionInfo",
    "VersionSummary",
    "add_version",
    "create_document",
    "diff_versions",
    "get_document",
    "get_version",
    "list_documents",
    "load_document",
    "load_version",
    "round_status",
    "version_info",
]

MAX_CONTENT = 500_000


@dataclass(frozen=True, slots=True)
class VersionSummary:
    number: int
    summary: str
    author: str
    created_at: datetime
    marking: Marking
    round_status: RoundStatus | None


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    id: int
    title: str
    marking: Marking
    created_at: datetime
    versions: tuple[VersionSummary, ...]

    @property
    def adopted_version(self) -> int | None:
        adopted = [v.number for v in self.versions if v.round_status is RoundStatus.ADOPTED]
        return max(adopted, default=None)

    @property
    def in_approval(self) -> int | None:
        return next((v.number for v in self.versions if v.round_status is RoundStatus.OPEN), None)


@dataclass(frozen=True, slots=True)
class VersionInfo:
    document_id: int
    document_title: str
    number: int
    content: str
    summary: str
    author: str
    created_at: datetime
    marking: Marking
    round: RoundInfo | None
    latest: bool


@dataclass(frozen=True, slots=True)
class DiffInfo:
    document_id: int
    title: str
    from_number: int
    to_number: int
    lines: tuple[DiffLine, ...]
    added: int
    removed: int
    unified: str


@dataclass(frozen=True, slots=True)
class NewDocument:
    title: str
    content: str
    summary: str = "first draft"
    marking: MarkingSpec = field(default_factory=MarkingSpec)
    created_at: datetime | None = None


def _checked_content(content: str, summary: str) -> tuple[str, str]:
    if not content.strip():
        raise InvalidInput("content must not be empty", field="content")
    if len(content) > MAX_CONTENT:
        raise InvalidInput(f"content must be at most {MAX_CONTENT} characters", field="content")
    if len(summary.strip()) > 500:
        raise InvalidInput("summary must be at most 500 characters", field="summary")
    return content, summary.strip()


def round_status(session: Session, row: VersionRow) -> RoundStatus | None:
    if row.round_id is None:
        return None
    round_row = session.get(RoundRow, row.round_id)
    return RoundStatus(round_row.status) if round_row is not None else None


def _document_info(session: Session, actor: Actor, row: DocumentRow) -> DocumentInfo:
    visible = access.visibility(VersionRow, actor, member_codes_in(session))
    versions = tuple(
        VersionSummary(
            v.number, v.summary, v.author_name, v.created_at, v.marking, round_status(session, v)
        )
        for v in DocumentRepository(session).versions(row.id, visible)
    )
    return DocumentInfo(row.id, row.title, row.marking, row.created_at, versions)


def version_info(session: Session, doc: DocumentRow, row: VersionRow) -> VersionInfo:
    round_row = session.get(RoundRow, row.round_id) if row.round_id is not None else None
    latest = DocumentRepository(session).latest_number(doc.id) == row.number
    return VersionInfo(
        document_id=doc.id,
        document_title=doc.title,
        number=row.number,
        content=row.content,
        summary=row.summary,
        author=row.author_name,
        created_at=row.created_at,
        marking=row.marking,
        round=rounds.round_info(session, round_row) if round_row is not None else None,
        latest=latest,
    )


def load_document(session: Session, actor: Actor, document_id: int) -> DocumentRow:
    visible = access.visibility(DocumentRow, actor, member_codes_in(session))
    row = DocumentRepository(session).get(document_id, visible)
    if row is None:
        raise access.not_found("document", document_id)
    return row


def load_version(session: Session, actor: Actor, doc: DocumentRow, number: int) -> VersionRow:
    visible = access.visibility(VersionRow, actor, member_codes_in(session))
    found = [v for v in DocumentRepository(session).versions(doc.id, visible) if v.number == number]
    if not found:
        raise access.not_found(f"version {number} of document", doc.id)
    return found[0]


def _insert_version(
    session: Session,
    actor: Actor,
    doc: DocumentRow,
    content: str,
    summary: str,
    marking: Marking,
    at: datetime,
) -> VersionRow:
    number = DocumentRepository(session).latest_number(doc.id) + 1
    row = VersionRow(
        document_id=doc.id,
        number=number,
        content=content,
        summary=summary,
        author_id=actor.user_id,
        author_name=actor.name,
        created_at=at,
    )
    row.apply_marking(marking)
    session.add(row)
    session.flush()
    journal_document(session, doc)
    record_event(
        session,
        actor,
        "gov.version.create",
        "gov_document",
        doc.id,
        object_nation=doc.originator,
        after={
            "number": number,
            "summary": summary,
            "chars": len(content),
            "marking": banner(marking),
        },
    )
    return row


def create_document(uow: UnitOfWork, actor: Actor, new: NewDocument) -> DocumentInfo:
    title = checked_text(new.title, "title", 200)
    content, summary = _checked_content(new.content, new.summary)
    with uow:
        session = uow.session
        access.require_member(session, actor, Role.ADMIN)
        marking = access.build_marking(session, actor, new.marking)
        at = new.created_at or utcnow()
        doc = DocumentRow(title=title, created_at=at)
        doc.apply_marking(marking)
        session.add(doc)
        session.flush()
        record_event(
            session,
            actor,
            "gov.document.create",
            "gov_document",
            doc.id,
            object_nation=doc.originator,
            after={"title": title, "marking": banner(marking)},
        )
        _insert_version(session, actor, doc, content, summary, marking, at)
        info = _document_info(session, actor, doc)
        uow.commit()
    return info


def add_version(
    uow: UnitOfWork,
    actor: Actor,
    document_id: int,
    content: str,
    summary: str,
    *,
    marking: MarkingSpec | None = None,
    at: datetime | None = None,
) -> VersionInfo:
    """A new numbered version by the originator nation (marking: the document's by default)."""
    content, summary = _checked_content(content, summary)
    with uow:
        session = uow.session
        access.require_member(session, actor, Role.ADMIN)
        doc = load_document(session, actor, document_id)
        access.require_originator(actor, doc, "document")
        ensure_originated_here(session, doc.originator, "document")
        base = doc.marking
        spec = marking or MarkingSpec(
            base.classification, base.releasable_to, base.tlp, base.originator
        )
        built = access.build_marking(session, actor, spec)
        row = _insert_version(session, actor, doc, content, summary, built, at or utcnow())
        info = version_info(session, doc, row)
        uow.commit()
    return info


def list_documents(uow: UnitOfWork, actor: Actor) -> list[DocumentInfo]:
    with uow:
        session = uow.session
        visible = access.visibility(DocumentRow, actor, member_codes_in(session))
        rows = DocumentRepository(session).find(visible)
        access.audit_reads(session, actor, "gov_document", rows)
        infos = [_document_info(session, actor, r) for r in rows]
        uow.commit()
    return infos


def get_document(uow: UnitOfWork, actor: Actor, document_id: int) -> DocumentInfo:
    with uow:
        session = uow.session
        doc = load_document(session, actor, document_id)
        access.audit_reads(session, actor, "gov_document", [doc])
        visible = access.visibility(VersionRow, actor, member_codes_in(session))
        versions = DocumentRepository(session).versions(doc.id, visible)
        access.audit_reads(session, actor, "gov_version", versions)
        info = _document_info(session, actor, doc)
        uow.commit()
    return info


def get_version(uow: UnitOfWork, actor: Actor, document_id: int, number: int) -> VersionInfo:
    with uow:
        session = uow.session
        doc = load_document(session, actor, document_id)
        row = load_version(session, actor, doc, number)
        access.audit_reads(session, actor, "gov_version", [row])
        info = version_info(session, doc, row)
        uow.commit()
    return info


def diff_versions(
    uow: UnitOfWork, actor: Actor, document_id: int, from_number: int, to_number: int
) -> DiffInfo:
    with uow:
        session = uow.session
        doc = load_document(session, actor, document_id)
        old = load_version(session, actor, doc, from_number)
        new = load_version(session, actor, doc, to_number)
        access.audit_reads(session, actor, "gov_version", [old, new])
        uow.commit()
    lines = line_diff(old.content, new.content)
    added, removed = diff_stats(lines)
    text = unified_diff(old.content, new.content, f"v{from_number}", f"v{to_number}")
    return DiffInfo(doc.id, doc.title, from_number, to_number, tuple(lines), added, removed, text)
