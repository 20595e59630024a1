"""REST API of joint procurement under ``/api/procurement``: catalogue, requirements, budget
lines (this module), plans and scenarios (``api_plans``) and joint-order cases (``api_cases``).

``router`` includes the other two, so the application mounts this one router.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from defpact.core.deps import ActorDep, CurrentUser, UowDep
from defpact.core.problems import problem_responses
from defpact.procurement import budget_service, catalogue_service, requirement_service
from defpact.procurement.api_cases import router as cases_router
from defpact.procurement.api_plans import router as plans_router
from defpact.procurement.schemas import (
    BudgetLineCreate,
    BudgetLinePublic,
    BudgetLineUpdate,
    CatalogueItemCreate,
    CatalogueItemPublic,
    CatalogueItemUpdate,
    RecordId,
    RequirementCreate,
    RequirementPublic,
    RequirementUpdate,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/procurement", tags=["procurement"])
router.include_router(plans_router)
router.include_router(cases_router)

NationQuery = Annotated[str | None, Query(min_length=2, max_length=2)]


def _nation(actor: ActorDep) -> str:
    assert actor.nation is not None  # noqa: S101 - API actors are users
    return actor.nation


@router.get(
    "/catalogue", response_model=list[CatalogueItemPublic], responses=problem_responses(401)
)
def catalogue(_user: CurrentUser, uow: UowDep) -> list[CatalogueItemPublic]:
    """Every system in the pact's catalogue with its pricing and schedule parameters."""
    return [CatalogueItemPublic.of(i) for i in catalogue_service.list_catalogue(uow)]


@router.post(
    "/catalogue",
    response_model=CatalogueItemPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
)
def catalogue_create(
    body: CatalogueItemCreate, actor: ActorDep, uow: UowDep
) -> CatalogueItemPublic:
    """Add a system (role procurement); 409 if the key exists, 422 names a bad field."""
    return CatalogueItemPublic.of(catalogue_service.create_catalogue_item(uow, actor, body.draft()))


@router.get(
    "/catalogue/{key}", response_model=CatalogueItemPublic, responses=problem_responses(401, 404)
)
def catalogue_get(key: str, _user: CurrentUser, uow: UowDep) -> CatalogueItemPublic:
    return CatalogueItemPublic.of(catalogue_service.get_catalogue_item(uow, key))


@router.put(
    "/catalogue/{key}",
    response_model=CatalogueItemPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def catalogue_update(
    key: str, body: CatalogueItemUpdate, actor: ActorDep, uow: UowDep
) -> CatalogueItemPublic:
    """Change a system's name, channel or parameters (role procurement; 409 if stale)."""
    item = catalogue_service.update_catalogue_item(uow, actor, key, body.draft(key), body.version)
    return CatalogueItemPublic.of(item)


@router.get(
    "/requirements", response_model=list[RequirementPublic], responses=problem_responses(401, 422)
)
def requirements(
    user: CurrentUser,
    uow: UowDep,
    item: Annotated[str | None, Query(max_length=40)] = None,
    nation: NationQuery = None,
    include_withdrawn: bool = False,
) -> list[RequirementPublic]:
    """Requirements visible to the caller (their own nation's and those released to it)."""
    found = requirement_service.list_requirements(
        uow, user, item=item, nation=nation, include_withdrawn=include_withdrawn
    )
    return [RequirementPublic.of(r) for r in found]


@router.post(
    "/requirements",
    response_model=RequirementPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
)
def requirement_create(body: RequirementCreate, actor: ActorDep, uow: UowDep) -> RequirementPublic:
    """State a requirement of the caller's nation (role procurement); one active per item."""
    change = body.change(_nation(actor))
    return RequirementPublic.of(
        requirement_service.create_requirement(uow, actor, body.item, change)
    )


@router.get(
    "/requirements/{requirement_id}",
    response_model=RequirementPublic,
    responses=problem_responses(401, 404),
)
def requirement_get(requirement_id: RecordId, user: CurrentUser, uow: UowDep) -> RequirementPublic:
    return RequirementPublic.of(requirement_service.get_requirement(uow, user, requirement_id))


@router.put(
    "/requirements/{requirement_id}",
    response_model=RequirementPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def requirement_update(
    requirement_id: RecordId, body: RequirementUpdate, actor: ActorDep, uow: UowDep
) -> RequirementPublic:
    """Change quantity, need-by, note or marking (originating nation only; 409 if stale)."""
    result = requirement_service.update_requirement(
        uow, actor, requirement_id, body.change(_nation(actor)), body.version
    )
    return RequirementPublic.of(result)


@router.post(
    "/requirements/{requirement_id}/withdraw",
    response_model=RequirementPublic,
    responses=problem_responses(401, 403, 404),
)
def requirement_withdraw(
    requirement_id: RecordId, actor: ActorDep, uow: UowDep
) -> RequirementPublic:
    """Withdraw: hidden from other nations and out of every plan; the audit keeps it."""
    return RequirementPublic.of(
        requirement_service.withdraw_requirement(uow, actor, requirement_id)
    )


@router.get(
    "/budgets", response_model=list[BudgetLinePublic], responses=problem_responses(401, 422)
)
def budgets(
    user: CurrentUser, uow: UowDep, nation: NationQuery = None, include_withdrawn: bool = False
) -> list[BudgetLinePublic]:
    """Budget lines visible to the caller."""
    lines = budget_service.list_budget_lines(
        uow, user, nation=nation, include_withdrawn=include_withdrawn
    )
    return [BudgetLinePublic.of(b) for b in lines]


@router.post(
    "/budgets",
    response_model=BudgetLinePublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
)
def budget_create(body: BudgetLineCreate, actor: ActorDep, uow: UowDep) -> BudgetLinePublic:
    """State the caller's nation's procurement budget for a fiscal year (role procurement)."""
    line = budget_service.create_budget_line(uow, actor, body.year, body.change(_nation(actor)))
    return BudgetLinePublic.of(line)


@router.get(
    "/budgets/{line_id}", response_model=BudgetLinePublic, responses=problem_responses(401, 404)
)
def budget_get(line_id: RecordId, user: CurrentUser, uow: UowDep) -> BudgetLinePublic:
    return BudgetLinePublic.of(budget_service.get_budget_line(uow, user, line_id))


@router.put(
    "/budgets/{line_id}",
    response_model=BudgetLinePublic,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def budget_update(
    line_id: RecordId, body: BudgetLineUpdate, actor: ActorDep, uow: UowDep
) -> BudgetLinePublic:
    line = budget_service.update_budget_line(
        uow, actor, line_id, body.change(_nation(actor)), body.version
    )
    return BudgetLinePublic.of(line)


@router.post(
    "/budgets/{line_id}/withdraw",
    response_model=BudgetLinePublic,
    responses=problem_responses(401, 403, 404),
)
def budget_withdraw(line_id: RecordId, actor: ActorDep, uow: UowDep) -> BudgetLinePublic:
    return BudgetLinePublic.of(budget_service.withdraw_budget_line(uow, actor, line_id))
