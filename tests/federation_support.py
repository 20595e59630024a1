"""Helpers for federation tests: nodes of one nation each, records with markings, holdings.

In-process nodes talk through a client factory that routes each base URL to that node's ASGI
app (starlette's TestClient); the e2e test uses real uvicorn processes instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import make_url

from defpact.core.context import Actor
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.marking import PACT, TLP, Marking
from defpact.core.runtime import Node
from defpact.core.store import UserRepository
from defpact.federation import peers
from defpact.federation.identity import NodeIdentity, ensure_node_identity
from defpact.threats.intel import service as intel
from defpact.threats.intel.model import ReportDraft
from defpact.threats.intel.store import IntelReportRow
from defpact.threats.stix import service as stix
from defpact.threats.stix.collections import nation_collection_id
from defpact.threats.stix.marking import (
    TLP2_MARKING_IDS,
    DefpactMarking,
    defpact_marking_definition,
)
from defpact.threats.stix.query import VersionSelector
from defpact.threats.stix.store import StixObjectRow
from support import ApiClient

__all__ = [
    "FedNode",
    "Holdings",
    "Router",
    "indicator",
    "principal",
    "stix_envelope",
]


def principal(node: Node, username: str) -> Principal:
    with node.uow() as uow:
        row = UserRepository(uow.session).by_username(username)
        assert row is not None
        roles = frozenset(Role(r) for r in row.roles)
        return Principal(row.id, row.username, row.nation_code, roles, Clearance(row.clearance))


def indicator(name: str, marking: Marking, modified: str = "2025-05-01T10:00:00.000Z",
              revoked: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    """A marking definition and an indicator that references it (and its TLP)."""
    definition = defpact_marking_definition(
        DefpactMarking(marking.classification, marking.releasable_to)
    )
    obj = {
        "type": "indicator", "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_DNS, name)}",
        "created": "2025-05-01T10:00:00.000Z", "modified": modified, "name": name,
        "pattern": f"[domain-name:value = '{name}.example']", "pattern_type": "stix",
        "valid_from": "2025-05-01T10:00:00Z",
        "object_marking_refs": [definition["id"], TLP2_MARKING_IDS[marking.tlp]],
    }  # fmt: skip
    if revoked:
        obj["revoked"] = True
    return [definition, obj]


def stix_envelope(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return objects


@dataclass
class Holdings:
    """What a node holds that another nation originated: STIX (id -> version), reports."""

    stix: dict[str, int] = field(default_factory=dict)
    reports: dict[str, str] = field(default_factory=dict)  # title -> banner-ish marking


@dataclass
class FedNode:
    name: str
    node: Node
    url: str
    identity: NodeIdentity = field(init=False)
    app: Any = None

    def __post_init__(self) -> None:
        self.identity = ensure_node_identity(self.node.settings)

    @property
    def nation(self) -> str:
        return next(iter(self.identity.nations))

    def actor(self, role: str = "analyst") -> Actor:
        return Actor.of(principal(self.node, f"{self.nation.lower()}.{role}"))

    def add_stix(self, objects: list[dict[str, Any]]) -> None:
        status = stix.add_objects(
            self.node.uow(), self.actor(), nation_collection_id(self.nation), objects
        )
        failures = [f for f in status.failures if not f.stix_id.startswith("marking-definition")]
        assert not failures, failures

    def delete_stix(self, stix_id: str) -> None:
        stix.delete_object(
            self.node.uow(), self.actor(), nation_collection_id(self.nation), stix_id,
            VersionSelector(last=False, every=True), frozenset(),
        )  # fmt: skip

    def add_report(self, title: str, marking: Marking) -> int:
        draft = ReportDraft(title, "summary", "body", "Balkans", ("t",), "B", "2", marking)
        return intel.create_report(self.node.uow(), self.actor(), draft).id

    def holdings(self, originators: set[str]) -> Holdings:
        held = Holdings()
        with self.node.uow() as uow:
            rows = uow.session.execute(
                select(StixObjectRow.stix_id, StixObjectRow.version, StixObjectRow.type).where(
                    StixObjectRow.originator.in_(originators)
                )
            ).all()
            for sid, version, kind in rows:
                if kind != "marking-definition":
                    assert sid not in held.stix, f"duplicate replica {sid}"
                    held.stix[sid] = version
            for row in uow.session.scalars(
                select(IntelReportRow).where(IntelReportRow.originator.in_(originators))
            ):
                assert row.title not in held.reports, f"duplicate report {row.title}"
                held.reports[row.title] = row.releasable_to
        return held


class AsgiTransport(httpx.BaseTransport):
    """A synchronous httpx transport that runs requests through an ASGI app (no sockets)."""

    def __init__(self, app: Any) -> None:
        self._api = ApiClient(app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        real = self._api.request(request.method, str(request.url), headers=request.headers,
                                 content=request.content)  # fmt: skip
        return httpx.Response(real.status_code, headers=real.headers, content=real.content)

    def close(self) -> None:
        self._api.close()


class Router:
    """Routes base URLs to in-process apps; ``faults`` replaces a URL by a transport."""

    def __init__(self) -> None:
        self.apps: dict[str, Any] = {}
        self.faults: dict[str, httpx.BaseTransport] = {}
        self.transports: dict[str, AsgiTransport] = {}

    def __call__(self, base_url: str, timeout: float) -> httpx.Client:
        if base_url in self.faults:
            return httpx.Client(base_url=base_url, transport=self.faults[base_url],
                                timeout=timeout)  # fmt: skip
        transport = self.transports.get(base_url)
        if transport is None:
            transport = self.transports[base_url] = AsgiTransport(self.apps[base_url])
        return httpx.Client(base_url=base_url, transport=_Shared(transport), timeout=timeout)

    def close(self) -> None:
        for transport in self.transports.values():
            transport.close()


class _Shared(httpx.BaseTransport):
    """Keeps the shared transport open when one client closes."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(request)


