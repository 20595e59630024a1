"""Reading runs and groups as the caller may see them now (see :mod:`.run_service`).

A group page shows only evidence posts from batches the viewer may read at this moment; the
group's accounts, counts, time span, languages, platforms and nations are recomputed from them
(:func:`.records.group_view`). Reading a RESTRICTED-or-higher run or group is audited.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.errors import NotFound
from defpact.core.identity import Clearance, Principal
from defpact.core.uow import UnitOfWork
from defpact.threats.disinfo.records import GroupView, Run, group_view
from defpact.threats.disinfo.run_service import (
    evidence_of,
    load_group,
    load_run,
    run_of,
    stored_group,
)
from defpact.threats.disinfo.store import GroupRow, RunRow

__all__ = ["get_group", "get_run"]


def _audit_read(session: Session, principal: Principal, run: RunRow, kind: str, oid: int) -> bool:
    if run.classification < int(Clearance.RESTRICTED):
        return False
    record_event(
        session, Actor.of(principal), f"disinfo_{kind}.read", f"disinfo_{kind}", oid,
        object_nation=run.originator,
    )  # fmt: skip
    return True


def get_run(uow: UnitOfWork, principal: Principal, run_id: int) -> Run:
    """The run with its groups (each described from the evidence the caller may read)."""
    with uow:
        session = uow.session
        row = load_run(session, principal, run_id)
        run = run_of(session, principal, row)
        groups = list(session.scalars(select(GroupRow).where(GroupRow.run_id == row.id)))
        evidence, totals = evidence_of(session, principal, [g.id for g in groups])
        summaries = []
        for g in sorted(groups, key=lambda g: g.rank):
            seen = evidence[g.id]
            if not seen:
                continue  # nothing of this group is visible: it does not exist for the viewer
            hidden = len(seen) < totals.get(g.id, 0)
            summaries.append(group_view(stored_group(g), seen, hidden, row.marking).summary)
        if _audit_read(session, principal, row, "run", row.id):
            uow.commit()
        return replace(run, groups=tuple(summaries))


def get_group(uow: UnitOfWork, principal: Principal, group_id: int) -> GroupView:
    with uow:
        session = uow.session
        row, run = load_group(session, principal, group_id)
        evidence, totals = evidence_of(session, principal, [row.id])
        seen = evidence[row.id]
        if not seen:
            raise NotFound(f"no group {group_id}")
        view = group_view(stored_group(row), seen, len(seen) < totals.get(row.id, 0), run.marking)
        if _audit_read(session, principal, run, "group", row.id):
            uow.commit()
        return view
