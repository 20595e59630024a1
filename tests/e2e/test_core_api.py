"""The core REST API through httpx's ASGI transport, on SQLite and PostgreSQL."""

from __future__ import annotations

from support import ApiClient, basic, bearer


def test_health_answers_with_database(client: ApiClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.headers["x-request-id"]


def test_members_need_credentials(client: ApiClient) -> None:
    response = client.get("/api/members")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "urn:defpact:problem:unauthenticated" and body["status"] == 401
    assert "Bearer" in response.headers["www-authenticate"]


def test_members_list_exactly_the_founders(client: ApiClient) -> None:
    response = client.get("/api/members", headers=basic("al.analyst"))
    assert response.status_code == 200
    assert [m["code"] for m in response.json()] == ["XK", "AL", "HR"]
    assert {m["joined"] for m in response.json()} == {"2025-03-18"}


def test_wrong_password_is_401_problem(client: ApiClient) -> None:
    response = client.get("/api/members", headers=basic("al.analyst", "not-the-password"))
    assert response.status_code == 401
    assert response.json()["detail"] == "invalid username or password"


def test_request_id_is_echoed(client: ApiClient) -> None:
    response = client.get("/api/health", headers={"X-Request-ID": "trace-123"})
    assert response.headers["x-request-id"] == "trace-123"


def test_security_headers_on_every_response(client: ApiClient) -> None:
    response = client.get("/api/nations", headers=basic("hr.admin"))
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    nations = {n["code"]: n for n in response.json()}
    assert nations["XK"]["member"] and not nations["DE"]["member"]


def test_me_shows_nation_roles_and_clearance(client: ApiClient) -> None:
    me = client.get("/api/users/me", headers=basic("xk.analyst")).json()
    assert me["nation"] == "XK" and me["clearance"] == "SECRET"
    assert set(me["roles"]) == {"analyst", "intel"}


def test_admin_creates_user_and_token_that_authenticates(client: ApiClient) -> None:
    created = client.post(
        "/api/users",
        headers=basic("hr.admin"),
        json={
            "username": "hr.cert",
            "nation": "HR",
            "roles": ["analyst"],
            "clearance": "RESTRICTED",
            "password": "twelve-chars-ok",
        },
    )
    assert created.status_code == 201, created.text
    token = client.post(
        "/api/users/hr.cert/tokens", headers=basic("hr.admin"), json={"expires_days": 7}
    )
    assert token.status_code == 201
    secret = token.json()["secret"]
    me = client.get("/api/users/me", headers=bearer(secret))
    assert me.status_code == 200 and me.json()["username"] == "hr.cert"
    revoked = client.post(
        f"/api/tokens/{token.json()['token']['id']}/revoke", headers=basic("hr.admin")
    )
    assert revoked.status_code == 200
    assert client.get("/api/users/me", headers=bearer(secret)).status_code == 401


def test_duplicate_username_is_409(client: ApiClient) -> None:
    response = client.post(
        "/api/users",
        headers=basic("hr.admin"),
        json={"username": "hr.admin", "nation": "HR", "roles": ["observer"]},
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:defpact:problem:conflict"


def test_short_password_is_422_stating_the_rule(client: ApiClient) -> None:
    response = client.post(
        "/api/users",
        headers=basic("hr.admin"),
        json={"username": "hr.x", "nation": "HR", "roles": ["observer"], "password": "short"},
    )
    assert response.status_code == 422
    assert "at least 12 characters" in response.json()["detail"]


def test_unknown_nation_is_422_listing_codes(client: ApiClient) -> None:
    response = client.post(
        "/api/users",
        headers=basic("hr.admin"),
        json={"username": "hr.y", "nation": "QQ", "roles": ["observer"]},
    )
    assert response.status_code == 422
    assert "valid codes" in response.json()["detail"]


def test_admin_of_other_nation_gets_403_on_create_and_only_own_users(client: ApiClient) -> None:
    response = client.post(
        "/api/users",
        headers=basic("al.admin"),
        json={"username": "hr.z", "nation": "HR", "roles": ["observer"]},
    )
    assert response.status_code == 403
    users = client.get("/api/users", headers=basic("al.admin")).json()
    assert users and {u["nation"] for u in users} == {"AL"}
    assert client.get("/api/users", headers=basic("al.analyst")).status_code == 403


def test_disable_user_of_other_nation_is_404(client: ApiClient) -> None:
    assert (
        client.post("/api/users/hr.analyst/disable", headers=basic("al.admin")).status_code == 404
    )


def test_extra_fields_are_rejected(client: ApiClient) -> None:
    response = client.post(
        "/api/users",
        headers=basic("hr.admin"),
        json={"username": "hr.q", "nation": "HR", "roles": ["observer"], "is_superuser": True},
    )
    assert response.status_code == 422
    assert "is_superuser" in response.json()["detail"]


def test_login_throttle_answers_429_with_retry_after(client: ApiClient) -> None:
    for _ in range(5):
        client.get("/api/users/me", headers=basic("xk.approver", "wrong-password"))
    response = client.get("/api/users/me", headers=basic("xk.approver"))
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0


def test_openapi_is_served(client: ApiClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/api/members" in spec["paths"]
