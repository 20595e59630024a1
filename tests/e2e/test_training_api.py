"""Training API on both databases: reference data, exercises with bad input named by field, a
programme solved from stored data, approved, re-planned with approved exercises pinned and one
released, an infeasible programme answered with its conflicting set, the seat exchange from
bids to the ledger, and the recruitment calendar and figures."""

from __future__ import annotations

from typing import Any

import httpx

from defpact.core.context import Actor
from defpact.core.runtime import Node
from defpact.training.checker import check_plan
from defpact.training.programme_service import get_programme
from support import ApiClient, basic

XK, AL, HR = basic("xk.training"), basic("al.training"), basic("hr.training")


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _reference(client: ApiClient) -> None:
    for headers, nation in ((XK, "XK"), (AL, "AL"), (HR, "HR")):
        for k in (1, 2):
            _ok(
                client.post(
                    "/api/training/units",
                    headers=headers,
                    json={
                        "code": f"{nation}-INF-{k}",
                        "name": f"{k} Infantry",
                        "nation": nation,
                        "type": "infantry",
                        "home_base": "garrison",
                        "blackouts": [{"start": "2027-07-05", "end": "2027-07-18"}]
                        if k == 2
                        else [],
                    },
                ),
                201,
            )
        _ok(
            client.post(
                "/api/training/areas",
                headers=headers,
                json={
                    "code": f"{nation}-TA",
                    "name": f"{nation} training area",
                    "host": nation,
                    "type": "live",
                    "capacity": 1,
                },
            ),
            201,
        )


def _exercise(code: str, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "name": f"Exercise {code}",
        "type": "live",
        "year": 2027,
        "nations": ["AL"],
        "duration_weeks": 2,
        "earliest_week": 10,
        "latest_week": 30,
        "preferred_start": 12,
        "areas": ["XK-TA"],
        "required_units": {"XK": {"named": ["XK-INF-1"]}, "AL": {"named": ["AL-INF-1"]}},
        "priority": 3,
        "mandatory": True,
        "objectives": ["Combined defence"],
    }
    body.update(over)
    return body


def test_reference_data_is_written_by_its_own_nation_only(client: ApiClient) -> None:
    _reference(client)
    units = _ok(client.get("/api/training/units", headers=basic("hr.analyst")))
    assert {u["code"] for u in units} >= {"XK-INF-1", "AL-INF-2", "HR-INF-2"}
    assert units[0]["blackouts"] == [] or units[0]["blackouts"][0]["start"] == "2027-07-05"
    other = client.post(
        "/api/training/units",
        headers=XK,
        json={"code": "HR-X", "name": "x", "nation": "HR", "type": "infantry"},
    )
    assert other.status_code == 403
    analyst = client.post(
        "/api/training/units",
        headers=basic("xk.analyst"),
        json={"code": "XK-X", "name": "x", "nation": "XK", "type": "infantry"},
    )
    assert analyst.status_code == 403
    bad = client.post(
        "/api/training/areas",
        headers=XK,
        json={
            "code": "XK-B",
            "name": "b",
            "host": "XK",
            "type": "live",
            "capacity": 1,
            "closures": [{"start": "2027-03-10", "end": "2027-03-01"}],
        },
    )
    assert bad.status_code == 422 and bad.json()["field"] == "closures[0]"
    dup = client.post(
        "/api/training/areas",
        headers=XK,
        json={"code": "XK-TA", "name": "b", "host": "XK", "type": "live"},
    )
    assert dup.status_code == 409


