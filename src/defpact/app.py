"""Assembles the web application: every context's API and web routers on one node."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from defpact import __version__
from defpact.core import api as core_api
from defpact.core import audit_api
from defpact.core import web as core_web
from defpact.core.config import Settings, get_settings
from defpact.core.middleware import SecurityHeadersMiddleware
from defpact.core.nations import NATIONS, nation_colour
from defpact.core.problems import install_problem_handlers, problem
from defpact.core.runtime import Node
from defpact.core.webkit import NeedsLogin
from defpact.federation import api as federation_api
from defpact.federation import feed_api as federation_feed
from defpact.federation import scheduler as federation_scheduler
from defpact.federation import web as federation_web
from defpact.governance import api as governance_api
from defpact.governance import web as governance_web
from defpact.procurement import api as procurement_api
from defpact.procurement import web as procurement_web
from defpact.tables import load_all_tables
from defpact.threats.correlation import api as correlation_api
from defpact.threats.disinfo import api as disinfo_api
from defpact.threats.disinfo import web as disinfo_web
from defpact.threats.hub import api as hub_api
from defpact.threats.hub import web as hub_web
from defpact.threats.intel import api as intel_api
from defpact.threats.intel import web as intel_web
from defpact.threats.taxii import api as taxii_api
from defpact.threats.taxii.errors import install_taxii_handlers
from defpact.training import api as training_api
from defpact.training import web as training_web

__all__ = ["create_app"]

_DESCRIPTION = (
    "REST API of defpact, the coordination platform of the XK-AL-HR defence cooperation pact. "
    "Authenticate with `Authorization: Bearer <token>` (create one with `defpact token create`) "
    "or HTTP Basic. Errors are RFC 9457 problem details (`application/problem+json`)."
)


def create_app(settings: Settings | None = None, node: Node | None = None) -> FastAPI:
    load_all_tables()
    settings = settings or (node.settings if node else get_settings())
    owned = node is None
    node = node or Node.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = federation_scheduler.start_for(app, node) if owned else None
        yield
        if stop is not None:
            stop()
        if owned:
            node.dispose()

    dev = settings.is_development
    app = FastAPI(
        title="defpact",
        version=__version__,
        description=_DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs" if dev else None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.node = node
    install_problem_handlers(app)
    app.add_exception_handler(NeedsLogin, _redirect_to_login)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_api_route("/static/nations.css", _nations_css, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "core" / "static"))
    app.include_router(core_api.router)
    app.include_router(audit_api.router)
    app.include_router(core_web.router)
    app.include_router(federation_feed.router)  # before /taxii2/{api_root}/ routes
    app.include_router(taxii_api.router)
    install_taxii_handlers(app)
    app.include_router(correlation_api.router)
    app.include_router(governance_api.router)
    app.include_router(governance_web.router)
    app.include_router(disinfo_api.router)
    app.include_router(disinfo_web.router)
    app.include_router(intel_api.router)
    app.include_router(intel_web.router)
    app.include_router(hub_api.router)
    app.include_router(hub_web.router)
    app.include_router(procurement_api.router)
    app.include_router(procurement_web.router)
    app.include_router(federation_api.router)
    app.include_router(federation_web.router)
    app.include_router(training_api.router)
    app.include_router(training_web.router)
    return app


async def _redirect_to_login(request: Request, _exc: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        return problem(401, "authentication required")
    return RedirectResponse("/login", status_code=303)


def _nations_css() -> Response:
    rules = "\n".join(f".nation-{code} {{ --nation: {nation_colour(code)}; }}" for code in NATIONS)
    return Response(rules, media_type="text/css", headers={"cache-control": "public, max-age=3600"})
