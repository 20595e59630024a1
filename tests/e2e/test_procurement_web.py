"""Server-rendered procurement pages over the demo data: opportunities, item page with charts,
budget, requirement forms, the what-if, import, and a case from proposal to commitment."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from defpact.core.runtime import Node
from defpact.procurement.seed import seed_procurement_demo
from support import ApiClient, csrf_of, sign_in

SVG = re.compile(r"<svg.*?</svg>", re.S)


def _login(client: ApiClient, username: str) -> str:
    response = sign_in(client, username)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


@pytest.fixture
def demo(node: Node, client: ApiClient) -> ApiClient:
    seed_procurement_demo(node.uow())
    return client


def _charts(html: str) -> list[ET.Element]:
    charts = [ET.fromstring(svg) for svg in SVG.findall(html)]  # noqa: S314 - our own output
    for chart in charts:
        assert all("style" not in element.attrib for element in chart.iter()), "CSP: no style="
    return charts


def test_opportunities_item_and_budget_pages_render_charts(demo: ApiClient) -> None:
    _login(demo, "xk.procurement")
    page = demo.get("/procurement")
    assert page.status_code == 200
    assert page.text.count('class="opportunity"') == 5 and "Counter-drone" in page.text
    assert "style=" not in page.text and len(_charts(page.text)) == 1
    item = demo.get("/procurement/items/javelin?rule=proportional")
    assert item.status_code == 200 and "Share (proportional)" in item.text
    savings, timeline = _charts(item.text)
    assert "saves" in ET.tostring(savings, encoding="unicode")
    need_by = [
        e for e in timeline.iter() if e.get("stroke-dasharray") and e.find("{*}title") is not None
    ]
    assert len(need_by) == 3  # one need-by marker per participant
    assert "joint is slower" in item.text  # HR's joint javelin arrives 4 months later
    budget = demo.get("/procurement/budget?nation=AL")
    assert budget.status_code == 200 and "over budget" in budget.text and _charts(budget.text)


def test_requirement_what_if_and_import_forms(demo: ApiClient) -> None:
    """Forms check CSRF and name bad fields; the what-if and the import report."""
    token = _login(demo, "hr.procurement")
    form = {
        "item": "vehicle",
        "quantity": "20",
        "need_by": "2025-06",
        "classification": "UNCLASSIFIED",
        "tlp": "GREEN",
        "releasable_to": ["PACT"],
        "csrf_token": token,
    }
    refused = demo.post("/procurement/requirements", data=form)
    assert refused.status_code == 422 and "need_by" in refused.text and "before" in refused.text
    forged = demo.post(
        "/procurement/requirements", data={**form, "need_by": "2028-06", "csrf_token": "forged"}
    )
    assert forged.status_code == 403
    created = demo.post("/procurement/requirements", data={**form, "need_by": "2028-06"})
    assert created.status_code == 303
    listing = demo.get("/procurement/requirements").text
    assert listing.count('class="requirement"') == 16
    item = demo.get("/procurement/items/vehicle").text
    assert "nation-HR" in item
    result = demo.post(
        "/procurement/what-if",
        data={"nation": "MK", "qty_javelin": "40", "qty_radio": "", "csrf_token": token},
    )
    assert result.status_code == 200 and "If MK joins" in result.text
    bad = demo.post(
        "/procurement/what-if", data={"nation": "MK", "qty_javelin": "-4", "csrf_token": token}
    )
    assert bad.status_code == 422 and "javelin" in bad.text
    scenario = {
        "nations": ["AL", "HR"],
        "items": {
            "mortar": {
                "name": "120 mm mortar",
                "channel": "EDA",
                "cost": {"t1": 90000},
                "sched": {"cap": 10},
                "qty": {"AL": 12, "HR": 6},
                "need_by": {"AL": "2027-06", "HR": "2027-06"},
            }
        },
    }
    upload = {"file": ("plan.json", json.dumps(scenario), "application/json")}
    imported = demo.post(
        "/procurement/import", files=upload, data={"csrf_token": token, "releasable_to": ["PACT"]}
    )
    assert imported.status_code == 200, imported.text
    assert (
        "requirements 1 new" in imported.text and "not your nation's to state): AL" in imported.text
    )
    assert "120 mm mortar" in demo.get("/procurement/catalogue").text


def test_case_from_proposal_to_commitment_in_the_browser(demo: ApiClient) -> None:
    token = _login(demo, "xk.procurement")
    assert "Propose a joint order" in demo.get("/procurement/items/radio").text
    proposed = demo.post(
        "/procurement/cases", data={"item": "radio", "rule": "shapley", "csrf_token": token}
    )
    assert proposed.status_code == 303
    case_url = proposed.headers["location"]
    page = demo.get(case_url).text
    assert "Proposed (awaiting commitments)" in page and "awaiting XK" in page
    early = demo.post(
        f"{case_url}/transition", data={"action": "send_lor", "version": "1", "csrf_token": token}
    )
    assert early.status_code == 409 and "the case is proposed" in early.text
    demo.post("/logout", data={"csrf_token": token})
    for nation in ("xk", "al", "hr"):
        token = _login(demo, f"{nation}.approver")
        page = demo.get(case_url).text
        version = re.search(r'name="version" value="(\d+)"', page)
        assert version and "Commit " in page
        committed = demo.post(
            f"{case_url}/commit", data={"version": version.group(1), "csrf_token": token}
        )
        assert committed.status_code == 303
        demo.post("/logout", data={"csrf_token": token})
    token = _login(demo, "xk.procurement")
    page = demo.get(case_url).text
    assert "Committed by every participant" in page and "Letter of Request sent" in page
    sent = demo.post(
        f"{case_url}/transition", data={"action": "send_lor", "version": "4", "csrf_token": token}
    )
    assert sent.status_code == 303 and "send_lor" in demo.get(case_url).text
    assert "radio" in demo.get("/procurement/cases").text.lower()
