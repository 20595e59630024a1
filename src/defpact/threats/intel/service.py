"""Use cases of intelligence reports, each in one transaction with its audit event.

Reads go through ``visible_to`` (DESIGN.md "Releasability"): what a caller may not see answers
``NotFound`` exactly like what does not exist, and never appears in lists or totals. Reading a
RESTRICTED-or-higher report is itself audited. Only users of the originating nation with the
``intel`` or ``analyst`` role change or withdraw a report; anyone else is told it does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.marking import TLP, marking_problem
from defpact.core.origin import originated_here
from defpact.core.releasability import visible_to
from defpact.core.service import member_codes_in
from defpact.core.uow import UnitOfWork
from defpact.threats.intel.model import CREDIBILITY, RELIABILITY, IntelReport, ReportDraft
from defpact.threats.intel.replication import journal_report
from defpact.threats.intel.store import IntelReportRow

__all__ = [
    "ReportFilter",
    "ReportPage",
    "create_report",
    "draft_from",
    "get_report",
    "list_reports",
    "update_report",
    "withdraw_report",
]

_WRITERS = (Role.INTEL, Role.ANALYST)


@dataclass(frozen=True, slots=True)
class ReportFilter:
    q: str | None = None
    region: str | None = None
    tag: str | None = None
    originator: str | None = None
    classification: Clearance | None = None
    tlp: TLP | None = None
    include_withdrawn: bool = False
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class ReportPage:
    items: list[IntelReport]
    total: int
    limit: int
    offset: int


def _to_domain(row: IntelReportRow) -> IntelReport:
    return IntelReport(
        id=row.id,
        title=row.title,
        summary=row.summary,
        body=row.body,
        region=row.region,
        tags=tuple(row.tags),
        reliability=row.reliability,
        credibility=row.credibility,
        marking=row.marking,
        author=row.author_name,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        withdrawn=row.withdrawn_at is not None,
    )


def _audit_view(report: IntelReport) -> dict[str, object]:
    m = report.marking
    return {
        "title": report.title,
        "region": report.region,
        "tags": list(report.tags),
        "admiralty": report.admiralty,
        "classification": m.classification.name,
        "releasable_to": sorted(m.releasable_to),
        "tlp": m.tlp.value,
        "withdrawn": report.withdrawn,
    }


def _validate(draft: ReportDraft, principal: Principal, members: frozenset[str]) -> None:
    checks = (
        ("title", 1 <= len(draft.title.strip()) <= 200, "must be 1 to 200 characters"),
        ("summary", len(draft.summary) <= 4000, "must be at most 4000 characters"),
        ("body", len(draft.body) <= 200_000, "must be at most 200000 characters"),
        ("region", len(draft.region) <= 80, "must be at most 80 characters"),
        (
            "tags",
            len(draft.tags) <= 20 and all(1 <= len(t) <= 40 for t in draft.tags),
            "at most 20 tags of 1 to 40 characters",
        ),
        ("reliability", draft.reliability in RELIABILITY, "must be one of A-F"),
        ("credibility", draft.credibility in CREDIBILITY, "must be one of 1-6"),
    )
    for name, ok, message in checks:
        if not ok:
            raise InvalidInput(f"{name} {message}", field=name)
    if draft.marking.originator != principal.nation:
        raise InvalidInput("the originator is always the author's nation", field="originator")
    if problem := marking_problem(draft.marking, members, principal.clearance):
        raise InvalidInput(problem[1], field=problem[0])


def _require_writer(actor: Actor) -> Principal:
    principal = actor.principal
    if principal is None or not principal.has_role(*_WRITERS):
        raise PermissionDenied("creating and changing reports needs the intel or analyst role")
    return principal


def _tags_text(tags: tuple[str, ...]) -> str:
    return "," + ",".join(t.lower() for t in tags) + ","


def create_report(uow: UnitOfWork, actor: Actor, draft: ReportDraft) -> IntelReport:
    principal = _require_writer(actor)
    with uow:
        _validate(draft, principal, member_codes_in(uow.session))
        now = utcnow()
        row = IntelReportRow(
            title=draft.title.strip(),
            summary=draft.summary,
            body=draft.body,
            region=draft.region.strip(),
            tags=list(draft.tags),
            tags_text=_tags_text(draft.tags),
            reliability=draft.reliability,
            credibility=draft.credibility,
            author_id=principal.user_id,
            author_name=principal.username,
            created_at=now,
            updated_at=now,
        )
        row.apply_marking(draft.marking)
        uow.session.add(row)
        uow.session.flush()
        journal_report(uow.session, row)
        report = _to_domain(row)
        record_event(
            uow.session,
            actor,
            "intel_report.create",
            "intel_report",
            row.id,
            object_nation=principal.nation,
            after=_audit_view(report),
        )
        uow.commit()
        return report


def _visible_query(session: Session, principal: Principal) -> Select[IntelReportRow]:
    members = member_codes_in(session)
    return select(IntelReportRow).where(visible_to(IntelReportRow, principal, members))


def _filtered(stmt: Select[IntelReportRow], f: ReportFilter) -> Select[IntelReportRow]:
    if not f.include_withdrawn:
        stmt = stmt.where(IntelReportRow.withdrawn_at.is_(None))
    if f.q:
        pattern = f"%{f.q.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(IntelReportRow.title).like(pattern),
                func.lower(IntelReportRow.summary).like(pattern),
                func.lower(IntelReportRow.body).like(pattern),
            )
        )
    if f.region:
        stmt = stmt.where(func.lower(IntelReportRow.region) == f.region.lower())
    if f.tag:
        stmt = stmt.where(IntelReportRow.tags_text.like(f"%,{f.tag.lower()},%"))
    if f.originator:
        stmt = stmt.where(IntelReportRow.originator == f.originator.upper())
    if f.classification is not None:
        stmt = stmt.where(IntelReportRow.classification == int(f.classification))
    if f.tlp is not None:
        stmt = stmt.where(IntelReportRow.tlp == f.tlp.value)
    return stmt


def list_reports(uow: UnitOfWork, principal: Principal, f: ReportFilter) -> ReportPage:
    if not 1 <= f.limit <= 500 or f.offset < 0:
        raise InvalidInput("limit must be 1..500 and offset >= 0", field="limit")
    with uow:
        stmt = _filtered(_visible_query(uow.session, principal), f)
        total = int(uow.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
        page = stmt.order_by(IntelReportRow.updated_at.desc(), IntelReportRow.id.desc())
        rows = uow.session.scalars(page.limit(f.limit).offset(f.offset)).all()
        result = ReportPage([_to_domain(r) for r in rows], total, f.limit, f.offset)
        # A listing shows titles and summaries: one event names the RESTRICTED+ reports shown.
        classified = [r.id for r in rows if r.classification >= int(Clearance.RESTRICTED)]
        if classified:
            record_event(
                uow.session, Actor.of(principal), "intel_report.list", "intel_report",
                classified[0], object_nation=principal.nation, after={"reports": classified},
            )  # fmt: skip
            uow.commit()
        return result


def _load_visible(session: Session, principal: Principal, report_id: int) -> IntelReportRow:
    stmt = _visible_query(session, principal).where(IntelReportRow.id == report_id)
    row = session.scalars(stmt).first()
    if row is None:
        raise NotFound(f"no intelligence report {report_id}")
    return row


def get_report(uow: UnitOfWork, principal: Principal, report_id: int) -> IntelReport:
    with uow:
        row = _load_visible(uow.session, principal, report_id)
        report = _to_domain(row)
        if row.classification >= int(Clearance.RESTRICTED):
            record_event(
                uow.session,
                Actor.of(principal),
                "intel_report.read",
                "intel_report",
                row.id,
                object_nation=row.originator,
            )
            uow.commit()
        return report


def _load_own(session: Session, principal: Principal, report_id: int) -> IntelReportRow:
    """The report if the caller's nation originated it; otherwise it does not exist for them."""
    row = _load_visible(session, principal, report_id)
    if row.originator != principal.nation or not originated_here(session, row.originator):
        raise NotFound(f"no intelligence report {report_id}")
    return row


