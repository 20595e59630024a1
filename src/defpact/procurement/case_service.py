"""Use cases of joint-order cases: propose, commit to a share, advance, withdraw (``lifecycle``).

**Proposal.** A ``procurement`` user proposes a joint order for an item their nation requires.
The participants are the nations with a requirement for the item visible to the proposer (or
the subset named), at least two, the proposer's nation among them. Because every participant
will see the case (and so every participant's quantity and share), each participant's
requirement must be released to every other participant; otherwise the proposal is refused
(422 naming the requirement and the nation), never widened silently. The case is a marked
record: originator = the lead (proposing) nation, released by name to the other participants,
classified at the highest classification of its requirements with the most restrictive TLP.
The plan (shares under the chosen rule, stand-alone costs, deliveries) is computed at proposal
and kept: later catalogue or requirement changes do not move what nations committed to.

**Commitment.** An ``approver`` of each participant nation commits to its share. The request
carries the case version the approver saw; the commitment bumps the version, so of two
approvers committing from the same version one wins and the other gets a 409 (reload, retry).
The database enforces the same (version column, unique commitment per nation) when two
transactions race. The last commitment moves the case to ``committed``.

**Transitions.** The lead nation's ``procurement`` users record the FMS milestones (LOR sent,
LOA offered, LOA signed, award, deliveries, close). Any participant's ``procurement`` or
``approver`` user may withdraw the case before the LOA is signed. Every transition is audited
and kept in the case history; an invalid one is a 409 naming the current state.

**Federation.** The proposal, each commitment and each transition are journalled for
federation (``case_replication``) in the same transaction, so the participants' nodes receive
the case and every change. A case received from the lead nation's node is a read-only replica:
committing to it or advancing it there is refused (403, the caller can read it); participants
act on the lead nation's node.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.marking import TLP, Marking, resolve_release
from defpact.core.origin import ensure_originated_here
from defpact.core.releasability import visible_to
from defpact.core.service import member_codes_in, require_nation
from defpact.core.uow import UnitOfWork
from defpact.procurement.allocation import Rule
from defpact.procurement.case_replication import journal_case
from defpact.procurement.catalogue import NeedRow, scenario_document
from defpact.procurement.catalogue_service import load_catalogue_row
from defpact.procurement.lifecycle import CaseAction, CaseState, next_state, state_after_commit
from defpact.procurement.plan import build_plan
from defpact.procurement.planning_service import check_rule
from defpact.procurement.queries import (
    case_of,
    nation_order,
    require_principal,
    visible_requirements,
)
from defpact.procurement.records import PLANNING_START, Case
from defpact.procurement.scenario import parse_scenario
from defpact.procurement.store import (
    CaseRow,
    CaseStepRow,
    CatalogueItemRow,
    CommitmentRow,
    RequirementRow,
)

__all__ = ["advance_case", "commit_share", "get_case", "list_cases", "propose_case"]

_TLP_ORDER = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]


def _chosen(
    found: dict[str, RequirementRow], nation: str, nations: Sequence[str] | None, key: str
) -> dict[str, RequirementRow]:
    if nation not in found:
        raise InvalidInput(f"{nation} has no requirement for {key!r}", field="item")
    if nations is None:
        return found
    wanted = {require_nation(code) for code in nations} | {nation}
    for code in sorted(wanted):
        if code not in found:
            raise InvalidInput(f"no requirement of {code} for {key!r} is visible", field="nations")
    return {code: row for code, row in found.items() if code in wanted}


def _check_mutual_release(rows: dict[str, RequirementRow], members: frozenset[str]) -> None:
    for code, row in rows.items():
        readers = resolve_release(row.marking, members) | {code}
        for other in rows:
            if other not in readers:
                raise InvalidInput(
                    f"the requirement of {code} (#{row.id}) is not released to {other}, which "
                    f"would see it in the case; leave {code} or {other} out",
                    field="nations",
                )


def _case_marking(lead: str, rows: dict[str, RequirementRow]) -> Marking:
    markings = [row.marking for row in rows.values()]
    return Marking(
        originator=lead,
        classification=max(m.classification for m in markings),
        releasable_to=frozenset(rows) - {lead},
        tlp=max((m.tlp for m in markings), key=_TLP_ORDER.index),
    )


def _step(session: Session, row: CaseRow, actor: Actor, action: str, before: str | None) -> None:
    session.add(
        CaseStepRow(
            case_id=row.id,
            action=action,
            from_state=before,
            to_state=row.state,
            nation=actor.nation,
            username=actor.name,
            at=utcnow(),
        )
    )


def _audit(session: Session, actor: Actor, row: CaseRow, action: str, before: str | None) -> None:
    record_event(
        session,
        actor,
        f"procurement_case.{action}",
        "procurement_case",
        row.id,
        object_nation=row.originator,
        before=None if before is None else {"state": before},
        after={
            "state": row.state,
            "item": row.item_key,
            "version": row.version,
            "participants": list(row.participants),
        },
    )


def _cents(value: float) -> int:
    return round(value * 100)


def _plan(
    item: CatalogueItemRow, rows: dict[str, RequirementRow], order: list[str], rule: Rule
) -> dict[str, Any]:
    """The build_plan entry of ``item`` for exactly these requirements."""
    needs = [NeedRow(code, item.key, rows[code].quantity, rows[code].need_by) for code in order]
    catalogue = [(item.key, item.name, item.channel, item.cost, item.sched)]
    document = scenario_document(PLANNING_START, order, catalogue, needs, [])
    entry: dict[str, Any] = build_plan(parse_scenario(document), rule=rule)["items"][item.key]
    return entry


def propose_case(
    uow: UnitOfWork,
    actor: Actor,
    item_key: str,
    rule: str = "shapley",
    nations: Sequence[str] | None = None,
) -> Case:
    """Propose a joint order of ``item_key`` (see the module docstring for the rules)."""
    principal = require_principal(actor, Role.PROCUREMENT, what="proposing a joint order")
    chosen_rule = check_rule(rule)
    with uow:
        session = uow.session
        try:
            item = load_catalogue_row(session, item_key)
        except NotFound:
            raise InvalidInput(f"unknown catalogue item {item_key!r}", field="item") from None
        stmt = visible_requirements(session, principal).where(RequirementRow.item_id == item.id)
        found = {r.originator: r for r, _ in session.execute(stmt)}
        rows = _chosen(found, principal.nation, nations, item.key)
        if len(rows) < 2:
            raise InvalidInput("a joint order needs at least two nations", field="nations")
        _check_mutual_release(rows, member_codes_in(session))
        order = nation_order(session, set(rows))
        entry = _plan(item, rows, order, chosen_rule)
        saving = entry["saving_by_nation"]
        row = CaseRow(
            item_id=item.id,
            item_key=item.key,
            item_name=item.name,
            rule=chosen_rule,
            state=CaseState.PROPOSED.value,
            participants=order,
            quantities={n: rows[n].quantity for n in order},
            need_by={n: rows[n].need_by for n in order},
            shares_cents={n: _cents(entry["stand_alone"][n] - saving[n]) for n in order},
            stand_alone_cents={n: _cents(entry["stand_alone"][n]) for n in order},
            joint_cost_cents=_cents(entry["joint_cost"]),
            plan=entry,
            created_by=actor.name,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        row.apply_marking(_case_marking(principal.nation, rows))
        session.add(row)
        session.flush()
        journal_case(session, row)
        _step(session, row, actor, "propose", None)
        _audit(session, actor, row, "propose", None)
        case = case_of(session, row)
        uow.commit()
        return case


def _visible_case(session: Session, principal: Principal, case_id: int) -> CaseRow:
    members = member_codes_in(session)
    stmt = select(CaseRow).where(CaseRow.id == case_id, visible_to(CaseRow, principal, members))
    row = session.scalars(stmt).first()
    if row is None:
        raise NotFound(f"no joint-order case {case_id}")
    return row


def list_cases(
    uow: UnitOfWork, principal: Principal, *, state: str | None = None, item: str | None = None
) -> list[Case]:
    """Cases visible to the principal (those its nation takes part in), newest first."""
    if state is not None and state not in {s.value for s in CaseState}:
        raise InvalidInput(f"unknown state {state!r}", field="state")
    with uow:
        members = member_codes_in(uow.session)
        stmt = select(CaseRow).where(visible_to(CaseRow, principal, members))
        if state:
            stmt = stmt.where(CaseRow.state == state)
        if item:
            stmt = stmt.where(CaseRow.item_key == item)
        rows = uow.session.scalars(stmt.order_by(CaseRow.id.desc())).all()
        return [case_of(uow.session, row) for row in rows]


def get_case(uow: UnitOfWork, principal: Principal, case_id: int) -> Case:
    with uow:
        row = _visible_case(uow.session, principal, case_id)
        case = case_of(uow.session, row)
        if row.classification >= int(Clearance.RESTRICTED):
            record_event(
                uow.session,
                Actor.of(principal),
                "procurement_case.read",
                "procurement_case",
                row.id,
                object_nation=row.originator,
            )
            uow.commit()
        return case


def _check_version(row: CaseRow, expected: int | None) -> None:
    if expected is not None and row.version != expected:
        raise Conflict(
            f"the case changed since you loaded it (version {row.version}, you sent {expected}; "
            f"it is now {row.state}); reload and retry",
            field="version",
        )


def _flush(session: Session) -> None:
    try:
        session.flush()
    except (StaleDataError, IntegrityError):
        raise Conflict(
            "the case was changed at the same time by someone else; reload and retry",
            field="version",
        ) from None


def commit_share(uow: UnitOfWork, actor: Actor, case_id: int, expected_version: int) -> Case:
    """The caller's nation commits to its share (approver role)."""
    principal = require_principal(actor, Role.APPROVER, what="committing to a share")
    with uow:
        session = uow.session
        row = _visible_case(session, principal, case_id)
        if principal.nation not in row.participants:
            raise NotFound(f"no joint-order case {case_id}")
        ensure_originated_here(session, row.originator, "joint-order case")
        _check_version(row, expected_version)
        done = set(
            session.scalars(select(CommitmentRow.nation).where(CommitmentRow.case_id == row.id))
        )
        if principal.nation in done:
            raise Conflict(f"{principal.nation} has already committed to its share")
        before = row.state
        after = state_after_commit(CaseState(before), len(done) + 1, len(row.participants))
        session.add(
            CommitmentRow(
                case_id=row.id,
                nation=principal.nation,
                share_cents=row.shares_cents[principal.nation],
                user_id=actor.user_id,
                username=actor.name,
                committed_at=utcnow(),
            )
        )
        row.state, row.updated_at = after.value, utcnow()
        _flush(session)
        journal_case(session, row)
        _step(session, row, actor, CaseAction.COMMIT.value, before)
        _audit(session, actor, row, "commit", before)
        case = case_of(session, row)
        uow.commit()
        return case


