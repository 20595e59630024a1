"""Web pages of the disinformation platform: batches and upload, runs, group pages, publishing.

Everything is server-rendered; the group page's timeline and account–object network are SVG
built by :mod:`.charts`. Every form posts its CSRF token.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from defpact.core import service as core_service
from defpact.core.context import Actor
from defpact.core.deps import UowDep
from defpact.core.errors import DefpactError, InvalidInput
from defpact.core.identity import Clearance, Role
from defpact.core.marking import PACT, TLP, banner
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
from defpact.threats.disinfo import ingest_service, publish_service, read_service, run_service
from defpact.threats.disinfo.api import upload_marking
from defpact.threats.disinfo.charts import KIND_COLOURS, network, timeline
from defpact.threats.disinfo.publishing import CampaignDraft, parse_disarm
from defpact.threats.hub import service as hub_service

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
register_nav(NavEntry("Disinformation", "/disinfo"))
add_template_dir(Path(__file__).parent / "templates")

_WRITERS = (Role.ANALYST, Role.INTEL)


def _marking_choices(uow: UowDep) -> dict[str, Any]:
    return {
        "clearances": [c.name for c in Clearance],
        "tlps": [t.value for t in TLP],
        "members": [m.code for m in core_service.list_members(uow)],
        "pact": PACT,
        "banner": banner,
    }


def _index(
    request: Request, session: WebSession, uow: UowDep, status: int = 200, **extra: Any
) -> Response:
    batches, batch_total = ingest_service.list_batches(uow, session.principal, 100)
    runs, run_total = run_service.list_runs(uow, session.principal, 50)
    return render(
        request, "disinfo_index.html", session, status_code=status, batches=batches,
        batch_total=batch_total, runs=runs, run_total=run_total,
        can_write=session.principal.has_role(*_WRITERS), **_marking_choices(uow), **extra,
    )  # fmt: skip


@router.get("/disinfo", response_class=HTMLResponse)
def index_page(request: Request, session: WebUser, uow: UowDep) -> Response:
    return _index(request, session, uow)


@router.post("/disinfo/batches")
def upload_submit(
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
        nation = session.principal.nation
        marking = upload_marking(nation, classification, releasable_to or [], tlp)
        upload = ingest_service.Upload(file.file, file.filename or "upload")
        batch = ingest_service.ingest_batch(uow, Actor.of(session.principal), upload, marking)
    except DefpactError as exc:
        return _index(request, session, uow, exc.status, upload_error=error_message(exc))
    return RedirectResponse(f"/disinfo/batches/{batch.id}", status_code=303)


@router.get("/disinfo/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, batch_id: int, session: WebUser, uow: UowDep) -> Response:
    try:
        batch = ingest_service.get_batch(uow, session.principal, batch_id)
    except DefpactError as exc:
        return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
    return render(request, "disinfo_batch.html", session, batch=batch, banner=banner)


@router.post("/disinfo/runs")
def run_submit(
    request: Request,
    session: WebUser,
    uow: UowDep,
    window_seconds: Annotated[float, Form(gt=0, le=86_400)] = 60.0,
    min_group_size: Annotated[int, Form(ge=2, le=1000)] = 3,
    alpha: Annotated[float, Form(ge=0, le=1000)] = 1.0,
    text_similarity: Annotated[float, Form(gt=0, le=1)] = 0.5,
    seed: Annotated[int, Form(ge=0, le=2**31 - 1)] = 0,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        req = run_service.RunRequest(window_seconds, min_group_size, alpha, text_similarity, seed)
        run_id = run_service.create_run(uow, Actor.of(session.principal), req)
    except DefpactError as exc:
        return _index(request, session, uow, exc.status, run_error=error_message(exc))
    return RedirectResponse(f"/disinfo/runs/{run_id}", status_code=303)


@router.get("/disinfo/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: int, session: WebUser, uow: UowDep) -> Response:
    try:
        run = read_service.get_run(uow, session.principal, run_id)
    except DefpactError as exc:
        return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
    return render(request, "disinfo_run.html", session, run=run, banner=banner)


def _group_page(
    request: Request,
    session: WebSession,
    uow: UowDep,
    group_id: int,
    status: int = 200,
    **extra: Any,
) -> Response:
    try:
        view = read_service.get_group(uow, session.principal, group_id)
    except DefpactError as exc:
        return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
    kinds = {o.index: o.kind for o in view.objects}
    framework = hub_service.disarm_framework(uow)
    return render(
        request, "disinfo_group.html", session, status_code=status, view=view, g=view.summary,
        objects={o.index: o for o in view.objects},
        timeline_svg=Markup(timeline(view.evidence, kinds)),  # noqa: S704 - escaped in charts
        network_svg=Markup(network(view.objects, view.evidence)),  # noqa: S704
        colours=KIND_COLOURS, can_publish=session.principal.has_role(*_WRITERS),
        techniques=framework.techniques if framework else (),
        **_marking_choices(uow), **extra,
    )  # fmt: skip


@router.get("/disinfo/groups/{group_id}", response_class=HTMLResponse)
def group_page(request: Request, group_id: int, session: WebUser, uow: UowDep) -> Response:
    return _group_page(request, session, uow, group_id)


@router.post("/disinfo/groups/{group_id}/publish")
def publish_submit(
    request: Request,
    group_id: int,
    session: WebUser,
    uow: UowDep,
    name: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=20_000)] = "",
    disarm: Annotated[str, Form(max_length=20_000)] = "",
    classification: Annotated[str, Form(max_length=20)] = "UNCLASSIFIED",
    tlp: Annotated[str, Form(max_length=20)] = "GREEN",
    releasable_to: Annotated[list[str] | None, Form()] = None,
    technique: Annotated[list[str] | None, Form(max_length=50)] = None,
    examples: Annotated[int, Form(ge=0, le=50)] = 10,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    form = {"name": name, "description": description, "disarm": disarm, "tlp": tlp,
            "classification": classification, "releasable_to": releasable_to or [],
            "technique": technique or []}  # fmt: skip
    try:
        check_csrf(session, csrf_token, request)
        nation = session.principal.nation
        marking = upload_marking(nation, classification, releasable_to or [], tlp)
        try:
            techniques = parse_disarm([*(technique or []), *disarm.splitlines()])
        except ValueError as exc:
            raise InvalidInput(str(exc), field="disarm") from None
        draft = CampaignDraft(name, description, techniques, marking, examples)
        publish_service.publish_group(uow, Actor.of(session.principal), group_id, draft)
    except DefpactError as exc:
        return _group_page(
            request, session, uow, group_id, exc.status, error=error_message(exc), form=form
        )
    return RedirectResponse(f"/disinfo/groups/{group_id}", status_code=303)
