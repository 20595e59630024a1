"""Web pages of joint procurement: opportunities, item plans with charts, budget, what-if.

Records (catalogue, requirements, budget lines, import) are in ``web_records`` and cases in
``web_cases``; ``router`` includes both. Charts are server-rendered SVG (``charts``) inserted as
markup: the SVG builder escapes every text it writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from defpact.core.deps import UowDep
from defpact.core.errors import DefpactError, InvalidInput
from defpact.core.identity import Role
from defpact.core.nations import NATIONS
from defpact.core.webkit import (
    NavEntry,
    WebUser,
    add_template_dir,
    check_csrf,
    error_message,
    register_nav,
    render,
)
from defpact.procurement import case_service, catalogue_service, planning_service
from defpact.procurement.allocation import RULES
from defpact.procurement.charts import (
    CashYear,
    SavingsBar,
    TimelineRow,
    cash_chart,
    delivery_timeline,
    savings_chart,
)
from defpact.procurement.lifecycle import CaseState
from defpact.procurement.months import parse_month
from defpact.procurement.web_cases import router as cases_router
from defpact.procurement.web_records import router as records_router

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
router.include_router(records_router)
router.include_router(cases_router)
register_nav(NavEntry("Procurement", "/procurement"))
add_template_dir(Path(__file__).parent / "templates")

RuleQuery = Annotated[str, Query(max_length=20)]


def _svg(text: str) -> Markup:
    return Markup(text)  # noqa: S704 - built by charts.py, which escapes every text


def _cash_years(entry: dict[str, Any]) -> list[CashYear]:
    budget = entry["budget"] or {}
    years = sorted(set(entry["individual"]) | set(entry["joint"]) | set(budget))
    return [
        CashYear(
            y,
            entry["individual"].get(y, 0.0),
            entry["joint"].get(y, 0.0),
            budget.get(y) if entry["budget"] is not None else None,
        )
        for y in years
    ]


def _cash_rows(entry: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for year in _cash_years(entry):
        rows.append(
            {
                "year": year.year,
                "individual": year.individual,
                "joint": year.joint,
                "budget": year.budget,
                "breach_individual": year.year in (entry["breaches_individual"] or []),
                "breach_joint": year.year in (entry["breaches_joint"] or []),
            }
        )
    return rows


@router.get("/procurement", response_class=HTMLResponse)
def opportunities_page(
    request: Request, session: WebUser, uow: UowDep, rule: RuleQuery = "shapley"
) -> Response:
    principal = session.principal
    try:
        found = planning_service.opportunities(uow, principal, rule)
        cash = planning_service.cash_overview(uow, principal, rule)
    except DefpactError as exc:
        return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
    mine = cash["nations"].get(principal.nation)
    chart = None
    if mine is not None:
        title = f"{principal.nation}: payments by fiscal year, alone vs joint, against budget"
        chart = _svg(cash_chart(_cash_years(mine), title))
    return render(
        request,
        "proc_opportunities.html",
        session,
        opportunities=found,
        rule=rule,
        rules=RULES,
        cash_chart=chart,
        cash_rows=_cash_rows(mine) if mine else [],
    )


def _month_index(start: str, label: str) -> int:
    return parse_month(start).offset(parse_month(label))


def _span(start: str, pair: list[str] | None) -> tuple[int, int] | None:
    return None if pair is None else (_month_index(start, pair[0]), _month_index(start, pair[1]))


def _charts(start: str, entry: dict[str, Any]) -> tuple[Markup, Markup]:
    nations = entry["participants"]
    alone, saving = entry["stand_alone"], entry["saving_by_nation"]
    bars = [SavingsBar(n, alone[n], alone[n] - saving[n]) for n in nations]
    rows = [
        TimelineRow(
            n,
            _span(start, entry["delivery_individual"].get(n)),
            _span(start, entry["delivery_joint"].get(n)),
            _month_index(start, entry["need_by"][n]) if n in entry["need_by"] else None,
        )
        for n in nations
    ]
    timeline = delivery_timeline(parse_month(start), rows)
    return _svg(savings_chart(bars)), _svg(timeline)


@router.get("/procurement/items/{key}", response_class=HTMLResponse)
def item_page(
    request: Request, key: str, session: WebUser, uow: UowDep, rule: RuleQuery = "shapley"
) -> Response:
    principal = session.principal
    try:
        plan = planning_service.item_plan(uow, principal, key, rule)
        cases = case_service.list_cases(uow, principal, item=key)
    except DefpactError as exc:
        return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
    entry = plan.plan
    savings, timeline = (
        _charts(plan.start, entry) if entry and entry["participants"] else (None, None)
    )
    participants = entry["participants"] if entry else []
    return render(
        request,
        "proc_item.html",
        session,
        plan=plan,
        entry=entry,
        rule=rule,
        rules=RULES,
        savings_chart=savings,
        timeline_chart=timeline,
        cases=cases,
        open_states={s.value for s in CaseState} - {"closed", "withdrawn"},
        can_propose=principal.has_role(Role.PROCUREMENT)
        and principal.nation in participants
        and len(participants) >= 2,
    )


@router.get("/procurement/budget", response_class=HTMLResponse)
def budget_page(
    request: Request,
    session: WebUser,
    uow: UowDep,
    nation: Annotated[str, Query(max_length=2)] = "",
    rule: RuleQuery = "shapley",
) -> Response:
    principal = session.principal
    try:
        cash = planning_service.cash_overview(uow, principal, rule)
    except DefpactError as exc:
        return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
    chosen = nation.upper() or principal.nation
    entry = cash["nations"].get(chosen)
    chart = None
    if entry is not None:
        chart = _svg(cash_chart(_cash_years(entry), f"{chosen}: payments by fiscal year"))
    return render(
        request,
        "proc_budget.html",
        session,
        nations=list(cash["nations"]),
        chosen=chosen,
        chart=chart,
        rows=_cash_rows(entry) if entry else [],
        entry=entry,
        rule=rule,
        rules=RULES,
        skipped=cash["skipped"],
    )


def _whatif_context(uow: UowDep) -> dict[str, Any]:
    return {
        "catalogue": catalogue_service.list_catalogue(uow),
        "all_nations": sorted(NATIONS.values(), key=lambda n: n.name),
    }


@router.get("/procurement/what-if", response_class=HTMLResponse)
def whatif_page(request: Request, session: WebUser, uow: UowDep) -> Response:
    return render(
        request, "proc_whatif.html", session, result=None, form={}, **_whatif_context(uow)
    )


@router.post("/procurement/what-if")
async def whatif_submit(
    request: Request,
    session: WebUser,
    uow: UowDep,
    nation: Annotated[str, Form(max_length=2)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    form = await request.form()
    quantities: dict[str, int] = {}
    try:
        check_csrf(session, csrf_token, request)
        for name, value in form.items():
            if name.startswith("qty_") and isinstance(value, str) and value.strip():
                if not value.strip().isdigit():
                    raise InvalidInput("must be a whole number >= 0", field=name[4:])
                quantities[name[4:]] = int(value)
        result = planning_service.what_if(uow, session.principal, nation, quantities)
    except DefpactError as exc:
        return render(
            request,
            "proc_whatif.html",
            session,
            result=None,
            error=error_message(exc),
            form={"nation": nation, **quantities},
            status_code=exc.status,
            **_whatif_context(uow),
        )
    return render(
        request,
        "proc_whatif.html",
        session,
        result=result,
        form={"nation": nation, **quantities},
        **_whatif_context(uow),
    )
