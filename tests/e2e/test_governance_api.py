"""The governance REST API end to end (SQLite and PostgreSQL): an approval round with every
member's approver, an accession and a withdrawal, meetings and their iCalendar exports, and
the action tracker; errors are problem details that name the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from defpact.core import service as core
from defpact.core.context import Actor
from defpact.core.identity import Clearance, Role
from defpact.core.runtime import Node
from support import ApiClient, bearer

API = "/api/governance"
GUIDE_V1 = "# Implementation guide\n\nJoint procurement.\n\n<script>alert(1)</script>\n"


def _tokens(node: Node, *usernames: str) -> dict[str, dict[str, str]]:
    """Bearer headers per user (tokens avoid a password hash per request)."""
    return {
        name: bearer(core.create_token(node.uow(), Actor.console(), name).secret)
        for name in usernames
    }


def _new_user(node: Node, username: str, nation: str) -> dict[str, str]:
    new = core.NewUser(
        username, nation, (Role.ADMIN, Role.APPROVER), Clearance.CONFIDENTIAL, "", "long-password-1"
    )
    core.create_user(node.uow(), Actor.console(), new)
    return _tokens(node, username)[username]


def test_an_approval_round_with_every_member_a_rejection_a_new_round_and_markings(
    client: ApiClient, node: Node
) -> None:
    h = _tokens(node, "xk.admin", "xk.approver", "al.approver", "hr.approver", "al.training")
    created = client.post(
        f"{API}/documents",
        json={"title": "Implementation guide", "content": GUIDE_V1, "summary": "first draft"},
        headers=h["xk.admin"],
    )
    assert created.status_code == 201, created.text
    doc = created.json()["id"]
    v1 = client.get(f"{API}/documents/{doc}/versions/1", headers=h["al.training"]).json()
    assert "<script>" not in v1["content_html"] and "&lt;script&gt;" in v1["content_html"]
    assert "<h1>Implementation guide</h1>" in v1["content_html"]

    v2_text = GUIDE_V1 + "\nJoint exercises.\n"
    added = client.post(
        f"{API}/documents/{doc}/versions",
        json={"content": v2_text, "summary": "exercises"},
        headers=h["xk.admin"],
    )
    assert added.status_code == 201 and added.json()["number"] == 2
    diff = client.get(f"{API}/documents/{doc}/diff?from=1&to=2", headers=h["al.training"]).json()
    assert diff["added"] == 2 and "+Joint exercises." in diff["unified"]
    submitted = client.post(f"{API}/documents/{doc}/versions/2/submit", headers=h["xk.admin"])
    assert submitted.json()["round"]["pending"] == ["AL", "HR", "XK"]

    votes = f"{API}/documents/{doc}/versions/2/votes"
    assert client.post(votes, json={"decision": "approve"}, headers=h["xk.approver"]).is_success
    twice = client.post(votes, json={"decision": "approve"}, headers=h["xk.approver"])
    assert twice.status_code == 409 and "already voted" in twice.json()["detail"]
    other = client.post(
        votes, json={"decision": "approve", "nation": "AL"}, headers=h["xk.approver"]
    )
    assert other.status_code == 403 and other.json()["field"] == "nation"
    not_approver = client.post(votes, json={"decision": "approve"}, headers=h["al.training"])
    assert not_approver.status_code == 403
    no_reason = client.post(votes, json={"decision": "reject"}, headers=h["hr.approver"])
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "comment"
    assert client.post(votes, json={"decision": "approve"}, headers=h["al.approver"]).is_success
    rejected = client.post(
        votes,
        json={"decision": "reject", "comment": "Annex on cost sharing missing"},
        headers=h["hr.approver"],
    )
    assert rejected.json()["round"]["status"] == "rejected"
    closed = client.post(votes, json={"decision": "approve"}, headers=h["hr.approver"])
    assert closed.status_code == 409 and "closed" in closed.json()["detail"]

    seen = client.get(f"{API}/documents/{doc}/versions/2", headers=h["al.training"]).json()
    positions = {p["nation"]: p["position"] for p in seen["round"]["positions"]}
    assert positions == {"XK": "approved", "AL": "approved", "HR": "rejected"}
    assert seen["round"]["ballots"][-1]["comment"] == "Annex on cost sharing missing"

    client.post(
        f"{API}/documents/{doc}/versions",
        json={"content": v2_text + "\nCost-sharing annex.\n", "summary": "annex"},
        headers=h["xk.admin"],
    )
    again = client.post(f"{API}/documents/{doc}/versions/3/submit", headers=h["xk.admin"])
    assert again.json()["round"]["status"] == "open"
    assert again.json()["round"]["pending"] == ["AL", "HR", "XK"]
    _invisible_records_answer_like_missing_ones(client, node)


def test_accession_admits_a_state_which_then_reads_pact_records_until_it_leaves(
    client: ApiClient, node: Node
) -> None:
    h = _tokens(node, "xk.admin", "xk.approver", "al.approver", "hr.approver")
    mk = _new_user(node, "mk.admin", "MK")
    doc = client.post(
        f"{API}/documents",
        json={"title": "Pact-wide note", "content": "For every member."},
        headers=h["xk.admin"],
    ).json()["id"]
    assert client.get(f"{API}/documents/{doc}", headers=mk).status_code == 404

    serbia = client.post(f"{API}/accessions", json={"nation": "RS"}, headers=h["xk.admin"])
    assert serbia.status_code == 422 and serbia.json()["field"] == "nation"
    assert "neither a NATO member nor an EU member state" in serbia.json()["detail"]
    albania = client.post(f"{API}/accessions", json={"nation": "AL"}, headers=h["xk.admin"])
    assert albania.status_code == 409 and "already a member" in albania.json()["detail"]
    proposed = client.post(
        f"{API}/accessions",
        json={"nation": "MK", "statement": "Invited at the A5 meeting"},
        headers=h["xk.admin"],
    )
    assert proposed.status_code == 201, proposed.text
    request = proposed.json()["id"]
    for who in ("xk.approver", "al.approver", "hr.approver"):
        result = client.post(
            f"{API}/accessions/{request}/votes", json={"decision": "approve"}, headers=h[who]
        ).json()
    assert result["status"] == "admitted"
    assert result["effective_joined"] == datetime.now(UTC).date().isoformat()
    members = client.get("/api/members", headers=mk).json()
    assert "MK" in {m["code"] for m in members}
    assert client.get(f"{API}/documents/{doc}", headers=mk).status_code == 200

    refused = client.post(f"{API}/members/MK/withdraw", json={}, headers=h["xk.admin"])
    assert refused.status_code == 403
    left = client.post(f"{API}/members/MK/withdraw", json={}, headers=mk)
    assert left.status_code == 200 and left.json()["left"] == datetime.now(UTC).date().isoformat()
    assert client.get(f"{API}/documents/{doc}", headers=mk).status_code == 404
    assert client.get(f"{API}/documents", headers=mk).json() == []


def test_meetings_icalendar_and_the_action_tracker(client: ApiClient, node: Node) -> None:
    h = _tokens(node, "al.admin", "xk.training", "hr.analyst")
    group = client.post(
        f"{API}/groups",
        json={
            "name": "Implementation expert group",
            "chair_nation": "AL",
            "provisions": ["joint-exercises", "academy-training"],
            "members": ["xk.training"],
        },
        headers=h["al.admin"],
    )
    assert group.status_code == 201, group.text
    group_id = group.json()["id"]
    meeting = {
        "group_id": group_id,
        "title": "Expert-group meeting",
        "place": "Tirana",
        "starts": "2025-07-15T09:00:00+02:00",
        "ends": "2025-07-15T08:00:00+02:00",
        "agenda": "1. Exercises",
        "attendees": ["al.admin"],
    }
    backwards = client.post(f"{API}/meetings", json=meeting, headers=h["al.admin"])
    assert backwards.status_code == 422 and backwards.json()["field"] == "ends"
    assert client.get(f"{API}/meetings", headers=h["al.admin"]).json() == []
    meeting["ends"] = "2025-07-16T16:00:00+02:00"
    created = client.post(f"{API}/meetings", json=meeting, headers=h["al.admin"])
    assert created.status_code == 201, created.text

    mine = client.get(f"{API}/calendar.ics", headers=h["xk.training"])
    assert mine.headers["content-type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(mine.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Expert-group meeting" and str(event["LOCATION"]) == "Tirana"
    assert event.decoded("DTSTART") == datetime(2025, 7, 15, 7, tzinfo=UTC)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=31)
    grouped = client.get(f"{API}/groups/{group_id}/calendar.ics", headers=h["hr.analyst"])
    assert [str(e["UID"]) for e in Calendar.from_ical(grouped.content).walk("VEVENT")] == [
        str(event["UID"])
    ]
    outsider = client.get(f"{API}/calendar.ics", headers=h["hr.analyst"])
    assert Calendar.from_ical(outsider.content).walk("VEVENT") == []
    assert client.get(f"{API}/calendar.ics").status_code == 401
    _tracker_flags_overdue_items_and_summarises(client, node)


def _tracker_flags_overdue_items_and_summarises(client: ApiClient, node: Node) -> None:
    h = _tokens(node, "xk.admin", "al.training", "hr.training")
    for provision, owner, due in (
        ("joint-procurement", "AL", "2025-10-31"),
        ("intelligence-sharing", "HR", (datetime.now(UTC).date() + timedelta(days=30)).isoformat()),
    ):
        made = client.post(
            f"{API}/actions",
            json={
                "provision": provision,
                "title": f"{provision} task",
                "owner_nation": owner,
                "due": due,
            },
            headers=h["xk.admin"],
        )
        assert made.status_code == 201, made.text
    overdue = client.get(f"{API}/actions?overdue=true", headers=h["hr.training"]).json()
    assert [a["provision"] for a in overdue] == ["joint-procurement"]
    item = overdue[0]
    not_owner = client.post(
        f"{API}/actions/{item['id']}/progress", json={"note": "hi"}, headers=h["hr.training"]
    )
    assert not_owner.status_code == 403
    stale = client.post(
        f"{API}/actions/{item['id']}/progress",
        json={"status": "done", "version": item["version"] + 1},
        headers=h["al.training"],
    )
    assert stale.status_code == 409
    done = client.post(
        f"{API}/actions/{item['id']}/progress",
        json={"status": "done", "note": "requirements mapped", "version": item["version"]},
        headers=h["al.training"],
    ).json()
    assert done["status"] == "done" and not done["overdue"]
    summary = client.get(f"{API}/actions/summary", headers=h["hr.training"]).json()
    rows = {r["key"]: r for r in summary["by_provision"]}
    assert len(rows) == 6 and rows["joint-procurement"]["completion"] == 1.0
    assert {r["key"]: r["total"] for r in summary["by_nation"]} == {"AL": 1, "HR": 1}
    bad = client.get(f"{API}/actions?provision=parades", headers=h["hr.training"])
    assert bad.status_code == 422


def _invisible_records_answer_like_missing_ones(client: ApiClient, node: Node) -> None:
    h = _tokens(node, "xk.admin", "hr.admin", "al.admin")
    secret = client.post(
        f"{API}/documents",
        json={
            "title": "XK-AL only",
            "content": "bilateral",
            "marking": {"releasable_to": ["AL"], "tlp": "AMBER"},
        },
        headers=h["xk.admin"],
    ).json()["id"]
    hidden = client.get(f"{API}/documents/{secret}", headers=h["hr.admin"])
    missing = client.get(f"{API}/documents/999999", headers=h["hr.admin"])
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["type"] == missing.json()["type"]
    assert client.get(f"{API}/documents/{secret}", headers=h["al.admin"]).status_code == 200
    bad_marking = client.post(
        f"{API}/documents",
        json={"title": "x", "content": "y", "marking": {"releasable_to": ["QQ"]}},
        headers=h["xk.admin"],
    )
    assert bad_marking.status_code == 422 and "releasable_to" in bad_marking.json()["detail"]


def test_withdrawing_groups_meetings_and_action_items(client: ApiClient, node: Node) -> None:
    h = _tokens(node, "xk.admin", "xk.analyst", "al.admin")
    group = client.post(
        f"{API}/groups",
        json={"name": "Withdrawn group", "chair_nation": "XK", "provisions": ["hybrid-threats"]},
        headers=h["xk.admin"],
    ).json()["id"]
    starts = datetime(2027, 5, 4, 9, tzinfo=UTC)
    meeting = client.post(
        f"{API}/meetings",
        json={"group_id": group, "title": "Last meeting", "starts": starts.isoformat(),
              "ends": (starts + timedelta(hours=2)).isoformat()},
        headers=h["xk.admin"],
    ).json()["id"]  # fmt: skip
    action = client.post(
        f"{API}/actions",
        json={"provision": "hybrid-threats", "title": "Last item", "owner_nation": "XK",
              "due": "2027-06-01", "group_id": group},
        headers=h["xk.admin"],
    ).json()["id"]  # fmt: skip
    for path in (f"actions/{action}", f"meetings/{meeting}", f"groups/{group}"):
        assert client.post(f"{API}/{path}/withdraw").status_code == 401
        assert client.post(f"{API}/{path}/withdraw", headers=h["xk.analyst"]).status_code == 403
        refused = client.post(f"{API}/{path}/withdraw", headers=h["al.admin"])
        assert refused.status_code == 403 and "only XK" in refused.json()["detail"]
        done = client.post(f"{API}/{path}/withdraw", headers=h["xk.admin"])
        assert done.status_code == 200 and done.json()["withdrawn_at"], done.text
        assert client.get(f"{API}/{path}", headers=h["al.admin"]).status_code == 404
        assert client.get(f"{API}/{path}", headers=h["xk.admin"]).json()["withdrawn_at"]
        gone = client.post(f"{API}/{path}/withdraw", headers=h["al.admin"])
        assert gone.status_code == 404  # what AL can no longer read does not exist for it
    late = client.put(f"{API}/meetings/{meeting}/minutes", json={"minutes": "x"},
                      headers=h["xk.admin"])  # fmt: skip
    assert late.status_code == 409 and "withdrawn" in late.json()["detail"]