def test_bad_exercises_are_refused_naming_the_field(client: ApiClient) -> None:
    _reference(client)
    post = lambda body: client.post("/api/training/exercises", headers=XK, json=body)  # noqa: E731
    short = post(_exercise("E1", earliest_week=10, latest_week=10))
    assert short.status_code == 422 and short.json()["field"] == "latest_week"
    assert "shorter than duration_weeks 2" in short.json()["detail"]
    foreign = post(_exercise("E2", required_units={"HR": {"named": ["HR-INF-1"]}}))
    assert foreign.status_code == 422 and foreign.json()["field"] == "required_units.HR"
    assert "not a participating nation" in foreign.json()["detail"]
    wrong = post(_exercise("E3", required_units={"AL": {"named": ["HR-INF-1"]}}))
    assert wrong.status_code == 422 and wrong.json()["field"] == "required_units.AL"
    nowhere = post(_exercise("E4", areas=["HR-TA"]))
    assert nowhere.status_code == 422 and nowhere.json()["field"] == "areas"
    assert "neither the host nor a participating nation" in nowhere.json()["detail"]
    alone = post(_exercise("E5", nations=[], required_units={}))
    assert alone.status_code == 422 and alone.json()["field"] == "nations"
    kind = post(_exercise("E6", type="naval"))
    assert kind.status_code == 422
    assert _ok(client.get("/api/training/exercises", headers=XK)) == []


def test_programme_solve_approve_replan_release_and_exports(client: ApiClient, node: Node) -> None:
    _reference(client)
    ids = {}
    ids["A"] = _ok(
        client.post("/api/training/exercises", headers=XK, json=_exercise("A", preferred_start=12)),
        201,
    )["id"]
    ids["B"] = _ok(
        client.post(
            "/api/training/exercises",
            headers=HR,
            json=_exercise(
                "B",
                nations=["XK"],
                areas=["HR-TA"],
                mandatory=False,
                preferred_start=12,
                required_units={"HR": {"named": ["HR-INF-1"]}, "XK": {"named": ["XK-INF-1"]}},
            ),
        ),
        201,
    )["id"]
    _ok(
        client.post(
            "/api/training/exercises",
            headers=AL,
            json=_exercise(
                "C",
                nations=["HR"],
                areas=["AL-TA"],
                mandatory=False,
                duration_weeks=1,
                required_units={"HR": {"sourced": {"infantry": 1}}},
                marking={"releasable_to": ["HR"], "tlp": "AMBER"},
            ),
        ),
        201,
    )
    solve = {"year": 2027, "time_limit_s": 5}
    analyst = client.post("/api/training/programmes/solve", headers=basic("xk.analyst"), json=solve)
    assert analyst.status_code == 403
    v1 = _ok(client.post("/api/training/programmes/solve", headers=XK, json=solve), 201)
    assert v1["state"] == "draft" and v1["status"] == "OPTIMAL"
    # XK may not read AL's exercise C: programme-wide figures are withheld from XK.
    assert v1["complete"] is False and v1["gap"] is None and v1["objective"] is None
    placed = {a["exercise_id"]: a for a in v1["assignments"]}
    assert set(placed) == {"A", "B"} and "C" not in v1["unscheduled"]
    a, b = placed["A"], placed["B"]
    assert a["end_week"] < b["start_week"] or b["end_week"] < a["start_week"]  # XK-INF-1 rests
    full = get_programme(node.uow(), Actor.console(), v1["id"])
    assert full.complete and not check_plan(full.instance, full.plan)
    hr = _ok(client.get(f"/api/training/programmes/{v1['id']}", headers=HR))
    assert hr["complete"] is True and hr["objective"] is not None and hr["gap"] == 0.0
    sourced = next(x for x in hr["assignments"] if x["exercise_id"] == "C")["sourced_units"]
    assert len(sourced) == 1 and sourced[0].startswith("HR-INF")
    by_training = client.post(
        f"/api/training/programmes/{v1['id']}/approve", headers=XK, json={"version": v1["version"]}
    )
    assert by_training.status_code == 403
    approved = _ok(
        client.post(
            f"/api/training/programmes/{v1['id']}/approve",
            headers=basic("xk.admin"),
            json={"version": v1["version"]},
        )
    )
    assert approved["state"] == "approved"
    again = client.post(
        f"/api/training/programmes/{v1['id']}/approve",
        headers=basic("xk.admin"),
        json={"version": approved["version"]},
    )
    assert again.status_code == 409
    # A re-plan keeps the approved placements even when preferences move.
    moved = _exercise("A", preferred_start=25, version=1)
    _ok(client.put(f"/api/training/exercises/{ids['A']}", headers=XK, json=moved))
    v2 = _ok(client.post("/api/training/programmes/solve", headers=XK, json=solve), 201)
    assert set(v2["pinned"]) == {"A", "B"}
    assert {x["exercise_id"]: x["start_week"] for x in v2["assignments"]}["A"] == a["start_week"]
    denied = client.post(
        f"/api/training/programmes/{v1['id']}/release", headers=HR, json={"exercise": "A"}
    )
    assert denied.status_code == 403  # A is XK's exercise
    released = _ok(
        client.post(
            f"/api/training/programmes/{v1['id']}/release", headers=XK, json={"exercise": "A"}
        )
    )
    assert released["released"] == ["A"]
    v3 = _ok(client.post("/api/training/programmes/solve", headers=XK, json=solve), 201)
    assert "A" not in v3["pinned"] and v3["number"] == 3
    new_a = {x["exercise_id"]: x for x in v3["assignments"]}["A"]
    assert new_a["start_week"] != a["start_week"]
    ics = client.get(f"/api/training/programmes/{v1['id']}/programme.ics", headers=XK)
    assert ics.status_code == 200 and ics.text.count("BEGIN:VEVENT") == 2
    csv = client.get(f"/api/training/programmes/{v1['id']}/programme.csv", headers=HR)
    assert csv.text.splitlines()[0].startswith("exercise,name") and len(csv.text.splitlines()) == 4
    svg = client.get(f"/api/training/programmes/{v1['id']}/gantt.svg", headers=XK)
    assert svg.headers["content-type"] == "image/svg+xml" and "Exercise C" not in svg.text
    load = client.get(f"/api/training/programmes/{v1['id']}/load.svg", headers=HR)
    assert load.status_code == 200 and "<svg" in load.text


