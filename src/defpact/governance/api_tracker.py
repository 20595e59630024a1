"""REST API of the action tracker and of accession and withdrawal."""

from __future__ import annotations

from fastapi import APIRouter, status

from defpact.core.deps import ActorDep, IdPath, UowDep
from defpact.core.problems import problem_responses
from defpact.governance import service
from defpact.governance.presenters import (
    accession_public,
    action_public,
    summary_public,
    withdrawal_public,
)
from defpact.governance.provisions import Provision
from defpact.governance.schemas import (
    AccessionCreate,
    AccessionPublic,
    ActionCreate,
    ActionPublic,
    ProgressCreate,
    SummaryPublic,
    VoteCreate,
    WithdrawalCreate,
    WithdrawalPublic,
)
from defpact.governance.tracker import ActionStatus

__all__ = ["router"]

router = APIRouter()
_READ = problem_responses(401, 404)
_WRITE = problem_responses(401, 403, 404, 409, 422)


@router.get("/actions", response_model=list[ActionPublic], responses=problem_responses(401, 422))
def list_actions(
    actor: ActorDep,
    uow: UowDep,
    provision: Provision | None = None,
    nation: str | None = None,
    status: ActionStatus | None = None,
    overdue: bool | None = None,
    group_id: int | None = None,
) -> list[ActionPublic]:
    """Action items you may read, filtered; ``overdue`` items are past due and not closed."""
    where = service.ActionFilter(provision, nation, status, overdue, group_id)
    return [action_public(a) for a in service.list_actions(uow, actor, where)]


@router.post(
    "/actions", response_model=ActionPublic, status_code=status.HTTP_201_CREATED, responses=_WRITE
)
def create_action(body: ActionCreate, actor: ActorDep, uow: UowDep) -> ActionPublic:
    return action_public(service.create_action(uow, actor, body.new()))


@router.get("/actions/summary", response_model=SummaryPublic, responses=problem_responses(401))
def action_summary(actor: ActorDep, uow: UowDep) -> SummaryPublic:
    """Counts per status and overdue items per provision and per owner nation."""
    return summary_public(service.action_summary(uow, actor))


@router.get("/actions/{action_id}", response_model=ActionPublic, responses=_READ)
def get_action(action_id: IdPath, actor: ActorDep, uow: UowDep) -> ActionPublic:
    return action_public(service.get_action(uow, actor, action_id))


@router.post("/actions/{action_id}/progress", response_model=ActionPublic, responses=_WRITE)
def report_progress(
    action_id: IdPath, body: ProgressCreate, actor: ActorDep, uow: UowDep
) -> ActionPublic:
    info = service.report_progress(
        uow, actor, action_id, status=body.status, note=body.note, version=body.version
    )
    return action_public(info)


@router.post("/actions/{action_id}/withdraw", response_model=ActionPublic, responses=_WRITE)
def withdraw_action(action_id: IdPath, actor: ActorDep, uow: UowDep) -> ActionPublic:
    """The originator's admins withdraw the item: other nations no longer see it."""
    return action_public(service.withdraw_action(uow, actor, action_id))


@router.get("/accessions", response_model=list[AccessionPublic], responses=problem_responses(401))
def list_accessions(actor: ActorDep, uow: UowDep) -> list[AccessionPublic]:
    return [accession_public(a) for a in service.list_accessions(uow, actor)]


@router.post(
    "/accessions",
    response_model=AccessionPublic,
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
def propose_accession(body: AccessionCreate, actor: ActorDep, uow: UowDep) -> AccessionPublic:
    """A member proposes a NATO or EU member state; every member's approver then votes."""
    info = service.propose_accession(uow, actor, body.nation, body.joined, body.statement)
    return accession_public(info)


@router.get("/accessions/{accession_id}", response_model=AccessionPublic, responses=_READ)
def get_accession(accession_id: IdPath, actor: ActorDep, uow: UowDep) -> AccessionPublic:
    return accession_public(service.get_accession(uow, actor, accession_id))


@router.post("/accessions/{accession_id}/votes", response_model=AccessionPublic, responses=_WRITE)
def vote_on_accession(
    accession_id: IdPath, body: VoteCreate, actor: ActorDep, uow: UowDep
) -> AccessionPublic:
    """Unanimity admits the state from its stated date (never backdated)."""
    info = service.vote_on_accession(
        uow, actor, accession_id, body.decision, body.comment, nation=body.nation
    )
    return accession_public(info)


@router.post("/members/{nation}/withdraw", response_model=WithdrawalPublic, responses=_WRITE)
def withdraw(
    nation: str, actor: ActorDep, uow: UowDep, body: WithdrawalCreate | None = None
) -> WithdrawalPublic:
    """The nation's admin withdraws it from the pact; it leaves every open round at once."""
    return withdrawal_public(
        service.withdraw_from_pact(uow, actor, nation, body.left if body else None)
    )
