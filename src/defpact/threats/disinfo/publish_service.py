"""Publishing a reviewed group as a campaign report of the hub, shared over TAXII.

One transaction: the group becomes the hub's campaign report (:func:`.publishing.
campaign_report`), stored by the hub's own use case (``hub.service.submit_campaign``: checks
the report and the DISARM techniques against the imported framework, registers the marking
definition, adds the objects to the analyst's national TAXII collection with their audit
event) inside this use case's transaction; then the group records the campaign and the
publication is audited. If anything fails, nothing is stored. The marking must obey the
release rule of :mod:`.publishing` against every batch behind the group.
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
from defpact.threats.disinfo.publishing import CampaignDraft, campaign_report, release_problem
from defpact.threats.disinfo.records import DisarmTechnique, GroupView, group_view
from defpact.threats.disinfo.run_service import evidence_of, load_group, stored_group
from defpact.threats.disinfo.store import BatchRow, GroupRow
from defpact.threats.hub import service as hub_service
from defpact.threats.stix import service as stix_service
from defpact.threats.stix.collections import nation_collection_id

__all__ = ["Published", "publish_group"]


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
        collection_id = nation_collection_id(principal.nation)
        joined = _Joined(session)
        _ensure_collection(joined, actor, collection_id)
        stored = hub_service.submit_campaign(
            joined, actor, campaign_report(view, draft), draft.marking
        )
        count = stored.status.success_count
        techniques = _named(joined, draft.disarm)
        _record(session, actor, view, draft, techniques, stored.stix_id, collection_id, count)
        uow.commit()
        return Published(stored.stix_id, collection_id, count)


def _named(joined: _Joined, chosen: tuple[DisarmTechnique, ...]) -> tuple[DisarmTechnique, ...]:
    """The chosen techniques with the names of the imported DISARM framework."""
    framework = hub_service.disarm_framework(joined)
    found = []
    for technique in chosen:
        known = framework.technique(technique.id) if framework else None
        found.append(DisarmTechnique(technique.id, known.name if known else technique.name))
    return tuple(found)


def _record(
    session: Session,
    actor: Actor,
    view: GroupView,
    draft: CampaignDraft,
    techniques: tuple[DisarmTechnique, ...],
    campaign_id: str,
    collection_id: str,
    count: int,
) -> None:

    row = session.get(GroupRow, view.summary.id)
    assert row is not None  # noqa: S101 - loaded in this transaction
    row.campaign_stix_id = campaign_id
    row.campaign_name = draft.name.strip()
    row.disarm = [{"id": t.id, "name": t.name} for t in techniques]
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
