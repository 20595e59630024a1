"""Joint-order cases: propose, list, show, commit to a share, record milestones, withdraw."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from defpact.core.deps import ActorDep, CurrentUser, UowDep
from defpact.core.problems import problem_responses
from defpact.procurement import case_service
from defpact.procurement.schemas import RecordId
from defpact.procurement.schemas_plans import CaseCommit, CaseCreate, CasePublic, CaseTransition

__all__ = ["router"]

router = APIRouter()


@router.get("/cases", response_model=list[CasePublic], responses=problem_responses(401, 422))
def cases(
    user: CurrentUser,
    uow: UowDep,
    state: Annotated[str | None, Query(max_length=16)] = None,
    item: Annotated[str | None, Query(max_length=40)] = None,
) -> list[CasePublic]:
    """Cases your nation takes part in (the only ones you can see), newest first."""
    return [CasePublic.of(c) for c in case_service.list_cases(uow, user, state=state, item=item)]


@router.post(
    "/cases",
    response_model=CasePublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 422),
)
def case_propose(body: CaseCreate, actor: ActorDep, uow: UowDep) -> CasePublic:
    """Propose a joint order (role procurement); shares are computed now with ``rule``."""
    case = case_service.propose_case(uow, actor, body.item, body.rule, body.nations)
    return CasePublic.of(case)


@router.get("/cases/{case_id}", response_model=CasePublic, responses=problem_responses(401, 404))
def case_get(case_id: RecordId, user: CurrentUser, uow: UowDep) -> CasePublic:
    return CasePublic.of(case_service.get_case(uow, user, case_id))


@router.post(
    "/cases/{case_id}/commit",
    response_model=CasePublic,
    responses=problem_responses(401, 403, 404, 409),
)
def case_commit(case_id: RecordId, body: CaseCommit, actor: ActorDep, uow: UowDep) -> CasePublic:
    """Commit your nation to its share (role approver). Send the version you saw: 409 if the
    case changed since (e.g. another nation committed first); reload and retry."""
    return CasePublic.of(case_service.commit_share(uow, actor, case_id, body.version))


@router.post(
    "/cases/{case_id}/transitions",
    response_model=CasePublic,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def case_transition(
    case_id: RecordId, body: CaseTransition, actor: ActorDep, uow: UowDep
) -> CasePublic:
    """Record a milestone (lead nation's procurement officers) or withdraw (any participant's
    procurement or approver user, before the LOA is signed). 409 names the current state."""
    case = case_service.advance_case(uow, actor, case_id, body.action, body.version)
    return CasePublic.of(case)
