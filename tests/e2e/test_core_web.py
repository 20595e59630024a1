"""Server-rendered pages: sign-in with CSRF, dashboard, users page."""

from __future__ import annotations

from support import DEMO_PASSWORD, ApiClient, csrf_of, sign_in


def _login(client: ApiClient, username: str) -> str:
    response = sign_in(client, username)
    assert response.status_code == 303, response.text
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    return dashboard.text


def test_pages_redirect_to_login(client: ApiClient) -> None:
    response = client.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_login_shows_dashboard_with_members_and_identity(client: ApiClient) -> None:
    html = _login(client, "al.procurement")
    assert "Kosovo" in html and "Albania" in html and "Croatia" in html
    assert "2025-03-18" in html and "RESTRICTED" in html and "procurement" in html
    cookie = client.cookies.jar  # type: ignore[attr-defined]
    assert any(c.name == "defpact_session" for c in cookie)


def test_session_cookie_flags(client: ApiClient) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": "hr.admin", "password": DEMO_PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header


def test_login_without_csrf_token_is_refused(client: ApiClient) -> None:
    client.get("/login")
    response = client.post(
        "/login", data={"username": "hr.admin", "password": DEMO_PASSWORD, "csrf_token": "x"}
    )
    assert response.status_code == 403
    assert client.get("/").status_code == 303


def test_wrong_password_shows_error(client: ApiClient) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": "hr.admin", "password": "nope", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 401 and "invalid username or password" in response.text


def test_admin_users_page_lists_only_own_nation_and_creates(client: ApiClient) -> None:
    html = _login(client, "xk.admin")
    users = client.get("/users")
    assert "xk.analyst" in users.text and "al.analyst" not in users.text
    created = client.post(
        "/users",
        data={
            "username": "xk.cert",
            "roles": ["analyst"],
            "clearance": "RESTRICTED",
            "csrf_token": csrf_of(users.text),
        },
    )
    assert created.status_code == 201 and "shown once" in created.text
    assert "xk.cert" in created.text
    assert html


def test_users_page_form_needscsrf_of(client: ApiClient) -> None:
    _login(client, "xk.admin")
    response = client.post(
        "/users", data={"username": "xk.evil", "roles": ["admin"], "csrf_token": "forged"}
    )
    assert response.status_code == 403 and "xk.evil" not in client.get("/users").text


def test_logout_ends_the_session(client: ApiClient) -> None:
    html = _login(client, "hr.training")
    assert client.post("/logout", data={"csrf_token": csrf_of(html)}).status_code == 303
    assert client.get("/").status_code == 303


def test_nav_hides_users_page_from_non_admins(client: ApiClient) -> None:
    html = _login(client, "hr.training")
    assert 'href="/users"' not in html
