"""Publishing a reviewed group as a STIX campaign in the analyst's national TAXII collection.

One transaction: the campaign's objects are added through the STIX store's own use case
(:func:`stix.service.add_objects`, which validates every object, applies the marking and
writes its audit event) inside this use case's transaction, then the group records the
campaign, and the publication is audited; if anything fails, nothing is stored. The marking
must obey the release rule of :mod:`.publishing` against every batch behind the group.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType

from sqlalchemy import select
from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from defpact.core.marking import marking_problem
from defpact.core.service import member_codes_in
from defpact.core.uow import UnitOfWork
from defpact.threats.disinfo.ingest_service import WRITER_ROLES
from defpact.threats.disinfo.publishing import CampaignDraft, campaign_objects, release_problem
from defpact.threats.disinfo.records import GroupView, group_view
from defpact.threats.disinfo.run_service import evidence_of, load_group, stored_group
from defpact.threats.disinfo.store import BatchRow, GroupRow
from defpact.threats.stix import service as stix_service
from defpact.threats.stix.collections import nation_collection_id

__all__ = ["Published", "publish_group"]

_DUPLICATE = "an object with this id and version is already in the collection"
_SHARED_TYPES = ("user-account--", "marking-definition--")


@dataclass(frozen=True, slots=True)
class Published:
    stix_id: str
    collection_id: str
    objects: int


class _Joined(UnitOfWork):
    """A unit of work that runs inside an open session: its commits only flush, its exits
    keep the transaction, so the outer use case commits or rolls back everything."""

    def __init__(self, session: Session) -> None:
        self._outer = session

    @property
    def session(self) -> Session:
        return self._outer

    def __enter__(self) -> _Joined:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        self._outer.flush()

    def rollback(self) -> None:
        raise RuntimeError("a joined unit of work cannot roll back on its own")


def _validate(draft: CampaignDraft, nation: str) -> None:
    if not 1 <= len(draft.name.strip()) <= 200:
        raise InvalidInput("name must be 1 to 200 characters", field="name")
    if len(draft.description) > 20_000:
        raise InvalidInput("description must be at most 20000 characters", field="description")
    if not 0 <= draft.examples <= 50:
        raise InvalidInput("examples must be 0 to 50", field="examples")
    if draft.marking.originator != nation:
        raise InvalidInput("the originator is always the publisher's nation", field="originator")


def _reviewed(session: Session, actor: Actor, group_id: int) -> tuple[GroupView, list[BatchRow]]:
    principal = actor.principal
    assert principal is not None  # noqa: S101 - checked by the caller
    row, run = load_group(session, principal, group_id)
    evidence, totals = evidence_of(session, principal, [row.id])
    seen = evidence[row.id]
    if not seen:
        raise NotFound(f"no group {group_id}")
    if len(seen) < totals.get(row.id, 0):
        raise Conflict("part of this group's evidence is no longer visible to you; run again")
    if row.campaign_stix_id is not None:
        raise Conflict(f"this group was already published as {row.campaign_stix_id}")
    batch_ids = sorted({p.batch_id for p in seen})
    batches = list(session.scalars(select(BatchRow).where(BatchRow.id.in_(batch_ids))))
    return group_view(stored_group(row), seen, False, run.marking), batches


def _ensure_collection(joined: _Joined, actor: Actor, collection_id: str) -> None:
    try:
        stix_service.get_collection(joined, actor, collection_id)
    except NotFound:
        stix_service.seed_threats(joined)


def publish_group(uow: UnitOfWork, actor: Actor, group_id: int, draft: CampaignDraft) -> Published:
    principal = actor.principal
    if principal is None or not principal.has_role(*WRITER_ROLES):
        raise PermissionDenied("publishing a campaign needs the analyst or intel role")
    _validate(draft, principal.nation)
    with uow:
        session = uow.session
        members = member_codes_in(session)
        if problem := marking_problem(draft.marking, members, principal.clearance):
            raise InvalidInput(problem[1], field=problem[0])
        view, batches = _reviewed(session, actor, group_id)
        if problem_text := release_problem(draft.marking, [b.marking for b in batches], members):
            raise InvalidInput(problem_text, field="marking")
        objects = campaign_objects(view, draft, utcnow())
        collection_id = nation_collection_id(principal.nation)
        joined = _Joined(session)
        _ensure_collection(joined, actor, collection_id)
        status = stix_service.add_objects(joined, actor, collection_id, objects)
        failures = [
            f for f in status.failures
            if not (f.message == _DUPLICATE and f.stix_id.startswith(_SHARED_TYPES))
        ]  # fmt: skip
        if failures:
            raise InvalidInput(f"{failures[0].stix_id}: {failures[0].message}", field="stix")
        campaign_id = str(objects[1]["id"])
        _record(session, actor, view, draft, campaign_id, collection_id, len(objects))
        uow.commit()
        return Published(campaign_id, collection_id, len(objects))


def _record(
    session: Session,
    actor: Actor,
    view: GroupView,
    draft: CampaignDraft,
    campaign_id: str,
    collection_id: str,
    count: int,
) -> None:

    row = session.get(GroupRow, view.summary.id)
    assert row is not None  # noqa: S101 - loaded in this transaction
    row.campaign_stix_id = campaign_id
    row.campaign_name = draft.name.strip()
    row.disarm = [{"id": t.id, "name": t.name} for t in draft.disarm]
    row.published_at = utcnow()
    row.published_by_name = actor.name
    m = draft.marking
    record_event(
        session, actor, "disinfo_group.publish", "disinfo_group", row.id,
        object_nation=m.originator,
        after={"campaign": campaign_id, "collection": collection_id, "objects": count,
               "name": row.campaign_name, "disarm": [t.id for t in draft.disarm],
               "classification": m.classification.name,
               "releasable_to": sorted(m.releasable_to), "tlp": m.tlp.value},
    )  # fmt: skip
