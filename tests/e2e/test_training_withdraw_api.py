"""Training API on both databases, the issue 7 follow-ups: withdrawing an exercise (hidden from
the other nations, kept for its host and the audit, left out of the next re-plan while the
approved version keeps it for its host only), withdrawing a lesson, editing and completing a
milestone event, and the attested clearance of nominees checked against the course."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from defpact.core.audit import AuditEventRow
from defpact.core.runtime import Node
from support import ApiClient, basic

XK, AL, HR = basic("xk.training"), basic("al.training"), basic("hr.training")


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _reference(client: ApiClient) -> None:
    for headers, nation in ((XK, "XK"), (AL, "AL"), (HR, "HR")):
        unit = {"code": f"{nation}-INF-1", "name": "1 Infantry", "nation": nation}
        unit |= {"type": "infantry", "home_base": "garrison", "blackouts": []}
        _ok(client.post("/api/training/units", headers=headers, json=unit), 201)
        area = {"code": f"{nation}-TA", "name": "area", "host": nation, "type": "live"}
        _ok(client.post("/api/training/areas", headers=headers, json=area | {"capacity": 1}), 201)


def _exercise(code: str, host: str, partner: str, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "name": f"Exercise {code}",
        "type": "live",
        "year": 2027,
        "nations": [partner],
        "duration_weeks": 2,
        "earliest_week": 10,
        "latest_week": 30,
        "preferred_start": 12,
        "areas": [f"{host}-TA"],
        "required_units": {host: {"named": [f"{host}-INF-1"]}},
        "priority": 3,
        "mandatory": False,
    }
    return body | over


def test_a_withdrawn_exercise_is_hidden_kept_and_left_out_of_the_replan(
    client: ApiClient, node: Node
) -> None:
    _reference(client)
    a = _ok(
        client.post("/api/training/exercises", headers=XK, json=_exercise("A", "XK", "AL")), 201
    )
    _ok(client.post("/api/training/exercises", headers=HR, json=_exercise("B", "HR", "AL")), 201)
    solve = {"year": 2027, "time_limit_s": 5}
    v1 = _ok(client.post("/api/training/programmes/solve", headers=XK, json=solve), 201)
    admin = basic("xk.admin")
    approve = {"version": v1["version"]}
    _ok(client.post(f"/api/training/programmes/{v1['id']}/approve", headers=admin, json=approve))

    url = f"/api/training/exercises/{a['id']}"
    note = {"exercise_id": a["id"], "title": "Liaison", "observation": "LO arrived late"}
    lesson = _ok(client.post("/api/training/lessons", headers=AL, json=note), 201)
    lesson_url = f"/api/training/lessons/{lesson['id']}"
    assert client.post(f"{url}/withdraw", headers=AL).status_code == 403  # AL only takes part
    assert client.post(f"{url}/withdraw", headers=basic("xk.analyst")).status_code == 403
    gone = _ok(client.post(f"{url}/withdraw", headers=XK))
    assert gone["withdrawn_at"] is not None
    again = _ok(client.post(f"{url}/withdraw", headers=XK))
    assert again["withdrawn_at"] == gone["withdrawn_at"]  # withdrawing twice changes nothing
    with node.uow() as uow:
        events = uow.session.scalars(
            select(AuditEventRow.action).where(AuditEventRow.action == "training.exercise.withdraw")
        ).all()
    assert events == ["training.exercise.withdraw"]

    assert client.get(url, headers=AL).status_code == 404  # exactly like a missing exercise
    assert _ok(client.get(url, headers=XK))["withdrawn_at"] == gone["withdrawn_at"]
    al_list = _ok(client.get("/api/training/exercises?year=2027", headers=AL))
    assert [e["code"] for e in al_list] == ["B"]
    xk_list = _ok(client.get("/api/training/exercises?year=2027", headers=XK))
    assert {e["code"]: e["withdrawn_at"] is not None for e in xk_list} == {"A": True, "B": False}
    planning = client.put(f"{url}/stages/planning", headers=XK, json={"status": "active"})
    assert planning.status_code == 409 and "no longer planned" in planning.json()["detail"]
    late = {"exercise_id": a["id"], "title": "Late", "observation": "after withdrawal"}
    assert client.post("/api/training/lessons", headers=XK, json=late).status_code == 409
    update = _exercise("A", "XK", "AL", version=gone["version"])
    refused = client.put(url, headers=XK, json=update)
    assert refused.status_code == 409 and "withdrawn" in refused.json()["detail"]

    # The approved version is a record: its host still sees A there, the others do not, and
    # the programme-wide figures (which include A) are withheld from them.
    hr_view = _ok(client.get(f"/api/training/programmes/{v1['id']}", headers=HR))
    assert {x["exercise_id"] for x in hr_view["assignments"]} == {"B"}
    assert hr_view["complete"] is False and hr_view["objective"] is None
    xk_view = _ok(client.get(f"/api/training/programmes/{v1['id']}", headers=XK))
    assert {x["exercise_id"] for x in xk_view["assignments"]} == {"A", "B"}
    # AL keeps its own lesson of A; HR, which no longer sees A, no longer sees the lesson.
    assert _ok(client.get(lesson_url, headers=AL))["exercise_code"] == "A"
    assert client.get(lesson_url, headers=HR).status_code == 404
    # The re-plan leaves A out: not pinned, not scheduled, not even unscheduled.
    v2 = _ok(client.post("/api/training/programmes/solve", headers=XK, json=solve), 201)
    assert v2["pinned"] == ["B"] and v2["complete"] is True
    assert {x["exercise_id"] for x in v2["assignments"]} == {"B"} and v2["unscheduled"] == []


def test_a_withdrawn_lesson_is_hidden_from_other_nations(client: ApiClient) -> None:
    _reference(client)
    b = _ok(
        client.post("/api/training/exercises", headers=HR, json=_exercise("B", "HR", "AL")), 201
    )
    lesson = _ok(
        client.post(
            "/api/training/lessons",
            headers=AL,
            json={"exercise_id": b["id"], "title": "Fuel", "observation": "Late resupply"},
        ),
        201,
    )
    url = f"/api/training/lessons/{lesson['id']}"
    assert _ok(client.get(url, headers=HR))["title"] == "Fuel"
    assert client.post(f"{url}/withdraw", headers=HR).status_code == 403  # AL's lesson
    gone = _ok(client.post(f"{url}/withdraw", headers=AL))
    assert gone["withdrawn_at"] is not None
    assert client.get(url, headers=HR).status_code == 404
    assert [x["id"] for x in _ok(client.get("/api/training/lessons", headers=HR))] == []
    assert _ok(client.get(url, headers=AL))["withdrawn_at"] == gone["withdrawn_at"]
    step = {"status": "identified", "lesson": "Plan fuel", "version": gone["version"]}
    stuck = client.post(f"{url}/advance", headers=AL, json=step)
    assert stuck.status_code == 409 and "withdrawn" in stuck.json()["detail"]


def test_a_milestone_is_edited_and_completed(client: ApiClient) -> None:
    _reference(client)
    b = _ok(
        client.post("/api/training/exercises", headers=HR, json=_exercise("B", "HR", "AL")), 201
    )
    body = {"stage": "planning", "name": "IPC", "on": "2027-01-20", "place": "Zagreb"}
    m = _ok(
        client.post(f"/api/training/exercises/{b['id']}/milestones", headers=HR, json=body), 201
    )
    assert m["done"] is False
    url = f"/api/training/milestones/{m['id']}"
    change = {"name": "Initial planning conference", "on": "2027-01-21", "place": "Split"}
    assert client.put(url, headers=XK, json=change | {"done": True}).status_code == 403
    empty = client.put(url, headers=AL, json=change | {"name": "  "})
    assert empty.status_code == 422 and empty.json()["field"] == "name"
    done = _ok(client.put(url, headers=AL, json=change | {"done": True}))  # AL takes part
    assert done["done"] is True and done["on"] == "2027-01-21" and done["place"] == "Split"
    stages = _ok(client.get(f"/api/training/exercises/{b['id']}/stages", headers=XK))
    (planning,) = [s for s in stages if s["stage"] == "planning"]
    assert planning["milestones"][0]["name"] == "Initial planning conference"
    assert client.put("/api/training/milestones/999999", headers=AL, json=change).status_code == 404


def test_nominees_must_hold_the_courses_clearance(client: ApiClient) -> None:
    acad = _ok(
        client.post(
            "/api/training/academies",
            headers=HR,
            json={"code": "HR-AC", "name": "HR academy", "nation": "HR", "kind": "academy"},
        ),
        201,
    )
    course = {"academy_id": acad["id"], "code": "HR-INT", "title": "Intelligence"}
    course |= {"discipline": "intelligence", "level": "staff", "language": "English"}
    course |= {"duration_weeks": 2, "clearance_required": "CONFIDENTIAL"}
    c = _ok(client.post("/api/training/courses", headers=HR, json=course), 201)
    it = _ok(
        client.post(
            "/api/training/iterations",
            headers=HR,
            json={
                "course_id": c["id"],
                "code": "HR-INT-27",
                "starts": "2027-03-01",
                "ends": "2027-03-12",
                "seats": 2,
                "nomination_deadline": "2027-02-01",
            },
        ),
        201,
    )
    url = f"/api/training/iterations/{it['id']}/waiting-list"
    person = {"nation": "XK", "name": "Arta Gashi", "rank": "Captain"}
    unstated = client.post(url, headers=XK, json=person)  # UNCLASSIFIED unless attested
    assert unstated.status_code == 422 and unstated.json()["field"] == "clearance_held"
    low = client.post(url, headers=XK, json=person | {"clearance_held": "RESTRICTED"})
    assert low.status_code == 422 and low.json()["field"] == "clearance_held"
    assert "requires CONFIDENTIAL" in low.json()["detail"]
    unknown = client.post(url, headers=XK, json=person | {"clearance_held": "TOP"})
    assert unknown.status_code == 422
    ok = _ok(client.post(url, headers=XK, json=person | {"clearance_held": "SECRET"}), 201)
    assert ok["clearance_held"] == "SECRET" and ok["status"] == "waiting"
    listed = _ok(client.get(f"/api/training/iterations/{it['id']}/nominations", headers=XK))
    assert [(p["name"], p["clearance_held"]) for p in listed] == [("Arta Gashi", "SECRET")]
    seat = client.post(
        f"/api/training/iterations/{it['id']}/nominations",
        headers=XK,
        json=person | {"clearance_held": "UNCLASSIFIED"},
    )
    assert seat.status_code == 422 and seat.json()["field"] == "clearance_held"
