"""Web pages of the hub: threat board, object pages with an SVG graph, report forms, import,
export and the DISARM catalogue."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
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
from defpact.threats.hub import service
from defpact.threats.hub.disarm import ATTRIBUTION, group_by_tactic
from defpact.threats.hub.graph import relationship_svg
from defpact.threats.hub.reports import (
    INCIDENT_TYPES,
    CampaignReport,
    ExamplePost,
    IncidentReport,
    SocialAccount,
    parse_observable_lines,
)
from defpact.threats.stix.ingest import WRITER_ROLES

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
register_nav(NavEntry("Threats", "/threats"))
add_template_dir(Path(__file__).parent / "templates")
MAX_UPLOAD = 20 * 1024 * 1024


def _can_write(session: WebSession) -> bool:
    return session.principal.has_role(*WRITER_ROLES)


def _marking_context(uow: UowDep) -> dict[str, Any]:
    return {
        "clearances": [c.name for c in Clearance],
        "tlps": [t.value for t in TLP],
        "members": [m.code for m in core_service.list_members(uow)],
        "pact": PACT,
    }


def _marking(session: WebSession, form: dict[str, Any]) -> Marking:
    try:
        return Marking(
            session.principal.nation,
            Clearance.parse(str(form["classification"])),
            parse_releasable_to(form["releasable_to"] or []),
            TLP.parse(str(form["tlp"])),
        )
    except ValueError as exc:
        raise InvalidInput(str(exc), field="marking") from None


def _when(value: str, name: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date and time", field=name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _lines(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.splitlines() if x.strip())


def _codes(text: str) -> tuple[str, ...]:
    return tuple(x.strip().upper() for x in text.replace(",", " ").split() if x.strip())


@router.get("/threats", response_class=HTMLResponse)
def board_page(request: Request, session: WebUser, uow: UowDep) -> Response:
    result = service.board(uow, Actor.of(session.principal))
    nations = sorted({o for o, _, _ in result.summary})
    types = sorted({t for _, t, _ in result.summary})
    counts = {(o, t): n for o, t, n in result.summary}
    return render(
        request, "threats_board.html", session, board=result, banner=banner,
        nations=nations, types=types, counts=counts, can_write=_can_write(session),
    )  # fmt: skip


@router.get("/threats/objects/{stix_id}", response_class=HTMLResponse)
def object_page(request: Request, stix_id: str, session: WebUser, uow: UowDep) -> Response:
    try:
        view = service.object_view(uow, Actor.of(session.principal), stix_id[:300])
    except DefpactError as exc:
        return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
    svg = relationship_svg(
        (view.item.stix_id, view.item.type, view.item.name),
        [(n.stix_id, n.type, n.name) for n in view.neighbours],
        [(e.source, e.target, e.label) for e in view.edges],
    )
    names = {n.stix_id: n for n in view.neighbours}
    names[view.item.stix_id] = view.item
    return render(
        request, "threats_object.html", session, view=view, banner=banner(view.item.marking),
        graph=Markup(svg),  # noqa: S704 - built by relationship_svg, every text escaped
        pretty=json.dumps(view.obj, indent=2, ensure_ascii=False), names=names,
    )  # fmt: skip


# --- incident report ---------------------------------------------------------------------------


@router.get("/threats/incidents/new", response_class=HTMLResponse)
def incident_form(request: Request, session: WebUser, uow: UowDep) -> Response:
    return render(
        request, "threats_incident.html", session, form={}, incident_types=INCIDENT_TYPES,
        **_marking_context(uow),
    )  # fmt: skip


@router.post("/threats/incidents/new")
def incident_submit(
    request: Request,
    session: WebUser,
    uow: UowDep,
    title: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=20_000)] = "",
    incident_type: Annotated[str, Form(max_length=40)] = "other",
    first_seen: Annotated[str, Form(max_length=40)] = "",
    last_seen: Annotated[str, Form(max_length=40)] = "",
    affected_nations: Annotated[str, Form(max_length=400)] = "",
    sectors: Annotated[str, Form(max_length=2000)] = "",
    observables: Annotated[str, Form(max_length=200_000)] = "",
    make_indicators: Annotated[str, Form(max_length=5)] = "",
    classification: Annotated[str, Form(max_length=20)] = "UNCLASSIFIED",
    tlp: Annotated[str, Form(max_length=20)] = "AMBER",
    releasable_to: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    form = dict(locals())
    for key in ("request", "session", "uow"):
        form.pop(key)
    form["releasable_to"] = releasable_to or []
    try:
        check_csrf(session, csrf_token, request)
        report = IncidentReport(
            title, description, incident_type, _when(first_seen, "first_seen"),
            _when(last_seen, "last_seen"), _codes(affected_nations), _lines(sectors),
            parse_observable_lines(observables), bool(make_indicators),
        )  # fmt: skip
        result = service.submit_incident(
            uow, Actor.of(session.principal), report, _marking(session, form)
        )
    except DefpactError as exc:
        return render(
            request, "threats_incident.html", session, form=form, error=error_message(exc),
            incident_types=INCIDENT_TYPES, status_code=exc.status, **_marking_context(uow),
        )  # fmt: skip
    return RedirectResponse(f"/threats/objects/{result.stix_id}", status_code=303)


# --- campaign report ---------------------------------------------------------------------------


def _campaign_context(uow: UowDep) -> dict[str, Any]:
    framework = service.disarm_framework(uow)
    return {
        "tactics": group_by_tactic(framework) if framework else [],
        "attribution": ATTRIBUTION,
        **_marking_context(uow),
    }


def _posts(text: str) -> tuple[ExamplePost, ...]:
    """Posts separated by a line ``---``; a first line ``platform | URL | time`` is optional."""
    posts: list[ExamplePost] = []
    for i, block in enumerate(b.strip() for b in text.split("\n---")):
        if not block:
            continue
        first, _, rest = block.partition("\n")
        if first.count("|") == 2 and rest.strip():
            platform, url, when = (x.strip() for x in first.split("|"))
            moment = _when(when, f"example_posts[{i}].published_at")
            posts.append(ExamplePost(rest.strip(), platform, url, moment))
        else:
            posts.append(ExamplePost(block))
    return tuple(posts)


def _accounts(text: str) -> tuple[SocialAccount, ...]:
    result = []
    for i, line in enumerate(_lines(text)):
        platform, _, login = line.partition(" ")
        if not login.strip():
            raise InvalidInput("write 'platform login' on each line", field=f"accounts[{i}]")
        result.append(SocialAccount(platform, login.strip()))
    return tuple(result)


@router.get("/threats/campaigns/new", response_class=HTMLResponse)
def campaign_form(request: Request, session: WebUser, uow: UowDep) -> Response:
    return render(request, "threats_campaign.html", session, form={}, **_campaign_context(uow))


@router.post("/threats/campaigns/new")
def campaign_submit(
    request: Request,
    session: WebUser,
    uow: UowDep,
    name: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=20_000)] = "",
    objective: Annotated[str, Form(max_length=2000)] = "",
    first_seen: Annotated[str, Form(max_length=40)] = "",
    last_seen: Annotated[str, Form(max_length=40)] = "",
    narratives: Annotated[str, Form(max_length=20_000)] = "",
    channels: Annotated[str, Form(max_length=20_000)] = "",
    languages: Annotated[str, Form(max_length=400)] = "",
    affected_nations: Annotated[str, Form(max_length=400)] = "",
    techniques: Annotated[list[str] | None, Form()] = None,
    example_posts: Annotated[str, Form(max_length=500_000)] = "",
    accounts: Annotated[str, Form(max_length=100_000)] = "",
    classification: Annotated[str, Form(max_length=20)] = "UNCLASSIFIED",
    tlp: Annotated[str, Form(max_length=20)] = "AMBER",
    releasable_to: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    form = dict(locals())
    for key in ("request", "session", "uow"):
        form.pop(key)
    form["releasable_to"] = releasable_to or []
    form["techniques"] = techniques or []
    try:
        check_csrf(session, csrf_token, request)
        report = CampaignReport(
            name, description, objective, _when(first_seen, "first_seen"),
            _when(last_seen, "last_seen"), _lines(narratives), _lines(channels),
            tuple(x for x in languages.replace(",", " ").split() if x),
            _codes(affected_nations), tuple(techniques or ()), _posts(example_posts),
            _accounts(accounts),
        )  # fmt: skip
        result = service.submit_campaign(
            uow, Actor.of(session.principal), report, _marking(session, form)
        )
    except DefpactError as exc:
        return render(
            request, "threats_campaign.html", session, form=form, error=error_message(exc),
            status_code=exc.status, **_campaign_context(uow),
        )  # fmt: skip
    return RedirectResponse(f"/threats/objects/{result.stix_id}", status_code=303)


# --- import, export, DISARM --------------------------------------------------------------------


@router.get("/threats/import", response_class=HTMLResponse)
def import_form(request: Request, session: WebUser) -> Response:
    return render(request, "threats_import.html", session, result=None)


@router.post("/threats/import")
async def import_submit(
    request: Request,
    session: WebUser,
    uow: UowDep,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        data = await file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise InvalidInput(f"the file is larger than {MAX_UPLOAD} bytes", field="file")
        kind, info = service.import_document(uow, Actor.of(session.principal), data)
    except DefpactError as exc:
        return render(
            request, "threats_import.html", session, result=None, error=error_message(exc),
            status_code=exc.status,
        )  # fmt: skip
    return render(request, "threats_import.html", session, result=info, kind=kind)


@router.get("/threats/export.json")
def export_download(
    session: WebUser,
    uow: UowDep,
    type: Annotated[list[str] | None, Query(max_length=50)] = None,  # noqa: A002
    originator: Annotated[str | None, Query(max_length=2)] = None,
) -> Response:
    bundle = service.export_bundle(
        uow, Actor.of(session.principal), types=[t for t in type or () if t],
        originator=originator or None,
    )  # fmt: skip
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return JSONResponse(
        bundle,
        media_type="application/stix+json;version=2.1",
        headers={"Content-Disposition": f'attachment; filename="defpact-{stamp}.json"'},
    )


@router.get("/threats/disarm", response_class=HTMLResponse)
def disarm_page(request: Request, session: WebUser, uow: UowDep) -> Response:
    framework = service.disarm_framework(uow)
    return render(
        request, "threats_disarm.html", session,
        tactics=group_by_tactic(framework) if framework else [], attribution=ATTRIBUTION,
        is_admin=session.principal.has_role(Role.ADMIN),
    )  # fmt: skip
