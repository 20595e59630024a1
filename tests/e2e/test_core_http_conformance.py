"""What schemathesis found in the HTTP surface of core, pinned as regression tests: the OpenAPI
documents the problem responses the app really sends, its authentication schemes and the 429
of throttled Basic logins; a body that is not UTF-8 is a 422 like malformed JSON; a 405 lists
every method of the path in ``Allow``; an id beyond the databases' integer range is a 422.
"""

from __future__ import annotations

from typing import Any

from support import ApiClient, basic

PROBLEM = "application/problem+json"


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in spec["paths"].items()
        if path.startswith("/api/")
        for method, op in item.items()
    ]


def test_openapi_documents_problem_details_as_sent(client: ApiClient) -> None:
    spec = client.get("/api/openapi.json").json()
    for method, path, op in _operations(spec):
        for code, response in op["responses"].items():
            if code.startswith(("4", "5")):
                assert list(response["content"]) == [PROBLEM], (method, path, code)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    missing = client.get("/api/intel/reports/999999", headers=basic("xk.analyst"))
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM


def test_openapi_declares_bearer_and_basic_and_the_login_throttle(client: ApiClient) -> None:
    spec = client.get("/api/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert {s["scheme"] for s in schemes.values()} == {"bearer", "basic"}
    for method, path, op in _operations(spec):
        if "401" in op["responses"]:
            assert op["security"] == [{name: []} for name in schemes], (method, path)
            assert "429" in op["responses"], (method, path)
    assert "security" not in spec["paths"]["/api/health"]["get"]


def test_body_that_is_not_utf8_is_422_naming_the_body(client: ApiClient) -> None:
    response = client.post(
        "/api/intel/reports",
        content=b'{"title": "\xff"}',
        headers={"content-type": "application/json", **basic("xk.analyst")},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"] == [
        {"field": "body", "message": "the request body is not valid UTF-8 JSON"}
    ]


def test_405_allow_lists_every_method_of_the_path(client: ApiClient) -> None:
    for path, allowed in (
        ("/api/intel/reports", "GET, POST"),
        ("/api/intel/reports/1", "GET, PUT"),
        ("/api/users", "GET, POST"),
    ):
        response = client.request("OPTIONS", path)
        assert response.status_code == 405
        assert response.headers["allow"] == allowed, path


def test_ids_beyond_the_database_integer_range_are_422_not_500(client: ApiClient) -> None:
    huge = 2**70
    revoke = client.post(f"/api/tokens/{huge}/revoke", headers=basic("xk.admin"))
    events = client.get("/api/audit/events", params={"after": huge}, headers=basic("xk.admin"))
    assert (revoke.status_code, events.status_code) == (422, 422)
    assert client.post("/api/tokens/999999/revoke", headers=basic("xk.admin")).status_code == 404
