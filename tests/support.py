"""Helpers shared by tests (importable because pyproject sets pythonpath = ["tests"])."""

from __future__ import annotations

import asyncio
import base64
import re
from typing import Any

import httpx

DEMO_PASSWORD = "defpact-demo-2025"


class ApiClient:
    """A synchronous facade over ``httpx.AsyncClient`` with the ASGI transport (no sockets)."""

    def __init__(self, app: object) -> None:
        self._runner = asyncio.Runner()
        transport = httpx.ASGITransport(app=app)
        self._client = httpx.AsyncClient(transport=transport, base_url="http://testserver")

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._runner.run(self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    @property
    def cookies(self) -> object:
        return self._client.cookies

    def close(self) -> None:
        self._runner.run(self._client.aclose())
        self._runner.close()


def basic(username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    match = _CSRF.search(html)
    assert match, "page carries a CSRF token"
    return match.group(1)


def sign_in(client: ApiClient, username: str) -> httpx.Response:
    """Sign in through the login form (demo password); the login POST's response."""
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf_of(page.text)},
    )
