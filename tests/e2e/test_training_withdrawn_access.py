"""Access matrix of withdrawn training records: every demo user (and anonymous) against
withdrawn exercises and withdrawn lessons under five markings. Expected statuses come from
``can_read(..., withdrawn=True)``: only the originating nation (with the clearance) still reads
a withdrawn record; for everyone else it is 404 exactly like a missing one and absent from
every list. Withdrawing again answers 200 to the originator's writers, 403 to its other users."""

from __future__ import annotations

from typing import Any

from test_training_access import CALLERS, MARKINGS, MEMBERS, _exercise, _list, _marking, _ok

from access_matrix import AccessMatrix, Caller, Route
from defpact.core.identity import Role
from defpact.core.marking import Marking, can_read
from support import ApiClient, basic

Expect = Any


def _withdrawn(expect: Expect) -> Expect:
    """Recompute readability for a withdrawn record before applying ``expect``."""

    def wrapped(caller: Caller, m: Marking, _readable: bool) -> int:
        p = caller.principal
        readable = p is not None and can_read(p.nation, p.clearance, m, MEMBERS, withdrawn=True)
        return int(expect(caller, m, readable))

    return wrapped


def _get(caller: Caller, _m: Marking, readable: bool) -> int:
    return 401 if caller.principal is None else (200 if readable else 404)


def _again(caller: Caller, m: Marking, readable: bool) -> int:
    p = caller.principal
    if p is None:
        return 401
    if not readable:
        return 404
    return 200 if p.has_role(Role.TRAINING, Role.ADMIN) and p.nation == m.originator else 403


class TestWithdrawnTrainingAccessMatrix(AccessMatrix):
    def test_withdrawn_exercises_and_lessons(self, client: ApiClient) -> None:
        admin = basic("xk.admin")
        area = {"code": "XK-SIM", "name": "Sim", "host": "XK", "type": "simulation"}
        _ok(client.post("/api/training/areas", headers=admin, json=area | {"capacity": 9}))
        exercises: dict[str, tuple[Any, Marking]] = {}
        lessons: dict[str, tuple[Any, Marking]] = {}
        for k, (name, m) in enumerate(MARKINGS.items()):
            gone = _ok(
                client.post("/api/training/exercises", headers=admin, json=_exercise(f"W{k}", m))
            )
            _ok(client.post(f"/api/training/exercises/{gone['id']}/withdraw", headers=admin), 200)
            exercises[name] = (gone["id"], _marking(m))
            kept = _ok(
                client.post("/api/training/exercises", headers=admin, json=_exercise(f"K{k}", m))
            )
            note = {"exercise_id": kept["id"], "title": f"L{k}", "observation": "x", "marking": m}
            lesson = _ok(client.post("/api/training/lessons", headers=admin, json=note))
            _ok(client.post(f"/api/training/lessons/{lesson['id']}/withdraw", headers=admin), 200)
            lessons[name] = (lesson["id"], _marking(m))
        exercise_routes = [
            Route(
                "GET withdrawn exercise",
                lambda cl, h, i: cl.get(f"/api/training/exercises/{i}", headers=h),
                _withdrawn(_get),
            ),
            Route(
                "list exercises",
                lambda cl, h, i: _list(cl, h, "/api/training/exercises", "id", i),
                _withdrawn(_get),
            ),
            Route(
                "withdraw again",
                lambda cl, h, i: cl.post(f"/api/training/exercises/{i}/withdraw", headers=h),
                _withdrawn(_again),
            ),
        ]
        lesson_routes = [
            Route(
                "GET withdrawn lesson",
                lambda cl, h, i: cl.get(f"/api/training/lessons/{i}", headers=h),
                _withdrawn(_get),
            ),
            Route(
                "list lessons",
                lambda cl, h, i: _list(cl, h, "/api/training/lessons", "id", i),
                _withdrawn(_get),
            ),
            Route(
                "withdraw again",
                lambda cl, h, i: cl.post(f"/api/training/lessons/{i}/withdraw", headers=h),
                _withdrawn(_again),
            ),
        ]
        n = self.run_matrix(client, CALLERS, exercises, exercise_routes, MEMBERS)
        n += self.run_matrix(client, CALLERS, lessons, lesson_routes, MEMBERS)
        assert n == len(CALLERS) * len(MARKINGS) * (len(exercise_routes) + len(lesson_routes))
