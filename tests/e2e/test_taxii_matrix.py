"""The TAXII resources in the access matrix: every caller x every marking x every object route."""

from __future__ import annotations

import json
import uuid
from typing import Any

from access_matrix import AccessMatrix, Caller, Route
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.marking import PACT, TLP, Marking
from defpact.core.runtime import Node
from defpact.threats.stix.collections import PACT_COLLECTION_ID, nation_collection_id
from defpact.threats.stix.marking import (
    TLP2_MARKING_IDS,
    DefpactMarking,
    defpact_marking_definition,
)
from defpact.threats.stix.service import seed_threats
from support import ApiClient, basic

TAXII = "application/taxii+json;version=2.1"
XK = nation_collection_id("XK")
PRINCIPALS = {
    f"{n.lower()}.{r}": (n, c, roles)
    for n in ("XK", "AL", "HR")
    for r, c, roles in (
        ("admin", Clearance.CONFIDENTIAL, {Role.ADMIN, Role.OBSERVER}),
        ("procurement", Clearance.RESTRICTED, {Role.PROCUREMENT}),
        ("analyst", Clearance.SECRET, {Role.ANALYST, Role.INTEL}),
    )
}
MARKINGS = {
    "pact-unclass-green": (Clearance.UNCLASSIFIED, {PACT}, TLP.GREEN),
    "pact-restricted-red": (Clearance.RESTRICTED, {PACT}, TLP.RED),
    "al-confidential-amber": (Clearance.CONFIDENTIAL, {"AL"}, TLP.AMBER),
    "al-red-named": (Clearance.RESTRICTED, {"AL"}, TLP.RED),
    "xk-only-secret": (Clearance.SECRET, {"XK"}, TLP.AMBER_STRICT),
}


def _add(client: ApiClient, level: Clearance, release: set[str], tlp: TLP) -> str:
    definition = defpact_marking_definition(DefpactMarking(level, frozenset(release)))
    stamp = "2024-01-01T00:00:00.000Z"
    obj = {
        "type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
        "created": stamp, "modified": stamp, "pattern": "[ipv4-addr:value = '192.0.2.4']",
        "pattern_type": "stix", "valid_from": stamp,
        "object_marking_refs": [definition["id"], TLP2_MARKING_IDS[tlp]],
    }  # fmt: skip
    response = client.post(
        f"/taxii2/pact/collections/{XK}/objects/",
        headers={**basic("xk.analyst"), "Accept": TAXII, "Content-Type": TAXII},
        content=json.dumps({"objects": [definition, obj]}),
    )
    assert response.json()["success_count"] == 2, response.text
    return str(obj["id"])


def _get(path: str) -> Any:
    return lambda cl, h, i: cl.get(path.format(id=i), headers={**h, "Accept": TAXII})


class TestTaxiiAccessMatrix(AccessMatrix):
    def test_matrix(self, client: ApiClient, node: Node) -> None:
        seed_threats(node.uow())
        records = {
            name: (_add(client, level, release, tlp), Marking("XK", level, frozenset(release), tlp))
            for name, (level, release, tlp) in MARKINGS.items()
        }
        callers = [Caller(None, None)] + [
            Caller(u, Principal(0, u, n, frozenset(roles), c))
            for u, (n, c, roles) in PRINCIPALS.items()
        ]

        def read(c: Caller, _m: Marking, readable: bool) -> int:
            return 401 if c.principal is None else (200 if readable else 404)

        def delete(c: Caller, _m: Marking, _readable: bool) -> int:
            """A DELETE of a version that does not exist: who gets past which check (the
            collection's rights come before any object, so the answer tells nothing of it)."""
            if c.principal is None:
                return 401
            if not c.principal.has_role(Role.ANALYST, Role.INTEL):
                return 403
            return 404 if c.principal.nation == "XK" else 403

        base = f"/taxii2/pact/collections/{XK}/objects/{{id}}/"
        pact = f"/taxii2/pact/collections/{PACT_COLLECTION_ID}/objects/{{id}}/"
        routes = [
            Route("GET object", _get(base), read),
            Route("GET versions", _get(base + "versions/"), read),
            Route("GET object (pact-wide)", _get(pact), read),
            Route(
                "DELETE missing version",
                lambda cl, h, i: cl.delete(
                    base.format(id=i) + "?match[version]=2020-01-01T00:00:00.000Z",
                    headers={**h, "Accept": TAXII},
                ),
                delete,
            ),
        ]
        checked = self.run_matrix(client, callers, records, routes, frozenset({"XK", "AL", "HR"}))
        assert checked == len(routes) * len(callers) * len(records)
