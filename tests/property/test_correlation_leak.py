"""Leak test: every correlation path returns exactly what ``core.marking.can_read`` allows.

Hypothesis drives a sequence of steps against one node: a member nation adds indicators,
observables and sightings with random classifications, releases and TLP labels, sharing a small
pool of values (addresses, ranges around them, a domain); nations leave and come back; Montenegro
joins after the founding. After each step a random user (of any nation, at any clearance) asks
every value lookup, its alerts, every object's correlations and every indicator's sighting
counts, and must get exactly the model's answer: nothing about an object the user may not see,
not in hits, totals, alert lists or counts.

The model: a correlation is made when an object arrives whose value matches (equal, or CIDR
containment with the wider range at least /16 resp. /32) an earlier object of another nation;
an alert row goes to each member nation that could read both at SECRET at that moment; a user
sees an alert of their nation while both sides are readable to them now.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from correlation_support import STAMP, actor
from defpact.core.config import reset_settings_cache
from defpact.core.context import Actor
from defpact.core.errors import NotFound
from defpact.core.identity import Clearance, Role
from defpact.core.marking import PACT, TLP, Marking, can_read
from defpact.core.runtime import Node
from defpact.core.service import (
    NewUser,
    admit_member,
    create_user,
    current_member_codes,
    withdraw_member,
)
from defpact.threats.correlation.normalise import Observable, classify
from defpact.threats.correlation.service import (
    AlertState,
    correlations_for,
    list_alerts,
    lookup,
)
from defpact.threats.correlation.sightings import sighting_summary
from defpact.threats.stix.collections import nation_collection_id
from defpact.threats.stix.marking import (
    TLP2_MARKING_IDS,
    DefpactMarking,
    defpact_marking_definition,
)
from defpact.threats.stix.service import add_objects, seed_threats

NATIONS = ("XK", "AL", "HR", "ME")
ROLES = {"analyst": Clearance.SECRET, "admin": Clearance.CONFIDENTIAL,
         "procurement": Clearance.RESTRICTED}  # fmt: skip
VALUES = ("45.9.1.2", "45.9.1.0/24", "45.9.0.0/16", "45.9.7.7", "45.0.0.0/8", "evil.xk",
          "2a01:4f8::5", "2a01:4f8::/32")  # fmt: skip


def _matches(a: Observable, b: Observable) -> bool:
    if a == b:
        return True
    try:
        na, nb = ipaddress.ip_network(a.value), ipaddress.ip_network(b.value)
    except ValueError:
        return False
    if na.version != nb.version:
        return False
    wide, narrow = (na, nb) if na.prefixlen <= nb.prefixlen else (nb, na)
    floor = 16 if wide.version == 4 else 32
    return wide.prefixlen >= floor and narrow.subnet_of(wide)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Stored:
    stix_id: str
    marking: Marking
    value: Observable | None = None  # None for a sighting
    sighting_of: str | None = None
    count: int = 0
    false_positive: bool = False


@dataclass
class World:
    node: Node
    users: dict[str, Actor] = field(default_factory=dict)
    stored: list[Stored] = field(default_factory=list)
    alerts: list[tuple[str, str, str]] = field(default_factory=list)  # nation, new, old
    correlations: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture
def high_cap(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DEFPACT_CORRELATION_CAP", "100000")
    reset_settings_cache()
    yield
    reset_settings_cache()


def _setup(node: Node) -> World:
    seed_threats(node.uow())
    with node.uow() as uow:
        admit_member(uow.session, Actor.console(), "ME", date.today())
        uow.commit()
    world = World(node)
    for code in NATIONS:
        for role, clearance in ROLES.items():
            user = f"{code.lower()}.{role}"
            if code == "ME":
                new = NewUser(user, "ME", (Role.ANALYST,), clearance, password="montenegro-2025!")
                create_user(node.uow(), Actor.console(), new)
            world.users[user] = actor(node, user)
    return world


markings = st.tuples(
    st.integers(0, 3),
    st.sets(st.sampled_from((*NATIONS, PACT)), min_size=1, max_size=3),
    st.sampled_from([None, *TLP]),
)
items = st.tuples(
    st.sampled_from(["indicator", "sco", "sighting"]),
    st.sampled_from(VALUES),
    markings,
    st.integers(1, 5),
    st.booleans(),
)
steps = st.fixed_dictionaries(
    {
        "poster": st.sampled_from(NATIONS),
        "items": st.lists(items, min_size=1, max_size=2),
        "membership": st.sampled_from(
            [None, None, ("withdraw", "HR"), ("admit", "HR"), ("withdraw", "AL"), ("admit", "AL")]
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


def _object(kind: str, value: str, refs: list[str], target: str | None, count: int,
            fp: bool) -> dict[str, Any]:  # fmt: skip
    base: dict[str, Any] = {"spec_version": "2.1", "object_marking_refs": refs}
    if kind == "sighting" and target is not None:
        return {**base, "type": "sighting", "id": f"sighting--{uuid.uuid4()}", "created": STAMP,
                "modified": STAMP, "sighting_of_ref": target, "count": count,
                "x_defpact_false_positive": fp}  # fmt: skip
    if kind == "sco":
        obs = classify(value)
        sco_type = "domain-name" if obs.kind.value == "domain" else (
            "ipv6-addr" if ":" in value else "ipv4-addr")  # fmt: skip
        return {**base, "type": sco_type, "id": f"{sco_type}--{uuid.uuid4()}", "value": value}
    path = "domain-name:value" if value == "evil.xk" else (
        "ipv6-addr:value" if ":" in value else "ipv4-addr:value")  # fmt: skip
    return {**base, "type": "indicator", "id": f"indicator--{uuid.uuid4()}", "created": STAMP,
            "modified": STAMP, "pattern": f"[{path} = '{value}']", "pattern_type": "stix",
            "valid_from": STAMP}  # fmt: skip


def _post_step(world: World, poster: str, drawn: list[Any]) -> None:
    members = current_member_codes(world.node.uow())
    indicators = [s.stix_id for s in world.stored if s.stix_id.startswith("indicator--")]
    objects: list[dict[str, Any]] = []
    definitions: set[str] = set()
    new: list[Stored] = []
    for n, (kind, value, (level, release, tlp), count, fp) in enumerate(drawn):
        release = frozenset(c for c in release if c == PACT or c in members) or frozenset({PACT})
        definition = defpact_marking_definition(DefpactMarking(Clearance(level), release))
        if definition["id"] not in definitions:
            definitions.add(definition["id"])
            objects.append(definition)
        refs = [definition["id"]] + ([TLP2_MARKING_IDS[tlp]] if tlp else [])
        target = indicators[(count * 7 + n) % len(indicators)] if indicators else None
        obj = _object(kind, value, refs, target, count, fp)
        objects.append(obj)
        marking = Marking(poster, Clearance(level), release, tlp or TLP.GREEN)
        if obj["type"] == "sighting":
            new.append(Stored(obj["id"], marking, None, target, count, fp))
        else:
            new.append(Stored(obj["id"], marking, classify(value)))
    status = add_objects(world.node.uow(), world.users[f"{poster.lower()}.analyst"],
                         nation_collection_id(poster), objects)  # fmt: skip
    assert all(f.stix_id.startswith("marking-definition--") for f in status.failures)
    for item in new:
        if item.value is None:
            continue
        for old in world.stored:
            if old.value is None or old.marking.originator == poster:
                continue
            if _matches(item.value, old.value):
                world.correlations.append((item.stix_id, old.stix_id))
                for nation in sorted(members):
                    if can_read(nation, Clearance.SECRET, item.marking, members) and can_read(
                        nation, Clearance.SECRET, old.marking, members
                    ):
                        world.alerts.append((nation, item.stix_id, old.stix_id))
    world.stored += new


def _check(world: World, reader: str) -> None:
    who = world.users[reader]
    nation, clearance = reader[:2].upper(), ROLES[reader.split(".")[1]]
    members = current_member_codes(world.node.uow())
    by_id = {s.stix_id: s for s in world.stored}

    def visible(stix_id: str) -> bool:
        return can_read(nation, clearance, by_id[stix_id].marking, members)

    for value in VALUES:
        obs = classify(value)
        result = lookup(world.node.uow(), who, obs, limit=1000)
        expected = {
            s.stix_id
            for s in world.stored
            if s.value is not None and visible(s.stix_id) and _matches(obs, s.value)
        }
        assert {h.stix_id for h in result.hits} == expected, (
            value, nation, clearance, members,
            [(h.stix_id, h.marking, by_id[h.stix_id].marking) for h in result.hits],
        )  # fmt: skip
        assert result.total == len(expected)

    page = list_alerts(world.node.uow(), who, AlertState.ALL, limit=500)
    expected_alerts = Counter(
        (new, old) for n, new, old in world.alerts if n == nation and visible(new) and visible(old)
    )
    got = Counter((a.correlation.new.stix_id, a.correlation.old.stix_id) for a in page.items)
    assert got == expected_alerts and page.total == sum(expected_alerts.values())

    for item in world.stored:
        if item.value is None:
            continue
        if not visible(item.stix_id):
            with pytest.raises(NotFound):
                correlations_for(world.node.uow(), who, item.stix_id)
            with pytest.raises(NotFound):
                sighting_summary(world.node.uow(), who, item.stix_id)
            continue
        views = correlations_for(world.node.uow(), who, item.stix_id)
        expected_pairs = Counter(
            pair for pair in world.correlations
            if item.stix_id in pair and visible(pair[0]) and visible(pair[1])
        )  # fmt: skip
        assert Counter((v.new.stix_id, v.old.stix_id) for v in views) == expected_pairs
        summary = sighting_summary(world.node.uow(), who, item.stix_id)
        seen = [s for s in world.stored if s.sighting_of == item.stix_id and visible(s.stix_id)]
        assert summary.sightings == len(seen)
        assert summary.sightings_total == sum(s.count for s in seen)
        assert summary.false_positives == sum(1 for s in seen if s.false_positive)
        assert {n.nation for n in summary.by_nation} == {s.marking.originator for s in seen}


def test_every_correlation_path_returns_exactly_the_visible_set(node: Node, high_cap: None) -> None:
    world = _setup(node)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(step=steps)
    def run(step: dict[str, Any]) -> None:
        _change_membership(world, step["membership"])
        poster = step["poster"]
        if poster in current_member_codes(world.node.uow()):
            _post_step(world, poster, step["items"])
        _check(world, step["reader"])

    run()
