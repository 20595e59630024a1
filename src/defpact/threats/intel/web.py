"""Web pages of intelligence reports: list with filters, detail with banner, create/edit form."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from defpact.core import service as core_service
from defpact.core.context import Actor
from defpact.core.deps import UowDep
from defpact.core.errors import DefpactError, InvalidInput
from defpact.core.identity import Clearance, Role
from defpact.core.marking import PACT, TLP, Marking, banner, parse_releasable_to
from defpact.core.sessions import WebSession
from defpact.core.webkit import (
    NavEntry,
    WebUser,
    add_template_dir,
    check_csrf,
    error_message,
    register_nav,
    render,
)
from defpact.threats.intel import service
from defpact.threats.intel.model import CREDIBILITY, RELIABILITY, ReportDraft, render_markdown

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
register_nav(NavEntry("Intelligence", "/intel"))
add_template_dir(Path(__file__).parent / "templates")

_PAGE = 25


def _form_context(uow: UowDep) -> dict[str, Any]:
    return {
        "clearances": [c.name for c in Clearance],
        "tlps": [t.value for t in TLP],
        "members": [m.code for m in core_service.list_members(uow)],
        "reliabilities": RELIABILITY,
        "credibilities": CREDIBILITY,
        "pact": PACT,
    }


@router.get("/intel", response_class=HTMLResponse)
def list_page(
    request: Request,
    session: WebUser,
    uow: UowDep,
    q: Annotated[str, Query(max_length=200)] = "",
    region: Annotated[str, Query(max_length=80)] = "",
    tag: Annotated[str, Query(max_length=40)] = "",
    originator: Annotated[str, Query(max_length=2)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters = service.ReportFilter(
        q=q or None,
        region=region or None,
        tag=tag or None,
        originator=originator or None,
        limit=_PAGE,
        offset=(page - 1) * _PAGE,
    )
    result = service.list_reports(uow, session.principal, filters)
    pages = max(1, -(-result.total // _PAGE))
    return render(
        request,
        "intel_list.html",
        session,
        result=result,
        page=page,
        pages=pages,
        filters={"q": q, "region": region, "tag": tag, "originator": originator},
        banner=banner,
        can_write=session.principal.has_role(Role.INTEL, Role.ANALYST),
    )


@router.get("/intel/new", response_class=HTMLResponse)
def new_page(request: Request, session: WebUser, uow: UowDep) -> Response:
    return render(request, "intel_form.html", session, report=None, **_form_context(uow))


def _draft_from_form(session: WebSession, form: dict[str, object]) -> ReportDraft:
    try:
        release = parse_releasable_to(form["releasable_to"])  # type: ignore[arg-type]
        marking = Marking(
            session.principal.nation,
            Clearance.parse(str(form["classification"])),
            release,
            TLP.parse(str(form["tlp"])),
        )
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    tags = tuple(t.strip() for t in str(form["tags"]).split(",") if t.strip())
    return ReportDraft(
        str(form["title"]),
        str(form["summary"]),
        str(form["body"]),
        str(form["region"]),
        tags,
        str(form["reliability"]),
        str(form["credibility"]),
        marking,
    )


@router.post("/intel/new")
def create_submit(
    request: Request,
    session: WebUser,
    uow: UowDep,
    title: Annotated[str, Form(max_length=200)] = "",
    summary: Annotated[str, Form(max_length=4000)] = "",
    body: Annotated[str, Form(max_length=200_000)] = "",
    region: Annotated[str, Form(max_length=80)] = "",
    tags: Annotated[str, Form(max_length=1000)] = "",
    reliability: Annotated[str, Form(max_length=1)] = "F",
    credibility: Annotated[str, Form(max_length=1)] = "6",
    classification: Annotated[str, Form(max_length=20)] = "UNCLASSIFIED",
    tlp: Annotated[str, Form(max_length=20)] = "GREEN",
    releasable_to: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    form = dict(locals())
    form["releasable_to"] = releasable_to or []
    try:
        check_csrf(session, csrf_token, request)
        report = service.create_report(
            uow, Actor.of(session.principal), _draft_from_form(session, form)
        )
    except DefpactError as exc:
        return render(
            request,
            "intel_form.html",
            session,
            report=None,
            form=form,
            error=error_message(exc),
            status_code=exc.status,
            **_form_context(uow),
        )
    return RedirectResponse(f"/intel/{report.id}", status_code=303)


@router.get("/intel/{report_id}", response_class=HTMLResponse)
def detail_page(request: Request, report_id: int, session: WebUser, uow: UowDep) -> Response:
    try:
        report = service.get_report(uow, session.principal, report_id)
    except DefpactError as exc:
        return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
    own = report.marking.originator == session.principal.nation
    return render(
        request,
        "intel_detail.html",
        session,
        report=report,
        banner=banner(report.marking),
        body_html=Markup(render_markdown(report.body)),  # noqa: S704 - html disabled in renderer
        can_edit=own and session.principal.has_role(Role.INTEL, Role.ANALYST),
        reliabilities=RELIABILITY,
        credibilities=CREDIBILITY,
    )


@router.get("/intel/{report_id}/edit", response_class=HTMLResponse)
def edit_page(request: Request, report_id: int, session: WebUser, uow: UowDep) -> Response:
    try:
        report = service.get_report(uow, session.principal, report_id)
    except DefpactError as exc:
        return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
    return render(request, "intel_form.html", session, report=report, **_form_context(uow))


@router.post("/intel/{report_id}/edit")
def edit_submit(
    request: Request,
    report_id: int,
    session: WebUser,
    uow: UowDep,
    version: Annotated[int, Form(ge=1)],
    title: Annotated[str, Form(max_length=200)] = "",
    summary: Annotated[str, Form(max_length=4000)] = "",
    body: Annotated[str, Form(max_length=200_000)] = "",
    region: Annotated[str, Form(max_length=80)] = "",
    tags: Annotated[str, Form(max_length=1000)] = "",
    reliability: Annotated[str, Form(max_length=1)] = "F",
    credibility: Annotated[str, Form(max_length=1)] = "6",
    classification: Annotated[str, Form(max_length=20)] = "UNCLASSIFIED",
    tlp: Annotated[str, Form(max_length=20)] = "GREEN",
    releasable_to: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    form = dict(locals())
    form["releasable_to"] = releasable_to or []
    try:
        check_csrf(session, csrf_token, request)
        draft = _draft_from_form(session, form)
        service.update_report(uow, Actor.of(session.principal), report_id, draft, version)
    except DefpactError as exc:
        return render(
            request,
            "intel_form.html",
            session,
            report=None,
            form=form,
            edit_id=report_id,
            error=error_message(exc),
            status_code=exc.status,
            **_form_context(uow),
        )
    return RedirectResponse(f"/intel/{report_id}", status_code=303)


@router.post("/intel/{report_id}/withdraw")
def withdraw_submit(
    request: Request,
    report_id: int,
    session: WebUser,
    uow: UowDep,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        service.withdraw_report(uow, Actor.of(session.principal), report_id)
    except DefpactError as exc:
        return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
    return RedirectResponse(f"/intel/{report_id}", status_code=303)
