"""The governance use cases in one place: what the API, web pages, CLI and seed call.

Each use case runs in one unit of work, checks who may act, writes its audit event in the same
transaction and returns frozen dataclasses (never ORM rows). They live in one module per
aggregate (``group_service``, ``meeting_service``, ``document_service``,
``approval_service``, ``action_service``, ``accession_service``; ``withdraw_service`` for
groups, meetings and action items) and are re-exported here.
"""

from __future__ import annotations

from defpact.governance.access import MarkingSpec
from defpact.governance.accession_service import (
    AccessionInfo,
    Withdrawal,
    get_accession,
    list_accessions,
    membership_history,
    propose_accession,
    vote_on_accession,
    withdraw_from_pact,
)
from defpact.governance.action_service import (
    ActionFilter,
    ActionInfo,
    NewAction,
    NoteInfo,
    TrackerSummary,
    action_summary,
    create_action,
    get_action,
    list_actions,
    record_decision,
    report_progress,
)
from defpact.governance.approval_service import submit_version, vote_on_version
from defpact.governance.document_service import (
    DiffInfo,
    DocumentInfo,
    NewDocument,
    VersionInfo,
    VersionSummary,
    add_version,
    create_document,
    diff_versions,
    get_document,
    get_version,
    list_documents,
)
from defpact.governance.group_service import (
    GroupInfo,
    NewGroup,
    UserRef,
    add_group_member,
    create_group,
    get_group,
    list_groups,
)
from defpact.governance.meeting_service import (
    DecisionInfo,
    MeetingInfo,
    NewMeeting,
    create_meeting,
    get_meeting,
    group_calendar,
    list_meetings,
    record_minutes,
    user_calendar,
)
from defpact.governance.rounds import BallotInfo, RoundInfo
from defpact.governance.withdraw_service import withdraw_action, withdraw_group, withdraw_meeting

__all__ = [
    "AccessionInfo",
    "ActionFilter",
    "ActionInfo",
    "BallotInfo",
    "DecisionInfo",
    "DiffInfo",
    "DocumentInfo",
    "GroupInfo",
    "MarkingSpec",
    "MeetingInfo",
    "NewAction",
    "NewDocument",
    "NewGroup",
    "NewMeeting",
    "NoteInfo",
    "RoundInfo",
    "TrackerSummary",
    "UserRef",
    "VersionInfo",
    "VersionSummary",
    "Withdrawal",
    "action_summary",
    "add_group_member",
    "add_version",
    "create_action",
    "create_document",
    "create_group",
    "create_meeting",
    "diff_versions",
    "get_accession",
    "get_action",
    "get_document",
    "get_group",
    "get_meeting",
    "get_version",
    "group_calendar",
    "list_accessions",
    "list_actions",
    "list_documents",
    "list_groups",
    "list_meetings",
    "membership_history",
    "propose_accession",
    "record_decision",
    "record_minutes",
    "report_progress",
    "submit_version",
    "user_calendar",
    "vote_on_accession",
    "vote_on_version",
    "withdraw_action",
    "withdraw_from_pact",
    "withdraw_group",
    "withdraw_meeting",
]
