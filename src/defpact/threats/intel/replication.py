"""What federation needs from intelligence reports: journal hooks, exports, replica writes.

Every create, update and withdrawal stamps the report in the core change journal
(``core.changes``) in the same transaction. :func:`reports_by_id` reads the current state of
reports a node's own nations originated (for export); :func:`put_report_replica` and
:func:`drop_report_replica` keep replicas of reports received from peer nodes: ordinary rows of
``intel_reports`` carrying the originator and marking they came with (so every local read
filters them with the same rule), authored by no local user, and never journalled.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from defpact.core.changes import Change, record_changes
from defpact.core.marking import Marking
from defpact.core.replication import key_chunks
from defpact.threats.intel.store import IntelReportRow

__all__ = [
    "RECORD_TYPE",
    "ReportContent",
    "drop_report_replica",
    "journal_report",
    "put_report_replica",
    "reports_by_id",
]

RECORD_TYPE = "intel"


@dataclass(frozen=True, slots=True)
class ReportContent:
    """A report as it crosses to another node."""

    title: str
    summary: str
    body: str
    region: str
    tags: tuple[str, ...]
    reliability: str
    credibility: str
    author: str
    created_at: datetime
    updated_at: datetime
    marking: Marking
    withdrawn: bool


def journal_report(session: Session, row: IntelReportRow) -> None:
    record_changes(session, [Change(RECORD_TYPE, str(row.id), row.originator, row.marking)])


def _content(row: IntelReportRow) -> ReportContent:
    return ReportContent(
        row.title, row.summary, row.body, row.region, tuple(row.tags), row.reliability,
        row.credibility, row.author_name, row.created_at, row.updated_at, row.marking,
        row.withdrawn_at is not None,
    )  # fmt: skip


def reports_by_id(
    session: Session, ids: Iterable[int], originators: Collection[str]
) -> dict[int, ReportContent]:
    """Current content of the given reports, among those the given nations originated."""
    found: dict[int, ReportContent] = {}
    for chunk in key_chunks(ids):
        stmt = select(IntelReportRow).where(
            IntelReportRow.id.in_(chunk),
            IntelReportRow.originator.in_(sorted(originators)),
        )
        for row in session.scalars(stmt):
            found[row.id] = _content(row)
    return found


def put_report_replica(session: Session, local_id: int | None, content: ReportContent) -> int:
    """Create or overwrite a replica; returns its local id."""
    row = session.get(IntelReportRow, local_id) if local_id is not None else None
    if row is None:
        row = IntelReportRow(author_id=None)
        session.add(row)
    row.title, row.summary, row.body = content.title, content.summary, content.body
    row.region, row.tags = content.region, list(content.tags)
    row.tags_text = "," + ",".join(t.lower() for t in content.tags) + ","
    row.reliability, row.credibility = content.reliability, content.credibility
    row.author_name = content.author[:64]
    row.created_at, row.updated_at = content.created_at, content.updated_at
    row.apply_marking(content.marking)
    row.withdrawn_at = None
    session.flush()
    return row.id


def drop_report_replica(session: Session, local_id: int) -> None:
    session.execute(delete(IntelReportRow).where(IntelReportRow.id == local_id))