def update_report(
    uow: UnitOfWork, actor: Actor, report_id: int, draft: ReportDraft, expected_version: int
) -> IntelReport:
    principal = _require_writer(actor)
    with uow:
        row = _load_own(uow.session, principal, report_id)
        if row.withdrawn_at is not None:
            raise Conflict("a withdrawn report cannot be changed")
        if row.version != expected_version:
            raise Conflict(
                f"the report changed since you loaded it (version {row.version}, "
                f"you sent {expected_version}); reload and reapply your change"
            )
        _validate(draft, principal, member_codes_in(uow.session))
        before = _audit_view(_to_domain(row))
        row.title, row.summary, row.body = draft.title.strip(), draft.summary, draft.body
        row.region, row.tags = draft.region.strip(), list(draft.tags)
        row.tags_text = _tags_text(draft.tags)
        row.reliability, row.credibility = draft.reliability, draft.credibility
        row.apply_marking(draft.marking)
        row.updated_at = utcnow()
        try:
            uow.session.flush()
        except StaleDataError:
            raise Conflict("the report was changed concurrently; reload and retry") from None
        journal_report(uow.session, row)
        report = _to_domain(row)
        record_event(
            uow.session,
            actor,
            "intel_report.update",
            "intel_report",
            row.id,
            object_nation=row.originator,
            before=before,
            after=_audit_view(report),
        )
        uow.commit()
        return report


def withdraw_report(uow: UnitOfWork, actor: Actor, report_id: int) -> IntelReport:
    principal = _require_writer(actor)
    with uow:
        row = _load_own(uow.session, principal, report_id)
        if row.withdrawn_at is None:
            before = _audit_view(_to_domain(row))
            row.withdrawn_at = utcnow()
            uow.session.flush()
            journal_report(uow.session, row)
            record_event(
                uow.session,
                actor,
                "intel_report.withdraw",
                "intel_report",
                row.id,
                object_nation=row.originator,
                before=before,
                after=_audit_view(_to_domain(row)),
            )
        uow.commit()
        return _to_domain(row)


def draft_from(report: IntelReport, **changes: object) -> ReportDraft:
    """A draft holding a report's current content with some fields changed."""
    base = ReportDraft(
        report.title,
        report.summary,
        report.body,
        report.region,
        report.tags,
        report.reliability,
        report.credibility,
        report.marking,
    )
    return replace(base, **changes)  # type: ignore[arg-type]
