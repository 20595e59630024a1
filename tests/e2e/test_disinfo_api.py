"""Disinformation platform API: upload batches, run detection on what the caller may see,
read groups, publish a campaign over TAXII; nothing crosses a marking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from access_matrix import AccessMatrix, Caller, Route
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.marking import TLP, Marking
from defpact.core.runtime import Node
from defpact.threats.stix import service as stix_service
from defpact.threats.stix.collections import nation_collection_id
from defpact.threats.stix.query import ObjectFilter
from disinfo_world import World, import_disarm, make_world
from support import ApiClient, basic


def _upload(client: ApiClient, user: str, world: World, **marking: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"classification": "UNCLASSIFIED", "tlp": "GREEN",
                            "releasable_to": ["PACT"]}  # fmt: skip
    data.update(marking)
    with world.path.open("rb") as fh:
        response = client.post(
            "/api/disinfo/batches",
            headers=basic(user),
            files={"file": (world.path.name, fh, "text/csv")},
            data=data,
        )
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
def worlds(tmp_path: Path) -> tuple[World, World]:
    return make_world(tmp_path, "xk-", seed=3), make_world(tmp_path, "al-", seed=5)


def _every_string(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_upload_reports_skipped_rows_and_counts(client: ApiClient, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "id,account,platform,published_at,text,urls\n"
        "p1,u1,x,2025-03-04T09:12:05Z,hello world,\n"
        "p2,,x,2025-03-04T09:12:05Z,no account,\n"
        "p3,u3,x,yesterday,bad time,\n"
        "p1,u4,x,2025-03-04T09:12:06Z,duplicate,\n"
        'p5,u5,x,2025-03-04T09:12:07Z,fine,"[""https://bit.ly/x""]"\n',
        encoding="utf-8",
    )
    batch = _upload(client, "xk.analyst", World(path, {}, []))
    assert (batch["rows_read"], batch["rows_accepted"], batch["rows_skipped"]) == (5, 2, 3)
    assert batch["skipped_by_reason"] == {"bad_timestamp": 1, "duplicate_id": 1, "missing_field": 1}
    reasons = {e["line"]: e["reason"] for e in batch["examples"]}
    assert reasons == {3: "missing_field", 4: "bad_timestamp", 5: "duplicate_id"}
    assert "account" in batch["examples"][0]["detail"]
    assert batch["marking"]["originator"] == "XK"


def test_unreadable_upload_is_a_problem_naming_the_file(client: ApiClient, tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text("id,account,text\n1,a,b\n", encoding="utf-8")
    with path.open("rb") as fh:
        r = client.post("/api/disinfo/batches", headers=basic("xk.analyst"),
                        files={"file": ("posts.csv", fh, "text/csv")})  # fmt: skip
    assert r.status_code == 422
    assert "platform" in r.json()["detail"] and "published_at" in r.json()["detail"]
    with path.open("rb") as fh:
        r = client.post("/api/disinfo/batches", headers=basic("xk.analyst"),
                        files={"file": ("posts.txt", fh, "text/plain")})  # fmt: skip
    assert r.status_code == 422 and "format" in r.json()["detail"]


def test_upload_needs_analyst_and_a_valid_marking(
    client: ApiClient, worlds: tuple[World, World]
) -> None:
    xk, _ = worlds
    with xk.path.open("rb") as fh:
        r = client.post("/api/disinfo/batches", headers=basic("xk.training"),
                        files={"file": (xk.path.name, fh, "text/csv")})  # fmt: skip
    assert r.status_code == 403
    with xk.path.open("rb") as fh:
        r = client.post("/api/disinfo/batches", headers=basic("xk.analyst"),
                        files={"file": (xk.path.name, fh, "text/csv")},
                        data={"releasable_to": ["ZZ"]})  # fmt: skip
    assert r.status_code == 422 and "ZZ" in r.json()["detail"]
    assert client.get("/api/disinfo/batches", headers=basic("xk.analyst")).json()["total"] == 0


def test_a_batch_released_to_xk_only_never_contributes_to_a_run_by_al(
    client: ApiClient, worlds: tuple[World, World]
) -> None:
    xk, al = worlds
    secret = _upload(client, "xk.analyst", xk, releasable_to=["XK"])
    shared = _upload(client, "al.analyst", al)
    # AL does not see the batch: not listed, not counted, 404 on direct access
    listed = client.get("/api/disinfo/batches", headers=basic("al.analyst")).json()
    assert [b["id"] for b in listed["items"]] == [shared["id"]] and listed["total"] == 1
    assert (
        client.get(f"/api/disinfo/batches/{secret['id']}", headers=basic("al.analyst")).status_code
        == 404
    )

    run = client.post("/api/disinfo/runs", headers=basic("al.analyst"), json={}).json()
    assert run["batch_ids"] == [shared["id"]]
    assert run["posts_pooled"] == shared["rows_accepted"]
    assert run["stats"]["posts"] == shared["rows_accepted"]
    assert run["marking"]["originator"] == "AL" and run["marking"]["releasable_to"] == []
    assert run["groups"], "AL's own planted groups are found"
    found = {a for g in run["groups"] for a in g["accounts"]}
    assert found <= set(al.truth) and found == set(al.truth)
    for group in run["groups"]:
        assert group["nations"] == {"AL": group["posts"]} or set(group["nations"]) == {"AL"}
        detail = client.get(f"/api/disinfo/groups/{group['id']}", headers=basic("al.analyst"))
        text = _every_string(detail.json())
        assert "xk-" not in text and '"XK"' not in text
        assert {e["batch_id"] for e in detail.json()["evidence"]} == {shared["id"]}

    # XK's own run pools both and finds both nations' groups
    xk_run = client.post("/api/disinfo/runs", headers=basic("xk.analyst"), json={}).json()
    assert sorted(xk_run["batch_ids"]) == sorted([secret["id"], shared["id"]])
    xk_found = {a for g in xk_run["groups"] for a in g["accounts"]}
    assert set(xk.truth) <= xk_found
    # runs are visible only to their nation: 404 across nations, absent from lists
    assert (
        client.get(f"/api/disinfo/runs/{xk_run['id']}", headers=basic("al.analyst")).status_code
        == 404
    )
    group_id = xk_run["groups"][0]["id"]
    assert (
        client.get(f"/api/disinfo/groups/{group_id}", headers=basic("al.analyst")).status_code
        == 404
    )
    al_runs = client.get("/api/disinfo/runs", headers=basic("al.analyst")).json()
    assert [r["id"] for r in al_runs["items"]] == [run["id"]] and al_runs["total"] == 1


def test_a_classified_batch_marks_the_run_above_lower_clearances(
    client: ApiClient, worlds: tuple[World, World]
) -> None:
    xk, _ = worlds
    _upload(client, "xk.analyst", xk, classification="CONFIDENTIAL", releasable_to=["XK"])
    run = client.post("/api/disinfo/runs", headers=basic("xk.analyst"), json={}).json()
    assert run["marking"]["classification"] == "CONFIDENTIAL"
    # xk.training is cleared RESTRICTED only
    assert (
        client.get(f"/api/disinfo/runs/{run['id']}", headers=basic("xk.training")).status_code
        == 404
    )
    assert client.get("/api/disinfo/runs", headers=basic("xk.training")).json()["total"] == 0


def test_evidence_of_a_withdrawn_foreign_batch_disappears_from_the_group(
    client: ApiClient, node: Node, worlds: tuple[World, World]
) -> None:
    xk, al = worlds
    hr_world = World(al.path, {}, [])
    _upload(client, "xk.analyst", xk)
    foreign = _upload(client, "hr.analyst", hr_world)
    run = client.post("/api/disinfo/runs", headers=basic("xk.analyst"), json={}).json()
    hr_groups = [g for g in run["groups"] if "HR" in g["nations"]]
    assert hr_groups and hr_groups[0]["score"] is not None
    with node.uow() as uow:
        from defpact.core.db import utcnow
        from defpact.threats.disinfo.store import BatchRow

        row = uow.session.get(BatchRow, foreign["id"])
        assert row is not None
        row.withdrawn_at = utcnow()
        uow.commit()
    again = client.get(f"/api/disinfo/runs/{run['id']}", headers=basic("xk.analyst")).json()
    assert again["partial"] is True and again["stats"] is None and again["posts_pooled"] is None
    assert foreign["id"] not in again["batch_ids"]
    assert all("HR" not in g["nations"] for g in again["groups"])
    r = client.get(f"/api/disinfo/groups/{hr_groups[0]['id']}", headers=basic("xk.analyst"))
    assert r.status_code == 404


def test_runs_need_the_analyst_role_and_something_to_pool(client: ApiClient) -> None:
    assert (
        client.post("/api/disinfo/runs", headers=basic("xk.training"), json={}).status_code == 403
    )
    r = client.post("/api/disinfo/runs", headers=basic("xk.analyst"), json={})
    assert r.status_code == 409
    r = client.post("/api/disinfo/runs", headers=basic("xk.analyst"), json={"window_seconds": 0})
    assert r.status_code == 422


def test_publish_a_group_as_a_campaign_served_over_taxii(
    client: ApiClient, node: Node, worlds: tuple[World, World]
) -> None:
    import_disarm(node)
    _, al = worlds
    _upload(client, "al.analyst", al)
    run = client.post("/api/disinfo/runs", headers=basic("al.analyst"), json={}).json()
    group = run["groups"][0]
    body = {
        "name": "Operation Grijanje",
        "description": "Coordinated heating-price narrative",
        "disarm": [{"id": "T0049", "name": "Flooding"}, {"id": "T0049.003", "name": "Bots"}],
        "marking": {"classification": "UNCLASSIFIED", "releasable_to": ["PACT"], "tlp": "GREEN"},
        "examples": 5,
    }
    url = f"/api/disinfo/groups/{group['id']}/publish"
    r = client.post(url, headers=basic("al.analyst"), json=body)
    assert r.status_code == 201, r.text
    published = r.json()
    assert published["collection_id"] == nation_collection_id("AL")
    assert client.post(url, headers=basic("al.analyst"), json=body).status_code == 409
    detail = client.get(f"/api/disinfo/groups/{group['id']}", headers=basic("al.analyst")).json()
    assert detail["group"]["campaign_stix_id"] == published["campaign_stix_id"]
    assert detail["group"]["disarm"] == [
        {"id": "T0049", "name": "Flood Information Space"},
        {"id": "T0049.003", "name": "Bots Amplify via Automated Forwarding and Reposting"},
    ]  # names from the imported framework

    from defpact.core.context import Actor
    from defpact.core.sessions import principal_of
    from defpact.core.store import UserRepository

    with node.uow() as uow:
        hr = principal_of(UserRepository(uow.session).by_username("hr.analyst"))  # type: ignore[arg-type]
    page = stix_service.read_objects(
        node.uow(), Actor.of(hr), published["collection_id"], ObjectFilter()
    )
    by_type: dict[str, list[dict[str, Any]]] = {}
    for obj in (json.loads(raw) for raw in page.raws):
        by_type.setdefault(obj["type"], []).append(obj)
    assert [c["id"] for c in by_type["campaign"]] == [published["campaign_stix_id"]]
    campaign = by_type["campaign"][0]
    assert campaign["x_defpact_disarm_techniques"] == ["T0049", "T0049.003"]
    assert {u["account_login"] for u in by_type["user-account"]} == set(group["accounts"])
    assert len(by_type["note"]) == 5
    assert {r["relationship_type"] for r in by_type["relationship"]} == {"uses", "related-to"}
    assert "marking-definition" not in by_type  # registered, not shared as an object


def test_publish_with_an_unknown_disarm_technique_stores_nothing(
    client: ApiClient, node: Node, worlds: tuple[World, World]
) -> None:
    import_disarm(node)
    _, al = worlds
    _upload(client, "al.analyst", al)
    run = client.post("/api/disinfo/runs", headers=basic("al.analyst"), json={}).json()
    gid = run["groups"][0]["id"]
    body = {"name": "x", "disarm": [{"id": "T9999", "name": "Nothing"}]}
    r = client.post(f"/api/disinfo/groups/{gid}/publish", headers=basic("al.analyst"), json=body)
    assert r.status_code == 422 and "T9999" in r.json()["detail"]
    detail = client.get(f"/api/disinfo/groups/{gid}", headers=basic("al.analyst")).json()
    assert detail["group"]["campaign_stix_id"] is None


def test_publish_refuses_a_marking_wider_than_its_sources(
    client: ApiClient, worlds: tuple[World, World]
) -> None:
    xk, _ = worlds
    _upload(client, "xk.analyst", xk, releasable_to=["XK", "AL"], tlp="AMBER")
    run = client.post("/api/disinfo/runs", headers=basic("xk.analyst"), json={}).json()
    gid = run["groups"][0]["id"]
    url = f"/api/disinfo/groups/{gid}/publish"
    wide = {"name": "x", "marking": {"releasable_to": ["PACT"], "tlp": "AMBER"}}
    r = client.post(url, headers=basic("xk.analyst"), json=wide)
    assert r.status_code == 422 and "PACT" in r.json()["detail"]
    to_hr = {"name": "x", "marking": {"releasable_to": ["HR"], "tlp": "AMBER"}}
    r = client.post(url, headers=basic("xk.analyst"), json=to_hr)
    assert r.status_code == 422 and "HR" in r.json()["detail"]
    green = {"name": "x", "marking": {"releasable_to": ["AL"], "tlp": "GREEN"}}
    r = client.post(url, headers=basic("xk.analyst"), json=green)
    assert r.status_code == 422 and "TLP" in r.json()["detail"]
    ok = {"name": "x", "marking": {"releasable_to": ["AL"], "tlp": "AMBER"}}
    assert client.post(url, headers=basic("xk.analyst"), json=ok).status_code == 201
    assert client.post(url, headers=basic("al.analyst"), json=ok).status_code == 404


DEMO_PRINCIPALS = {
    f"{n.lower()}.{r}": (n, c, roles)
    for n in ("XK", "AL", "HR")
    for r, c, roles in (
        ("admin", Clearance.CONFIDENTIAL, {Role.ADMIN, Role.OBSERVER}),
        ("training", Clearance.RESTRICTED, {Role.TRAINING}),
        ("analyst", Clearance.SECRET, {Role.ANALYST, Role.INTEL}),
    )
}


class TestDisinfoAccessMatrix(AccessMatrix):
    MARKINGS = {
        "pact-unclass": ("UNCLASSIFIED", ["PACT"], "GREEN"),
        "pact-restricted-red": ("RESTRICTED", ["PACT"], "RED"),
        "al-confidential": ("CONFIDENTIAL", ["AL"], "AMBER"),
        "xk-only-secret": ("SECRET", [], "AMBER"),
    }

    def test_matrix(self, client: ApiClient, tmp_path: Path) -> None:
        path = tmp_path / "few.csv"
        path.write_text(
            "id,account,platform,published_at,text,urls\n"
            "p1,u1,x,2025-03-04T09:12:05Z,hello,\n", encoding="utf-8"
        )  # fmt: skip
        batches: dict[str, tuple[Any, Marking]] = {}
        for name, (level, release, tlp) in self.MARKINGS.items():
            # an empty releasable_to value: the originator only (absent: PACT)
            fields: dict[str, Any] = {"classification": level, "tlp": tlp,
                                      "releasable_to": release or [""]}  # fmt: skip
            batch = _upload(client, "xk.analyst", World(path, {}, []), **fields)
            marking = Marking("XK", Clearance[level], frozenset(release), TLP(tlp))
            batches[name] = (batch["id"], marking)
        run = client.post("/api/disinfo/runs", headers=basic("xk.analyst"), json={}).json()
        run_marking = Marking("XK", Clearance.SECRET, frozenset(), TLP.RED)
        assert run["marking"]["classification"] == "SECRET" and run["marking"]["tlp"] == "RED"
        callers = [Caller(None, None)] + [
            Caller(u, Principal(0, u, n, frozenset(roles), c))
            for u, (n, c, roles) in DEMO_PRINCIPALS.items()
        ]

        def get_expect(c: Caller, _m: Marking, readable: bool) -> int:
            return 401 if c.principal is None else (200 if readable else 404)

        members = frozenset({"XK", "AL", "HR"})
        batch_route = Route(
            "GET batch", lambda cl, h, i: cl.get(f"/api/disinfo/batches/{i}", headers=h), get_expect
        )
        run_route = Route(
            "GET run", lambda cl, h, i: cl.get(f"/api/disinfo/runs/{i}", headers=h), get_expect
        )
        checked = self.run_matrix(client, callers, batches, [batch_route], members)
        checked += self.run_matrix(
            client, callers, {"run": (run["id"], run_marking)}, [run_route], members
        )
        assert checked == len(callers) * (len(batches) + 1)
