"""Intelligence reports over the REST API: CRUD, markings, releasability, bad input, matrix."""

from __future__ import annotations

from typing import Any

import pytest

from access_matrix import AccessMatrix, Caller, Route
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.marking import TLP, Marking
from support import ApiClient, basic

DEMO_PRINCIPALS = {
    # username: (nation, clearance, roles) as seeded by `defpact demo`
    f"{n.lower()}.{r}": (n, c, roles)
    for n in ("XK", "AL", "HR")
    for r, c, roles in (
        ("admin", Clearance.CONFIDENTIAL, {Role.ADMIN, Role.OBSERVER}),
        ("procurement", Clearance.RESTRICTED, {Role.PROCUREMENT}),
        ("analyst", Clearance.SECRET, {Role.ANALYST, Role.INTEL}),
    )
}


def _report(**marking: Any) -> dict[str, Any]:
    return {
        "title": "Botnet targeting ministry mail",
        "summary": "Credential phishing wave",
        "body": "# Findings\n\n<script>alert(1)</script> **bold** [x](javascript:alert(1))",
        "region": "Western Balkans",
        "tags": ["phishing", "apt"],
        "reliability": "B",
        "credibility": "2",
        "marking": {
            "classification": "RESTRICTED",
            "releasable_to": ["PACT"],
            "tlp": "AMBER",
            **marking,
        },
    }


def _create(client: ApiClient, user: str, **marking: Any) -> dict[str, Any]:
    response = client.post("/api/intel/reports", headers=basic(user), json=_report(**marking))
    assert response.status_code == 201, response.text
    return response.json()


def test_create_and_read_with_banner_and_safe_markdown(client: ApiClient) -> None:
    created = _create(client, "xk.analyst", releasable_to=["AL", "HR"])
    assert created["marking"]["originator"] == "XK"
    assert created["marking"]["banner"] == "RESTRICTED // REL TO AL, HR, XK // TLP:AMBER"
    assert "<script>" not in created["body_html"] and "&lt;script&gt;" in created["body_html"]
    assert 'href="javascript:' not in created["body_html"]
    got = client.get(f"/api/intel/reports/{created['id']}", headers=basic("hr.analyst"))
    assert got.status_code == 200 and got.json()["admiralty"] == "B2"


def test_invisible_is_404_identical_to_missing(client: ApiClient) -> None:
    secret = _create(client, "xk.analyst", classification="SECRET", releasable_to=["AL"])
    hidden = client.get(f"/api/intel/reports/{secret['id']}", headers=basic("hr.analyst"))
    missing = client.get("/api/intel/reports/999999", headers=basic("hr.analyst"))
    assert hidden.status_code == missing.status_code == 404
    strip = ("request_id", "detail")
    h = {k: v for k, v in hidden.json().items() if k not in strip}
    m = {k: v for k, v in missing.json().items() if k not in strip}
    assert h == m
    assert hidden.json()["detail"].replace(str(secret["id"]), "N") == missing.json()[
        "detail"
    ].replace("999999", "N")
    # clearance too low: AL admin is CONFIDENTIAL, the report is SECRET
    assert (
        client.get(f"/api/intel/reports/{secret['id']}", headers=basic("al.admin")).status_code
        == 404
    )


def test_lists_and_totals_never_count_the_invisible(client: ApiClient) -> None:
    _create(client, "xk.analyst", releasable_to=["AL"])
    _create(client, "xk.analyst", releasable_to=["PACT"])
    _create(client, "xk.analyst", releasable_to=["HR"], tlp="RED")
    _create(client, "xk.analyst", releasable_to=["PACT"], tlp="RED")
    hr = client.get("/api/intel/reports", headers=basic("hr.analyst")).json()
    assert hr["total"] == 2 == len(hr["items"])
    al = client.get("/api/intel/reports", params={"q": "phishing"}, headers=basic("al.analyst"))
    assert al.json()["total"] == 2
    xk = client.get("/api/intel/reports", params={"limit": 1}, headers=basic("xk.analyst")).json()
    assert xk["total"] == 4 and len(xk["items"]) == 1


