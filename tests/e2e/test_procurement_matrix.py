"""Procurement in the access matrix: requirements, budget lines and joint-order cases.

Every route that takes a marked record runs for anonymous and the five demo users of each
founding nation against one record per marking (``access_matrix.MARKINGS``, all of XK).
Requirements and budget lines are stored at the service layer so that every classification
can be probed (the API refuses markings above the author's clearance). A case's marking is
derived from its requirements when proposed; the fixture then re-marks each case to probe the
rule, as the case routes read nothing but the case's own marking columns.

Changes follow the intelligence rule: only the originator nation's procurement officers change
or withdraw a requirement or budget line; every other caller is told it does not exist (404),
callers without the role are refused first (403).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

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
from defpact.core.marking import PACT, Marking
from defpact.core.runtime import Node
from defpact.core.sessions import principal_of
from defpact.core.store import UserRepository
from defpact.procurement import case_service
from defpact.procurement.budget_service import BudgetChange, store_budget_line
from defpact.procurement.catalogue_service import CatalogueDraft, save_catalogue_entry
from defpact.procurement.requirement_service import RequirementChange, store_requirement
from defpact.procurement.store import CaseRow
from support import ApiClient

API = "/api/procurement"
COST = {
    "t1": 500_000,
    "tiers": [[1, 1.0], [10, 0.95]],
    "fixed_order": 100_000,
    "per_nation": 25_000,
    "surcharge": 0.032,
}
SCHED = {"T_loa": 2, "joint_extra": 1, "T_accept": 1, "lead": 3, "cap": 4, "moq": 6}
XK_OFFICER = Actor(None, "xk.procurement", "XK")
PARTICIPANTS = frozenset({"XK", "AL"})


def _item(node: Node, key: str) -> Any:
    with node.uow() as uow:
        draft = CatalogueDraft(key, f"System {key}", "EDA", COST, SCHED)
        item, _ = save_catalogue_entry(uow.session, Actor.console(), draft, None)
        uow.commit()
    return item


def _ids(response: Any) -> list[int]:
    return [item["id"] for item in response.json()]


def _own_change(success: int) -> Any:
    """Only XK's procurement officers change XK's record; anyone else: not found."""

    def expect(c: Caller, m: Marking, readable: bool) -> int:
        if c.principal is None:
            return 401
        if not c.has_role(Role.PROCUREMENT):
            return 403
        return success if readable and c.nation == m.originator else 404

    return expect


def _record_routes(path: str, update: dict[str, Any]) -> list[Route]:
    """The routes requirements and budget lines share; withdrawal last (it hides records)."""
    return [
        Route(f"GET {path}", lambda cl, h, i: cl.get(f"{API}/{path}/{i}", headers=h), read_expect),
        Route(
            f"GET {path} lists it",
            lambda cl, h, _i: cl.get(f"{API}/{path}", headers=h),
            list_expect,
            listed(_ids),
        ),
        Route(
            f"GET {path}?include_withdrawn lists it",
            lambda cl, h, _i: cl.get(f"{API}/{path}?include_withdrawn=true", headers=h),
            list_expect,
            listed(_ids),
        ),
        Route(
            f"PUT {path} (stale)",
            lambda cl, h, i: cl.put(f"{API}/{path}/{i}", headers=h, json=update),
            _own_change(409),
        ),
        Route(
            f"POST {path} withdraw",
            lambda cl, h, i: cl.post(f"{API}/{path}/{i}/withdraw", headers=h),
            _own_change(200),
        ),
    ]


class TestProcurementAccessMatrix(AccessMatrix):
    def test_requirements(self, client: ApiClient, node: Node) -> None:
        records: dict[str, tuple[Any, Marking]] = {}
        for n, (name, marking) in enumerate(MARKINGS.items()):
            item = _item(node, f"sys-{n}")
            with node.uow() as uow:
                change = RequirementChange(4, "2027-01", "", marking)
                row = store_requirement(uow.session, XK_OFFICER, item, "XK", change, None)
                uow.commit()
                records[name] = (row.id, marking)
        update = {"quantity": 5, "need_by": "2027-06", "version": 999}
        routes = _record_routes("requirements", update)
        self._run(client, records, routes)

    def test_budget_lines(self, client: ApiClient, node: Node) -> None:
        records: dict[str, tuple[Any, Marking]] = {}
        for n, (name, marking) in enumerate(MARKINGS.items()):
            with node.uow() as uow:
                change = BudgetChange(1_000_000.0, "", marking)
                row = store_budget_line(uow.session, XK_OFFICER, "XK", 2030 + n, change, None)
                uow.commit()
                records[name] = (row.id, marking)
        routes = _record_routes("budgets", {"amount": 2_000_000.0, "version": 999})
        self._run(client, records, routes)

    def test_cases(self, client: ApiClient, node: Node) -> None:
        item = _item(node, "case-sys")
        with node.uow() as uow:
            for nation in sorted(PARTICIPANTS):
                marking = Marking(nation, releasable_to=frozenset({PACT}))
                change = RequirementChange(4, "2027-01", "", marking)
                officer = Actor(None, f"{nation.lower()}.procurement", nation)
                store_requirement(uow.session, officer, item, nation, change, None)
            user = UserRepository(uow.session).by_username("xk.procurement")
            assert user is not None
            proposer = Actor.of(principal_of(user))
            uow.commit()
        records: dict[str, tuple[Any, Marking]] = {}
        for name, marking in MARKINGS.items():
            case = case_service.propose_case(node.uow(), proposer, item.key)
            assert set(case.participants) == PARTICIPANTS
            with node.uow() as uow:
                row = uow.session.scalars(select(CaseRow).where(CaseRow.id == case.id)).one()
                row.apply_marking(marking)
                uow.commit()
            records[name] = (case.id, marking)

        def commit(c: Caller, _m: Marking, readable: bool) -> int:
            # approvers of a participant reach the version check; a reader that does not take
            # part is told the case does not exist
            if c.principal is None:
                return 401
            if not c.has_role(Role.APPROVER):
                return 403
            return 409 if readable and c.nation in PARTICIPANTS else 404

        def milestone(c: Caller, m: Marking, readable: bool) -> int:
            if c.principal is None:
                return 401
            if not readable:
                return 404
            lead = c.has_role(Role.PROCUREMENT) and c.nation == m.originator
            return 409 if lead else 403

        def withdraw(c: Caller, _m: Marking, readable: bool) -> int:
            if c.principal is None:
                return 401
            if not readable:
                return 404
            return 409 if c.has_role(Role.PROCUREMENT, Role.APPROVER) else 403

        def transition(action: str) -> Any:
            body = {"action": action, "version": 999}
            return lambda cl, h, i: cl.post(f"{API}/cases/{i}/transitions", headers=h, json=body)

        routes = [
            Route("GET case", lambda cl, h, i: cl.get(f"{API}/cases/{i}", headers=h), read_expect),
            Route(
                "GET cases lists it",
                lambda cl, h, _i: cl.get(f"{API}/cases", headers=h),
                list_expect,
                listed(_ids),
            ),
            Route(
                "POST commit (stale)",
                lambda cl, h, i: cl.post(
                    f"{API}/cases/{i}/commit", headers=h, json={"version": 999}
                ),
                commit,
            ),
            Route("POST send_lor (stale)", transition("send_lor"), milestone),
            Route("POST withdraw (stale)", transition("withdraw"), withdraw),
        ]
        self._run(client, records, routes)

    def _run(
        self, client: ApiClient, records: dict[str, tuple[Any, Marking]], routes: list[Route]
    ) -> None:
        callers = demo_callers()
        checked = self.run_matrix(client, callers, records, routes)
        assert checked == len(routes) * len(callers) * len(records)
