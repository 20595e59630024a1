"""Plans computed live from what the caller may see, the what-if, scenario import and export."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi import APIRouter
from fastapi.responses import Response

from defpact.core.deps import ActorDep, CurrentUser, UowDep
from defpact.core.problems import problem_responses
from defpact.procurement import planning_service, transfer_service
from defpact.procurement.schemas import ImportReportPublic, ScenarioImport
from defpact.procurement.schemas_plans import (
    CashPublic,
    ItemPlanPublic,
    OpportunityPublic,
    RuleName,
    WhatIfIn,
    WhatIfPublic,
)

__all__ = ["router"]

router = APIRouter()


@router.get(
    "/opportunities",
    response_model=list[OpportunityPublic],
    responses=problem_responses(401, 422),
)
def opportunities(
    user: CurrentUser, uow: UowDep, rule: RuleName = "shapley"
) -> list[OpportunityPublic]:
    """Items wanted by two or more nations, computed only from requirements visible to you,
    with joint cost, savings, shares, deliveries alone vs jointly; best savings first."""
    return [OpportunityPublic.of(o) for o in planning_service.opportunities(uow, user, rule)]


@router.get(
    "/items/{key}/plan",
    response_model=ItemPlanPublic,
    responses=problem_responses(401, 404, 422),
)
def item_plan(
    key: str, user: CurrentUser, uow: UowDep, rule: RuleName = "shapley"
) -> ItemPlanPublic:
    """The plan of one catalogue item over the requirements visible to you."""
    return ItemPlanPublic.of(planning_service.item_plan(uow, user, key, rule))


def _years(values: dict[int, float] | None) -> dict[str, float] | None:
    return None if values is None else {str(y): v for y, v in values.items()}


@router.get("/cash", response_model=CashPublic, responses=problem_responses(401, 422))
def cash(user: CurrentUser, uow: UowDep, rule: RuleName = "shapley") -> CashPublic:
    """Payments by fiscal year buying alone vs jointly, per visible nation, against budget."""
    report = planning_service.cash_overview(uow, user, rule)
    nations: dict[str, Any] = {
        nation: {
            **entry,
            "individual": _years(entry["individual"]),
            "joint": _years(entry["joint"]),
            "budget": _years(entry["budget"]),
        }
        for nation, entry in report["nations"].items()
    }
    return CashPublic.model_validate({**report, "nations": nations})


@router.post("/what-if", response_model=WhatIfPublic, responses=problem_responses(401, 422))
def what_if(body: WhatIfIn, user: CurrentUser, uow: UowDep) -> WhatIfPublic:
    """How each participant's Shapley share changes if NATION joins with these quantities."""
    report = planning_service.what_if(uow, user, body.nation, body.qty)
    return WhatIfPublic.model_validate(report)


@router.get("/scenario", response_model=dict[str, Any], responses=problem_responses(401))
def scenario_export(user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    """The catalogue and the requirements and budgets visible to you as a scenario document
    (the file format of ``defpact procurement plan``)."""
    return planning_service.export_scenario(uow, user)


@router.get(
    "/scenario.yaml",
    response_class=Response,
    responses={200: {"content": {"application/yaml": {}}}, **problem_responses(401)},
)
def scenario_export_yaml(user: CurrentUser, uow: UowDep) -> Response:
    """The same export as YAML."""
    document = planning_service.export_scenario(uow, user)
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=None)
    return Response(text, media_type="application/yaml")


@router.post(
    "/scenario",
    response_model=ImportReportPublic,
    responses=problem_responses(401, 403, 409, 422),
)
def scenario_import(body: ScenarioImport, actor: ActorDep, uow: UowDep) -> ImportReportPublic:
    """Import a scenario as your nation (role procurement): catalogue items, and your nation's
    requirements and budget; other nations' data is listed in ``ignored_nations``."""
    assert actor.nation is not None  # noqa: S101 - API actors are users
    marking = body.marking.to_marking(actor.nation)
    report = transfer_service.import_scenario(uow, actor, body.scenario, marking)
    return ImportReportPublic.of(report)
