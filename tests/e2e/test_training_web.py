"""Training web pages on the seeded demo story: the programme with its SVG Gantt and unit load,
exercises with stages and lessons, the course catalogue and the bids form, the allocation with
its fairness report and the ledger, the recruitment calendar's clash warnings and figures; the
exercise and bid forms are posted with (and without) their CSRF token. Pages render the same on
every database, so these run on SQLite only."""

from __future__ import annotations

import re

import pytest

from defpact.core.runtime import Node
from defpact.training.seed import DEMO_YEAR, seed_training_demo
from support import ApiClient, csrf_of, sign_in

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _login(client: ApiClient, node: Node, username: str) -> str:
    assert seed_training_demo(node.uow(), time_limit_s=5.0)
    response = sign_in(client, username)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/training").text)


def test_programme_exercises_and_lessons_pages(client: ApiClient, node: Node) -> None:
    _login(client, node, "al.analyst")
    home = client.get("/training").text
    assert 'href="/training"' in home and f"Exercise programme {DEMO_YEAR}" in home
    assert "approved" in home and home.count("<svg") == 2  # Gantt and per-unit load
    assert "Adriatic Shield" in home and "XK-INF-1" in home
    # DP27-11 is released to HR only: AL sees neither its name nor the objective.
    assert "Kosovo Crossroads" not in home and "withheld" in home
    assert 'action="/training/programmes/solve"' not in home  # an analyst does not plan
    exercises = client.get("/training/exercises").text
    assert "Mountain Step" in exercises and "Kosovo Crossroads" not in exercises
    ex_id = re.search(r'href="/training/exercises/(\d+)">Adriatic Shield', exercises)
    assert ex_id
    detail = client.get(f"/training/exercises/{ex_id.group(1)}").text
    assert "Main planning conference" in detail and "document: Main planning conference" in detail
    assert "Radio interoperability" in detail and "identified" in detail
    lessons = client.get("/training/lessons").text
    assert "Night movement discipline" in lessons  # XK's RESTRICTED lesson, released to AL
    hidden = client.get("/training/exercises/11")
    assert hidden.status_code == 404


def test_a_planner_creates_an_exercise_through_the_form(client: ApiClient, node: Node) -> None:
    csrf = _login(client, node, "xk.training")
    form = client.get("/training/exercises/new").text
    assert 'action="/training/exercises"' in form
    data = {
        "code": "DP27-20",
        "name": "Web Exercise",
        "type": "live",
        "year": str(DEMO_YEAR),
        "nations": "AL",
        "duration_weeks": "1",
        "earliest_week": "30",
        "latest_week": "40",
        "preferred_start": "",
        "areas": "XK-TA-N",
        "required_units": "XK: XK-ENG-1",
        "priority": "2",
        "objectives": "Bridge building\nNight moves",
        "classification": "UNCLASSIFIED",
        "releasable_to": "PACT",
        "tlp": "GREEN",
    }
    forged = client.post("/training/exercises", data={**data, "csrf_token": "forged"})
    assert forged.status_code == 403
    short = client.post(
        "/training/exercises",
        data={**data, "latest_week": "30", "duration_weeks": "2", "csrf_token": csrf},
    )
    assert short.status_code == 422 and "latest_week" in short.text
    assert 'value="Web Exercise"' in short.text  # the form keeps what was typed
    made = client.post("/training/exercises", data={**data, "csrf_token": csrf})
    assert made.status_code == 303
    page = client.get(made.headers["location"]).text
    assert "DP27-20 Web Exercise" in page and "Night moves" in page and "initiation" in page
    lesson = client.post(
        made.headers["location"] + "/lessons",
        data={
            "title": "Bridge <b>load</b>",
            "observation": "Too heavy",
            "classification": "UNCLASSIFIED",
            "releasable_to": "PACT",
            "tlp": "GREEN",
            "csrf_token": csrf,
        },
    )
    assert lesson.status_code == 303
    assert "Bridge &lt;b&gt;load&lt;/b&gt;" in client.get(made.headers["location"]).text


def test_bids_allocation_ledger_and_recruitment_pages(client: ApiClient, node: Node) -> None:
    csrf = _login(client, node, "hr.admin")
    courses = client.get(f"/training/courses?year={DEMO_YEAR}").text
    assert "Joint staff officer course" in courses and 'name="points.AL-STAFF-27"' in courses
    assert "own course" in courses  # HR's own courses take no points
    bad = client.post(
        "/training/bids",
        data={
            "year": str(DEMO_YEAR),
            "points.AL-STAFF-27": "60",
            "points.XK-PSO-27B": "30",
            "csrf_token": csrf,
        },
    )
    assert bad.status_code == 422 and "points sum to 90" in bad.text
    good = client.post(
        "/training/bids",
        data={
            "year": str(DEMO_YEAR),
            "points.AL-STAFF-27": "60",
            "points.XK-PSO-27B": "40",
            "csrf_token": csrf,
        },
    )
    assert good.status_code == 200 and "Bid saved." in good.text
    seats = client.get(f"/training/seats?year={DEMO_YEAR}").text
    assert "Maximum Nash welfare" in seats and "Envy-free up to one seat" in seats
    assert "Reciprocity ledger" in seats and 'action="/training/allocations"' in seats
    redo = client.post(
        "/training/allocations",
        data={"year": str(DEMO_YEAR), "method": "round-robin", "csrf_token": csrf},
    )
    assert redo.status_code == 200 and "Round-robin draft" in redo.text
    assert "Joint staff officer course (AL-STAFF-27)" in redo.text
    recruiting = client.get(f"/training/recruitment?year={DEMO_YEAR}").text
    assert "Clash warnings" in recruiting and "Joint career fair Zagreb" in recruiting
    assert recruiting.count('tag danger">clash') == 5  # five events in three clashes
    assert recruiting.count('<li class="error">') == 3
    assert "all channels" in recruiting and "Retained 12 months" in recruiting