def peer_up(a: FedNode, b: FedNode, router: Router, clearance: Clearance = Clearance.SECRET
            ) -> None:  # fmt: skip
    """Mutual peering of a and b (a registers b first, b answers with a's token)."""
    secret_a = a.node.settings.effective_secret_key()
    secret_b = b.node.settings.effective_secret_key()
    console = Actor.console()
    _, for_b = peers.add_peer(
        a.node.uow(),
        console,
        a.identity,
        secret_a,
        peers.NewPeer(b.url, b.nation, clearance=clearance),
        router,
    )
    _, for_a = peers.add_peer(b.node.uow(), console, b.identity, secret_b,
                              peers.NewPeer(a.url, a.nation, token=for_b, clearance=clearance),
                              router)  # fmt: skip
    peers.set_peer_token(a.node.uow(), console, a.identity, secret_a, b.nation, for_a, router)


def marking(origin: str, level: Clearance = Clearance.UNCLASSIFIED,
            release: tuple[str, ...] = (PACT,), tlp: TLP = TLP.GREEN) -> Marking:  # fmt: skip
    return Marking(origin, level, frozenset(release), tlp)


def create_databases(base_url: str, names: list[str]) -> list[str]:
    """Fresh PostgreSQL databases (dropped first if left over), migrated; their URLs."""
    from defpact.core.schema import upgrade

    base = make_url(base_url)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    urls = [base.set(database=n).render_as_string(hide_password=False) for n in names]
    for url in urls:
        upgrade(url)
    return urls


def drop_databases(base_url: str, names: list[str]) -> None:
    admin = sa.create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def empty_postgres(url: str) -> None:
    from defpact.core.db import Base

    engine = sa.create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    engine.dispose()


# --- Context records (requirements, exercises, lessons, documents, groups, meetings, actions) --

_COST = {"t1": 1000, "slope": 0.98, "tiers": [[1, 1.0]], "fixed_order": 0, "per_nation": 0,
         "surcharge": 0.0}  # fmt: skip
