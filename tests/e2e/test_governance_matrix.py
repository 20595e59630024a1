"""Governance in the access matrix: groups, meetings, documents and versions, action items.

Every route that takes a marked record runs for anonymous and the five demo users of each
founding nation against one record per marking (PACT, named nation, originator only, TLP:RED,
classification above most clearances). Records are created at the console for XK so that every
classification can be stored; what the API answers is then held to ``can_read``: 404 for what a
caller may not read (the same as a missing id), 403 for a role or nation that may not change
what it can read, and the route's own answer for the originator.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from access_matrix import (
    MARKINGS,
    AccessMatrix,
    Caller,
    Route,
    demo_callers,
    list_expect,
    listed,
    read_expect,
)
from defpact.core.context import Actor
from defpact.core.identity import Role
from defpact.core.marking import PACT, TLP, Marking
from defpact.core.runtime import Node
from defpact.governance import service
from defpact.governance.access import MarkingSpec
from defpact.governance.provisions import Provision
from support import ApiClient

API = "/api/governance"
CONSOLE = Actor.console()
PACT_OPEN = MARKINGS["pact-unclass-green"]


def _spec(m: Marking) -> MarkingSpec:
    return MarkingSpec(m.classification, m.releasable_to, m.tlp, m.originator)


def _ids(key: str = "id") -> Any:
    return lambda response: [item[key] for item in response.json()]


def _originator_write(role: Role, success: int) -> Any:
    """A change only the originator nation's users with ``role`` may make: 403 for a missing
    role (before the record is looked up), 404 for what the caller cannot read, 403 for a
    reader of another nation, ``success`` for the originator."""

    def expect(c: Caller, m: Marking, readable: bool) -> int:
        if c.principal is None:
            return 401
        if not c.has_role(role):
            return 403
        if not readable:
            return 404
        return success if c.nation == m.originator else 403

    return expect


def _records(make: Any) -> dict[str, tuple[Any, Marking]]:
    return {name: (make(name, marking), marking) for name, marking in MARKINGS.items()}


class TestGovernanceAccessMatrix(AccessMatrix):
    def _group(self, node: Node, name: str, marking: Marking) -> int:
        new = service.NewGroup(
            name=f"Group {name}",
            chair_nation="XK",
            provisions=(Provision.HYBRID_THREATS,),
            marking=_spec(marking),
        )
        return service.create_group(node.uow(), CONSOLE, new).id

    def test_groups(self, client: ApiClient, node: Node) -> None:
        records = _records(lambda name, m: self._group(node, name, m))
        routes = [
            Route(
                "GET group", lambda cl, h, i: cl.get(f"{API}/groups/{i}", headers=h), read_expect
            ),
            Route(
                "GET groups lists it",
                lambda cl, h, _i: cl.get(f"{API}/groups", headers=h),
                list_expect,
                listed(_ids()),
            ),
            Route(
                "GET group calendar",
                lambda cl, h, i: cl.get(f"{API}/groups/{i}/calendar.ics", headers=h),
                read_expect,
            ),
            # the originator's admins add anyone who may read the group (here: XK's analyst)
            Route(
                "POST group member",
                lambda cl, h, i: cl.post(
                    f"{API}/groups/{i}/members", headers=h, json={"username": "xk.analyst"}
                ),
                _originator_write(Role.ADMIN, 200),
            ),
        ]
        self._run(client, records, routes)

    def test_meetings(self, client: ApiClient, node: Node) -> None:
        group = self._group(node, "of meetings", PACT_OPEN)
        starts = datetime(2025, 5, 6, 9, tzinfo=UTC)

        def meeting(name: str, marking: Marking) -> int:
            new = service.NewMeeting(
                group_id=group,
                title=f"Meeting {name}",
                starts=starts,
                ends=starts.replace(hour=11),
                marking=_spec(marking),
            )
            return service.create_meeting(node.uow(), CONSOLE, new).id

        records = _records(meeting)
        routes = [
            Route(
                "GET meeting",
                lambda cl, h, i: cl.get(f"{API}/meetings/{i}", headers=h),
                read_expect,
            ),
            Route(
                "GET meetings lists it",
                lambda cl, h, _i: cl.get(f"{API}/meetings", headers=h),
                list_expect,
                listed(_ids()),
            ),
            Route(
                "GET meetings of the group lists it",
                lambda cl, h, _i: cl.get(f"{API}/meetings?group_id={group}", headers=h),
                list_expect,
                listed(_ids()),
            ),
            Route(
                "GET group calendar shows it",
                lambda cl, h, _i: cl.get(f"{API}/groups/{group}/calendar.ics", headers=h),
                list_expect,
                listed(lambda r: [int(i) for i in re.findall(r"gov-meeting-(\d+)@", r.text)]),
            ),
            # a stale version: the originator's admins reach the version check (409)
            Route(
                "PUT minutes (stale)",
                lambda cl, h, i: cl.put(
                    f"{API}/meetings/{i}/minutes", headers=h, json={"minutes": "x", "version": 999}
                ),
                _originator_write(Role.ADMIN, 409),
            ),
            Route(
                "POST decision",
                lambda cl, h, i: cl.post(
                    f"{API}/meetings/{i}/decisions", headers=h, json={"text": "Agreed."}
                ),
                _originator_write(Role.ADMIN, 201),
            ),
        ]
        self._run(client, records, routes)

    def test_documents(self, client: ApiClient, node: Node) -> None:
        def document(name: str, marking: Marking) -> int:
            new = service.NewDocument(
                title=f"Document {name}", content="Article 1\n", marking=_spec(marking)
            )
            return service.create_document(node.uow(), CONSOLE, new).id

        def submit(c: Caller, m: Marking, readable: bool) -> int:
            status = _originator_write(Role.ADMIN, 200)(c, m, readable)
            # a round among every ministry needs a document released to PACT, not TLP:RED
            every_member = PACT in m.releasable_to and m.tlp is not TLP.RED
            return 422 if status == 200 and not every_member else status

        def vote(c: Caller, _m: Marking, readable: bool) -> int:
            # no round is open on version 1 yet: every reader learns only that (409)
            return 401 if c.principal is None else (409 if readable else 404)

        ballot = {"decision": "approve"}
        records = _records(document)
        routes = [
            Route(
                "GET document",
                lambda cl, h, i: cl.get(f"{API}/documents/{i}", headers=h),
                read_expect,
            ),
            Route(
                "GET documents lists it",
                lambda cl, h, _i: cl.get(f"{API}/documents", headers=h),
                list_expect,
                listed(_ids()),
            ),
            Route(
                "GET version 1",
                lambda cl, h, i: cl.get(f"{API}/documents/{i}/versions/1", headers=h),
                read_expect,
            ),
            Route(
                "GET diff 1..1",
                lambda cl, h, i: cl.get(f"{API}/documents/{i}/diff?from=1&to=1", headers=h),
                read_expect,
            ),
            Route(
                "POST vote on version 1",
                lambda cl, h, i: cl.post(
                    f"{API}/documents/{i}/versions/1/votes", headers=h, json=ballot
                ),
                vote,
            ),
            Route(
                "POST submit version 1",
                lambda cl, h, i: cl.post(f"{API}/documents/{i}/versions/1/submit", headers=h),
                submit,
            ),
            Route(
                "POST version",
                lambda cl, h, i: cl.post(
                    f"{API}/documents/{i}/versions", headers=h, json={"content": "Article 2\n"}
                ),
                _originator_write(Role.ADMIN, 201),
            ),
        ]
        self._run(client, records, routes)

    def test_versions_marked_apart_from_their_document(self, client: ApiClient, node: Node) -> None:
        """Version 2 of a PACT document carries its own marking: it is read, listed and
        diffed by exactly the callers that marking allows."""

        def version(name: str, marking: Marking) -> int:
            new = service.NewDocument(
                title=f"Versioned {name}", content="Article 1\n", marking=_spec(PACT_OPEN)
            )
            doc = service.create_document(node.uow(), CONSOLE, new).id
            service.add_version(
                node.uow(), CONSOLE, doc, "Article 1a\n", "", marking=_spec(marking)
            )
            return doc

        def versions(response: Any) -> list[int]:
            return [v["number"] for v in response.json()["versions"]]

        records = _records(version)
        routes = [
            Route(
                "GET version 2",
                lambda cl, h, i: cl.get(f"{API}/documents/{i}/versions/2", headers=h),
                read_expect,
            ),
            Route(
                "GET document lists version 2",
                lambda cl, h, i: cl.get(f"{API}/documents/{i}", headers=h),
                list_expect,
                lambda r, _i: (
                    r.status_code
                    if r.status_code != 200
                    else ("listed" if 2 in versions(r) else "absent")
                ),
            ),
            Route(
                "GET diff 1..2",
                lambda cl, h, i: cl.get(f"{API}/documents/{i}/diff?from=1&to=2", headers=h),
                read_expect,
            ),
        ]
        self._run(client, records, routes)

    def test_actions(self, client: ApiClient, node: Node) -> None:
        def action(name: str, marking: Marking) -> int:
            new = service.NewAction(
                provision=Provision.HYBRID_THREATS,
                title=f"Action {name}",
                owner_nation="XK",
                due=date(2030, 1, 1),
                marking=_spec(marking),
            )
            return service.create_action(node.uow(), CONSOLE, new).id

        def progress(c: Caller, m: Marking, readable: bool) -> int:
            # every role but observer reports progress; the owner (XK here) or originator only
            if c.principal is None:
                return 401
            if not readable:
                return 404
            return 409 if c.nation == m.originator else 403

        records = _records(action)
        routes = [
            Route(
                "GET action", lambda cl, h, i: cl.get(f"{API}/actions/{i}", headers=h), read_expect
            ),
            Route(
                "GET actions lists it",
                lambda cl, h, _i: cl.get(f"{API}/actions", headers=h),
                list_expect,
                listed(_ids()),
            ),
            Route(
                "POST progress (stale)",
                lambda cl, h, i: cl.post(
                    f"{API}/actions/{i}/progress", headers=h, json={"note": "x", "version": 999}
                ),
                progress,
            ),
        ]
        self._run(client, records, routes)

    def _run(
        self, client: ApiClient, records: dict[str, tuple[Any, Marking]], routes: list[Route]
    ) -> None:
        callers = demo_callers()
        checked = self.run_matrix(client, callers, records, routes)
        assert checked == len(routes) * len(callers) * len(records)
