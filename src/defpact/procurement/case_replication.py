"""What federation needs from joint-order cases: journal hook, exports, replica writes.

Proposing a case, each commitment and each lifecycle step (a withdrawal too: a withdrawn case
stays on record in state ``withdrawn``) stamp the case in the core change journal
(``core.changes``) in the same transaction. A case crosses as a
:class:`core.replication.RecordState` carrying what its page shows: the catalogue item by
**key** (ids differ between nodes) and the name it had at proposal, the rule, state,
participants, quantities, need-by months, shares, stand-alone costs and joint cost (integer
cents, exact), the plan entry fixed at proposal, its proposer, the commitments and the history.
Its marking is the one set at proposal (the lead nation originates it and names the other
participants), so it reaches exactly the participants' nodes.

A replica is an ordinary ``procurement_cases`` row, with its commitments and steps replaced as
a whole at each update, pointing at the receiving node's catalogue item of that key; a case
whose item this node's catalogue lacks is not stored (refused), so a replica never dangles.
Replicas are read-only (``case_service`` refuses commitments and steps on them): every
participant commits on the lead nation's node, which then sends the new state to the others.
Fields are checked strictly and a malformed one is refused naming it: a known rule and state,
two or more distinct nation codes including the lead, per-nation figures for exactly the
participants, a plan the API can show (``schemas_plans.PlanEntry``) over the same nations.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from defpact.core.changes import Change, record_changes
from defpact.core.nations import NATIONS
from defpact.core.replication import RecordState, ReplicaRefused, key_chunks
from defpact.procurement.allocation import RULES
from defpact.procurement.cost import MAX_TOTAL_QUANTITY
from defpact.procurement.lifecycle import CaseState
from defpact.procurement.months import parse_month
from defpact.procurement.schemas_plans import PlanEntry
from defpact.procurement.store import CaseRow, CaseStepRow, CatalogueItemRow, CommitmentRow

__all__ = ["RECORD_TYPE", "drop_replica", "journal_case", "put_replica", "states_by_id"]

RECORD_TYPE = "case"
_MAX_CENTS = 10**17  # far above any joint cost; fits a BIGINT
_STATES = frozenset(s.value for s in CaseState)


def journal_case(session: Session, row: CaseRow) -> None:
    record_changes(session, [Change(RECORD_TYPE, str(row.id), row.originator, row.marking)])


def _commitment_fields(c: CommitmentRow) -> dict[str, Any]:
    return {"nation": c.nation, "share_cents": c.share_cents, "user": c.username,
            "at": c.committed_at.isoformat()}  # fmt: skip


def _step_fields(s: CaseStepRow) -> dict[str, Any]:
    return {"action": s.action, "from_state": s.from_state, "to_state": s.to_state,
            "nation": s.nation, "user": s.username, "at": s.at.isoformat()}  # fmt: skip


def _children(session: Session, ids: list[int]) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Per case id: its commitments and steps, oldest first, as plain JSON values."""
    found: dict[int, dict[str, list[dict[str, Any]]]] = {
        i: {"commitments": [], "steps": []} for i in ids
    }
    commitments = select(CommitmentRow).where(CommitmentRow.case_id.in_(ids))
    for c in session.scalars(commitments.order_by(CommitmentRow.id)):
        found[c.case_id]["commitments"].append(_commitment_fields(c))
    steps = select(CaseStepRow).where(CaseStepRow.case_id.in_(ids))
    for s in session.scalars(steps.order_by(CaseStepRow.id)):
        found[s.case_id]["steps"].append(_step_fields(s))
    return found


