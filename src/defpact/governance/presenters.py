"""From the services' frozen dataclasses to the API's output models (``schemas``).

The REST API and ``--format json`` on the CLI both answer with these, so a script sees the same
JSON from either; document versions carry their Markdown rendered safely (``markup``).
"""

from __future__ import annotations

from defpact.core.marking import Marking, banner
from defpact.governance import service
from defpact.governance.markup import render_markdown
from defpact.governance.provisions import PROVISION_LABELS
from defpact.governance.schemas import (
    AccessionPublic,
    ActionPublic,
    BallotPublic,
    ClosedRoundPublic,
    DecisionPublic,
    DiffLinePublic,
    DiffPublic,
    DocumentPublic,
    GroupPublic,
    MarkingPublic,
    MeetingPublic,
    NotePublic,
    PositionPublic,
    RoundPublic,
    SummaryPublic,
    SummaryRowPublic,
    UserRefPublic,
    VersionPublic,
    VersionSummaryPublic,
    WithdrawalPublic,
)
from defpact.governance.tracker import StatusSummary

__all__ = [
    "accession_public",
    "action_public",
    "decision_public",
    "diff_public",
    "document_public",
    "group_public",
    "marking_public",
    "meeting_public",
    "round_public",
    "summary_public",
    "version_public",
    "withdrawal_public",
]


def marking_public(marking: Marking) -> MarkingPublic:
    return MarkingPublic(
        originator=marking.originator,
        classification=marking.classification.name,
        releasable_to=sorted(marking.releasable_to),
        tlp=marking.tlp.value,
        banner=banner(marking),
    )


def _refs(refs: tuple[service.UserRef, ...]) -> list[UserRefPublic]:
    return [UserRefPublic.model_validate(r) for r in refs]


def group_public(info: service.GroupInfo) -> GroupPublic:
    return GroupPublic(
        id=info.id,
        name=info.name,
        mandate=info.mandate,
        chair_nation=info.chair_nation,
        provisions=list(info.provisions),
        members=_refs(info.members),
        marking=marking_public(info.marking),
        created_at=info.created_at,
        withdrawn_at=info.withdrawn_at,
    )


def meeting_public(info: service.MeetingInfo) -> MeetingPublic:
    return MeetingPublic(
        id=info.id,
        group_id=info.group_id,
        group_name=info.group_name,
        title=info.title,
        place=info.place,
        starts=info.starts,
        ends=info.ends,
        agenda=info.agenda,
        minutes=info.minutes,
        attendees=_refs(info.attendees),
        decisions=[decision_public(d) for d in info.decisions],
        marking=marking_public(info.marking),
        version=info.version,
        withdrawn_at=info.withdrawn_at,
    )


def decision_public(info: service.DecisionInfo) -> DecisionPublic:
    return DecisionPublic(
        id=info.id, text=info.text, created_at=info.created_at, action_ids=list(info.action_ids)
    )


def round_public(info: service.RoundInfo) -> RoundPublic:
    return RoundPublic(
        id=info.id,
        kind=info.kind,
        status=info.status,
        opened_at=info.opened_at,
        closed_at=info.closed_at,
        positions=[PositionPublic(nation=n, position=p) for n, p in info.positions],
        ballots=[BallotPublic.model_validate(b) for b in info.ballots],
        pending=list(info.pending),
    )


def document_public(info: service.DocumentInfo) -> DocumentPublic:
    versions = [
        VersionSummaryPublic(
            number=v.number,
            summary=v.summary,
            author=v.author,
            created_at=v.created_at,
            marking=marking_public(v.marking),
            round_status=v.round_status,
        )
        for v in info.versions
    ]
    return DocumentPublic(
        id=info.id,
        title=info.title,
        marking=marking_public(info.marking),
        created_at=info.created_at,
        versions=versions,
        adopted_version=info.adopted_version,
        in_approval=info.in_approval,
    )


def version_public(info: service.VersionInfo) -> VersionPublic:
    return VersionPublic(
        document_id=info.document_id,
        document_title=info.document_title,
        number=info.number,
        content=info.content,
        content_html=render_markdown(info.content),
        summary=info.summary,
        author=info.author,
        created_at=info.created_at,
        marking=marking_public(info.marking),
        latest=info.latest,
        round=round_public(info.round) if info.round else None,
    )


def diff_public(info: service.DiffInfo) -> DiffPublic:
    return DiffPublic(
        document_id=info.document_id,
        title=info.title,
        from_number=info.from_number,
        to_number=info.to_number,
        added=info.added,
        removed=info.removed,
        lines=[DiffLinePublic.model_validate(line) for line in info.lines],
        unified=info.unified,
    )


def action_public(info: service.ActionInfo) -> ActionPublic:
    return ActionPublic(
        id=info.id,
        provision=info.provision,
        provision_label=PROVISION_LABELS[info.provision],
        title=info.title,
        description=info.description,
        owner_nation=info.owner_nation,
        group_id=info.group_id,
        decision_id=info.decision_id,
        due=info.due,
        status=info.status,
        overdue=info.overdue,
        notes=[NotePublic.model_validate(n) for n in info.notes],
        marking=marking_public(info.marking),
        created_at=info.created_at,
        updated_at=info.updated_at,
        version=info.version,
        withdrawn_at=info.withdrawn_at,
    )


def _summary_rows(rows: tuple[StatusSummary, ...]) -> list[SummaryRowPublic]:
    return [
        SummaryRowPublic(
            key=r.key,
            label=r.label,
            total=r.total,
            overdue=r.overdue,
            by_status=dict(r.by_status),
            completion=round(r.completion, 4),
        )
        for r in rows
    ]


def summary_public(info: service.TrackerSummary) -> SummaryPublic:
    return SummaryPublic(
        today=info.today,
        by_provision=_summary_rows(info.by_provision),
        by_nation=_summary_rows(info.by_nation),
    )


def accession_public(info: service.AccessionInfo) -> AccessionPublic:
    return AccessionPublic(
        id=info.id,
        nation=info.nation,
        nation_name=info.nation_name,
        stated_joined=info.stated_joined,
        statement=info.statement,
        proposer_nation=info.proposer_nation,
        proposer=info.proposer,
        proposed_at=info.proposed_at,
        status=info.status,
        effective_joined=info.effective_joined,
        round=round_public(info.round),
    )


def withdrawal_public(info: service.Withdrawal) -> WithdrawalPublic:
    member = info.member
    return WithdrawalPublic(
        nation=member.code,
        name=member.name,
        joined=member.joined,
        left=member.left,
        closed_rounds=[ClosedRoundPublic(id=i, kind=k, status=s) for i, k, s in info.closed_rounds],
    )