def test_only_originator_changes_and_withdraws(client: ApiClient) -> None:
    report = _create(client, "al.analyst")
    body = {**_report(), "title": "Updated", "version": report["version"]}
    foreign = client.put(
        f"/api/intel/reports/{report['id']}", headers=basic("hr.analyst"), json=body
    )
    assert foreign.status_code == 404
    own = client.put(f"/api/intel/reports/{report['id']}", headers=basic("al.analyst"), json=body)
    assert own.status_code == 200 and own.json()["title"] == "Updated"
    stale = client.put(f"/api/intel/reports/{report['id']}", headers=basic("al.analyst"), json=body)
    assert stale.status_code == 409
    assert (
        client.post(
            f"/api/intel/reports/{report['id']}/withdraw", headers=basic("xk.analyst")
        ).status_code
        == 404
    )
    withdrawn = client.post(
        f"/api/intel/reports/{report['id']}/withdraw", headers=basic("al.analyst")
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn"]
    assert (
        client.get(f"/api/intel/reports/{report['id']}", headers=basic("hr.analyst")).status_code
        == 404
    )
    assert (
        client.get(f"/api/intel/reports/{report['id']}", headers=basic("al.analyst")).status_code
        == 200
    )


def test_downgrade_by_non_originator_is_404_and_changes_nothing(client: ApiClient) -> None:
    report = _create(client, "xk.analyst", classification="RESTRICTED")
    body = {**_report(classification="UNCLASSIFIED"), "version": report["version"]}
    response = client.put(
        f"/api/intel/reports/{report['id']}", headers=basic("al.analyst"), json=body
    )
    assert response.status_code == 404
    again = client.get(f"/api/intel/reports/{report['id']}", headers=basic("xk.analyst")).json()
    assert again["marking"]["classification"] == "RESTRICTED" and again["version"] == 1


@pytest.mark.parametrize(
    ("marking", "field", "message"),
    [
        ({"releasable_to": ["QQ"]}, "releasable_to", "unknown nation"),
        ({"releasable_to": ["DE"]}, "releasable_to", "not a member"),
        ({"classification": "COSMIC"}, "classification", ""),
        ({"tlp": "PURPLE"}, "tlp", ""),
    ],
)
def test_bad_markings_are_422_and_store_nothing(
    client: ApiClient, marking: dict[str, Any], field: str, message: str
) -> None:
    response = client.post(
        "/api/intel/reports", headers=basic("xk.analyst"), json=_report(**marking)
    )
    assert response.status_code == 422
    assert field in response.text and message in response.json()["detail"]
    listing = client.get("/api/intel/reports", headers=basic("xk.analyst")).json()
    assert listing["total"] == 0


def test_classification_above_own_clearance_is_422(client: ApiClient) -> None:
    # the demo approver has CONFIDENTIAL clearance but no writer role: 403 first
    assert (
        client.post("/api/intel/reports", headers=basic("xk.approver"), json=_report()).status_code
        == 403
    )


def test_readers_without_writer_role_get_403_on_create(client: ApiClient) -> None:
    response = client.post("/api/intel/reports", headers=basic("hr.procurement"), json=_report())
    assert response.status_code == 403


def test_restricted_reads_are_audited(client: ApiClient) -> None:
    report = _create(client, "xk.analyst", classification="RESTRICTED")
    client.get(f"/api/intel/reports/{report['id']}", headers=basic("hr.analyst"))
    events = client.get(
        "/api/audit/events", params={"limit": 1000}, headers=basic("hr.admin")
    ).json()
    reads = [e["event"] for e in events if e["event"]["action"] == "intel_report.read"]
    assert reads and reads[-1]["actor_name"] == "hr.analyst"
    assert reads[-1]["object_id"] == str(report["id"])


def test_listing_restricted_reports_is_audited_and_unclassified_is_not(client: ApiClient) -> None:
    restricted = _create(client, "xk.analyst", classification="RESTRICTED")
    _create(client, "xk.analyst", classification="UNCLASSIFIED")

    def listings() -> list[dict[str, object]]:
        events = client.get(
            "/api/audit/events", params={"limit": 1000}, headers=basic("hr.admin")
        ).json()
        return [e["event"] for e in events if e["event"]["action"] == "intel_report.list"]

    client.get("/api/intel/reports", headers=basic("hr.analyst"))
    shown = listings()
    assert len(shown) == 1 and shown[0]["actor_name"] == "hr.analyst"
    assert shown[0]["after"] == {"reports": [restricted["id"]]}
    client.get("/api/intel/reports", params={"classification": "UNCLASSIFIED"},
               headers=basic("hr.analyst"))  # fmt: skip
    assert len(listings()) == 1


class TestIntelAccessMatrix(AccessMatrix):
    MARKINGS = {
        "pact-unclass": {
            "classification": "UNCLASSIFIED",
            "releasable_to": ["PACT"],
            "tlp": "GREEN",
        },
        "pact-restricted-red": {
            "classification": "RESTRICTED",
            "releasable_to": ["PACT"],
            "tlp": "RED",
        },
        "al-confidential": {
            "classification": "CONFIDENTIAL",
            "releasable_to": ["AL"],
            "tlp": "AMBER",
        },
        "al-red-named": {"classification": "RESTRICTED", "releasable_to": ["AL"], "tlp": "RED"},
        "xk-only-secret": {"classification": "SECRET", "releasable_to": [], "tlp": "AMBER"},
    }

    def test_matrix(self, client: ApiClient) -> None:
        records: dict[str, tuple[Any, Marking]] = {}
        for name, m in self.MARKINGS.items():
            created = _create(client, "xk.analyst", **m)
            marking = Marking(
                "XK", Clearance[m["classification"]], frozenset(m["releasable_to"]), TLP(m["tlp"])
            )
            records[name] = (created["id"], marking)
        callers = [Caller(None, None)] + [
            Caller(u, Principal(0, u, n, frozenset(roles), c))
            for u, (n, c, roles) in DEMO_PRINCIPALS.items()
        ]

        def writer(c: Caller) -> bool:
            return c.principal is not None and c.principal.has_role(Role.INTEL, Role.ANALYST)

        def get_expect(c: Caller, _m: Marking, readable: bool) -> int:
            return 401 if c.principal is None else (200 if readable else 404)

        def put_expect(c: Caller, m: Marking, readable: bool) -> int:
            if c.principal is None:
                return 401
            if not writer(c):
                return 403
            own = readable and m.originator == c.principal.nation
            return 409 if own else 404

        body = {**_report(), "version": 999}
        routes = [
            Route(
                "GET report",
                lambda cl, h, i: cl.get(f"/api/intel/reports/{i}", headers=h),
                get_expect,
            ),
            Route(
                "PUT report",
                lambda cl, h, i: cl.put(f"/api/intel/reports/{i}", headers=h, json=body),
                put_expect,
            ),
        ]
        checked = self.run_matrix(client, callers, records, routes, frozenset({"XK", "AL", "HR"}))
        assert checked == len(routes) * len(callers) * len(records)
