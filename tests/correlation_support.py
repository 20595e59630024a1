"""Helpers of the correlation tests: post STIX objects as a demo user, build objects."""

from __future__ import annotations

import uuid
from typing import Any

from defpact.core.context import Actor
from defpact.core.identity import Clearance
from defpact.core.runtime import Node
from defpact.core.sessions import principal_of
from defpact.core.store import UserRepository
from defpact.threats.stix.collections import nation_collection_id
from defpact.threats.stix.marking import DefpactMarking, defpact_marking_definition
from defpact.threats.stix.service import StatusInfo, add_objects

STAMP = "2025-04-01T10:00:00.000Z"


def actor(node: Node, username: str) -> Actor:
    with node.uow() as uow:
        row = UserRepository(uow.session).by_username(username)
        assert row is not None
        return Actor.of(principal_of(row))


def marking_definition(level: Clearance, release: set[str]) -> dict[str, Any]:
    return defpact_marking_definition(DefpactMarking(level, frozenset(release)))


def indicator(
    pattern: str,
    *,
    refs: list[str] | None = None,
    stix_id: str | None = None,
    modified: str = STAMP,
    revoked: bool = False,
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "indicator", "spec_version": "2.1",
        "id": stix_id or f"indicator--{uuid.uuid4()}", "created": STAMP, "modified": modified,
        "pattern": pattern, "pattern_type": "stix", "valid_from": STAMP,
    }  # fmt: skip
    if refs:
        obj["object_marking_refs"] = refs
    if revoked:
        obj["revoked"] = True
    return obj


def sco(type_name: str, value: str, refs: list[str] | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": type_name, "spec_version": "2.1", "id": f"{type_name}--{uuid.uuid4()}",
        "value": value,
    }  # fmt: skip
    if refs:
        obj["object_marking_refs"] = refs
    return obj


def sighting(
    of: str, count: int = 1, *, fp: bool = False, refs: list[str] | None = None
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "sighting", "spec_version": "2.1", "id": f"sighting--{uuid.uuid4()}",
        "created": STAMP, "modified": STAMP, "sighting_of_ref": of, "count": count,
        "last_seen": STAMP,
    }  # fmt: skip
    if fp:
        obj["x_defpact_false_positive"] = True
    if refs:
        obj["object_marking_refs"] = refs
    return obj


def post(node: Node, username: str, *objects: dict[str, Any]) -> StatusInfo:
    """Add objects to the user's nation collection; every object must be stored."""
    who = actor(node, username)
    assert who.nation is not None
    status = add_objects(node.uow(), who, nation_collection_id(who.nation), list(objects))
    assert status.failure_count == 0, status.failures
    return status
