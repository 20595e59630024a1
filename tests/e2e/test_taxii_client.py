"""The OASIS TAXII 2.1 client library against a served node (uvicorn on loopback).

discovery -> collections -> add objects -> status -> paged get -> manifest -> versions -> delete,
with every STIX object of every response validated by the OASIS STIX 2.1 validator.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import requests.auth
import uvicorn
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from defpact.core.context import Actor
from defpact.core.identity import Clearance
from defpact.core.runtime import Node
from defpact.core.service import create_token
from defpact.threats.stix.collections import PACT_COLLECTION_ID, nation_collection_id
from defpact.threats.stix.marking import DefpactMarking, defpact_marking_definition
from defpact.threats.stix.service import seed_threats
from support import DEMO_PASSWORD

OPTIONS = ValidationOptions(version="2.1")


@pytest.fixture
def served(node: Node) -> Iterator[str]:
    """The node's app served by uvicorn on a free loopback port; yields the base URL."""
    from defpact.app import create_app

    seed_threats(node.uow())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(node=node), host="127.0.0.1", port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def assert_valid_stix(objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        result = validate_instance(obj, OPTIONS)
        assert result.is_valid, (obj.get("id"), [str(e) for e in result.errors])


def sample_objects(count: int) -> list[dict[str, Any]]:
    stamp = "2024-05-01T10:00:00.000Z"
    objects: list[dict[str, Any]] = []
    for n in range(count):
        objects.append(
            {
                "type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
                "created": stamp, "modified": stamp, "name": f"Phishing domain {n}",
                "indicator_types": ["malicious-activity"],
                "pattern": f"[domain-name:value = 'login-{n}.example']", "pattern_type": "stix",
                "valid_from": stamp,
            }
        )  # fmt: skip
    return objects


def _collection(root: ApiRoot, collection_id: str) -> Collection:
    return next(c for c in root.collections if c.id == collection_id)


def test_oasis_client_full_flow(served: str) -> None:
    server = Server(f"{served}/taxii2/", user="xk.analyst", password=DEMO_PASSWORD)
    assert server.title and len(server.api_roots) == 1
    root = server.api_roots[0]
    assert root.versions == ["application/taxii+json;version=2.1"]
    xk = _collection(root, nation_collection_id("XK"))
    assert xk.can_write and xk.can_read
    assert not _collection(root, PACT_COLLECTION_ID).can_write

    secret = DefpactMarking(Clearance.SECRET, frozenset({"HR"}))
    definition = defpact_marking_definition(secret)
    objects = sample_objects(7)
    objects[0]["object_marking_refs"] = [definition["id"]]
    status = xk.add_objects({"objects": [definition, *objects]})
    assert (status.status, status.success_count, status.failure_count) == ("complete", 8, 0)
    again = root.get_status(status.id)
    assert again.success_count == 8 and {s["id"] for s in again.successes} >= {objects[1]["id"]}

    pages = list(as_pages(xk.get_objects, per_request=3))
    assert len(pages) == 3
    fetched = [o for page in pages for o in page["objects"]]
    assert [o["id"] for o in fetched] == [definition["id"]] + [o["id"] for o in objects]
    assert_valid_stix(fetched)

    manifest = [r for page in as_pages(xk.get_manifest, per_request=5) for r in page["objects"]]
    assert [r["id"] for r in manifest] == [o["id"] for o in fetched]
    assert all(r["media_type"] == "application/stix+json;version=2.1" for r in manifest)

    newer = {**objects[1], "modified": "2024-06-01T00:00:00.000Z", "name": "updated"}
    assert xk.add_objects({"objects": [newer]}).success_count == 1
    assert xk.object_versions(newer["id"])["versions"] == [
        objects[1]["modified"],
        newer["modified"],
    ]
    latest = xk.get_object(newer["id"])["objects"]
    assert latest == [newer]
    assert_valid_stix(latest)
    assert_valid_stix(xk.get_object(newer["id"], version="all")["objects"])

    xk.delete_object(newer["id"])
    with pytest.raises(requests.HTTPError) as missing:
        xk.get_object(newer["id"])
    assert missing.value.response.status_code == 404


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def test_other_nations_see_only_what_is_released_to_them(served: str, node: Node) -> None:
    def token(user: str) -> BearerAuth:
        return BearerAuth(create_token(node.uow(), Actor.console(), user).secret)

    writer = Server(f"{served}/taxii2/", auth=token("xk.analyst"))
    xk = _collection(writer.api_roots[0], nation_collection_id("XK"))
    secret = defpact_marking_definition(DefpactMarking(Clearance.SECRET, frozenset({"HR"})))
    objects = sample_objects(3)
    objects[0]["object_marking_refs"] = [secret["id"]]
    xk.add_objects({"objects": [secret, *objects]})

    def seen_by(user: str) -> set[str]:
        reader = Server(f"{served}/taxii2/", auth=token(user))
        pact = _collection(reader.api_roots[0], PACT_COLLECTION_ID)
        found = [o for page in as_pages(pact.get_objects, per_request=4) for o in page["objects"]]
        assert_valid_stix(found)
        return {o["id"] for o in found}

    assert objects[0]["id"] in seen_by("hr.analyst")
    assert objects[0]["id"] not in seen_by("al.analyst")
    assert objects[1]["id"] in seen_by("al.analyst")
