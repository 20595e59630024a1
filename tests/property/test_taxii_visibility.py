"""Leak test: every TAXII read path returns exactly what ``core.marking.can_read`` allows.

Hypothesis drives a sequence of steps against one node: a member nation adds objects with random
classifications, releases and TLP labels (sometimes a newer version of one of its objects with
another marking), nations leave and come back, Montenegro joins after the founding; after each
step a random user reads the pact-wide view, the poster's collection, each object, its versions,
the manifest and the status, and must get exactly the model's visible set.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from defpact.core.context import Actor
from defpact.core.identity import Clearance, Role
from defpact.core.marking import PACT, TLP, Marking, can_read
from defpact.core.runtime import Node
from defpact.core.service import (
    NewUser,
    admit_member,
    create_token,
    create_user,
    current_member_codes,
    withdraw_member,
)
from defpact.threats.stix.collections import (
    NODE_ORIGINATOR,
    PACT_COLLECTION_ID,
    nation_collection_id,
)
from defpact.threats.stix.marking import (
    TLP2_MARKING_IDS,
    DefpactMarking,
    defpact_marking_definition,
    reference_objects,
)
from defpact.threats.stix.service import seed_threats
from defpact.threats.stix.stamps import format_version, parse_timestamp
from support import ApiClient, bearer

TAXII = "application/taxii+json;version=2.1"
ROOT = "/taxii2/pact"
NATIONS = ("XK", "AL", "HR", "ME")
ROLES = {
    "analyst": Clearance.SECRET,
    "admin": Clearance.CONFIDENTIAL,
    "procurement": Clearance.RESTRICTED,
}


@dataclass(frozen=True)
class Stored:
    stix_id: str
    version: int
    collection: str
    marking: Marking


@dataclass
class World:
    node: Node
    client: ApiClient
    tokens: dict[str, str] = field(default_factory=dict)
    clearances: dict[str, Clearance] = field(default_factory=dict)
    stored: list[Stored] = field(default_factory=list)
    stamp: int = parse_timestamp("2024-01-01T00:00:00Z")

    def get(self, user: str, path: str) -> Any:
        return self.client.get(path, headers={**bearer(self.tokens[user]), "Accept": TAXII})

    def post(self, user: str, objects: list[dict[str, Any]]) -> dict[str, Any]:
        nation = user[:2].upper()
        response = self.client.post(
            f"{ROOT}/collections/{nation_collection_id(nation)}/objects/",
            headers={**bearer(self.tokens[user]), "Accept": TAXII, "Content-Type": TAXII},
            content=json.dumps({"objects": objects}),
        )
        assert response.status_code == 202, response.text
        body: dict[str, Any] = response.json()
        return body


def _setup(node: Node, client: ApiClient) -> World:
    seed_threats(node.uow())
    with node.uow() as uow:
        admit_member(uow.session, Actor.console(), "ME", date.today())
        uow.commit()
    world = World(node, client)
    for code in NATIONS:
        for role, clearance in ROLES.items():
            user = f"{code.lower()}.{role}"
            if code == "ME":
                new = NewUser(user, "ME", (Role.ANALYST,), clearance, password="montenegro-2025!")
                create_user(node.uow(), Actor.console(), new)
            world.tokens[user] = create_token(node.uow(), Actor.console(), user).secret
            world.clearances[user] = clearance
    for obj in reference_objects():
        served = Marking(NODE_ORIGINATOR, Clearance.UNCLASSIFIED, frozenset({PACT}), TLP.CLEAR)
        version = parse_timestamp(obj.get("modified", obj["created"]))
        world.stored.append(Stored(obj["id"], version, PACT_COLLECTION_ID, served))
    return world


markings = st.builds(
    lambda level, release, tlp: (Clearance(level), frozenset(release), tlp),
    st.integers(0, 3),
    st.sets(st.sampled_from((*NATIONS, PACT)), min_size=1, max_size=3),
    st.sampled_from([None, *TLP]),
)
steps = st.fixed_dictionaries(
    {
        "poster": st.sampled_from(NATIONS),
        "markings": st.lists(markings, min_size=1, max_size=3),
        "revise": st.booleans(),
        "membership": st.sampled_from(
            [None, ("withdraw", "HR"), ("admit", "HR"), ("withdraw", "AL")]
        ),
        "reader": st.sampled_from([f"{n.lower()}.{r}" for n in NATIONS for r in ROLES]),
    }
)


def _change_membership(world: World, change: tuple[str, str] | None) -> None:
    if change is None:
        return
    action, code = change
    members = current_member_codes(world.node.uow())
    with world.node.uow() as uow:
        if action == "withdraw" and code in members:
            withdraw_member(uow.session, Actor.console(), code, date.today())
        elif action == "admit" and code not in members:
            admit_member(uow.session, Actor.console(), code, date.today())
        uow.commit()


def _post_step(world: World, poster: str, drawn: list[Any], revise: bool) -> None:
    members = current_member_codes(world.node.uow())
    collection = nation_collection_id(poster)
    mine = [
        s for s in world.stored if s.collection == collection and s.stix_id[:11] == "indicator--"
    ]
    objects: list[dict[str, Any]] = []
    definitions: dict[str, dict[str, Any]] = {}
    expected: list[Stored] = []
    for n, (level, release, tlp) in enumerate(drawn):
        release = frozenset(c for c in release if c == PACT or c in members) or frozenset({PACT})
        definition = defpact_marking_definition(DefpactMarking(level, release))
        if definition["id"] not in definitions:
            definitions[definition["id"]] = definition
            objects.append(definition)
        world.stamp += 1000
        reuse = revise and n == 0 and mine
        stix_id = mine[-1].stix_id if reuse else f"indicator--{uuid.uuid4()}"
        refs = [definition["id"]] + ([TLP2_MARKING_IDS[tlp]] if tlp else [])
        stamp = format_version(world.stamp)
        objects.append({
            "type": "indicator", "spec_version": "2.1", "id": stix_id, "created": stamp,
            "modified": stamp, "pattern": "[ipv4-addr:value = '203.0.113.9']",
            "pattern_type": "stix", "valid_from": stamp, "object_marking_refs": refs,
        })  # fmt: skip
        marking = Marking(poster, level, release, tlp or TLP.GREEN)
        expected.append(Stored(stix_id, world.stamp, collection, marking))
    status = world.post(f"{poster.lower()}.analyst", objects)
    stored_ids = {s["id"] for s in status.get("successes", [])}
    assert {e.stix_id for e in expected} <= stored_ids, status.get("failures")
    world.stored += expected
    served = Marking(poster, Clearance.UNCLASSIFIED, frozenset({PACT}), TLP.GREEN)
    for definition in definitions.values():
        if definition["id"] in stored_ids:
            version = parse_timestamp(definition["created"])
            world.stored.append(Stored(definition["id"], version, collection, served))


def _all_pages(world: World, reader: str, path: str) -> list[dict[str, Any]] | None:
    found: list[dict[str, Any]] = []
    url = f"{path}?limit=4&match[version]=all"
    while True:
        response = world.get(reader, url)
        if response.status_code == 404:
            return None
        body = response.json()
        found += body.get("objects", [])
        if not body["more"]:
            return found
        url = f"{path}?limit=4&match[version]=all&next={body['next']}"


def _key(obj: dict[str, Any]) -> tuple[str, int]:
    return obj["id"], parse_timestamp(obj.get("modified", obj.get("created", "")))


def _check(world: World, reader: str, poster: str) -> None:
    nation, clearance = reader[:2].upper(), world.clearances[reader]
    members = current_member_codes(world.node.uow())

    def visible(s: Stored) -> bool:
        return can_read(nation, clearance, s.marking, members)

    pact = _all_pages(world, reader, f"{ROOT}/collections/{PACT_COLLECTION_ID}/objects/")
    if nation not in members:
        assert pact is None
    else:
        assert pact is not None
        unique = {(s.stix_id, s.version) for s in world.stored if visible(s)}
        assert sorted(_key(o) for o in pact) == sorted(unique)
    coll = nation_collection_id(poster)
    own = _all_pages(world, reader, f"{ROOT}/collections/{coll}/objects/")
    if nation not in members and nation != poster:
        assert own is None
        return
    expected = sorted(
        (s.stix_id, s.version) for s in world.stored if s.collection == coll and visible(s)
    )
    assert own is not None and sorted(_key(o) for o in own) == expected
    manifest = world.get(reader, f"{ROOT}/collections/{coll}/manifest/?match[version]=all").json()
    assert (
        sorted((r["id"], parse_timestamp(r["version"])) for r in manifest.get("objects", []))
        == expected
    )
    for stix_id in {s.stix_id for s in world.stored if s.collection == coll}:
        versions = sorted(
            s.version
            for s in world.stored
            if s.stix_id == stix_id and s.collection == coll and visible(s)
        )
        answer = world.get(reader, f"{ROOT}/collections/{coll}/objects/{stix_id}/")
        listed = world.get(reader, f"{ROOT}/collections/{coll}/objects/{stix_id}/versions/")
        if not versions:
            assert answer.status_code == 404 and listed.status_code == 404
            continue
        assert [_key(o)[1] for o in answer.json()["objects"]] == [versions[-1]]
        assert sorted(parse_timestamp(v) for v in listed.json()["versions"]) == versions


def test_every_taxii_path_returns_exactly_the_visible_set(node: Node, client: ApiClient) -> None:
    world = _setup(node, client)

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @given(step=steps)
    def run(step: dict[str, Any]) -> None:
        _change_membership(world, step["membership"])
        poster = step["poster"]
        if poster in current_member_codes(world.node.uow()):
            _post_step(world, poster, step["markings"], step["revise"])
        _check(world, step["reader"], poster)

    run()