_SCHED = {"T_loa": 1, "joint_extra": 1, "T_accept": 1, "lead": 2, "cap": 10, "backlog": 0,
          "moq": 1, "lot_cycle": 1}  # fmt: skip


def add_catalogue_item(node: Node, key: str) -> None:
    from defpact.procurement.catalogue_service import CatalogueDraft, save_catalogue_entry

    with node.uow() as uow:
        draft = CatalogueDraft(key, f"item {key}", "FMS", dict(_COST), dict(_SCHED))
        save_catalogue_entry(uow.session, Actor.console(), draft, None)
        uow.commit()


def add_requirement(fed: FedNode, item: str, note: str, mark: Marking, quantity: int = 5) -> int:
    from defpact.procurement.requirement_service import RequirementChange, create_requirement

    change = RequirementChange(quantity, "2027-06", note, mark)
    return create_requirement(fed.node.uow(), fed.actor("procurement"), item, change).id


def add_exercise(fed: FedNode, code: str, mark: Marking) -> int:
    from defpact.training.exercise_service import create_exercise
    from defpact.training.records import ExerciseDraft

    partners = tuple(n for n in ("XK", "AL", "HR") if n != fed.nation)
    draft = ExerciseDraft(code, f"exercise {code}", "command-post", 2027, partners, 1, 10, 30,
                          (f"{fed.nation}-CP",))  # fmt: skip
    return create_exercise(fed.node.uow(), fed.actor("training"), draft, mark).id


def add_lesson(fed: FedNode, exercise_id: int, title: str, mark: Marking) -> int:
    from defpact.training.planning_service import create_lesson

    return create_lesson(
        fed.node.uow(), fed.actor("training"), exercise_id, title, "observed", mark
    ).id


def add_document(fed: FedNode, title: str, mark: Marking) -> int:
    from defpact.governance.access import MarkingSpec
    from defpact.governance.document_service import NewDocument, create_document

    spec = MarkingSpec(mark.classification, mark.releasable_to, mark.tlp)
    new = NewDocument(title, "text of " + title, marking=spec)
    return create_document(fed.node.uow(), fed.actor("admin"), new).id


def _gov_spec(mark: Marking) -> Any:
    from defpact.governance.access import MarkingSpec

    return MarkingSpec(mark.classification, mark.releasable_to, mark.tlp)


def add_group(fed: FedNode, name: str, mark: Marking) -> int:
    """An expert group of ``fed``'s nation, chaired by it, with its admin as a member."""
    from defpact.governance.group_service import NewGroup, create_group
    from defpact.governance.provisions import Provision

    new = NewGroup(name, fed.nation, f"mandate of {name}", (Provision.HYBRID_THREATS,),
                   (f"{fed.nation.lower()}.admin",), _gov_spec(mark))  # fmt: skip
    return create_group(fed.node.uow(), fed.actor("admin"), new).id


def add_meeting(fed: FedNode, group_id: int, title: str, mark: Marking) -> int:
    """A meeting of the group attended by ``fed``'s admin."""
    from defpact.governance.meeting_service import NewMeeting, create_meeting

    starts = datetime(2027, 3, 1, 9, tzinfo=UTC)
    attendees = (f"{fed.nation.lower()}.admin",)
    new = NewMeeting(group_id, title, starts, starts + timedelta(hours=6), "Tirana", "agenda",
                     attendees=attendees, marking=_gov_spec(mark))  # fmt: skip
    return create_meeting(fed.node.uow(), fed.actor("admin"), new).id


def add_action(fed: FedNode, group_id: int | None, title: str, mark: Marking) -> int:
    """An action item of ``fed``'s nation (owner too) in the group."""
    from defpact.governance.action_service import NewAction, create_action
    from defpact.governance.provisions import Provision

    new = NewAction(Provision.HYBRID_THREATS, title, fed.nation, date(2027, 6, 30),
                    group_id=group_id, marking=_gov_spec(mark))  # fmt: skip
    return create_action(fed.node.uow(), fed.actor("admin"), new).id


