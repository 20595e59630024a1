"""Training services on both databases: withdrawals are audited once with the originator's
nation, refused to other nations, hide the record from them; a nominee's attested clearance is
stored, audited and checked against the course's requirement."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from defpact.core.audit import AuditEventRow
from defpact.core.context import Actor
from defpact.core.errors import InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance
from defpact.core.runtime import Node
from defpact.core.sessions import principal_of
from defpact.core.store import UserRepository
from defpact.training import academy_service as academy
from defpact.training import exercise_service, nomination_service, planning_service
from defpact.training.seed import DEMO_YEAR, seed_training_demo

CONSOLE = Actor.console("test")


def _actor(node: Node, username: str) -> Actor:
    with node.uow() as uow:
        row = UserRepository(uow.session).by_username(username)
        assert row is not None
        return Actor.of(principal_of(row))


@pytest.fixture
def seeded(node: Node) -> Node:
    assert seed_training_demo(node.uow(), time_limit_s=5.0)
    return node


def _events(node: Node, action: str) -> list[tuple[str, str | None]]:
    with node.uow() as uow:
        rows = uow.session.execute(
            select(AuditEventRow.actor_name, AuditEventRow.object_nation).where(
                AuditEventRow.action == action
            )
        ).all()
    return [(r[0], r[1]) for r in rows]


def test_exercise_withdrawal_is_audited_and_hides_it(seeded: Node) -> None:
    hr, al = _actor(seeded, "hr.training"), _actor(seeded, "al.analyst")
    ex = exercise_service.exercise_id_by_code(seeded.uow(), CONSOLE, "DP27-01")
    with pytest.raises(PermissionDenied):
        exercise_service.withdraw_exercise(seeded.uow(), _actor(seeded, "al.training"), ex)
    assert _events(seeded, "training.exercise.withdraw") == []
    exercise_service.withdraw_exercise(seeded.uow(), hr, ex)
    exercise_service.withdraw_exercise(seeded.uow(), hr, ex)
    assert _events(seeded, "training.exercise.withdraw") == [("hr.training", "HR")]
    with pytest.raises(NotFound):
        exercise_service.get_exercise(seeded.uow(), al, ex)
    codes = {e.code for e in exercise_service.list_exercises(seeded.uow(), al, DEMO_YEAR)}
    assert "DP27-01" not in codes and "DP27-02" in codes
    with pytest.raises(NotFound):
        planning_service.list_stages(seeded.uow(), al, ex)


def test_lesson_withdrawal_is_audited_and_hides_it(seeded: Node) -> None:
    hr, al = _actor(seeded, "hr.training"), _actor(seeded, "al.analyst")
    lesson = next(
        x for x in planning_service.list_lessons(seeded.uow(), al) if x.marking.originator == "HR"
    )
    with pytest.raises(PermissionDenied):
        planning_service.withdraw_lesson(seeded.uow(), _actor(seeded, "xk.training"), lesson.id)
    planning_service.withdraw_lesson(seeded.uow(), hr, lesson.id)
    assert _events(seeded, "training.lesson.withdraw") == [("hr.training", "HR")]
    with pytest.raises(NotFound):
        planning_service.get_lesson(seeded.uow(), al, lesson.id)
    assert planning_service.get_lesson(seeded.uow(), hr, lesson.id).withdrawn_at is not None


def test_nominee_clearance_is_checked_stored_and_audited(seeded: Node) -> None:
    xk = _actor(seeded, "xk.training")
    acad = next(a for a in academy.list_academies(seeded.uow()) if a.nation == "AL")
    course = academy.create_course(
        seeded.uow(),
        CONSOLE,
        academy.CourseDraft(
            acad.id,
            "AL-CI",
            "Counter-intelligence",
            "intelligence",
            "staff",
            "English",
            2,
            clearance_required=Clearance.SECRET,
        ),
    )
    it = academy.create_iteration(
        seeded.uow(),
        CONSOLE,
        academy.IterationDraft(
            course.id, "AL-CI-27", date(2027, 6, 7), date(2027, 6, 18), 1, date(2027, 5, 1)
        ),
    )
    with pytest.raises(InvalidInput) as low:
        nomination_service.nominate(
            seeded.uow(),
            xk,
            it.id,
            nation="XK",
            name="Besa",
            rank="Major",
            clearance_held=Clearance.CONFIDENTIAL,
            waiting=True,
        )
    assert low.value.field == "clearance_held"
    got = nomination_service.nominate(
        seeded.uow(),
        xk,
        it.id,
        nation="XK",
        name="Besa",
        rank="Major",
        clearance_held=Clearance.SECRET,
        waiting=True,
    )
    assert got.clearance_held is Clearance.SECRET and got.status == "waiting"
    (listed,) = nomination_service.list_nominations(seeded.uow(), xk, it.id)
    assert listed.clearance_held is Clearance.SECRET
    with seeded.uow() as uow:
        after = uow.session.scalars(
            select(AuditEventRow.after).where(AuditEventRow.action == "training.nomination.waiting")
        ).all()
    assert any(a and a.get("clearance_held") == "SECRET" for a in after)
