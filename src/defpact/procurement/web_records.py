"""Web pages of procurement records: the catalogue, requirements, budget lines and import.

Forms post to the same services as the API, with the same rules and messages: a refused
change re-renders the page with the error (naming the field) and the status of the error.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from defpact.core import service as core_service
from defpact.core.context import Actor
from defpact.core.deps import UowDep
from defpact.core.errors import DefpactError, InvalidInput
from defpact.core.identity import Clearance, Role
from defpact.core.marking import PACT, TLP, Marking, banner, parse_releasable_to
from defpact.core.sessions import WebSession
from defpact.core.webkit import WebUser, check_csrf, error_message, render
from defpact.procurement import (
    budget_service,
    catalogue_service,
    requirement_service,
    transfer_service,
)
from defpact.procurement.budget_service import BudgetChange
from defpact.procurement.catalogue_service import CatalogueDraft
from defpact.procurement.requirement_service import RequirementChange
from defpact.procurement.scenario import CHANNELS
from defpact.procurement.schemas import RecordId

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_COST = ("t1", "slope", "c0", "fixed_order", "per_nation", "surcharge")
_SCHED = ("T_loa", "joint_extra", "T_accept", "lead", "cap", "backlog", "moq", "lot_cycle")
_INTEGERS = {"c0", *_SCHED}
_MAX_UPLOAD = 2_000_000
Text = Annotated[str, Form(max_length=200)]


def _marking(session: WebSession, classification: str, release: list[str], tlp: str) -> Marking:
    try:
        return Marking(
            session.principal.nation,
            Clearance.parse(classification),
            parse_releasable_to(release),
            TLP.parse(tlp),
        )
    except ValueError as exc:
        raise InvalidInput(str(exc), field="marking") from None


def _marking_context(uow: UowDep) -> dict[str, Any]:
    return {
        "clearances": [c.name for c in Clearance],
        "tlps": [t.value for t in TLP],
        "members": [m.code for m in core_service.list_members(uow)],
        "pact": PACT,
        "banner": banner,
    }


# --- catalogue -------------------------------------------------------------------------------


def _number(form: dict[str, str], name: str) -> float | int:
    text = form.get(name, "").strip()
    try:
        return int(text) if name in _INTEGERS else float(text)
    except ValueError:
        section = "sched" if name in _SCHED else "cost"
        raise InvalidInput(f"{text!r} is not a number", field=f"{section}.{name}") from None


def _tiers(text: str) -> list[list[float]]:
    """``1:1.0, 100:0.95`` -> [[1, 1.0], [100, 0.95]]."""
    tiers = []
    for part in text.replace(";", ",").split(","):
        if part.strip():
            qty, _, mult = part.partition(":")
            try:
                tiers.append([int(qty), float(mult)])
            except ValueError:
                raise InvalidInput(
                    f"{part.strip()!r} is not min_qty:multiplier", field="cost.tiers"
                ) from None
    return tiers


def _draft(key: str, form: dict[str, str]) -> CatalogueDraft:
    cost: dict[str, Any] = {n: _number(form, n) for n in _COST if form.get(n, "").strip()}
    cost["tiers"] = _tiers(form.get("tiers", "") or "1:1.0")
    sched = {n: _number(form, n) for n in _SCHED if form.get(n, "").strip()}
    return CatalogueDraft(key, form.get("name", ""), form.get("channel", "FMS"), cost, sched)


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


def _catalogue_page(request: Request, session: WebSession, uow: UowDep, **extra: Any) -> Response:
    return render(
        request,
        "proc_catalogue.html",
        session,
        items=catalogue_service.list_catalogue(uow),
        channels=CHANNELS,
        cost_fields=_COST,
        sched_fields=_SCHED,
        form=extra.pop("form", {}),
        can_edit=session.principal.has_role(Role.PROCUREMENT),
        **extra,
    )


@router.get("/procurement/catalogue", response_class=HTMLResponse)
def catalogue_page(request: Request, session: WebUser, uow: UowDep) -> Response:
    return _catalogue_page(request, session, uow)


@router.post("/procurement/catalogue")
async def catalogue_create(request: Request, session: WebUser, uow: UowDep) -> Response:
    form = await _form(request)
    try:
        check_csrf(session, form.get("csrf_token", ""), request)
        draft = _draft(form.get("key", "").strip(), form)
        catalogue_service.create_catalogue_item(uow, Actor.of(session.principal), draft)
    except DefpactError as exc:
        return _catalogue_page(
            request, session, uow, form=form, error=error_message(exc), status_code=exc.status
        )
    return RedirectResponse(f"/procurement/catalogue/{draft.key}", status_code=303)


@router.get("/procurement/catalogue/{key}", response_class=HTMLResponse)
def catalogue_item_page(request: Request, key: str, session: WebUser, uow: UowDep) -> Response:
    try:
        item = catalogue_service.get_catalogue_item(uow, key)
    except DefpactError as exc:
        return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
    return render(
        request,
        "proc_catalogue_item.html",
        session,
        item=item,
        channels=CHANNELS,
        cost_fields=_COST,
        sched_fields=_SCHED,
        can_edit=session.principal.has_role(Role.PROCUREMENT),
    )


@router.post("/procurement/catalogue/{key}")
async def catalogue_update(request: Request, key: str, session: WebUser, uow: UowDep) -> Response:
    form = await _form(request)
    try:
        check_csrf(session, form.get("csrf_token", ""), request)
        version = int(form.get("version", "0") or 0)
        catalogue_service.update_catalogue_item(
            uow, Actor.of(session.principal), key, _draft(key, form), version
        )
    except DefpactError as exc:
        item = catalogue_service.get_catalogue_item(uow, key)
        return render(
            request,
            "proc_catalogue_item.html",
            session,
            item=item,
            channels=CHANNELS,
            cost_fields=_COST,
            sched_fields=_SCHED,
            can_edit=True,
            error=error_message(exc),
            status_code=exc.status,
        )
    return RedirectResponse(f"/procurement/catalogue/{key}", status_code=303)


# --- requirements and budget lines -----------------------------------------------------------


def _requirements_page(
    request: Request, session: WebSession, uow: UowDep, **extra: Any
) -> Response:
    principal = session.principal
    return render(
        request,
        "proc_requirements.html",
        session,
        requirements=requirement_service.list_requirements(uow, principal),
        budgets=budget_service.list_budget_lines(uow, principal),
        catalogue=catalogue_service.list_catalogue(uow),
        can_write=principal.has_role(Role.PROCUREMENT),
        form=extra.pop("form", {}),
        **_marking_context(uow),
        **extra,
    )


@router.get("/procurement/requirements", response_class=HTMLResponse)
def requirements_page(request: Request, session: WebUser, uow: UowDep) -> Response:
    return _requirements_page(request, session, uow)


@router.post("/procurement/requirements")
def requirement_create(
    request: Request,
    session: WebUser,
    uow: UowDep,
    item: Annotated[str, Form(max_length=40)] = "",
    quantity: Annotated[str, Form(max_length=12)] = "",
    need_by: Annotated[str, Form(max_length=7)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
    classification: Annotated[str, Form(max_length=20)] = "UNCLASSIFIED",
    tlp: Annotated[str, Form(max_length=20)] = "GREEN",
    releasable_to: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    form = {"item": item, "quantity": quantity, "need_by": need_by, "note": note}
    try:
        check_csrf(session, csrf_token, request)
        if not quantity.strip().lstrip("-").isdigit():
            raise InvalidInput("must be a whole number", field="quantity")
        marking = _marking(session, classification, releasable_to or [], tlp)
        change = RequirementChange(int(quantity), need_by.strip(), note, marking)
        requirement_service.create_requirement(uow, Actor.of(session.principal), item, change)
    except DefpactError as exc:
        return _requirements_page(
            request, session, uow, form=form, error=error_message(exc), status_code=exc.status
        )
    return RedirectResponse("/procurement/requirements", status_code=303)


@router.post("/procurement/requirements/{requirement_id}")
def requirement_update(
    request: Request,
    requirement_id: RecordId,
    session: WebUser,
    uow: UowDep,
    quantity: Annotated[str, Form(max_length=12)] = "",
    need_by: Annotated[str, Form(max_length=7)] = "",
    version: Annotated[int, Form(ge=1)] = 1,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        if not quantity.strip().lstrip("-").isdigit():
            raise InvalidInput("must be a whole number", field="quantity")
        current = requirement_service.get_requirement(uow, session.principal, requirement_id)
        change = RequirementChange(int(quantity), need_by.strip(), current.note, current.marking)
        requirement_service.update_requirement(
            uow, Actor.of(session.principal), requirement_id, change, version
        )
    except DefpactError as exc:
        return _requirements_page(
            request, session, uow, error=error_message(exc), status_code=exc.status
        )
    return RedirectResponse("/procurement/requirements", status_code=303)


@router.post("/procurement/requirements/{requirement_id}/withdraw")
def requirement_withdraw(
    request: Request,
    requirement_id: RecordId,
    session: WebUser,
    uow: UowDep,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        requirement_service.withdraw_requirement(uow, Actor.of(session.principal), requirement_id)
    except DefpactError as exc:
        return _requirements_page(
            request, session, uow, error=error_message(exc), status_code=exc.status
        )
    return RedirectResponse("/procurement/requirements", status_code=303)


@router.post("/procurement/budgets")
def budget_create(
    request: Request,
    session: WebUser,
    uow: UowDep,
    year: Annotated[str, Form(max_length=4)] = "",
    amount: Annotated[str, Form(max_length=24)] = "",
    classification: Annotated[str, Form(max_length=20)] = "UNCLASSIFIED",
    tlp: Annotated[str, Form(max_length=20)] = "GREEN",
    releasable_to: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        if not year.isdigit():
            raise InvalidInput("must be a four-digit year", field="year")
        try:
            value = float(amount.replace(",", ""))
        except ValueError:
            raise InvalidInput("must be a number", field="amount") from None
        marking = _marking(session, classification, releasable_to or [], tlp)
        budget_service.create_budget_line(
            uow, Actor.of(session.principal), int(year), BudgetChange(value, "", marking)
        )
    except DefpactError as exc:
        return _requirements_page(
            request, session, uow, error=error_message(exc), status_code=exc.status
        )
    return RedirectResponse("/procurement/requirements", status_code=303)


@router.post("/procurement/budgets/{line_id}/withdraw")
def budget_withdraw(
    request: Request,
    line_id: RecordId,
    session: WebUser,
    uow: UowDep,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        budget_service.withdraw_budget_line(uow, Actor.of(session.principal), line_id)
    except DefpactError as exc:
        return _requirements_page(
            request, session, uow, error=error_message(exc), status_code=exc.status
        )
    return RedirectResponse("/procurement/requirements", status_code=303)


def _decode(name: str, data: bytes) -> object:
    try:
        text = data.decode("utf-8")
        if name.lower().endswith((".yaml", ".yml")):
            return yaml.safe_load(text)
        return json.loads(text)
    except (UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidInput(f"not valid JSON/YAML: {first}", field="file") from None


@router.post("/procurement/import")
async def scenario_import(
    request: Request,
    session: WebUser,
    uow: UowDep,
    file: Annotated[UploadFile, File()],
    classification: Annotated[str, Form(max_length=20)] = "UNCLASSIFIED",
    tlp: Annotated[str, Form(max_length=20)] = "GREEN",
    releasable_to: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        data = await file.read(_MAX_UPLOAD + 1)
        if len(data) > _MAX_UPLOAD:
            raise InvalidInput("the file is larger than 2 MB", field="file")
        document = _decode(file.filename or "", data)
        marking = _marking(session, classification, releasable_to or [PACT], tlp)
        report = transfer_service.import_scenario(
            uow, Actor.of(session.principal), document, marking
        )
    except DefpactError as exc:
        return _requirements_page(
            request, session, uow, error=error_message(exc), status_code=exc.status
        )
    return _requirements_page(request, session, uow, report=report)
