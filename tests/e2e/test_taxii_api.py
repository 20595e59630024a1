"""TAXII 2.1 API through the ASGI app: resources, filters, paging, bad input and error bodies."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from defpact.core.context import Actor
from defpact.core.identity import Clearance, Role
from defpact.core.marking import PACT, TLP
from defpact.core.runtime import Node
from defpact.core.service import NewUser, create_token, create_user
from defpact.threats.stix.collections import PACT_COLLECTION_ID, nation_collection_id
from defpact.threats.stix.marking import (
    TLP2_MARKING_IDS,
    DefpactMarking,
    defpact_marking_definition,
)
from defpact.threats.stix.service import seed_threats
from support import ApiClient, basic, bearer

TAXII = "application/taxii+json;version=2.1"
ROOT = "/taxii2/pact"
XK = nation_collection_id("XK")


_TOKENS: dict[str, str] = {}


@pytest.fixture
def taxii(client: ApiClient, node: Node) -> ApiClient:
    """The API with the threat collections seeded; ``hdr`` authenticates with Bearer tokens
    (one Argon2 check per user instead of one per request)."""
    seed_threats(node.uow())
    junior = NewUser(
        "xk.junior", "XK", (Role.ANALYST,), Clearance.RESTRICTED, password="junior-analyst-1"
    )
    create_user(node.uow(), Actor.console(), junior)
    _TOKENS.clear()
    for user in (
        "xk.analyst",
        "xk.junior",
        "xk.procurement",
        "al.analyst",
        "al.admin",
        "hr.analyst",
    ):
        _TOKENS[user] = create_token(node.uow(), Actor.console(), user).secret
    return client


def hdr(user: str = "xk.analyst", **extra: str) -> dict[str, str]:
    auth = bearer(_TOKENS[user]) if user in _TOKENS else basic(user)
    return {**auth, "Accept": TAXII, **extra}


def indicator(n: int = 0, **changes: Any) -> dict[str, Any]:
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "name": f"C2 server {n}",
        "pattern": f"[ipv4-addr:value = '198.51.100.{n % 250}']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }
    obj.update(changes)
    return obj


def post(
    client: ApiClient, objects: list[Any], user: str = "xk.analyst", collection: str = XK
) -> httpx.Response:
    return client.post(
        f"{ROOT}/collections/{collection}/objects/",
        headers=hdr(user, **{"Content-Type": TAXII}),
        content=json.dumps({"objects": objects}),
    )


def error_body(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == TAXII
    body: dict[str, Any] = response.json()
    assert body["http_status"] == str(status) and body["title"]
    return body


def test_discovery_api_root_and_collections(taxii: ApiClient) -> None:
    discovery = taxii.get("/taxii2/", headers=hdr())
    assert discovery.status_code == 200 and discovery.headers["content-type"] == TAXII
    assert discovery.json()["api_roots"] == ["http://testserver/taxii2/pact/"]
    root = taxii.get(f"{ROOT}/", headers=hdr()).json()
    assert root["versions"] == [TAXII] and root["max_content_length"] > 1_000_000
    listed = {
        c["id"]: c for c in taxii.get(f"{ROOT}/collections/", headers=hdr()).json()["collections"]
    }
    assert set(listed) == {
        PACT_COLLECTION_ID,
        XK,
        nation_collection_id("AL"),
        nation_collection_id("HR"),
    }
    assert listed[XK]["can_write"] and listed[XK]["can_read"]
    assert not listed[nation_collection_id("AL")]["can_write"]
    assert (
        listed[PACT_COLLECTION_ID]
        == taxii.get(f"{ROOT}/collections/{PACT_COLLECTION_ID}", headers=hdr()).json()
    )
    assert listed[XK]["media_types"] == ["application/stix+json;version=2.1"]


def test_add_then_read_objects_manifest_and_status(taxii: ApiClient) -> None:
    objects = [indicator(n) for n in range(3)]
    response = post(taxii, objects)
    assert response.status_code == 202 and response.headers["content-type"] == TAXII
    status = response.json()
    assert (status["status"], status["success_count"], status["total_count"]) == ("complete", 3, 3)
    again = taxii.get(f"{ROOT}/status/{status['id']}/", headers=hdr()).json()
    assert again == status
    page = taxii.get(f"{ROOT}/collections/{XK}/objects/", headers=hdr())
    assert [o["id"] for o in page.json()["objects"]] == [o["id"] for o in objects]
    assert page.json()["objects"][0] == objects[0]  # served exactly as posted
    manifest = taxii.get(f"{ROOT}/collections/{XK}/manifest/", headers=hdr())
    records = manifest.json()["objects"]
    assert [r["id"] for r in records] == [o["id"] for o in objects]
    assert records[0]["version"] == "2024-01-01T00:00:00.000Z"
    assert page.headers["X-TAXII-Date-Added-First"] == records[0]["date_added"]
    assert manifest.headers["X-TAXII-Date-Added-Last"] == records[-1]["date_added"]
    assert records[0]["date_added"] < records[1]["date_added"] < records[2]["date_added"]


def test_paging_with_limit_and_next_covers_everything_once(taxii: ApiClient) -> None:
    objects = [indicator(n) for n in range(7)]
    post(taxii, objects)
    seen: list[str] = []
    url = f"{ROOT}/collections/{XK}/objects/?limit=3"
    while True:
        body = taxii.get(url, headers=hdr()).json()
        seen += [o["id"] for o in body.get("objects", [])]
        if not body["more"]:
            break
        url = f"{ROOT}/collections/{XK}/objects/?limit=3&next={body['next']}"
    assert seen == [o["id"] for o in objects]


def test_filters_by_type_id_added_after_and_spec_version(taxii: ApiClient) -> None:
    first, second = indicator(1), indicator(2)
    post(taxii, [first])
    date = taxii.get(f"{ROOT}/collections/{XK}/manifest/", headers=hdr()).json()["objects"][0]
    malware = {"type": "malware", "spec_version": "2.1", "id": f"malware--{uuid.uuid4()}",
               "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
               "name": "Wiper", "is_family": True}  # fmt: skip
    post(taxii, [second, malware])

    def ids(query: str) -> list[str]:
        body = taxii.get(f"{ROOT}/collections/{XK}/objects/?{query}", headers=hdr()).json()
        return [o["id"] for o in body.get("objects", [])]

    assert ids("match[type]=malware") == [malware["id"]]
    assert ids(f"match[id]={first['id']},{malware['id']}") == [first["id"], malware["id"]]
    assert ids(f"added_after={date['date_added']}") == [second["id"], malware["id"]]
    assert ids("match[spec_version]=2.0") == []
    assert len(ids("match[spec_version]=2.1")) == 3


def test_versions_and_match_version(taxii: ApiClient) -> None:
    v1 = indicator(1)
    v2 = {**v1, "modified": "2024-03-01T00:00:00.000Z", "name": "renamed"}
    v3 = {**v1, "modified": "2024-02-01T00:00:00.000Z", "name": "middle"}
    post(taxii, [v1, v2])
    post(taxii, [v3])
    base = f"{ROOT}/collections/{XK}/objects/{v1['id']}"

    def versions(query: str = "") -> list[str]:
        body = taxii.get(f"{base}/?{query}", headers=hdr()).json()
        return [o["modified"] for o in body["objects"]]

    assert versions() == ["2024-03-01T00:00:00.000Z"]
    assert versions("match[version]=first") == ["2024-01-01T00:00:00.000Z"]
    assert versions("match[version]=first,last") == [
        "2024-01-01T00:00:00.000Z",
        "2024-03-01T00:00:00.000Z",
    ]
    assert len(versions("match[version]=all")) == 3
    assert versions("match[version]=2024-02-01T00:00:00.000Z") == ["2024-02-01T00:00:00.000Z"]
    listed = taxii.get(f"{base}/versions/", headers=hdr())
    assert listed.json() == {
        "more": False,
        "versions": [
            "2024-01-01T00:00:00.000Z",
            "2024-03-01T00:00:00.000Z",
            "2024-02-01T00:00:00.000Z",
        ],
    }
    assert "X-TAXII-Date-Added-First" in listed.headers


def test_delete_one_version_then_the_object(taxii: ApiClient) -> None:
    v1 = indicator(1)
    v2 = {**v1, "modified": "2024-03-01T00:00:00.000Z"}
    post(taxii, [v1, v2])
    base = f"{ROOT}/collections/{XK}/objects/{v1['id']}/"
    gone = taxii.delete(f"{base}?match[version]=2024-03-01T00:00:00.000Z", headers=hdr())
    assert gone.status_code == 200
    assert taxii.get(f"{base}versions/", headers=hdr()).json()["versions"] == [
        "2024-01-01T00:00:00.000Z"
    ]
    assert taxii.get(base, headers=hdr()).json()["objects"] == [v1]  # the older one is last now
    assert taxii.delete(base, headers=hdr()).status_code == 200
    error_body(taxii.get(base, headers=hdr()), 404)
    assert "objects" not in taxii.get(f"{ROOT}/collections/{XK}/manifest/", headers=hdr()).json()


def test_partially_valid_envelope_stores_the_valid_and_reports_each_failure(
    taxii: ApiClient,
) -> None:
    good = indicator(1)
    unknown_marking = f"marking-definition--{uuid.uuid4()}"
    bad = [
        indicator(2, id="indicator--nope"),
        indicator(3, created="2024-99-01T00:00:00.000Z"),
        indicator(4, pattern="[ipv4-addr:value = "),
        indicator(5, spec_version="2.0"),
        indicator(6, object_marking_refs=[unknown_marking]),
        "not an object",
    ]
    status = post(taxii, [good, *bad]).json()
    assert (status["success_count"], status["failure_count"], status["total_count"]) == (1, 6, 7)
    assert [s["id"] for s in status["successes"]] == [good["id"]]
    messages = [f["message"] for f in status["failures"]]
    assert "UUID" in messages[0] and "created" in messages[1] and "pattern" in messages[2]
    assert "spec_version" in messages[3] and unknown_marking in messages[4]
    assert status["failures"][2]["id"] == bad[2]["id"]
    stored = taxii.get(f"{ROOT}/collections/{XK}/objects/", headers=hdr()).json()["objects"]
    assert [o["id"] for o in stored] == [good["id"]]


def test_reposting_the_same_version_is_a_failure_not_a_copy(taxii: ApiClient) -> None:
    obj = indicator(1)
    post(taxii, [obj])
    status = post(taxii, [obj, obj]).json()
    assert status["success_count"] == 0 and status["failure_count"] == 2
    assert "already" in status["failures"][0]["message"]


def test_markings_are_enforced_on_every_read_path(taxii: ApiClient) -> None:
    secret = DefpactMarking(Clearance.SECRET, frozenset({"AL"}))
    definition = defpact_marking_definition(secret)
    hidden = indicator(1, object_marking_refs=[definition["id"], TLP2_MARKING_IDS[TLP.AMBER]])
    shared = indicator(2)
    status = post(taxii, [definition, hidden, shared]).json()
    assert status["success_count"] == 3
    coll = f"{ROOT}/collections/{XK}"
    for user, sees_hidden in [("al.analyst", True), ("hr.analyst", False), ("al.admin", False)]:
        ids = {o["id"] for o in taxii.get(f"{coll}/objects/", headers=hdr(user)).json()["objects"]}
        assert (hidden["id"] in ids) is sees_hidden and shared["id"] in ids
        manifest = taxii.get(f"{coll}/manifest/", headers=hdr(user)).json()["objects"]
        assert (hidden["id"] in {r["id"] for r in manifest}) is sees_hidden
        pact = taxii.get(f"{ROOT}/collections/{PACT_COLLECTION_ID}/objects/", headers=hdr(user))
        assert (hidden["id"] in {o["id"] for o in pact.json()["objects"]}) is sees_hidden
        direct = taxii.get(f"{coll}/objects/{hidden['id']}/", headers=hdr(user))
        assert direct.status_code == (200 if sees_hidden else 404)
        listed = taxii.get(f"{coll}/objects/{hidden['id']}/versions/", headers=hdr(user))
        assert listed.status_code == (200 if sees_hidden else 404)
    assert taxii.get(f"{ROOT}/status/{status['id']}/", headers=hdr("al.analyst")).status_code == 404
    served = taxii.get(f"{coll}/objects/{hidden['id']}/", headers=hdr("al.analyst")).json()
    assert served["objects"][0]["object_marking_refs"] == hidden["object_marking_refs"]


def test_marking_definitions_may_follow_their_users_and_cannot_be_redefined(
    taxii: ApiClient,
) -> None:
    marking = DefpactMarking(Clearance.RESTRICTED, frozenset({"HR"}))
    definition = defpact_marking_definition(marking)
    obj = indicator(1, object_marking_refs=[definition["id"]])
    assert post(taxii, [obj, definition]).json()["success_count"] == 2
    forged = {**definition}
    forged["extensions"] = {
        k: {**v, "releasable_to": ["PACT"]} for k, v in definition["extensions"].items()
    }
    status = post(taxii, [forged], user="al.analyst", collection=nation_collection_id("AL")).json()
    assert status["failure_count"] == 1 and "different" in status["failures"][0]["message"]
    hr_reads = taxii.get(f"{ROOT}/collections/{XK}/objects/{obj['id']}/", headers=hdr("hr.analyst"))
    assert hr_reads.status_code == 200
    al_reads = taxii.get(f"{ROOT}/collections/{XK}/objects/{obj['id']}/", headers=hdr("al.analyst"))
    assert al_reads.status_code == 404


def test_writing_needs_rights_and_a_marking_the_writer_may_give(taxii: ApiClient) -> None:
    error_body(post(taxii, [indicator()], user="al.analyst"), 403)
    error_body(post(taxii, [indicator()], collection=PACT_COLLECTION_ID), 403)
    error_body(post(taxii, [indicator()], collection=str(uuid.uuid4())), 404)
    too_high = DefpactMarking(Clearance.SECRET, frozenset({PACT}))
    definition = defpact_marking_definition(too_high)
    obj = indicator(1, object_marking_refs=[definition["id"]])
    error_body(post(taxii, [indicator()], user="xk.procurement"), 403)
    status = post(taxii, [definition, obj], user="xk.junior").json()
    assert status["failure_count"] == 1 and "classification" in status["failures"][0]["message"]
    outsider = DefpactMarking(Clearance.UNCLASSIFIED, frozenset({"FR"}))
    definition = defpact_marking_definition(outsider)
    status = post(taxii, [definition, indicator(2, object_marking_refs=[definition["id"]])]).json()
    assert "not a member" in status["failures"][0]["message"]


def test_only_the_originating_nation_may_delete(taxii: ApiClient) -> None:
    obj = indicator()
    post(taxii, [obj])
    error_body(
        taxii.delete(f"{ROOT}/collections/{XK}/objects/{obj['id']}/", headers=hdr("al.analyst")),
        403,
    )
    pact = f"{ROOT}/collections/{PACT_COLLECTION_ID}/objects/{obj['id']}/"
    error_body(taxii.delete(pact, headers=hdr()), 403)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("next=bogus", "next"),
        ("added_after=yesterday", "added_after"),
        ("match[version]=newest", "match[version]"),
        ("match[spec_version]=two", "match[spec_version]"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    taxii: ApiClient, query: str, parameter: str
) -> None:
    body = error_body(taxii.get(f"{ROOT}/collections/{XK}/objects/?{query}", headers=hdr()), 400)
    assert body["details"]["parameter"] == parameter


@pytest.mark.parametrize(
    "accept",
    ["application/json", "application/stix+json;version=2.1", "application/taxii+json;version=2.0"],
)
def test_unacceptable_accept_is_406(taxii: ApiClient, accept: str) -> None:
    error_body(taxii.get(f"{ROOT}/collections/", headers=hdr(Accept=accept)), 406)


def test_acceptable_accept_variants(taxii: ApiClient) -> None:
    for accept in [
        "application/taxii+json",
        "*/*",
        "application/json, application/taxii+json;version=2.1",
    ]:
        assert taxii.get(f"{ROOT}/", headers=hdr(Accept=accept)).status_code == 200


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/taxii+json;version=2.0", ""]
)
def test_wrong_content_type_is_415(taxii: ApiClient, content_type: str) -> None:
    response = taxii.post(f"{ROOT}/collections/{XK}/objects/", content=b'{"objects": []}',
                          headers=hdr(**{"Content-Type": content_type}))  # fmt: skip
    error_body(response, 415)


def test_envelope_over_max_content_length_is_413(taxii: ApiClient, client: ApiClient) -> None:
    app = client._client._transport.app  # type: ignore[attr-defined]
    app.state.taxii_max_content_length = 2_000
    assert taxii.get(f"{ROOT}/", headers=hdr()).json()["max_content_length"] == 2_000
    error_body(post(taxii, [indicator(n) for n in range(20)]), 413)
    assert post(taxii, [indicator()]).status_code == 202


@pytest.mark.parametrize(
    ("body", "text"),
    [(b"{not json", "JSON"), (b"[1, 2]", "envelope"), (b'{"objects": {"a": 1}}', "objects")],
)
def test_malformed_envelopes_are_400(taxii: ApiClient, body: bytes, text: str) -> None:
    response = taxii.post(f"{ROOT}/collections/{XK}/objects/", content=body,
                          headers=hdr(**{"Content-Type": TAXII}))  # fmt: skip
    assert text in error_body(response, 400)["description"]


def test_authentication_errors_and_unknown_paths_are_taxii_errors(taxii: ApiClient) -> None:
    unauthenticated = taxii.get(f"{ROOT}/collections/", headers={"Accept": TAXII})
    error_body(unauthenticated, 401)
    assert "Basic" in unauthenticated.headers["www-authenticate"]
    error_body(taxii.get(f"{ROOT}/collections/", headers=hdr(Authorization="Bearer nope")), 401)
    error_body(taxii.get("/taxii2/other/", headers=hdr()), 404)
    error_body(taxii.get(f"{ROOT}/collections/{XK}/nothing/", headers=hdr()), 404)
    error_body(taxii.put(f"{ROOT}/collections/{XK}/objects/", headers=hdr()), 405)
    error_body(taxii.get(f"{ROOT}/status/{uuid.uuid4()}/", headers=hdr()), 404)
    assert (
        taxii.get("/api/nations", headers={}).headers["content-type"] == "application/problem+json"
    )
