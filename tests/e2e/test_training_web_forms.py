"""Training web forms on the seeded demo story: milestone events (add, edit, mark done, add a
document), stage status, the lesson steps, the withdrawal of a lesson and of an exercise, the
nomination and waiting-list form with the attested clearance, the release of unused seats, and
the recruitment event and figures forms. Each form is posted with its CSRF token (and refused
without it); a refused form answers with the field's name and keeps what was typed. Pages
render the same on every database, so these run on SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from defpact.core.context import Actor
from defpact.core.identity import Clearance
from defpact.core.runtime import Node
from defpact.training import academy_service as academy
from defpact.training import exercise_service, planning_service
from defpact.training.seed import DEMO_YEAR, seed_training_demo
from support import ApiClient, basic, csrf_of, sign_in

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])
CONSOLE = Actor.console("test")


@pytest.fixture
def other(node: Node) -> Iterator[ApiClient]:
    """A second client without the web session, for API reads as another nation."""
    from defpact.app import create_app

    api = ApiClient(create_app(node=node))
    yield api
    api.close()


def _login(client: ApiClient, node: Node, username: str) -> str:
    seed_training_demo(node.uow(), time_limit_s=5.0)
    response = sign_in(client, username)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/training").text)


def _milestone_id(node: Node, exercise_id: int, name: str) -> int:
    stages = planning_service.list_stages(node.uow(), CONSOLE, exercise_id)
    return next(m.id for s in stages for m in s.milestones if m.name == name)


def test_milestones_and_documents_through_the_forms(client: ApiClient, node: Node) -> None:
    csrf = _login(client, node, "al.training")  # AL participates in DP27-01 (HR hosts)
    ex = exercise_service.exercise_id_by_code(node.uow(), CONSOLE, "DP27-01")
    url = f"/training/exercises/{ex}"
    page = client.get(url).text
    assert f'action="{url}/milestones"' in page and "Add a milestone event" in page
    data = {"stage": "conduct", "name": "Distinguished visitors day", "on": "2027-05-12"}
    forged = client.post(f"{url}/milestones", data={**data, "csrf_token": "forged"})
    assert forged.status_code == 403
    bad = client.post(f"{url}/milestones", data={**data, "on": "2027-13-40", "csrf_token": csrf})
    assert bad.status_code == 422 and "on must be a date" in bad.text
    assert 'value="Distinguished visitors day"' in bad.text  # the form keeps what was typed
    made = client.post(f"{url}/milestones", data={**data, "place": "Slunj", "csrf_token": csrf})
    assert made.status_code == 303
    page = client.get(url).text
    assert "2027-05-12 Distinguished visitors day, Slunj" in page
    mid = _milestone_id(node, ex, "Distinguished visitors day")
    edit = {"name": "DV day", "on": "2027-05-13", "place": "Slunj", "done": "yes"}
    assert client.post(f"{url}/milestones/{mid}", data=edit).status_code == 403  # no token
    empty = client.post(f"{url}/milestones/{mid}", data={**edit, "name": " ", "csrf_token": csrf})
    assert empty.status_code == 422 and "name must not be empty" in empty.text
    done = client.post(f"{url}/milestones/{mid}", data={**edit, "csrf_token": csrf})
    assert done.status_code == 303
    page = client.get(url).text
    assert '2027-05-13 DV day, Slunj <span class="tag">done</span>' in page
    doc_url = f"{url}/milestones/{mid}/documents"
    no_title = client.post(doc_url, data={"title": "", "reference": "R-1", "csrf_token": csrf})
    assert no_title.status_code == 422 and "title must not be empty" in no_title.text
    assert 'value="R-1"' in no_title.text
    doc = client.post(
        doc_url, data={"title": "DV programme", "reference": "R-1", "csrf_token": csrf}
    )
    assert doc.status_code == 303
    assert "document: DV programme (R-1)" in client.get(url).text
    # a milestone of another exercise is not addressable through this one
    other_ex = exercise_service.exercise_id_by_code(node.uow(), CONSOLE, "DP27-02")
    wrong = client.post(
        f"/training/exercises/{other_ex}/milestones/{mid}", data={**edit, "csrf_token": csrf}
    )
    assert wrong.status_code == 404
    status = client.post(f"{url}/stages/conduct", data={"status": "active", "csrf_token": csrf})
    assert status.status_code == 303
    stages = planning_service.list_stages(node.uow(), CONSOLE, ex)
    assert {s.stage: s.status for s in stages}["conduct"] == "active"
    bad_status = client.post(f"{url}/stages/conduct", data={"status": "x", "csrf_token": csrf})
    assert bad_status.status_code == 422 and "status must be one of" in bad_status.text


def test_lesson_steps_and_withdrawals(client: ApiClient, node: Node, other: ApiClient) -> None:
    csrf = _login(client, node, "hr.training")
    ex = exercise_service.exercise_id_by_code(node.uow(), CONSOLE, "DP27-01")
    url = f"/training/exercises/{ex}"
    lesson = next(
        x
        for x in planning_service.list_lessons(node.uow(), CONSOLE, ex)
        if x.status == "identified"
    )
    step_url = f"{url}/lessons/{lesson.id}/advance"
    assert f'action="{step_url}"' in client.get(url).text
    step = {
        "status": "action",
        "version": str(lesson.version),
        "action": "Issue a common fill",
        "action_owner": "HR",
    }
    assert client.post(step_url, data=step).status_code == 403  # no CSRF token
    no_due = client.post(step_url, data={**step, "csrf_token": csrf})
    assert no_due.status_code == 422 and "action_due" in no_due.text
    assert "Issue a common fill</textarea>" in no_due.text  # typed text kept
    ok = client.post(step_url, data={**step, "action_due": "2027-06-01", "csrf_token": csrf})
    assert ok.status_code == 303
    page = client.get(url).text
    assert "Action (HR, due 2027-06-01): Issue a common fill" in page
    stale = client.post(step_url, data={**step, "action_due": "2027-06-01", "csrf_token": csrf})
    assert stale.status_code == 409  # the version read is no longer current
    learned = {"status": "learned", "version": str(lesson.version + 1), "csrf_token": csrf}
    done = client.post(step_url, data={**learned, "validation": "Fill used in DP27-05"})
    assert done.status_code == 303
    assert "Validation: Fill used in DP27-05" in client.get(url).text

    al = basic("al.analyst")
    assert other.get(f"/api/training/lessons/{lesson.id}", headers=al).status_code == 200
    gone = client.post(f"{url}/lessons/{lesson.id}/withdraw", data={"csrf_token": csrf})
    assert gone.status_code == 303
    assert 'tag danger">withdrawn' in client.get(url).text  # HR keeps it
    assert other.get(f"/api/training/lessons/{lesson.id}", headers=al).status_code == 404

    assert other.get(f"/api/training/exercises/{ex}", headers=al).status_code == 200
    assert client.post(f"{url}/withdraw", data={}).status_code == 403  # no CSRF token
    withdrawn = client.post(f"{url}/withdraw", data={"csrf_token": csrf})
    assert withdrawn.status_code == 303
    page = client.get(url).text
    assert "Withdrawn on" in page and "Add a milestone event" not in page
    assert other.get(f"/api/training/exercises/{ex}", headers=al).status_code == 404
    listed = other.get(f"/api/training/exercises?year={DEMO_YEAR}", headers=al).json()
    assert "DP27-01" not in {e["code"] for e in listed}


def test_a_partner_cannot_withdraw_the_hosts_exercise(client: ApiClient, node: Node) -> None:
    csrf = _login(client, node, "al.training")
    ex = exercise_service.exercise_id_by_code(node.uow(), CONSOLE, "DP27-01")
    page = client.get(f"/training/exercises/{ex}").text
    assert "Withdraw exercise" not in page  # AL is a participant, HR the host
    refused = client.post(f"/training/exercises/{ex}/withdraw", data={"csrf_token": csrf})
    assert refused.status_code == 403 and "only HR may change its exercises" in refused.text
    assert exercise_service.get_exercise(node.uow(), CONSOLE, ex).withdrawn_at is None


def _vetted_course(node: Node) -> tuple[int, int]:
    """An HR course requiring RESTRICTED: one iteration open, one past its deadline."""
    acad = next(a for a in academy.list_academies(node.uow()) if a.nation == "HR")
    course = academy.create_course(
        node.uow(),
        CONSOLE,
        academy.CourseDraft(
            acad.id,
            "HR-INTEL",
            "Intelligence analysis",
            "intelligence",
            "staff",
            "English",
            2,
            clearance_required=Clearance.RESTRICTED,
        ),
    )
    open_it = academy.create_iteration(
        node.uow(),
        CONSOLE,
        academy.IterationDraft(
            course.id, "HR-INTEL-27", date(2027, 9, 6), date(2027, 9, 17), 2, date(2027, 7, 1)
        ),
    )
    closed = academy.create_iteration(
        node.uow(),
        CONSOLE,
        academy.IterationDraft(
            course.id, "HR-INTEL-26", date(2026, 3, 2), date(2026, 3, 13), 1, date(2026, 1, 15)
        ),
    )
    return open_it.id, closed.id


def test_nominations_clearance_and_waiting_list_forms(client: ApiClient, node: Node) -> None:
    csrf = _login(client, node, "xk.training")
    open_id, _ = _vetted_course(node)
    url = f"/training/iterations/{open_id}"
    page = client.get(url).text
    assert "Clearance required</dt><dd>RESTRICTED" in page and f'action="{url}/nominations"' in page
    person = {"name": "Arben Krasniqi", "rank": "Captain", "waiting": "yes"}
    forged = client.post(f"{url}/nominations", data={**person, "clearance_held": "RESTRICTED"})
    assert forged.status_code == 403
    low = client.post(
        f"{url}/nominations", data={**person, "clearance_held": "UNCLASSIFIED", "csrf_token": csrf}
    )
    assert low.status_code == 422 and "clearance_held" in low.text
    assert "requires RESTRICTED clearance" in low.text and 'value="Arben Krasniqi"' in low.text
    queued = client.post(
        f"{url}/nominations", data={**person, "clearance_held": "SECRET", "csrf_token": csrf}
    )
    assert queued.status_code == 303
    page = client.get(url).text
    assert "Arben Krasniqi" in page and "<td>SECRET</td>" in page
    no_seat = client.post(
        f"{url}/nominations",
        data={"name": "Drita Berisha", "rank": "Major", "clearance_held": "SECRET"}
        | {"csrf_token": csrf},
    )
    assert no_seat.status_code == 409 and "waiting list" in no_seat.text  # XK has no seat here
    assert "Release unused seats" not in page  # only the course owner releases


def test_the_owner_releases_unused_seats_through_the_form(client: ApiClient, node: Node) -> None:
    csrf = _login(client, node, "hr.training")
    open_id, closed_id = _vetted_course(node)
    from defpact.training import nomination_service

    nomination_service.nominate(
        node.uow(),
        CONSOLE,
        closed_id,
        nation="AL",
        name="Elira Hoxha",
        rank="Lieutenant",
        clearance_held=Clearance.CONFIDENTIAL,
        waiting=True,
    )
    early = client.post(f"/training/iterations/{open_id}/release", data={"csrf_token": csrf})
    assert early.status_code == 409 and "nomination_deadline" in early.text
    page = client.get(f"/training/iterations/{closed_id}").text
    assert "Elira Hoxha" in page  # the owner sees every name
    assert client.post(f"/training/iterations/{closed_id}/release").status_code == 403
    done = client.post(f"/training/iterations/{closed_id}/release", data={"csrf_token": csrf})
    assert done.status_code == 200
    assert "1 unused seat(s) released; promoted: Elira Hoxha (AL)" in done.text


def test_recruitment_event_and_figures_forms(client: ApiClient, node: Node) -> None:
    csrf = _login(client, node, "al.training")
    page = client.get(f"/training/recruitment?year={DEMO_YEAR}").text
    assert 'action="/training/recruitment/events"' in page
    assert 'action="/training/recruitment/metrics"' in page
    event = {
        "year": str(DEMO_YEAR),
        "kind": "campaign",
        "title": "Join the Albanian Armed Forces",
        "starts": "2027-04-01",
        "ends": "2027-03-01",
        "partners": "",
    }
    assert client.post("/training/recruitment/events", data=event).status_code == 403
    bad = client.post("/training/recruitment/events", data={**event, "csrf_token": csrf})
    assert bad.status_code == 422 and "ends" in bad.text and "ends before it starts" in bad.text
    assert 'value="Join the Albanian Armed Forces"' in bad.text
    ok = client.post(
        "/training/recruitment/events",
        data={**event, "ends": "2027-04-10", "partners": "HR", "csrf_token": csrf},
    )
    assert ok.status_code == 200 and "Join the Albanian Armed Forces added." in ok.text
    assert "Clash warning" in ok.text  # overlaps HR's career fair and AL's own intake window
    figures = {
        "year": str(DEMO_YEAR - 1),
        "channel": "veterans",
        "applications": "100",
        "enlistments": "120",
        "retained_12m": "10",
    }
    assert client.post("/training/recruitment/metrics", data=figures).status_code == 403
    more = client.post("/training/recruitment/metrics", data={**figures, "csrf_token": csrf})
    assert more.status_code == 422 and "more enlistments than applications" in more.text
    assert 'value="veterans"' in more.text and 'value="120"' in more.text
    word = client.post(
        "/training/recruitment/metrics",
        data={**figures, "applications": "many", "csrf_token": csrf},
    )
    assert word.status_code == 422 and "applications must be a whole number" in word.text
    saved = client.post(
        "/training/recruitment/metrics",
        data={**figures, "enlistments": "40", "csrf_token": csrf},
    )
    assert saved.status_code == 200 and f"{DEMO_YEAR - 1} figures saved (veterans)." in saved.text
    assert '<td>veterans</td><td class="num">100</td>' in saved.text
