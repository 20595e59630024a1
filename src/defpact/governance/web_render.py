"""How governance pages render: the shared template helpers and the error page."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup

from defpact.core.errors import DefpactError
from defpact.core.marking import Marking, banner
from defpact.core.sessions import WebSession
from defpact.core.webkit import render
from defpact.governance.markup import render_markdown
from defpact.governance.provisions import PROVISION_LABELS

__all__ = ["error_page", "markdown", "page"]


def markdown(text: str) -> Markup:
    """Markdown rendered with raw HTML disabled (``markup``): safe to embed."""
    return Markup(render_markdown(text))  # noqa: S704 - markdown-it escapes all raw HTML


def _banner_class(marking: Marking) -> str:
    return f"banner clearance-{marking.classification.name.lower()}"


def page(
    request: Request, template: str, session: WebSession, status_code: int = 200, **context: Any
) -> Response:
    """Render a governance page with the helpers every template uses."""
    return render(
        request,
        template,
        session,
        status_code=status_code,
        banner=banner,
        banner_class=_banner_class,
        markdown=markdown,
        provision_labels=PROVISION_LABELS,
        **context,
    )


def error_page(request: Request, session: WebSession, exc: DefpactError) -> Response:
    return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
