"""The procurement REST API through httpx's ASGI transport, on SQLite and PostgreSQL, over the
demo data (``seed_procurement_demo``): HR's counter-drone requirement is released to AL only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from defpact.core import service as core
from defpact.core.context import Actor
from defpact.core.runtime import Node
from defpact.procurement.seed import seed_procurement_demo
from support import ApiClient, bearer

Headers = Callable[[str], dict[str, str]]


@pytest.fixture
def auth(node: Node, client: ApiClient) -> Headers:
    """Demo data, and bearer headers per user (tokens are cheaper than HTTP Basic)."""
    seed_procurement_demo(node.uow())
    cache: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in cache:
            issued = core.create_token(node.uow(), Actor.console(), username, expires_days=1)
            cache[username] = bearer(issued.secret)
        return cache[username]

    return headers


def _problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    if field is not None:
        assert body.get("field") == field, body
    return body


def test_catalogue_is_edited_by_procurement_users_with_clear_errors(
    client: ApiClient, auth: Headers
) -> None:
    listed = client.get("/api/procurement/catalogue", headers=auth("hr.training"))
    assert {"javelin", "manpads", "radio", "vehicle", "cuas"} <= {i["key"] for i in listed.json()}
    new = {
        "key": "mortar",
        "name": "120 mm mortar",
        "channel": "EDA",
        "cost": {"t1": 90_000, "tiers": [[1, 1.0], [20, 0.95]]},
        "sched": {"cap": 10},
    }
    url, buyer = "/api/procurement/catalogue", auth("al.procurement")
    _problem(client.post(url, headers=auth("al.analyst"), json=new), 403)
    created = client.post(url, headers=buyer, json=new)
    assert created.status_code == 201 and created.json()["sched"]["lot_cycle"] == 1
    _problem(client.post(url, headers=buyer, json=new), 409, "key")
    bad_tiers = {**new, "key": "gun", "cost": {"t1": 1, "tiers": [[1, 1.0], [1, 0.9]]}}
    assert (
        "increase"
        in _problem(client.post(url, headers=buyer, json=bad_tiers), 422, "cost.tiers")["detail"]
    )
    _problem(
        client.post(url, headers=buyer, json={**new, "key": "gun", "cost": {"t1": -5}}),
        422,
        "cost.t1",
    )
    change = {k: v for k, v in new.items() if k != "key"} | {"version": 1, "name": "Mortar 120"}
    assert client.put(f"{url}/mortar", headers=buyer, json=change).json()["version"] == 2
    _problem(client.put(f"{url}/mortar", headers=buyer, json=change), 409, "version")


def test_requirements_answer_only_what_is_released(client: ApiClient, auth: Headers) -> None:
    url = "/api/procurement/requirements"
    al_view = client.get(url, headers=auth("al.procurement"), params={"nation": "HR"}).json()
    hidden = next(r for r in al_view if r["item"] == "cuas")
    assert hidden["marking"]["releasable_to"] == ["AL"]
    xk_view = client.get(url, headers=auth("xk.procurement")).json()
    assert all(r["id"] != hidden["id"] for r in xk_view)
    missing = _problem(client.get(f"{url}/999999", headers=auth("xk.procurement")), 404)
    seen = _problem(client.get(f"{url}/{hidden['id']}", headers=auth("xk.procurement")), 404)
    assert seen["detail"].replace(str(hidden["id"]), "N") == missing["detail"].replace(
        "999999", "N"
    )
    buyer = auth("xk.procurement")
    base = {"item": "uav", "quantity": 2, "need_by": "2027-06"}
    _problem(client.post(url, headers=buyer, json={**base, "quantity": -1}), 422, "quantity")
    _problem(client.post(url, headers=buyer, json={**base, "need_by": "2025-11"}), 422, "need_by")
    _problem(
        client.post(url, headers=buyer, json={**base, "marking": {"releasable_to": ["QQ"]}}),
        422,
        "releasable_to",
    )
    created = client.post(url, headers=buyer, json=base)
    assert created.status_code == 201 and created.json()["nation"] == "XK"
    _problem(client.post(url, headers=buyer, json=base), 409, "item")
    _problem(
        client.post(f"{url}/{created.json()['id']}/withdraw", headers=auth("al.procurement")), 404
    )
    withdrawn = client.post(f"{url}/{created.json()['id']}/withdraw", headers=buyer)
    assert withdrawn.json()["withdrawn"] is True


def test_opportunities_and_item_plans_come_from_visible_requirements(
    client: ApiClient, auth: Headers
) -> None:
    def cuas(username: str) -> dict[str, Any]:
        found = client.get("/api/procurement/opportunities", headers=auth(username)).json()
        return next(o for o in found if o["item"] == "cuas")

    assert cuas("xk.procurement")["plan"]["participants"] == ["XK", "AL"]
    assert cuas("al.procurement")["plan"]["participants"] == ["XK", "AL", "HR"]
    plan = client.get(
        "/api/procurement/items/javelin/plan",
        headers=auth("hr.procurement"),
        params={"rule": "nearest-core"},
    ).json()["plan"]
    assert sum(plan["shares"].values()) == pytest.approx(plan["joint_cost"], abs=0.005)
    assert plan["savings"] > 0 and min(plan["months_gained_by_joint"].values()) < 0
    _problem(
        client.get(
            "/api/procurement/opportunities",
            headers=auth("hr.procurement"),
            params={"rule": "random"},
        ),
        422,
    )
    _problem(client.get("/api/procurement/items/sonar/plan", headers=auth("hr.procurement")), 404)
    cash = client.get("/api/procurement/cash", headers=auth("xk.procurement")).json()
    assert cash["nations"]["XK"]["breaches_individual"] == [2026, 2027]
    assert cash["nations"]["XK"]["breaches_joint"] == []
    whatif = client.post(
        "/api/procurement/what-if",
        headers=auth("xk.procurement"),
        json={"nation": "MK", "qty": {"javelin": 40}},
    ).json()
    assert (
        whatif["members"] == ["XK", "AL", "HR"]
        and whatif["items"]["javelin"]["candidate_qty"] == 40
    )
    _problem(
        client.post(
            "/api/procurement/what-if",
            headers=auth("xk.procurement"),
            json={"nation": "ZZ", "qty": {"javelin": 4}},
        ),
        422,
        "nation",
    )


def test_case_lifecycle_over_the_api(client: ApiClient, auth: Headers) -> None:
    url = "/api/procurement/cases"
    proposed = client.post(
        url, headers=auth("xk.procurement"), json={"item": "vehicle", "rule": "shapley"}
    )
    assert proposed.status_code == 201, proposed.text
    case = proposed.json()
    assert case["state"] == "proposed" and case["awaiting"] == ["XK", "AL"]
    assert case["allowed_actions"] == ["commit", "withdraw"]
    refused = _problem(
        client.post(
            f"{url}/{case['id']}/transitions",
            headers=auth("xk.procurement"),
            json={"action": "sign_loa"},
        ),
        409,
    )
    assert "proposed" in refused["detail"]
    _problem(client.get(f"{url}/{case['id']}", headers=auth("hr.approver")), 404)
    first = client.post(
        f"{url}/{case['id']}/commit", headers=auth("al.approver"), json={"version": case["version"]}
    ).json()
    assert first["committed"] == ["AL"]
    _problem(
        client.post(
            f"{url}/{case['id']}/commit",
            headers=auth("xk.approver"),
            json={"version": case["version"]},
        ),
        409,
        "version",
    )
    done = client.post(
        f"{url}/{case['id']}/commit",
        headers=auth("xk.approver"),
        json={"version": first["version"]},
    ).json()
    assert done["state"] == "committed" and done["awaiting"] == []
    sent = client.post(
        f"{url}/{case['id']}/transitions",
        headers=auth("xk.procurement"),
        json={"action": "send_lor", "version": done["version"]},
    ).json()
    assert sent["state"] == "lor_sent" and [s["action"] for s in sent["steps"]][-1] == "send_lor"
    listed = client.get(url, headers=auth("al.procurement"), params={"state": "lor_sent"}).json()
    assert [c["id"] for c in listed] == [case["id"]]


def test_scenario_export_and_import(client: ApiClient, auth: Headers) -> None:
    exported = client.get("/api/procurement/scenario", headers=auth("xk.procurement")).json()
    assert (
        exported["nations"] == ["XK", "AL", "HR"] and "HR" not in exported["items"]["cuas"]["qty"]
    )
    as_yaml = client.get("/api/procurement/scenario.yaml", headers=auth("xk.procurement"))
    assert as_yaml.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(as_yaml.text) == exported
    exported["items"]["radio"]["qty"] = {"XK": 999, "HR": 1}
    exported["items"]["radio"]["need_by"]["HR"] = "2027-01"
    imported = client.post(
        "/api/procurement/scenario", headers=auth("hr.procurement"), json={"scenario": exported}
    )
    assert imported.status_code == 200, imported.text
    report = imported.json()
    assert report["requirements_updated"] == ["radio"] and "XK" in report["ignored_nations"]
    xk_radio = client.get(
        "/api/procurement/requirements",
        headers=auth("xk.procurement"),
        params={"nation": "XK", "item": "radio"},
    ).json()
    assert xk_radio[0]["quantity"] == 180  # XK's figure in the file was not imported
    exported["items"]["radio"]["cost"]["tiers"] = [[5, 1.0]]
    _problem(
        client.post(
            "/api/procurement/scenario", headers=auth("hr.procurement"), json={"scenario": exported}
        ),
        422,
        "items.radio.cost.tiers",
    )
