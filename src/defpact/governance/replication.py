"""What federation needs from governance documents: journal hook, exports, replica writes.

Creating a document and adding a version stamp the document in the core change journal
(``core.changes``) in the same transaction. A document crosses as one
:class:`core.replication.RecordState` whose ``parts`` are its versions, each with its own
marking: a peer receives only the versions released to it (federation filters the parts per
peer). A replica is an ordinary ``gov_documents`` row with its originator and marking plus one
``gov_versions`` row per version received (replaced as a whole at each update, so versions never
dangle), with no local author and no approval round: rounds are the originating pact body's
business and are not federated.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from defpact.core.changes import Change, record_changes
from defpact.core.replication import RecordPart, RecordState, ReplicaRefused, key_chunks
from defpact.governance.store import DocumentRow, VersionRow

__all__ = ["RECORD_TYPE", "drop_replica", "journal_document", "put_replica", "states_by_id"]

RECORD_TYPE = "document"


def journal_document(session: Session, row: DocumentRow) -> None:
    record_changes(session, [Change(RECORD_TYPE, str(row.id), row.originator, row.marking)])


def _part(version: VersionRow) -> RecordPart:
    return RecordPart(version.marking, {
        "number": version.number, "content": version.content, "summary": version.summary,
        "author": version.author_name, "created": version.created_at.isoformat(),
    })  # fmt: skip


def states_by_id(
    session: Session, ids: Iterable[int], originators: Collection[str]
) -> dict[int, RecordState]:
    found: dict[int, RecordState] = {}
    for chunk in key_chunks(ids):
        docs = session.scalars(select(DocumentRow).where(
            DocumentRow.id.in_(chunk), DocumentRow.originator.in_(sorted(originators))
        )).all()  # fmt: skip
        versions: dict[int, list[VersionRow]] = {}
        stmt = select(VersionRow).where(VersionRow.document_id.in_([d.id for d in docs]))
        for version in session.scalars(stmt.order_by(VersionRow.number)):
            versions.setdefault(version.document_id, []).append(version)
        for doc in docs:
            parts = tuple(_part(v) for v in versions.get(doc.id, []))
            updated = max([doc.created_at, *(v.created_at for v in versions.get(doc.id, []))])
            found[doc.id] = RecordState(
                doc.marking, doc.withdrawn_at is not None, doc.title, doc.created_at, updated,
                {}, parts=parts,
            )  # fmt: skip
    return found


def _version(document_id: int, part: RecordPart) -> VersionRow:
    fields = part.fields
    number, content = fields.get("number"), fields.get("content")
    summary, author = fields.get("summary"), fields.get("author")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise ReplicaRefused("document.versions[].number must be a positive integer")
    if not isinstance(content, str) or not isinstance(summary, str) or len(summary) > 500:
        raise ReplicaRefused("document.versions[].content and summary must be strings")
    if not isinstance(author, str) or len(author) > 120:
        raise ReplicaRefused("document.versions[].author must be at most 120 characters")
    try:
        created = datetime.fromisoformat(str(fields.get("created")))
    except ValueError:
        raise ReplicaRefused("document.versions[].created must be an ISO timestamp") from None
    row = VersionRow(document_id=document_id, number=number, content=content, summary=summary,
                     author_id=None, author_name=author, created_at=created)  # fmt: skip
    row.apply_marking(part.marking)
    return row


def put_replica(session: Session, local_id: int | None, state: RecordState) -> int:
    """Create or overwrite a document replica with the versions received; its local id."""
    if not state.title.strip() or len(state.title) > 200:
        raise ReplicaRefused("document.title must have 1 to 200 characters")
    row = session.get(DocumentRow, local_id) if local_id is not None else None
    if row is None:
        row = DocumentRow()
        session.add(row)
    row.title, row.created_at = state.title, state.created_at
    row.apply_marking(state.marking)
    row.withdrawn_at = None
    session.flush()
    session.execute(delete(VersionRow).where(VersionRow.document_id == row.id))
    numbers = set()
    for part in state.parts:
        version = _version(row.id, part)
        if version.number in numbers:
            raise ReplicaRefused(f"document.versions: number {version.number} appears twice")
        numbers.add(version.number)
        session.add(version)
    session.flush()
    return row.id


def drop_replica(session: Session, local_id: int) -> None:
    session.execute(delete(VersionRow).where(VersionRow.document_id == local_id))
    session.execute(delete(DocumentRow).where(DocumentRow.id == local_id))