def states_by_id(
    session: Session, ids: Iterable[int], originators: Collection[str]
) -> dict[int, RecordState]:
    found: dict[int, RecordState] = {}
    for chunk in key_chunks(ids):
        stmt = select(CaseRow).where(
            CaseRow.id.in_(chunk),
            CaseRow.originator.in_(sorted(originators)),
        )
        rows = session.scalars(stmt).all()
        children = _children(session, [r.id for r in rows])
        for row in rows:
            fields = {
                "item": row.item_key, "item_name": row.item_name, "rule": row.rule,
                "state": row.state, "participants": list(row.participants),
                "quantities": dict(row.quantities), "need_by": dict(row.need_by),
                "shares_cents": dict(row.shares_cents),
                "stand_alone_cents": dict(row.stand_alone_cents),
                "joint_cost_cents": row.joint_cost_cents, "plan": dict(row.plan),
                "created_by": row.created_by, **children[row.id],
            }  # fmt: skip
            found[row.id] = RecordState(
                row.marking, row.withdrawn_at is not None, row.item_name, row.created_at,
                row.updated_at, fields,
            )  # fmt: skip
    return found


def _text(fields: dict[str, Any], name: str, limit: int, where: str = "case") -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ReplicaRefused(f"{where}.{name} must be a string of 1 to {limit} characters")
    return value


