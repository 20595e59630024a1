"""The threat hub's object API in the access matrix: object pages, their SVG graphs, the
board and STIX exports, for every caller and every marking.

Each marked record is a STIX indicator of XK (added over TAXII with a defpact marking
definition and a TLP 2.0 marking). A pact-wide *anchor* indicator is related to every record by
a pact-wide relationship, so the anchor's page and graph show the record as a neighbour exactly
when the caller may read it: a relationship must not leak the object at its other end.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from access_matrix import (
    MARKINGS,
    AccessMatrix,
    Route,
    demo_callers,
    list_expect,
    listed,
    read_expect,
)
from defpact.core.marking import Marking
from defpact.core.runtime import Node
from defpact.threats.stix.collections import nation_collection_id
from defpact.threats.stix.marking import (
    TLP2_MARKING_IDS,
    DefpactMarking,
    defpact_marking_definition,
)
from defpact.threats.stix.service import seed_threats
from support import ApiClient, basic

TAXII = "application/taxii+json;version=2.1"
STAMP = "2024-01-01T00:00:00.000Z"
API = "/api/threats"


def _marked(obj: dict[str, Any], marking: Marking) -> list[dict[str, Any]]:
    # STIX markings name at least one nation: "originator only" is released to the originator
    release = marking.releasable_to or frozenset({marking.originator})
    definition = defpact_marking_definition(DefpactMarking(marking.classification, release))
    refs = [definition["id"], TLP2_MARKING_IDS[marking.tlp]]
    return [definition, {**obj, "object_marking_refs": refs}]


def _indicator(n: int, marking: Marking) -> list[dict[str, Any]]:
    obj = {
        "type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
        "created": STAMP, "modified": STAMP, "pattern": f"[ipv4-addr:value = '192.0.2.{n}']",
        "pattern_type": "stix", "valid_from": STAMP,
    }  # fmt: skip
    return _marked(obj, marking)


def _relationship(source: str, target: str, marking: Marking) -> list[dict[str, Any]]:
    obj = {
        "type": "relationship", "spec_version": "2.1", "id": f"relationship--{uuid.uuid4()}",
        "created": STAMP, "modified": STAMP, "relationship_type": "related-to",
        "source_ref": source, "target_ref": target,
    }  # fmt: skip
    return _marked(obj, marking)


def _add(client: ApiClient, objects: list[dict[str, Any]]) -> str:
    """Add ``[definition, object]`` to XK's collection (the definition once); the object's id."""
    response = client.post(
        f"/taxii2/pact/collections/{nation_collection_id('XK')}/objects/",
        headers={**basic("xk.analyst"), "Accept": TAXII, "Content-Type": TAXII},
        content=json.dumps({"objects": objects}),
    )
    stix_id = str(objects[-1]["id"])
    assert stix_id in {s["id"] for s in response.json().get("successes", [])}, response.text
    return stix_id


def _neighbours(response: Any) -> list[str]:
    return [n["id"] for n in response.json()["neighbours"]]


def _bundle_ids(response: Any) -> list[str]:
    return [o["id"] for o in response.json()["objects"]]


class TestHubAccessMatrix(AccessMatrix):
    def test_objects_graphs_board_and_exports(self, client: ApiClient, node: Node) -> None:
        seed_threats(node.uow())
        pact = MARKINGS["pact-unclass-green"]
        anchor = _add(client, _indicator(200, pact))
        records: dict[str, tuple[Any, Marking]] = {}
        for n, (name, marking) in enumerate(MARKINGS.items(), start=1):
            stix_id = _add(client, _indicator(n, marking))
            _add(client, _relationship(anchor, stix_id, pact))
            records[name] = (stix_id, marking)

        routes = [
            Route(
                "GET object",
                lambda cl, h, i: cl.get(f"{API}/objects", params={"id": i}, headers=h),
                read_expect,
            ),
            Route(
                "GET object graph.svg",
                lambda cl, h, i: cl.get(f"{API}/objects/graph.svg", params={"id": i}, headers=h),
                read_expect,
            ),
            Route(
                "GET anchor object shows it as a neighbour",
                lambda cl, h, _i: cl.get(f"{API}/objects", params={"id": anchor}, headers=h),
                list_expect,
                listed(_neighbours),
            ),
            Route(
                "GET anchor graph.svg draws it",
                lambda cl, h, _i: cl.get(
                    f"{API}/objects/graph.svg", params={"id": anchor}, headers=h
                ),
                list_expect,
                listed(lambda r: [i for i, _m in records.values() if i in r.text]),
            ),
            Route(
                "GET board shows it",
                lambda cl, h, _i: cl.get(f"{API}/board", headers=h),
                list_expect,
                listed(lambda r: [item["id"] for item in r.json()["newest"]]),
            ),
            Route(
                "GET export?id= holds it",
                lambda cl, h, i: cl.get(f"{API}/export", params={"id": i}, headers=h),
                list_expect,
                listed(_bundle_ids),
            ),
            Route(
                "GET export?type=indicator holds it",
                lambda cl, h, _i: cl.get(f"{API}/export", params={"type": "indicator"}, headers=h),
                list_expect,
                listed(_bundle_ids),
            ),
        ]
        callers = demo_callers()
        checked = self.run_matrix(client, callers, records, routes)
        assert checked == len(routes) * len(callers) * len(records)
