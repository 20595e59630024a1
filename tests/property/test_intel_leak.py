"""Property-based leak test: random nations joining and leaving, users with random clearances,
reports with random markings, withdrawals and marking changes. After every step every read path
(get, list with filters and every page size, search, count, audit visibility) must equal the
reference model built on the pure rule ``defpact.core.marking.can_read``.

Profile: ``HYPOTHESIS_PROFILE=soak`` runs many more examples (``make soak``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from defpact.core import service as core
from defpact.core.audit_service import list_events
from defpact.core.config import Settings
from defpact.core.context import Actor
from defpact.core.errors import NotFound
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.marking import PACT, TLP, Marking, can_read
from defpact.core.runtime import Node
from defpact.core.schema import upgrade
from defpact.core.seed import seed_reference
from defpact.core.store import UserRow
from defpact.threats.intel import service as intel
from defpact.threats.intel.model import ReportDraft

NATIONS = ("XK", "AL", "HR", "MK", "ME", "DE")
FOUNDERS = ("XK", "AL", "HR")
_TEMPLATE: Path | None = None

settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("DEFPACT_LEAK_EXAMPLES", "200")),
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
settings.register_profile(
    "soak",
    max_examples=2000,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def _template() -> Path:
    global _TEMPLATE
    if _TEMPLATE is None:
        folder = Path(tempfile.mkdtemp(prefix="defpact-leak-"))
        path = folder / "template.db"
        upgrade(f"sqlite:///{path}")
        node = Node.from_settings(Settings(data_dir=folder, database_url=f"sqlite:///{path}"))
        seed_reference(node.uow())
        node.dispose()
        _TEMPLATE = path
    return _TEMPLATE


@dataclass
class ModelRecord:
    id: int
    marking: Marking
    region: str
    withdrawn: bool = False


@dataclass
class Model:
    members: set[str] = field(default_factory=lambda: set(FOUNDERS))
    records: dict[int, ModelRecord] = field(default_factory=dict)

    def visible(self, p: Principal) -> set[int]:
        members = frozenset(self.members)
        return {
            r.id
            for r in self.records.values()
            if can_read(p.nation, p.clearance, r.marking, members, withdrawn=r.withdrawn)
        }


markings = st.builds(
    lambda cls, rel, tlp: (cls, rel, tlp),
    st.sampled_from(list(Clearance)),
    st.frozensets(st.sampled_from((*NATIONS, PACT)), max_size=4),
    st.sampled_from(list(TLP)),
)


class LeakMachine(RuleBasedStateMachine):
    users = Bundle("users")

    def __init__(self) -> None:
        super().__init__()
        shm = Path("/dev/shm")  # noqa: S108 - mkdtemp below makes a private directory
        base = str(shm) if shm.is_dir() else None
        self.folder = Path(tempfile.mkdtemp(prefix="defpact-leak-run-", dir=base))
        db = self.folder / "defpact.db"
        shutil.copyfile(_template(), db)
        self.node = Node.from_settings(
            # Durability is not under test here: skip fsync for speed.
            Settings(data_dir=self.folder, database_url=f"sqlite:///{db}", sqlite_synchronous="OFF")
        )
        self.model = Model()
        self.principals: list[Principal] = []
        self.serial = 0
        self.steps = 0

    def teardown(self) -> None:
        self.node.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _add_user(self, nation: str, clearance: Clearance, admin: bool) -> Principal:
        self.serial += 1
        roles = (Role.INTEL, Role.ADMIN) if admin else (Role.INTEL,)
        # Inserted directly (no Argon2 per user): this test is about read paths.
        with self.node.uow() as uow:
            row = UserRow(
                username=f"u{self.serial}.{nation.lower()}",
                nation_code=nation,
                password_hash="-",
                roles=[r.value for r in roles],
                clearance=int(clearance),
            )
            uow.session.add(row)
            uow.commit()
        principal = Principal(row.id, row.username, nation, frozenset(roles), clearance)
        self.principals.append(principal)
        return principal

    @initialize(target=users)
    def first_users(self) -> object:
        return self._add_user("XK", Clearance.SECRET, admin=True)

    @precondition(lambda self: len(self.principals) < 6)
    @rule(
        target=users,
        nation=st.sampled_from(NATIONS),
        clearance=st.sampled_from(list(Clearance)),
        admin=st.booleans(),
    )
    def add_user(self, nation: str, clearance: Clearance, admin: bool) -> object:
        return self._add_user(nation, clearance, admin)

    @rule(author=users, marking=markings, region=st.sampled_from(("Balkans", "Adriatic")))
    def create(
        self, author: Principal, marking: tuple[Clearance, frozenset[str], TLP], region: str
    ) -> None:
        cls, rel, tlp = marking
        m = Marking(author.nation, cls, rel, tlp)
        members = frozenset(self.model.members)
        draft = ReportDraft("t", "s", "b", region, ("x",), "B", "2", m)
        try:
            report = intel.create_report(self.node.uow(), Actor.of(author), draft)
        except Exception as exc:
            from defpact.core.errors import InvalidInput
            from defpact.core.marking import marking_problem

            assert isinstance(exc, InvalidInput)
            assert marking_problem(m, members, author.clearance) is not None or (
                author.nation not in members
            )
            return
        self.model.records[report.id] = ModelRecord(report.id, m, region)

    @precondition(lambda self: bool(self.model.records))
    @rule(actor=users, data=st.data())
    def withdraw(self, actor: Principal, data: st.DataObject) -> None:
        record = self.model.records[data.draw(st.sampled_from(sorted(self.model.records)))]
        members = frozenset(self.model.members)
        readable = can_read(
            actor.nation, actor.clearance, record.marking, members, withdrawn=record.withdrawn
        )
        try:
            intel.withdraw_report(self.node.uow(), Actor.of(actor), record.id)
        except NotFound:
            assert not (readable and record.marking.originator == actor.nation)
            return
        assert readable and record.marking.originator == actor.nation
        record.withdrawn = True

    @precondition(lambda self: bool(self.model.records))
    @rule(actor=users, marking=markings, data=st.data())
    def change_marking(
        self, actor: Principal, marking: tuple[Clearance, frozenset[str], TLP], data: st.DataObject
    ) -> None:
        record = self.model.records[data.draw(st.sampled_from(sorted(self.model.records)))]
        cls, rel, tlp = marking
        new = Marking(actor.nation, cls, rel, tlp)
        draft = ReportDraft("t2", "s", "b", record.region, ("x",), "B", "2", new)
        uow = self.node.uow()
        try:
            current = intel.get_report(self.node.uow(), actor, record.id)
            intel.update_report(uow, Actor.of(actor), record.id, draft, current.version)
        except Exception as exc:
            from defpact.core.errors import Conflict, InvalidInput

            assert isinstance(exc, NotFound | InvalidInput | Conflict)
            if isinstance(exc, NotFound):
                members = frozenset(self.model.members)
                assert (
                    not (
                        record.marking.originator == actor.nation
                        and can_read(actor.nation, actor.clearance, record.marking, members)
                    )
                    or record.withdrawn
                )
            return
        assert record.marking.originator == actor.nation and not record.withdrawn
        record.marking = new

    @rule(nation=st.sampled_from(NATIONS))
    def join_or_leave(self, nation: str) -> None:
        with self.node.uow() as uow:
            if nation in self.model.members:
                core.withdraw_member(uow.session, Actor.console(), nation, date.today())
                self.model.members.discard(nation)
            else:
                core.admit_member(uow.session, Actor.console(), nation, date.today())
                self.model.members.add(nation)
            uow.commit()

    @invariant()
    def every_read_path_matches_the_model(self) -> None:
        """Lists, totals and gets for every user; filters, search, every page size and the
        audit view for one user per step (round robin), to keep the run affordable."""
        self.steps += 1
        for principal in self.principals:
            expected = self.model.visible(principal)
            page = self._list(principal)
            assert {r.id for r in page.items} == expected and page.total == len(expected)
            self._check_gets(principal, expected, list(self.model.records)[-2:])
        chosen = self.principals[self.steps % len(self.principals)]
        expected = self.model.visible(chosen)
        self._check_lists(chosen, expected)
        self._check_gets(chosen, expected, list(self.model.records))
        self._check_audit(chosen)

    def _list(self, p: Principal, **kw: object) -> intel.ReportPage:
        args: dict[str, object] = {"include_withdrawn": True, "limit": 500, **kw}
        f = intel.ReportFilter(**args)  # type: ignore[arg-type]
        return intel.list_reports(self.node.uow(), p, f)

    def _check_lists(self, p: Principal, expected: set[int]) -> None:
        page = self._list(p)
        assert {r.id for r in page.items} == expected and page.total == len(expected)
        for origin in ("XK", "MK"):
            want = {i for i in expected if self.model.records[i].marking.originator == origin}
            got = self._list(p, originator=origin)
            assert {r.id for r in got.items} == want and got.total == len(want)
        region = self._list(p, region="Balkans", q="b")
        want = {i for i in expected if self.model.records[i].region == "Balkans"}
        assert {r.id for r in region.items} == want and region.total == len(want)
        live = intel.list_reports(self.node.uow(), p, intel.ReportFilter(limit=500))
        want = {i for i in expected if not self.model.records[i].withdrawn}
        assert {r.id for r in live.items} == want and live.total == len(want)
        size = 2 + (p.user_id % 2)
        seen: list[int] = []
        for offset in range(0, len(expected) + size, size):
            chunk = self._list(p, limit=size, offset=offset)
            assert chunk.total == len(expected)
            seen.extend(r.id for r in chunk.items)
        assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))

    def _check_gets(self, p: Principal, expected: set[int], ids: list[int]) -> None:
        for record_id in [*ids, 10_000]:
            try:
                intel.get_report(self.node.uow(), p, record_id)
                assert record_id in expected
            except NotFound as exc:
                assert record_id not in expected
                assert exc.detail == f"no intelligence report {record_id}"

    def _check_audit(self, p: Principal) -> None:
        if Role.ADMIN not in p.roles:
            return
        events = list_events(self.node.uow(), p, limit=1000)
        for event in events:
            doc = event.document
            assert p.nation in (doc["actor_nation"], doc["object_nation"])


LeakMachine.TestCase.settings = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
TestLeak = LeakMachine.TestCase