@dataclass
class RecordHoldings:
    """Context records a node holds that other nations originated, by label."""

    requirements: dict[str, int] = field(default_factory=dict)  # note -> quantity
    exercises: set[str] = field(default_factory=set)  # codes
    lessons: dict[str, str] = field(default_factory=dict)  # title -> status
    documents: dict[str, list[int]] = field(default_factory=dict)  # title -> version numbers
    groups: dict[str, list[str]] = field(default_factory=dict)  # name -> member names
    meetings: dict[str, str] = field(default_factory=dict)  # title -> minutes
    decisions: dict[str, list[str]] = field(default_factory=dict)  # meeting title -> texts
    actions: dict[str, str] = field(default_factory=dict)  # title -> status
    decided: dict[str, str] = field(default_factory=dict)  # action title -> decision text


def record_holdings(fed: FedNode, originators: set[str]) -> RecordHoldings:
    """What ``fed`` holds of those originators (withdrawn rows excluded: no one else sees them)."""
    from defpact.governance.store import DocumentRow, VersionRow
    from defpact.procurement.store import RequirementRow
    from defpact.training.store import ExerciseRow, LessonRow

    held = RecordHoldings()
    live = (RequirementRow.originator.in_(originators), RequirementRow.withdrawn_at.is_(None))
    with fed.node.uow() as uow:
        s = uow.session
        for req in s.scalars(select(RequirementRow).where(*live)):
            assert req.note not in held.requirements, f"duplicate requirement {req.note}"
            held.requirements[req.note] = req.quantity
        for ex in s.scalars(select(ExerciseRow).where(
            ExerciseRow.originator.in_(originators), ExerciseRow.withdrawn_at.is_(None)
        )):  # fmt: skip
            held.exercises.add(ex.code)
        for lesson in s.scalars(select(LessonRow).where(LessonRow.originator.in_(originators))):
            assert lesson.title not in held.lessons, f"duplicate lesson {lesson.title}"
            held.lessons[lesson.title] = lesson.status
        for doc in s.scalars(select(DocumentRow).where(DocumentRow.originator.in_(originators))):
            assert doc.title not in held.documents, f"duplicate document {doc.title}"
            numbers = s.scalars(select(VersionRow.number).where(VersionRow.document_id == doc.id))
            held.documents[doc.title] = sorted(numbers)
        _governance_holdings(s, originators, held)
    return held


def _governance_holdings(s: Any, originators: set[str], held: RecordHoldings) -> None:
    from defpact.governance.store import ActionRow, DecisionRow, GroupRow, MeetingRow

    for group in s.scalars(select(GroupRow).where(
        GroupRow.originator.in_(originators), GroupRow.withdrawn_at.is_(None)
    )):  # fmt: skip
        held.groups[group.name] = sorted(name for _n, name in group.member_names)
    for meeting in s.scalars(select(MeetingRow).where(
        MeetingRow.originator.in_(originators), MeetingRow.withdrawn_at.is_(None)
    )):  # fmt: skip
        assert meeting.title not in held.meetings, f"duplicate meeting {meeting.title}"
        held.meetings[meeting.title] = meeting.minutes
        stmt = select(DecisionRow.text).where(DecisionRow.meeting_id == meeting.id)
        held.decisions[meeting.title] = list(s.scalars(stmt.order_by(DecisionRow.id)))
    for action in s.scalars(select(ActionRow).where(
        ActionRow.originator.in_(originators), ActionRow.withdrawn_at.is_(None)
    )):  # fmt: skip
        assert action.title not in held.actions, f"duplicate action {action.title}"
        held.actions[action.title] = action.status
        if action.decision_id is not None:
            held.decided[action.title] = s.get(DecisionRow, action.decision_id).text


def add_training_areas(node: Node) -> None:
    from defpact.training.reference_service import AreaDraft, create_area

    for host in ("XK", "AL", "HR"):
        create_area(node.uow(), Actor.console(), AreaDraft(f"{host}-CP", "staff centre", host,
                                                           "command-post", 20))  # fmt: skip
