"""Correlation over HTTP: objects posted through TAXII, then lookup, correlations, alerts,
acknowledgement, warninglists and sighting counts under /api/threats."""

from __future__ import annotations

import json
from typing import Any

import pytest

from correlation_support import indicator, marking_definition, sco, sighting
from defpact.core.identity import Clearance
from defpact.core.runtime import Node
from defpact.threats.stix.collections import nation_collection_id
from defpact.threats.stix.service import seed_threats
from support import ApiClient, basic

TAXII = "application/taxii+json;version=2.1"
IP = "91.214.124.143"


@pytest.fixture
def api(node: Node, client: ApiClient) -> ApiClient:
    seed_threats(node.uow())
    return client


def _taxii_post(client: ApiClient, user: str, *objects: dict[str, Any]) -> None:
    nation = user[:2].upper()
    response = client.post(
        f"/taxii2/pact/collections/{nation_collection_id(nation)}/objects/",
        headers={**basic(user), "Accept": TAXII, "Content-Type": TAXII},
        content=json.dumps({"objects": list(objects)}),
    )
    assert response.status_code == 202, response.text
    assert response.json()["failure_count"] == 0, response.text


def test_lookup_correlations_alerts_and_acknowledgement(api: ApiClient) -> None:
    xk = indicator(f"[ipv4-addr:value = '{IP}']")
    _taxii_post(api, "xk.analyst", xk)
    only_xk = marking_definition(Clearance.UNCLASSIFIED, {"XK"})
    al = sco("ipv4-addr", IP, [only_xk["id"]])
    _taxii_post(api, "al.analyst", only_xk, al)

    hr = api.get(f"/api/threats/lookup?value={IP}", headers=basic("hr.analyst")).json()
    assert hr["total"] == 1 and [h["stix_id"] for h in hr["hits"]] == [xk["id"]]
    xk_view = api.get(f"/api/threats/lookup?value={IP}", headers=basic("xk.analyst")).json()
    assert {h["stix_id"] for h in xk_view["hits"]} == {xk["id"], al["id"]}
    assert xk_view["hits"][0]["marking"]["banner"]

    assert api.get("/api/threats/alerts", headers=basic("hr.analyst")).json()["total"] == 0
    page = api.get("/api/threats/alerts", headers=basic("xk.analyst")).json()
    assert page["total"] == 1
    alert = page["items"][0]
    assert (alert["correlation"]["new"]["stix_id"], alert["correlation"]["old"]["stix_id"]) == (
        al["id"], xk["id"]
    )  # fmt: skip

    missing = api.get(f"/api/threats/objects/{al['id']}/correlations", headers=basic("hr.analyst"))
    unknown = api.get(
        "/api/threats/objects/ipv4-addr--00000000-0000-4000-8000-000000000000/correlations",
        headers=basic("hr.analyst"),
    )
    assert missing.status_code == unknown.status_code == 404
    assert missing.json()["title"] == unknown.json()["title"]
    shown = api.get(f"/api/threats/objects/{xk['id']}/correlations", headers=basic("hr.analyst"))
    assert shown.status_code == 200 and shown.json() == []

    url = f"/api/threats/alerts/{alert['id']}/acknowledge"
    assert api.post(url, headers=basic("hr.analyst")).status_code == 404
    assert api.post(url, headers=basic("xk.admin")).status_code == 403
    done = api.post(url, headers=basic("xk.analyst"))
    assert done.status_code == 200 and done.json()["acknowledged_by"] == "xk.analyst"
    assert api.get("/api/threats/alerts", headers=basic("xk.analyst")).json()["total"] == 0
    acked = api.get("/api/threats/alerts?state=acknowledged", headers=basic("xk.analyst"))
    assert acked.json()["total"] == 1


def test_sighting_counts_over_the_api(api: ApiClient) -> None:
    xk = indicator(f"[ipv4-addr:value = '{IP}']")
    _taxii_post(api, "xk.analyst", xk)
    _taxii_post(api, "hr.analyst", sighting(xk["id"], 4), sighting(xk["id"], 1, fp=True))
    got = api.get(f"/api/threats/objects/{xk['id']}/sightings", headers=basic("al.analyst"))
    body = got.json()
    assert (body["sightings"], body["sightings_total"], body["false_positives"]) == (2, 5, 1)
    assert [n["nation"] for n in body["by_nation"]] == ["HR"]


def test_warninglists_import_switch_and_rights(api: ApiClient) -> None:
    listed = api.get("/api/threats/warninglists", headers=basic("xk.procurement")).json()
    assert any(w["builtin"] and w["type"] == "cidr" for w in listed)
    misp = {"name": "Sinkholes", "version": 1, "description": "", "type": "string",
            "list": ["91.214.124.143"], "matching_attributes": ["ip-dst"]}  # fmt: skip
    denied = api.post("/api/threats/warninglists", headers=basic("xk.analyst"), json=misp)
    assert denied.status_code == 403
    created = api.post("/api/threats/warninglists", headers=basic("xk.admin"), json=misp)
    assert created.status_code == 201 and created.json()["entries"] == 1
    bad = api.post(
        "/api/threats/warninglists", headers=basic("xk.admin"),
        json={**misp, "type": "cidr", "list": ["not-a-range"]},
    )  # fmt: skip
    assert bad.status_code == 422 and "list[0]" in bad.json()["detail"]
    lookup = api.get(f"/api/threats/lookup?value={IP}", headers=basic("al.analyst")).json()
    assert lookup["warninglists"] == ["Sinkholes"]
    off = api.patch(
        "/api/threats/warninglists/Sinkholes", headers=basic("xk.admin"), json={"enabled": False}
    )
    assert off.status_code == 200 and off.json()["enabled"] is False
    lookup = api.get(f"/api/threats/lookup?value={IP}", headers=basic("al.analyst")).json()
    assert lookup["warninglists"] == []
    none = api.patch(
        "/api/threats/warninglists/nothing", headers=basic("xk.admin"), json={"enabled": False}
    )
    assert none.status_code == 404


def test_bad_lookup_input_is_a_422_naming_the_field(api: ApiClient) -> None:
    bad = api.get("/api/threats/lookup?value=not%20a%20value", headers=basic("xk.analyst"))
    assert bad.status_code == 422 and bad.json()["detail"].startswith("value:")
    kind = api.get("/api/threats/lookup?value=1.2.3.4&kind=ipv5", headers=basic("xk.analyst"))
    assert kind.status_code == 422 and kind.json()["detail"].startswith("kind:")
    assert api.get("/api/threats/lookup?value=1.2.3.4").status_code == 401
