"""Access matrix of the training context's marked records: every demo user (and anonymous)
against exercises and lessons under five markings, on reads, lists, the solved programme and
writes. Expected statuses come from ``can_read``: invisible is 404 exactly like missing, and a
hidden exercise appears in no list and no programme."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from access_matrix import AccessMatrix, Caller, Route
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.marking import TLP, Marking
from support import ApiClient, basic

MEMBERS = frozenset({"XK", "AL", "HR"})
_ROLES = (
    ("admin", Clearance.CONFIDENTIAL, {Role.ADMIN, Role.OBSERVER}),
    ("procurement", Clearance.RESTRICTED, {Role.PROCUREMENT}),
    ("training", Clearance.RESTRICTED, {Role.TRAINING}),
    ("analyst", Clearance.SECRET, {Role.ANALYST, Role.INTEL}),
    ("approver", Clearance.CONFIDENTIAL, {Role.APPROVER}),
)
CALLERS = [Caller(None, None)] + [
    Caller(f"{n.lower()}.{r}", Principal(0, f"{n.lower()}.{r}", n, frozenset(roles), c))
    for n in ("XK", "AL", "HR")
    for r, c, roles in _ROLES
]
MARKINGS: dict[str, dict[str, Any]] = {
    "pact-unclass": {"classification": "UNCLASSIFIED", "releasable_to": ["PACT"], "tlp": "GREEN"},
    "pact-restricted-red": {
        "classification": "RESTRICTED",
        "releasable_to": ["PACT"],
        "tlp": "RED",
    },
    "al-confidential": {"classification": "CONFIDENTIAL", "releasable_to": ["AL"], "tlp": "AMBER"},
    "hr-red-named": {"classification": "RESTRICTED", "releasable_to": ["HR"], "tlp": "RED"},
    "xk-only": {"classification": "UNCLASSIFIED", "releasable_to": [], "tlp": "AMBER"},
}


def _marking(m: dict[str, Any]) -> Marking:
    return Marking(
        "XK", Clearance[m["classification"]], frozenset(m["releasable_to"]), TLP(m["tlp"])
    )


def _exercise(code: str, marking: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"Exercise {code}",
        "type": "command-post",
        "year": 2027,
        "nations": ["AL", "HR"],
        "duration_weeks": 1,
        "earliest_week": 1,
        "latest_week": 52,
        "areas": ["XK-SIM"],
        "marking": marking,
    }


def _ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _in(listing: Any, key: str, value: Any) -> SimpleNamespace:
    """A 200 when the record is listed, else 404: lists are checked like direct reads."""
    assert listing.status_code == 200, listing.text
    items = listing.json()
    found = any(item[key] == value for item in items)
    return SimpleNamespace(status_code=200 if found else 404)


def _get(caller: Caller, _m: Marking, readable: bool) -> int:
    return 401 if caller.principal is None else (200 if readable else 404)


def _write(caller: Caller, m: Marking, readable: bool) -> int:
    """Stale version (409) for the originator's writers; 403 for other readers; else 404."""
    p = caller.principal
    if p is None:
        return 401
    if not readable:
        return 404
    if p.has_role(Role.TRAINING, Role.ADMIN) and p.nation == m.originator:
        return 409
    return 403


class TestTrainingAccessMatrix(AccessMatrix):
    def test_exercises_lessons_and_the_programme(self, client: ApiClient) -> None:
        admin = basic("xk.admin")
        _ok(
            client.post(
                "/api/training/areas",
                headers=admin,
                json={
                    "code": "XK-SIM",
                    "name": "Simulation centre",
                    "host": "XK",
                    "type": "simulation",
                    "capacity": 5,
                },
            )
        )
        exercises: dict[str, tuple[Any, Marking]] = {}
        lessons: dict[str, tuple[Any, Marking]] = {}
        codes: dict[int, str] = {}
        for k, (name, m) in enumerate(MARKINGS.items()):
            ex = _ok(
                client.post("/api/training/exercises", headers=admin, json=_exercise(f"M{k}", m))
            )
            exercises[name] = (ex["id"], _marking(m))
            codes[ex["id"]] = ex["code"]
            lesson = _ok(
                client.post(
                    "/api/training/lessons",
                    headers=admin,
                    json={
                        "exercise_id": ex["id"],
                        "title": f"Lesson {k}",
                        "observation": "seen",
                        "marking": m,
                    },
                )
            )
            lessons[name] = (lesson["id"], _marking(m))
        programme = _ok(
            client.post(
                "/api/training/programmes/solve",
                headers=admin,
                json={"year": 2027, "time_limit_s": 5},
            )
        )
        assert programme["status"] == "OPTIMAL"
        pid = programme["id"]
        update = {**_exercise("M0", MARKINGS["pact-unclass"]), "version": 999}
        update.pop("marking")

        def scheduled(cl: ApiClient, h: dict[str, str], i: Any) -> Any:
            response = cl.get(f"/api/training/programmes/{pid}", headers=h)
            if response.status_code != 200:
                return response
            found = any(a["exercise_id"] == codes[i] for a in response.json()["assignments"])
            return SimpleNamespace(status_code=200 if found else 404)

        exercise_routes = [
            Route(
                "GET exercise",
                lambda cl, h, i: cl.get(f"/api/training/exercises/{i}", headers=h),
                _get,
            ),
            Route(
                "list exercises",
                lambda cl, h, i: _list(cl, h, "/api/training/exercises", "id", i),
                _get,
            ),
            Route(
                "GET stages",
                lambda cl, h, i: cl.get(f"/api/training/exercises/{i}/stages", headers=h),
                _get,
            ),
            Route("programme shows it", scheduled, _get),
            Route(
                "PUT exercise",
                lambda cl, h, i: cl.put(
                    f"/api/training/exercises/{i}", headers=h, json={**update, "code": codes[i]}
                ),
                _write,
            ),
        ]
        lesson_routes = [
            Route(
                "GET lesson", lambda cl, h, i: cl.get(f"/api/training/lessons/{i}", headers=h), _get
            ),
            Route(
                "list lessons",
                lambda cl, h, i: _list(cl, h, "/api/training/lessons", "id", i),
                _get,
            ),
            Route(
                "advance lesson",
                lambda cl, h, i: cl.post(
                    f"/api/training/lessons/{i}/advance",
                    headers=h,
                    json={"status": "identified", "lesson": "x", "version": 999},
                ),
                _write,
            ),
        ]
        n = self.run_matrix(client, CALLERS, exercises, exercise_routes, MEMBERS)
        n += self.run_matrix(client, CALLERS, lessons, lesson_routes, MEMBERS)
        assert n == len(CALLERS) * len(MARKINGS) * (len(exercise_routes) + len(lesson_routes))


def _list(cl: ApiClient, h: dict[str, str], url: str, key: str, value: Any) -> Any:
    response = cl.get(url, headers=h)
    return response if response.status_code != 200 else _in(response, key, value)
