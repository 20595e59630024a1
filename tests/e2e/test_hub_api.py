"""The hub over HTTP: reports, DISARM, board, object pages, import and export, web forms.

Every read is checked from three nations: the originator, a nation the marking releases to, and
one it does not (which must see nothing: 404, no count, no edge, nothing exported).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from defpact.core.context import Actor
from defpact.core.runtime import Node
from defpact.threats.hub import service
from defpact.threats.hub.disarm import read_disarm_file
from defpact.threats.stix.service import seed_threats
from support import ApiClient, basic, csrf_of, sign_in

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture
def hub(node: Node, client: ApiClient) -> ApiClient:
    seed_threats(node.uow())
    service.import_disarm(
        node.uow(), Actor.console("test"), read_disarm_file(DATA / "disarm_mini.json")
    )
    return client


def _incident(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Phishing against MoD mail",
        "description": "Credential phishing wave",
        "incident_type": "phishing",
        "observables": [
            {"kind": "ipv4-addr", "value": "203.0.113.7"},
            {"kind": "domain-name", "value": "login-mod.example"},
        ],
        "marking": {"classification": "RESTRICTED", "releasable_to": ["AL"], "tlp": "AMBER"},
    }
    body.update(over)
    return body


def _summary(client: ApiClient, user: str) -> dict[tuple[str, str], int]:
    board = client.get("/api/threats/board", headers=basic(user)).json()
    return {(r["originator"], r["type"]): r["count"] for r in board["summary"]}


def test_incident_report_is_shared_exactly_as_marked(hub: ApiClient) -> None:
    created = hub.post(
        "/api/threats/reports/incidents", json=_incident(), headers=basic("xk.analyst")
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"].startswith("incident--") and body["objects"] >= 9
    for user in ("xk.analyst", "al.analyst"):
        view = hub.get("/api/threats/objects", params={"id": body["id"]}, headers=basic(user))
        assert view.status_code == 200
        data = view.json()
        assert data["item"]["banner"] == "RESTRICTED // REL TO AL, XK // TLP:AMBER"
        labels = sorted(e["label"] for e in data["edges"])
        assert labels == ["related-to"] * 3
        assert _summary(hub, user)[("XK", "indicator")] == 2
        svg = hub.get(
            "/api/threats/objects/graph.svg", params={"id": body["id"]}, headers=basic(user)
        )
        assert svg.headers["content-type"].startswith("image/svg+xml") and "indicator" in svg.text
    hidden = hub.get("/api/threats/objects", params={"id": body["id"]}, headers=basic("hr.analyst"))
    assert hidden.status_code == 404
    assert ("XK", "indicator") not in _summary(hub, "hr.analyst")
    exported = hub.get(
        "/api/threats/export", params={"originator": "XK"}, headers=basic("hr.analyst")
    )
    assert exported.json()["objects"] == []
    assert exported.headers["content-type"].startswith("application/stix+json")
    seen = hub.get("/api/threats/export", params={"originator": "XK"}, headers=basic("al.analyst"))
    assert {o["type"] for o in seen.json()["objects"]} >= {"incident", "indicator", "relationship"}
    # a second report with the same observables and marking reuses them
    again = hub.post(
        "/api/threats/reports/incidents", json=_incident(), headers=basic("xk.analyst")
    )
    assert again.status_code == 201, again.text


def test_clearance_limits_what_a_cleared_partner_sees(hub: ApiClient) -> None:
    secret = _incident(
        marking={"classification": "SECRET", "releasable_to": ["AL"], "tlp": "AMBER"}
    )
    created = hub.post("/api/threats/reports/incidents", json=secret, headers=basic("xk.analyst"))
    assert created.status_code == 201
    # al.admin is CONFIDENTIAL: the SECRET incident does not exist for them
    assert hub.get("/api/threats/objects", params={"id": created.json()["id"]},
                   headers=basic("al.admin")).status_code == 404  # fmt: skip
    assert hub.get("/api/threats/objects", params={"id": created.json()["id"]},
                   headers=basic("al.analyst")).status_code == 200  # fmt: skip


@pytest.mark.parametrize(
    ("user", "body", "status", "field"),
    [
        ("xk.procurement", _incident(), 403, None),
        ("xk.analyst", _incident(incident_type="boredom"), 422, None),
        ("xk.analyst", _incident(observables=[{"kind": "ipv4-addr", "value": "1.2.3.999"}]), 422,
         "observables[0].value"),
        ("xk.analyst", _incident(affected_nations=["ZZ"]), 422, "affected_nations[0]"),
        ("xk.analyst", _incident(marking={"classification": "SECRET", "releasable_to": ["DE"]}),
         422, '"field":"releasable_to"'),
        ("xk.analyst", _incident(marking={"releasable_to": ["ZZ"]}), 422, "unknown nation 'ZZ'"),
        ("xk.analyst", _incident(marking={"tlp": "PURPLE"}), 422, "marking.tlp"),
        ("xk.analyst", _incident(marking={"classification": "TOP"}), 422,
         "marking.classification"),
    ],
)  # fmt: skip
def test_bad_incident_reports_are_refused_and_store_nothing(
    hub: ApiClient, user: str, body: dict[str, Any], status: int, field: str | None
) -> None:
    before = _summary(hub, "xk.analyst")
    response = hub.post("/api/threats/reports/incidents", json=body, headers=basic(user))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field:
        assert field in response.text
    assert _summary(hub, "xk.analyst") == before


def test_campaign_with_disarm_techniques(hub: ApiClient) -> None:
    disarm = hub.get("/api/threats/disarm", headers=basic("hr.training")).json()
    assert "CC BY-SA 4.0" in disarm["attribution"]
    assert {t["id"] for t in disarm["techniques"]} == {"T0049", "T0049.003", "T0022.001"}
    body = {
        "name": "Border fear",
        "description": "Coordinated posts about troop movements",
        "languages": ["sq", "sr-Cyrl"],
        "techniques": ["T0049.003"],
        "example_posts": [{"text": "They come tonight", "platform": "telegram"}],
        "accounts": [{"platform": "telegram", "login": "patriot_1"}],
        "marking": {"classification": "UNCLASSIFIED", "releasable_to": ["PACT"], "tlp": "GREEN"},
    }
    created = hub.post("/api/threats/reports/campaigns", json=body, headers=basic("hr.analyst"))
    assert created.status_code == 201, created.text
    view = hub.get("/api/threats/objects", params={"id": created.json()["id"]},
                   headers=basic("xk.training")).json()  # fmt: skip
    assert {(e["label"], n["type"]) for e in view["edges"] for n in view["neighbours"]
            if n["id"] in (e["source"], e["target"])} >= {("uses", "attack-pattern")}  # fmt: skip
    bad = hub.post("/api/threats/reports/campaigns", json={**body, "techniques": ["T0001"]},
                   headers=basic("hr.analyst"))  # fmt: skip
    assert bad.status_code == 422 and "techniques[0]" in bad.text


def test_import_stix_bundle_partially_valid_and_misp_event(hub: ApiClient) -> None:
    bundle = {
        "type": "bundle",
        "id": "bundle--9a1a0c8e-2f7b-4e51-9b46-7c0f4b6c2c11",
        "objects": [
            {"type": "indicator", "spec_version": "2.1",
             "id": "indicator--1b7b1d0e-8e0c-4b36-9d3a-2b2c2f0b4c01",
             "created": "2026-11-20T10:00:00.000Z", "modified": "2026-11-20T10:00:00.000Z",
             "pattern": "[ipv4-addr:value = '198.51.100.9']", "pattern_type": "stix",
             "valid_from": "2026-11-20T10:00:00Z"},
            {"type": "indicator", "spec_version": "2.1", "id": "indicator--bad",
             "created": "2026-11-20T10:00:00.000Z", "modified": "2026-11-20T10:00:00.000Z",
             "pattern": "[ipv4-addr:value = '198.51.100.9'", "pattern_type": "stix",
             "valid_from": "2026-11-20T10:00:00Z"},
        ],
    }  # fmt: skip
    result = hub.post(
        "/api/threats/import", content=json.dumps(bundle), headers=basic("al.analyst")
    )
    assert result.status_code == 200, result.text
    data = result.json()
    assert (data["format"], data["stored"], data["failed"]) == ("stix", 1, 1)
    assert data["failures"][0]["id"] == "indicator--bad"
    misp = hub.post("/api/threats/import", content=(DATA / "misp_event.json").read_bytes(),
                    headers=basic("al.analyst"))  # fmt: skip
    assert misp.status_code == 200, misp.text
    assert misp.json()["format"] == "misp" and misp.json()["stored"] >= 4
    # the MISP event was tlp:amber: the import keeps it (TLP 1.0 amber)
    exported = hub.get("/api/threats/export", params={"type": "grouping"},
                       headers=basic("xk.analyst")).json()  # fmt: skip
    assert (
        exported["objects"] and exported["objects"][0]["name"] == "Phishing wave against ministries"
    )
    garbage = hub.post("/api/threats/import", content=b"not json", headers=basic("al.analyst"))
    assert garbage.status_code == 422 and "file" in garbage.text


def _login(client: ApiClient, username: str) -> None:
    sign_in(client, username)


def test_web_board_forms_and_object_page(hub: ApiClient) -> None:
    _login(hub, "xk.analyst")
    board = hub.get("/threats")
    assert board.status_code == 200 and "Threat board" in board.text
    form = hub.get("/threats/incidents/new")
    data = {
        "title": "Defacement of ministry site", "description": "Site replaced",
        "incident_type": "defacement", "observables": "203.0.113.9\nsha1 " + "b" * 40,
        "make_indicators": "yes", "classification": "RESTRICTED", "tlp": "AMBER",
        "releasable_to": ["HR"], "csrf_token": csrf_of(form.text),
    }  # fmt: skip
    created = hub.post("/threats/incidents/new", data=data)
    assert created.status_code == 303, created.text
    page = hub.get(created.headers["location"])
    assert page.status_code == 200
    assert "RESTRICTED // REL TO HR, XK // TLP:AMBER" in page.text and "<svg" in page.text
    bad = hub.post("/threats/incidents/new", data={**data, "observables": "sha1 xyz"})
    assert bad.status_code == 422 and "observables[0]" in bad.text
    assert "Defacement of ministry site" in bad.text  # the form keeps what was typed
    forged = hub.post("/threats/incidents/new", data={**data, "csrf_token": "nope"})
    assert forged.status_code == 403
    campaign_form = hub.get("/threats/campaigns/new")
    assert "T0049.003" in campaign_form.text and "CC BY-SA" in campaign_form.text
    camp = hub.post("/threats/campaigns/new", data={
        "name": "Fear", "description": "d", "techniques": ["T0049.003"],
        "example_posts": (
            "telegram | https://t.me/x/2 | 2026-11-21T10:00\nThey come\n---\nSecond post"
        ),
        "accounts": "telegram patriot_2", "classification": "UNCLASSIFIED", "tlp": "GREEN",
        "releasable_to": ["PACT"], "csrf_token": csrf_of(campaign_form.text),
    })  # fmt: skip
    assert camp.status_code == 303, camp.text
    assert hub.get("/threats/disarm").status_code == 200
    upload = hub.get("/threats/import")
    misp = (DATA / "misp_event.json").read_bytes()
    imported = hub.post(
        "/threats/import",
        data={"csrf_token": csrf_of(upload.text)},
        files={"file": ("e.json", misp)},
    )
    assert imported.status_code == 200 and "objects stored" in imported.text
    download = hub.get("/threats/export.json", params={"type": "campaign"})
    assert "attachment" in download.headers["content-disposition"]
    objects = download.json()["objects"]
    assert [o["name"] for o in objects if o["type"] == "campaign"] == ["Fear"]
    # the bundle carries the definitions of the markings it uses, so it imports anywhere
    assert {o["name"] for o in objects if o["type"] == "marking-definition"} == {
        "DEFPACT UNCLASSIFIED // REL TO PACT",
        "TLP:GREEN",
    }


def test_demo_seed_is_created_once_and_marked(node: Node, hub: ApiClient) -> None:
    from defpact.threats.hub.seed import seed_hub_demo

    _, reports = seed_hub_demo(node.uow())
    assert reports == 3
    assert seed_hub_demo(node.uow()) == (0, 0)
    # HR's CONFIDENTIAL scan report is released to AL only: XK does not see it
    hr_scan = {("HR", "incident")}
    assert hr_scan <= set(_summary(hub, "al.analyst"))
    assert not hr_scan & set(_summary(hub, "xk.analyst"))


def test_web_alerts_lookup_and_correlations(hub: ApiClient) -> None:
    shared = {"kind": "ipv4-addr", "value": "45.77.12.34"}
    pact = {"classification": "UNCLASSIFIED", "releasable_to": ["PACT"], "tlp": "GREEN"}
    first = hub.post("/api/threats/reports/incidents", headers=basic("xk.analyst"),
                     json=_incident(observables=[shared], marking=pact))  # fmt: skip
    second = hub.post("/api/threats/reports/incidents", headers=basic("al.analyst"),
                      json=_incident(title="Same C2 seen in Tirana", observables=[shared],
                                     marking=pact))  # fmt: skip
    assert first.status_code == second.status_code == 201
    _login(hub, "hr.analyst")
    board = hub.get("/threats")
    assert "Open alerts for HR" in board.text and "45.77.12.34" in board.text
    ack = re.search(r'action="/threats/alerts/(\d+)/acknowledge"', board.text)
    assert ack
    done = hub.post(f"/threats/alerts/{ack.group(1)}/acknowledge",
                    data={"csrf_token": csrf_of(board.text)})  # fmt: skip
    assert done.status_code == 303
    assert f"/threats/alerts/{ack.group(1)}/acknowledge" not in hub.get("/threats").text
    lookup = hub.get("/threats/lookup", params={"value": "45.77.12.0/24"})
    assert lookup.status_code == 200
    # both nations' indicators hold the address (a range lookup contains it)
    assert lookup.text.count('href="/threats/objects/indicator--') == 2
    bad = hub.get("/threats/lookup", params={"value": "not a value at all !"})
    assert bad.status_code == 422 and "value" in bad.text
    page = hub.get(f"/threats/objects/{second.json()['id']}")
    assert page.status_code == 200
    indicator = next(i for i in second.json()["object_ids"] if i.startswith("indicator--"))
    with_corr = hub.get(f"/threats/objects/{indicator}")
    assert "Correlations with other nations" in with_corr.text and "XK" in with_corr.text