def test_an_infeasible_programme_is_answered_with_the_conflicting_set(client: ApiClient) -> None:
    _reference(client)
    for code in ("P", "Q", "R"):
        body = _exercise(code, earliest_week=20, latest_week=23, preferred_start=20)
        if code == "R":
            body = _exercise(
                code,
                areas=["AL-TA"],
                mandatory=True,
                required_units={"AL": {"named": ["AL-INF-2"]}},
            )
        _ok(
            client.post(
                "/api/training/exercises",
                headers=XK if code != "R" else AL,
                json=body if code != "R" else {**body, "nations": ["XK"]},
            ),
            201,
        )
    result = _ok(
        client.post(
            "/api/training/programmes/solve", headers=XK, json={"year": 2027, "time_limit_s": 10}
        ),
        201,
    )
    assert result["status"] == "INFEASIBLE" and result["assignments"] == []
    assert result["conflict"]["exercise_ids"] == ["P", "Q"] and result["conflict"]["minimal"]
    assert any("XK-INF-1" in r for r in result["conflict"]["reasons"])
    refused = client.post(
        f"/api/training/programmes/{result['id']}/approve",
        headers=basic("al.admin"),
        json={"version": 1},
    )
    assert refused.status_code == 409


def _catalogue(client: ApiClient) -> dict[str, int]:
    ids: dict[str, int] = {}
    for headers, nation in ((XK, "XK"), (AL, "AL"), (HR, "HR")):
        acad = _ok(
            client.post(
                "/api/training/academies",
                headers=headers,
                json={
                    "code": f"{nation}-AC",
                    "name": f"{nation} academy",
                    "nation": nation,
                    "kind": "academy",
                },
            ),
            201,
        )
        course = _ok(
            client.post(
                "/api/training/courses",
                headers=headers,
                json={
                    "academy_id": acad["id"],
                    "code": f"{nation}-C",
                    "title": f"{nation} staff course",
                    "discipline": "staff",
                    "level": "officer",
                    "language": "English",
                    "duration_weeks": 4,
                    "fee": 250.5,
                },
            ),
            201,
        )
        it = _ok(
            client.post(
                "/api/training/iterations",
                headers=headers,
                json={
                    "course_id": course["id"],
                    "code": f"{nation}-27",
                    "starts": "2027-03-01",
                    "ends": "2027-03-26",
                    "seats": 1,
                    "nomination_deadline": "2025-12-01",
                },
            ),
            201,
        )
        ids[nation] = it["id"]
    return ids