def _may_advance(principal: Principal, row: CaseRow, action: CaseAction) -> None:
    if action is CaseAction.WITHDRAW:
        if not principal.has_role(Role.PROCUREMENT, Role.APPROVER):
            raise PermissionDenied("withdrawing a case needs the procurement or approver role")
        return
    if action is CaseAction.COMMIT:
        raise InvalidInput("commit through the commitment endpoint", field="action")
    if not principal.has_role(Role.PROCUREMENT) or principal.nation != row.originator:
        raise PermissionDenied(
            f"only procurement officers of the lead nation ({row.originator}) record case "
            "milestones"
        )


def advance_case(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    action: str,
    expected_version: int | None = None,
) -> Case:
    """Apply a lifecycle ``action`` (send_lor ... close, withdraw) to the case."""
    try:
        step = CaseAction(action)
    except ValueError:
        names = ", ".join(a.value for a in CaseAction if a is not CaseAction.COMMIT)
        raise InvalidInput(f"unknown action {action!r}; one of {names}", field="action") from None
    principal = actor.principal
    if principal is None:
        raise PermissionDenied("case milestones are recorded by signed-in users")
    with uow:
        session = uow.session
        row = _visible_case(session, principal, case_id)
        ensure_originated_here(session, row.originator, "joint-order case")
        _may_advance(principal, row, step)
        _check_version(row, expected_version)
        before = row.state
        row.state, row.updated_at = next_state(CaseState(before), step).value, utcnow()
        _flush(session)
        journal_case(session, row)
        _step(session, row, actor, step.value, before)
        _audit(session, actor, row, step.value, before)
        case = case_of(session, row)
        uow.commit()
        return case