def _cents(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _MAX_CENTS:
        raise ReplicaRefused(f"{name} must be whole cents between 0 and {_MAX_CENTS}")
    return value


def _moment(value: object, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ReplicaRefused(f"{name} must be an ISO timestamp with a time zone")
    return moment


def _participants(fields: dict[str, Any], lead: str) -> list[str]:
    value = fields.get("participants")
    if (
        not isinstance(value, list)
        or not all(isinstance(code, str) and code in NATIONS for code in value)
        or len(set(value)) != len(value)
        or len(value) < 2
        or lead not in value
    ):
        raise ReplicaRefused(
            "case.participants must be two or more distinct nation codes, the lead among them"
        )
    return value


def _per_nation(fields: dict[str, Any], name: str, nations: list[str]) -> dict[str, Any]:
    value = fields.get(name)
    if not isinstance(value, dict) or set(value) != set(nations):
        raise ReplicaRefused(f"case.{name} must have an entry for exactly the participants")
    return value


def _figures(fields: dict[str, Any], nations: list[str]) -> dict[str, Any]:
    """The per-nation figures and the joint cost, checked."""
    quantities = _per_nation(fields, "quantities", nations)
    for code, quantity in quantities.items():
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise ReplicaRefused(f"case.quantities.{code} must be an integer")
        if not 1 <= quantity <= MAX_TOTAL_QUANTITY:
            raise ReplicaRefused(f"case.quantities.{code} must be 1 to {MAX_TOTAL_QUANTITY}")
    need_by = _per_nation(fields, "need_by", nations)
    for code, month in need_by.items():
        try:
            parse_month(month if isinstance(month, str) else "")
        except ValueError:
            raise ReplicaRefused(f"case.need_by.{code} must be a YYYY-MM month") from None
    out: dict[str, Any] = {"quantities": quantities, "need_by": need_by}
    for name in ("shares_cents", "stand_alone_cents"):
        out[name] = {c: _cents(v, f"case.{name}.{c}")
                     for c, v in _per_nation(fields, name, nations).items()}  # fmt: skip
    out["joint_cost_cents"] = _cents(fields.get("joint_cost_cents"), "case.joint_cost_cents")
    return out


def _plan(fields: dict[str, Any], nations: list[str]) -> dict[str, Any]:
    plan = fields.get("plan")
    if not isinstance(plan, dict):
        raise ReplicaRefused("case.plan must be a plan entry (an object)")
    try:
        entry = PlanEntry.of(plan)
    except (ValidationError, KeyError, TypeError):
        raise ReplicaRefused("case.plan is not a plan entry the API can show") from None
    if set(entry.participants) != set(nations) or set(entry.delivery_joint) != set(nations):
        raise ReplicaRefused(
            "case.plan.participants and delivery_joint must cover exactly the participants"
        )
    return plan


def _commitments(fields: dict[str, Any], nations: list[str]) -> list[CommitmentRow]:
    value = fields.get("commitments")
    if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
        raise ReplicaRefused("case.commitments must be a list of objects")
    rows, seen = [], set()
    for entry in value:
        nation = entry.get("nation")
        if nation not in nations or nation in seen:
            raise ReplicaRefused("case.commitments[].nation must be a participant, each once")
        seen.add(nation)
        rows.append(CommitmentRow(
            nation=nation, user_id=None,
            share_cents=_cents(entry.get("share_cents"), "case.commitments[].share_cents"),
            username=_text(entry, "user", 64, "case.commitments[]"),
            committed_at=_moment(entry.get("at"), "case.commitments[].at"),
        ))  # fmt: skip
    return rows


def _step(entry: dict[str, Any]) -> CaseStepRow:
    before, after, nation = entry.get("from_state"), entry.get("to_state"), entry.get("nation")
    if (before is not None and before not in _STATES) or after not in _STATES:
        raise ReplicaRefused("case.steps[].from_state and to_state must be case states")
    if nation is not None and nation not in NATIONS:
        raise ReplicaRefused("case.steps[].nation must be a nation code or null")
    return CaseStepRow(
        action=_text(entry, "action", 20, "case.steps[]"), from_state=before,
        to_state=after, nation=nation, username=_text(entry, "user", 64, "case.steps[]"),
        at=_moment(entry.get("at"), "case.steps[].at"),
    )  # fmt: skip


def _steps(fields: dict[str, Any]) -> list[CaseStepRow]:
    value = fields.get("steps")
    if not isinstance(value, list) or len(value) > 1000:
        raise ReplicaRefused("case.steps must be a list of at most 1000 steps")
    if not all(isinstance(s, dict) for s in value):
        raise ReplicaRefused("case.steps must be a list of objects")
    return [_step(entry) for entry in value]


def _checked(state: RecordState) -> dict[str, Any]:
    """The case columns from a received state, checked."""
    fields = state.fields
    nations = _participants(fields, state.marking.originator)
    if fields.get("rule") not in RULES:
        raise ReplicaRefused(f"case.rule must be one of {', '.join(RULES)}")
    if fields.get("state") not in _STATES:
        raise ReplicaRefused(f"case.state must be one of {', '.join(sorted(_STATES))}")
    return {
        "item_key": _text(fields, "item", 40), "item_name": _text(fields, "item_name", 200),
        "rule": fields["rule"], "state": fields["state"], "participants": nations,
        **_figures(fields, nations), "plan": _plan(fields, nations),
        "created_by": _text(fields, "created_by", 64),
    }  # fmt: skip


def put_replica(session: Session, local_id: int | None, state: RecordState) -> int | None:
    """Create or overwrite a case replica; its local id, or None when the item is not known."""
    values = _checked(state)
    children: list[CommitmentRow | CaseStepRow] = [
        *_commitments(state.fields, values["participants"]),
        *_steps(state.fields),
    ]
    stmt = select(CatalogueItemRow.id).where(CatalogueItemRow.key == values["item_key"])
    item_id = session.scalar(stmt)
    if item_id is None:
        if local_id is not None:
            drop_replica(session, local_id)
        return None
    row = session.get(CaseRow, local_id) if local_id is not None else None
    if row is None:
        row = CaseRow()
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.item_id, row.created_at, row.updated_at = item_id, state.created_at, state.updated_at
    row.apply_marking(state.marking)
    row.withdrawn_at = None
    session.flush()
    _drop_children(session, row.id)
    for child in children:
        child.case_id = row.id
    session.add_all(children)
    session.flush()
    return row.id


def _drop_children(session: Session, local_id: int) -> None:
    session.execute(delete(CommitmentRow).where(CommitmentRow.case_id == local_id))
    session.execute(delete(CaseStepRow).where(CaseStepRow.case_id == local_id))


def drop_replica(session: Session, local_id: int) -> None:
    _drop_children(session, local_id)
    session.execute(delete(CaseRow).where(CaseRow.id == local_id))