def test_seat_exchange_from_bids_to_the_ledger(client: ApiClient) -> None:
    ids = _catalogue(client)
    bad = client.put(
        "/api/training/bids",
        headers=XK,
        json={"nation": "XK", "year": 2027, "points": {"AL-27": 60, "HR-27": 30}},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "points"
    assert "sum to 90" in bad.json()["detail"]
    own = client.put(
        "/api/training/bids",
        headers=XK,
        json={"nation": "XK", "year": 2027, "points": {"XK-27": 50, "HR-27": 50}},
    )
    assert own.status_code == 422 and own.json()["field"] == "points.XK-27"
    unknown = client.put(
        "/api/training/bids",
        headers=XK,
        json={"nation": "XK", "year": 2027, "points": {"ZZ-27": 100}},
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "points.ZZ-27"
    for headers, nation, points in (
        (XK, "XK", {"AL-27": 70, "HR-27": 30}),
        (AL, "AL", {"HR-27": 60, "XK-27": 40}),
        (HR, "HR", {"AL-27": 50, "XK-27": 50}),
    ):
        _ok(
            client.put(
                "/api/training/bids",
                headers=headers,
                json={"nation": nation, "year": 2027, "points": points},
            )
        )
    assert (
        client.post("/api/training/allocations", headers=XK, json={"year": 2027}).status_code == 403
    )
    alloc = _ok(
        client.post("/api/training/allocations", headers=basic("hr.admin"), json={"year": 2027}),
        201,
    )
    assert alloc["status"] == "OPTIMAL" and alloc["exact"] is True
    assert sorted(alloc["utilities"].values()) == [50, 60, 70]  # each nation's first choice
    assert alloc["fairness"]["ef1"] is True and alloc["fairness"]["pareto_optimal"] is True
    rr = _ok(
        client.post(
            "/api/training/allocations",
            headers=basic("hr.admin"),
            json={"year": 2027, "method": "round-robin", "order": ["HR", "AL", "XK"]},
        ),
        201,
    )
    assert rr["fairness"]["picks"][0] == ["HR", "AL-27"]
    csv = client.get(f"/api/training/allocations/{rr['id']}/seats.csv", headers=XK)
    assert csv.text.splitlines()[0] == "iteration,course,owner,nation,seats,points"
    assert rr["seats"] == {"HR": {"AL-27": 1, "XK-27": 1}, "AL": {"HR-27": 1}, "XK": {}}
    assert "HR-27,HR-C,HR,AL,1,60" in csv.text
    first = _ok(
        client.post(
            f"/api/training/iterations/{ids['HR']}/nominations",
            headers=AL,
            json={"nation": "AL", "name": "Arta Gashi", "rank": "Captain"},
        ),
        201,
    )
    assert first["status"] == "nominated"
    full = client.post(
        f"/api/training/iterations/{ids['HR']}/nominations",
        headers=AL,
        json={"nation": "AL", "name": "Second", "rank": "Major"},
    )
    assert full.status_code == 409 and full.json()["field"] == "waiting"
    foreign = client.post(
        f"/api/training/iterations/{ids['HR']}/nominations",
        headers=XK,
        json={"nation": "AL", "name": "X", "rank": "Major"},
    )
    assert foreign.status_code == 403
    _ok(
        client.post(
            f"/api/training/iterations/{ids['XK']}/waiting-list",
            headers=AL,
            json={"nation": "AL", "name": "Erion Hoxha", "rank": "Lieutenant"},
        ),
        201,
    )
    _ok(
        client.post(
            f"/api/training/iterations/{ids['XK']}/waiting-list",
            headers=HR,
            json={"nation": "HR", "name": "Ivan Horvat", "rank": "Captain"},
        ),
        201,
    )
    assert (
        client.post(f"/api/training/iterations/{ids['XK']}/release", headers=AL).status_code == 403
    )
    released = _ok(client.post(f"/api/training/iterations/{ids['XK']}/release", headers=XK))
    assert released["freed"] == 1 and [p["name"] for p in released["promoted"]] == ["Erion Hoxha"]
    again = client.post(f"/api/training/iterations/{ids['XK']}/release", headers=XK)
    assert again.status_code == 409
    seen_by_owner = _ok(client.get(f"/api/training/iterations/{ids['XK']}/nominations", headers=XK))
    assert {n["status"] for n in seen_by_owner} == {"promoted", "waiting"}
    seen_by_hr = _ok(client.get(f"/api/training/iterations/{ids['XK']}/nominations", headers=HR))
    assert [n["name"] for n in seen_by_hr] == ["Ivan Horvat"]
    ledger = {
        x["nation"]: x
        for x in _ok(client.get("/api/training/ledger?year=2027", headers=basic("al.analyst")))
    }
    assert all(x["offered"] == 1 for x in ledger.values())
    # HR's unused XK-27 seat went to AL at release: AL received HR-27 and XK-27.
    assert ledger["AL"]["received"] == 2 and ledger["HR"]["received"] == 1
    assert ledger["XK"]["given"] == 1 and ledger["XK"]["balance"] == -1


def test_recruitment_calendar_warns_of_clashes_and_aggregates_figures(client: ApiClient) -> None:
    fair = _ok(
        client.post(
            "/api/training/recruitment/events",
            headers=HR,
            json={
                "nation": "HR",
                "kind": "career-fair",
                "title": "Joint fair",
                "starts": "2027-04-08",
                "ends": "2027-04-09",
                "partners": ["AL", "XK"],
            },
        ),
        201,
    )
    assert fair["clashes"] == []
    campaign = _ok(
        client.post(
            "/api/training/recruitment/events",
            headers=XK,
            json={
                "nation": "XK",
                "kind": "campaign",
                "title": "Spring campaign",
                "starts": "2027-04-01",
                "ends": "2027-04-30",
            },
        ),
        201,
    )
    assert campaign["clashes"][0]["nations"] == ["XK"]
    bad = client.post(
        "/api/training/recruitment/events",
        headers=XK,
        json={
            "nation": "XK",
            "kind": "campaign",
            "title": "x",
            "starts": "2027-05-02",
            "ends": "2027-05-01",
        },
    )
    assert bad.status_code == 422 and bad.json()["field"] == "ends"
    calendar = _ok(client.get("/api/training/recruitment/events?year=2027", headers=XK))
    assert len(calendar["events"]) == 2 and len(calendar["clashes"]) == 1
    for channel, counts in (("online", (1000, 100, 80)), ("fairs", (500, 50, 45))):
        _ok(
            client.put(
                "/api/training/recruitment/metrics",
                headers=AL,
                json={
                    "nation": "AL",
                    "year": 2026,
                    "channel": channel,
                    "applications": counts[0],
                    "enlistments": counts[1],
                    "retained_12m": counts[2],
                },
            )
        )
    wrong = client.put(
        "/api/training/recruitment/metrics",
        headers=AL,
        json={
            "nation": "AL",
            "year": 2026,
            "channel": "x",
            "applications": 10,
            "enlistments": 20,
            "retained_12m": 0,
        },
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "enlistments"
    metrics = _ok(client.get("/api/training/recruitment/metrics?year=2026", headers=HR))
    total = next(m for m in metrics if m["channel"] == "all")
    assert total["applications"] == 1500 and total["enlistments"] == 150
    assert abs(total["retention"] - 125 / 150) < 1e-9 and abs(total["conversion"] - 0.1) < 1e-9
