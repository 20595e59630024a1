"""Governance web pages on the seeded demo story: the overview with the membership timeline,
a document's approval status per nation with the vote form and the diff, the action tracker's
overdue highlighting and progress form, and accession requests. Pages render the same on
every database, so these run on SQLite only."""

from __future__ import annotations

import re

import pytest

from defpact.core.runtime import Node
from defpact.governance.seed import seed_governance_demo
from support import ApiClient, csrf_of, sign_in

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _login(client: ApiClient, node: Node, username: str) -> str:
    seed_governance_demo(node.uow())
    response = sign_in(client, username)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/governance").text)


def _overview_shows_the_timeline_the_guide_in_approval_and_the_request(
    client: ApiClient,
) -> None:
    html = client.get("/governance").text
    assert 'href="/governance"' in html and "<svg" in html
    assert "Membership history of the pact" in html and 'data-nation="XK"' in html
    assert "Implementation guide of the trilateral defence declaration" in html
    assert "North Macedonia (MK)" in html and "overdue since 2025-10-31" in html
    meeting = client.get("/governance/meetings/1").text
    assert "Tirana, Albania" in meeting and "<ol>" in meeting
    groups = client.get("/governance/groups").text
    assert "Declaration implementation expert group" in groups


def test_an_approver_votes_on_the_document_page_and_sees_each_nation(
    client: ApiClient, node: Node
) -> None:
    csrf = _login(client, node, "hr.approver")
    page = client.get("/governance/documents/1").text
    assert "version 2 (latest)" in page and page.count("pending") >= 3
    assert 'action="/governance/documents/1/versions/2/vote"' in page
    forged = client.post(
        "/governance/documents/1/versions/2/vote",
        data={"decision": "reject", "comment": "x", "csrf_token": "forged"},
    )
    assert forged.status_code == 403
    voted = client.post(
        "/governance/documents/1/versions/2/vote",
        data={"decision": "reject", "comment": "Budget <b>annex</b> missing", "csrf_token": csrf},
    )
    assert voted.status_code == 200 and "HR voted: reject" in voted.text
    assert "Budget &lt;b&gt;annex&lt;/b&gt; missing" in voted.text and "rejected" in voted.text
    assert 'action="/governance/documents/1/versions/2/vote"' not in voted.text
    again = client.post(
        "/governance/documents/1/versions/2/vote",
        data={"decision": "approve", "csrf_token": csrf},
    )
    assert again.status_code == 409 and "closed" in again.text
    diff = client.get("/governance/documents/1/diff?from=1&to=2").text
    assert "<ins>## 7. Open door</ins>" in diff and "lines added" in diff
    accession = client.get("/governance/accession").text
    assert 'action="/governance/accession/1/vote"' in accession
    approved = client.post(
        "/governance/accession/1/vote", data={"decision": "approve", "csrf_token": csrf}
    )
    assert "HR voted approve; the request is open" in approved.text


def test_overview_and_tracker_highlight_overdue_items_and_take_progress(
    client: ApiClient, node: Node
) -> None:
    csrf = _login(client, node, "al.procurement")
    _overview_shows_the_timeline_the_guide_in_approval_and_the_request(client)
    tracker = client.get("/governance/actions").text
    assert tracker.count('<span class="tag danger">overdue</span>') == 3
    assert "Joint procurement" in tracker and "Albania" in tracker
    only = client.get("/governance/actions?overdue=yes&provision=joint-procurement").text
    assert "ammunition" in only and "exercise calendar" not in only
    item = client.get("/governance/actions/1").text
    version = re.search(r'name="version" value="(\d+)"', item)
    assert version, "the owner nation gets the progress form"
    done = client.post(
        "/governance/actions/1/progress",
        data={
            "status": "done",
            "note": "Requirements sent",
            "version": version.group(1),
            "csrf_token": csrf,
        },
    )
    assert done.status_code == 200 and "Progress recorded." in done.text
    assert "Requirements sent" in done.text and "overdue</span>" not in done.text
    accession = client.get("/governance/accession").text
    assert "North Macedonia (MK)" in accession and "Propose a new member" not in accession


def test_an_admin_withdraws_a_group_from_its_page(client: ApiClient, node: Node) -> None:
    """Only an admin of the group's nation gets the button; the POST needs the CSRF token;
    after it the page says withdrawn and other nations no longer find the group."""
    from defpact.core.context import Actor
    from defpact.core.sessions import principal_of
    from defpact.core.store import UserRepository
    from defpact.governance.access import MarkingSpec
    from defpact.governance.group_service import NewGroup, create_group
    from defpact.governance.provisions import Provision

    with node.uow() as uow:
        admin = Actor.of(principal_of(UserRepository(uow.session).by_username("xk.admin")))  # type: ignore[arg-type]
    new = NewGroup("Web withdrawal group", "XK", "mandate", (Provision.HYBRID_THREATS,),
                   ("xk.admin",), MarkingSpec())  # fmt: skip
    group_id = create_group(node.uow(), admin, new).id
    path = f"/governance/groups/{group_id}"
    _login(client, node, "al.admin")
    assert "Withdraw this group" not in client.get(path).text  # not AL's group
    refused = client.post(f"{path}/withdraw", data={"csrf_token": csrf_of(client.get(path).text)})
    assert refused.status_code == 403 and "Withdrawn on" not in client.get(path).text
    client.post("/logout", data={"csrf_token": csrf_of(client.get(path).text)})
    _login(client, node, "xk.admin")
    page = client.get(path).text
    assert "Withdraw this group" in page
    forged = client.post(f"{path}/withdraw", data={"csrf_token": "forged"})
    assert forged.status_code == 403 and "Withdrawn on" not in client.get(path).text
    done = client.post(f"{path}/withdraw", data={"csrf_token": csrf_of(page)})
    assert done.status_code == 303 and done.headers["location"] == path
    after = client.get(path).text
    assert "Withdrawn on" in after and "Withdraw this group" not in after
    client.post("/logout", data={"csrf_token": csrf_of(after)})
    _login(client, node, "al.admin")
    assert client.get(path).status_code == 404
