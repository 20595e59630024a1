"""Correlation, alerts, warninglists and sightings through the services (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from correlation_support import (
    actor,
    indicator,
    marking_definition,
    post,
    sco,
    sighting,
)
from defpact.core.audit import AuditEventRow
from defpact.core.config import reset_settings_cache
from defpact.core.context import Actor
from defpact.core.errors import InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance
from defpact.core.runtime import Node
from defpact.threats.correlation.service import (
    AlertState,
    acknowledge_alert,
    correlations_for,
    hot_values,
    list_alerts,
    lookup,
    parse_value,
)
from defpact.threats.correlation.sightings import sighting_summary
from defpact.threats.correlation.store import CorrelationRow, ObservableRow
from defpact.threats.correlation.warninglist_service import (
    import_warninglist,
    list_warninglists,
    set_warninglist_enabled,
)
from defpact.threats.stix.collections import nation_collection_id
from defpact.threats.stix.query import VersionSelector
from defpact.threats.stix.service import delete_object, seed_threats

IP = "45.9.148.21"


@pytest.fixture
def hub(node: Node) -> Node:
    seed_threats(node.uow())
    return node


def _lookup_ids(node: Node, user: str, value: str) -> set[str]:
    result = lookup(node.uow(), actor(node, user), parse_value(value))
    return {h.stix_id for h in result.hits}


def _alerts(node: Node, user: str, state: AlertState = AlertState.OPEN) -> list[tuple[str, str]]:
    page = list_alerts(node.uow(), actor(node, user), state)
    assert page.total == len(page.items)
    return [(a.correlation.new.stix_id, a.correlation.old.stix_id) for a in page.items]


def test_values_of_two_nations_correlate_and_alert_everyone_who_sees_both(hub: Node) -> None:
    xk = indicator(f"[ipv4-addr:value = '{IP}']")
    post(hub, "xk.analyst", xk)
    al = sco("ipv4-addr", f"::ffff:{IP}")  # the same address, written as IPv4-mapped IPv6
    post(hub, "al.analyst", al)
    for user in ("xk.analyst", "al.analyst", "hr.analyst"):
        assert _alerts(hub, user) == [(al["id"], xk["id"])]
        assert _lookup_ids(hub, user, IP) == {xk["id"], al["id"]}
    views = correlations_for(hub.uow(), actor(hub, "hr.analyst"), xk["id"])
    assert [(v.new.value, v.old.value) for v in views] == [(IP, IP)]


def test_same_nation_values_do_not_correlate(hub: Node) -> None:
    post(hub, "xk.analyst", indicator(f"[ipv4-addr:value = '{IP}']"))
    post(hub, "xk.analyst", sco("ipv4-addr", IP))
    assert _alerts(hub, "xk.analyst") == []
    with hub.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CorrelationRow)) == 0


def test_an_object_released_to_one_nation_alerts_only_that_nation(hub: Node) -> None:
    xk = indicator("[domain-name:value = 'Evil-Relay.XK.']")
    post(hub, "xk.analyst", xk)
    only_xk = marking_definition(Clearance.UNCLASSIFIED, {"XK"})
    al = sco("domain-name", "evil-relay.xk", [only_xk["id"]])
    post(hub, "al.analyst", only_xk, al)
    assert _alerts(hub, "xk.analyst") == [(al["id"], xk["id"])]
    assert _alerts(hub, "al.analyst") == [(al["id"], xk["id"])]
    assert _alerts(hub, "hr.analyst") == []
    assert _lookup_ids(hub, "hr.analyst", "evil-relay.xk") == {xk["id"]}
    assert correlations_for(hub.uow(), actor(hub, "hr.analyst"), xk["id"]) == []
    with pytest.raises(NotFound):
        correlations_for(hub.uow(), actor(hub, "hr.analyst"), al["id"])
    with pytest.raises(NotFound):
        sighting_summary(hub.uow(), actor(hub, "hr.analyst"), al["id"])


def test_alerts_are_refiltered_by_the_reading_users_clearance(hub: Node) -> None:
    secret = marking_definition(Clearance.SECRET, {"PACT"})
    xk = indicator("[file:hashes.'SHA-256' = '" + "AB" * 32 + "']", refs=[secret["id"]])
    post(hub, "xk.analyst", secret, xk)
    al = {
        "type": "file", "spec_version": "2.1", "id": "file--0b5c0f0e-4c3a-4f57-9d2c-0c5f2c8b1a11",
        "hashes": {"SHA-256": "ab" * 32}, "name": "dropper.exe",
    }  # fmt: skip
    post(hub, "al.analyst", al)
    assert _alerts(hub, "al.analyst") == [(al["id"], xk["id"])]
    assert _alerts(hub, "al.admin") == []  # CONFIDENTIAL: the SECRET side is not there for them
    assert list_alerts(hub.uow(), actor(hub, "al.admin"), AlertState.ALL).total == 0
    assert _lookup_ids(hub, "al.admin", "ab" * 32) == {al["id"]}


def test_acknowledgement_is_per_nation_audited_and_idempotent(hub: Node) -> None:
    post(hub, "xk.analyst", indicator(f"[ipv4-addr:value = '{IP}']"))
    post(hub, "al.analyst", sco("ipv4-addr", IP))
    alert = list_alerts(hub.uow(), actor(hub, "xk.analyst")).items[0]
    with pytest.raises(PermissionDenied):
        acknowledge_alert(hub.uow(), actor(hub, "xk.admin"), alert.id)
    with pytest.raises(NotFound):  # another nation's alert does not exist for AL
        acknowledge_alert(hub.uow(), actor(hub, "al.analyst"), alert.id)
    done = acknowledge_alert(hub.uow(), actor(hub, "xk.analyst"), alert.id)
    assert done.acknowledged_by == "xk.analyst" and done.acknowledged_at is not None
    again = acknowledge_alert(hub.uow(), actor(hub, "xk.analyst"), alert.id)
    assert again.acknowledged_at == done.acknowledged_at
    assert _alerts(hub, "xk.analyst") == []
    assert len(_alerts(hub, "xk.analyst", AlertState.ACKNOWLEDGED)) == 1
    assert len(_alerts(hub, "al.analyst")) == 1  # AL's own alert stays open
    with hub.uow() as uow:
        stmt = select(func.count()).where(AuditEventRow.action == "threats.alert.acknowledge")
        assert uow.session.scalar(stmt) == 1


def test_an_acknowledged_alert_stays_acknowledged_across_new_versions(hub: Node) -> None:
    """A new version of either object re-creates the correlation; the nations that
    acknowledged it keep their acknowledgement, the others keep an open alert, and a
    correlation the new version no longer has is gone with its alerts."""
    xk_range = indicator("[ipv4-addr:value = '45.9.0.0/16']")
    post(hub, "xk.analyst", xk_range)
    al = indicator(f"[ipv4-addr:value = '{IP}']")  # inside the range: a containment match
    post(hub, "al.analyst", al)
    alert = list_alerts(hub.uow(), actor(hub, "xk.analyst")).items[0]
    done = acknowledge_alert(hub.uow(), actor(hub, "xk.analyst"), alert.id)
    # The range (the *old* side of the correlation) gets a new version: roles swap.
    post(hub, "xk.analyst", indicator("[ipv4-addr:value = '45.9.0.0/16']", stix_id=xk_range["id"],
                                      modified="2025-06-01T00:00:00.000Z"))  # fmt: skip
    assert _alerts(hub, "xk.analyst") == []
    kept = list_alerts(hub.uow(), actor(hub, "xk.analyst"), AlertState.ACKNOWLEDGED).items
    assert [(a.correlation.new.stix_id, a.acknowledged_by) for a in kept] == [
        (xk_range["id"], "xk.analyst")
    ]
    assert kept[0].acknowledged_at == done.acknowledged_at
    assert _alerts(hub, "al.analyst") == [(xk_range["id"], al["id"])]  # AL never acknowledged
    # The AL side gets a new version with the same value: still acknowledged for XK.
    post(hub, "al.analyst", indicator(f"[ipv4-addr:value = '{IP}']", stix_id=al["id"],
                                      modified="2025-06-02T00:00:00.000Z"))  # fmt: skip
    assert _alerts(hub, "xk.analyst") == []
    assert len(_alerts(hub, "xk.analyst", AlertState.ACKNOWLEDGED)) == 1
    # A version whose value no longer matches ends the correlation and its alerts.
    post(hub, "al.analyst", indicator("[ipv4-addr:value = '46.1.1.1']", stix_id=al["id"],
                                      modified="2025-06-03T00:00:00.000Z"))  # fmt: skip
    assert list_alerts(hub.uow(), actor(hub, "xk.analyst"), AlertState.ALL).total == 0
    # ... and the same value again correlates anew: a new correlation is a new alert.
    post(hub, "al.analyst", indicator(f"[ipv4-addr:value = '{IP}']", stix_id=al["id"],
                                      modified="2025-06-04T00:00:00.000Z"))  # fmt: skip
    assert len(_alerts(hub, "xk.analyst")) == 1


def test_cidr_containment_correlates_in_both_orders(hub: Node) -> None:
    xk_range = indicator("[ipv4-addr:value = '45.9.0.0/16']")
    post(hub, "xk.analyst", xk_range)
    al_ip = sco("ipv4-addr", "45.9.3.4")
    post(hub, "al.analyst", al_ip)
    hr_range = indicator("[ipv4-addr:value = '45.9.3.0/24']")
    post(hub, "hr.analyst", hr_range)
    pairs = set(_alerts(hub, "xk.analyst"))
    assert (al_ip["id"], xk_range["id"]) in pairs  # address inside an earlier range
    assert (hr_range["id"], al_ip["id"]) in pairs  # range around an earlier address
    assert (hr_range["id"], xk_range["id"]) in pairs  # narrower range inside a wider one
    found = lookup(hub.uow(), actor(hub, "hr.analyst"), parse_value("45.9.3.0/24"))
    relations = {h.stix_id: h.relation for h in found.hits}
    assert relations == {hr_range["id"]: "equal", al_ip["id"]: "contains", xk_range["id"]: "within"}


def test_wide_ranges_match_only_themselves(hub: Node) -> None:
    post(hub, "xk.analyst", indicator("[ipv4-addr:value = '45.0.0.0/8']"))
    post(hub, "al.analyst", sco("ipv4-addr", "45.1.2.3"))
    assert _alerts(hub, "xk.analyst") == []


def test_warninglisted_values_are_indexed_but_never_correlate(hub: Node) -> None:
    xk = indicator("[ipv4-addr:value = '8.8.8.8' OR domain-name:value = 'www.example.com']")
    post(hub, "xk.analyst", xk)
    post(hub, "al.analyst", sco("ipv4-addr", "8.8.8.8"), sco("domain-name", "www.example.com"))
    assert _alerts(hub, "xk.analyst") == []
    result = lookup(hub.uow(), actor(hub, "hr.analyst"), parse_value("8.8.8.8"))
    assert result.total == 2 and all(h.suppressed for h in result.hits)
    assert result.warninglists == ("defpact: well-known public DNS resolvers",)


def test_an_imported_warninglist_suppresses_values_indexed_afterwards(hub: Node) -> None:
    console = Actor.console()
    misp = {
        "name": "Pact sinkholes", "version": 3, "description": "sinkholes", "type": "hostname",
        "matching_attributes": ["domain", "hostname", "url"], "list": ["sinkhole.xk"],
    }  # fmt: skip
    info = import_warninglist(hub.uow(), console, misp)
    assert (info.entries, info.enabled, info.builtin) == (1, True, False)
    post(hub, "xk.analyst", indicator("[url:value = 'http://a.sinkhole.xk/x']"))
    post(hub, "al.analyst", sco("url", "HTTP://A.SINKHOLE.XK:80/x#frag"))
    assert _alerts(hub, "xk.analyst") == []
    set_warninglist_enabled(hub.uow(), console, "Pact sinkholes", enabled=False)
    xk = indicator("[url:value = 'http://b.sinkhole.xk/']")
    post(hub, "xk.analyst", xk)
    al = sco("url", "http://b.sinkhole.xk")
    post(hub, "al.analyst", al)
    assert _alerts(hub, "xk.analyst") == [(al["id"], xk["id"])]
    names = {i.name: i.enabled for i in list_warninglists(hub.uow())}
    assert names["Pact sinkholes"] is False
    assert names["defpact: well-known public DNS resolvers"] is True
    with pytest.raises(InvalidInput, match="type"):
        import_warninglist(hub.uow(), console, {**misp, "type": "glob"})
    with pytest.raises(PermissionDenied):
        import_warninglist(hub.uow(), actor(hub, "xk.analyst"), misp)


def test_a_value_over_the_cap_is_flagged_and_stops_correlating(
    hub: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFPACT_CORRELATION_CAP", "2")
    reset_settings_cache()
    try:
        post(hub, "xk.analyst", *(indicator(f"[ipv4-addr:value = '{IP}']") for _ in range(3)))
        post(hub, "al.analyst", sco("ipv4-addr", IP))
    finally:
        monkeypatch.delenv("DEFPACT_CORRELATION_CAP")
        reset_settings_cache()
    assert _alerts(hub, "xk.analyst") == []
    assert [(h.value, h.objects) for h in hot_values(hub.uow())] == [(IP, 3)]
    post(hub, "hr.analyst", sco("ipv4-addr", IP))  # hot values are not looked up again
    assert _alerts(hub, "xk.analyst") == []


def test_a_new_version_replaces_the_index_and_a_revocation_removes_it(hub: Node) -> None:
    xk = indicator(f"[ipv4-addr:value = '{IP}']")
    post(hub, "xk.analyst", xk)
    al = sco("ipv4-addr", IP)
    post(hub, "al.analyst", al)
    changed = indicator("[ipv4-addr:value = '45.9.148.22']", stix_id=xk["id"],
                        modified="2025-05-01T00:00:00.000Z")  # fmt: skip
    post(hub, "xk.analyst", changed)
    assert _alerts(hub, "xk.analyst") == []
    assert _lookup_ids(hub, "hr.analyst", IP) == {al["id"]}
    assert _lookup_ids(hub, "hr.analyst", "45.9.148.22") == {xk["id"]}
    revoked = indicator("[ipv4-addr:value = '45.9.148.22']", stix_id=xk["id"],
                        modified="2025-06-01T00:00:00.000Z", revoked=True)  # fmt: skip
    post(hub, "xk.analyst", revoked)
    assert _lookup_ids(hub, "hr.analyst", "45.9.148.22") == set()


def test_deleting_the_newest_version_brings_back_the_previous_one(hub: Node) -> None:
    xk = indicator(f"[ipv4-addr:value = '{IP}']")
    post(hub, "xk.analyst", xk)
    newer = indicator("[ipv4-addr:value = '45.9.148.22']", stix_id=xk["id"],
                      modified="2025-05-01T00:00:00.000Z")  # fmt: skip
    post(hub, "xk.analyst", newer)
    al = sco("ipv4-addr", IP)
    post(hub, "al.analyst", al)
    assert _alerts(hub, "al.analyst") == []
    who = actor(hub, "xk.analyst")
    last = VersionSelector(last=True, every=False)
    delete_object(hub.uow(), who, nation_collection_id("XK"), xk["id"], last, frozenset())
    assert _lookup_ids(hub, "hr.analyst", IP) == {xk["id"], al["id"]}
    assert _alerts(hub, "al.analyst") == [(xk["id"], al["id"])]
    every = VersionSelector(last=False, every=True)
    delete_object(hub.uow(), who, nation_collection_id("XK"), xk["id"], every, frozenset())
    assert _lookup_ids(hub, "hr.analyst", IP) == {al["id"]}
    assert _alerts(hub, "al.analyst") == []
    with hub.uow() as uow:
        stmt = select(func.count()).where(ObservableRow.stix_id == xk["id"])
        assert uow.session.scalar(stmt) == 0


def test_sighting_counts_include_only_visible_sightings(hub: Node) -> None:
    xk = indicator(f"[ipv4-addr:value = '{IP}']")
    post(hub, "xk.analyst", xk)
    post(hub, "al.analyst", sighting(xk["id"], 3))
    only_hr = marking_definition(Clearance.UNCLASSIFIED, {"HR"})
    post(hub, "al.analyst", only_hr, sighting(xk["id"], 2, fp=True, refs=[only_hr["id"]]))
    post(hub, "hr.analyst", sighting(xk["id"], 5, fp=True))
    for user, expected in (("xk.analyst", (2, 8, 1)), ("hr.analyst", (3, 10, 2)),
                           ("al.analyst", (3, 10, 2))):  # fmt: skip
        summary = sighting_summary(hub.uow(), actor(hub, user), xk["id"])
        got = (summary.sightings, summary.sightings_total, summary.false_positives)
        assert got == expected, user
    summary = sighting_summary(hub.uow(), actor(hub, "xk.analyst"), xk["id"])
    assert [(n.nation, n.sightings) for n in summary.by_nation] == [("AL", 1), ("HR", 1)]


def test_bad_lookup_values_name_the_field(hub: Node) -> None:
    with pytest.raises(InvalidInput, match="value") as info:
        parse_value("not a value at all")
    assert info.value.field == "value"
    with pytest.raises(InvalidInput, match="kind"):
        parse_value("1.2.3.4", "ipv5")
    with pytest.raises(InvalidInput, match="value"):
        parse_value("example.com", "ipv4")


def test_reads_of_restricted_objects_are_audited_even_for_long_values(hub: Node) -> None:
    restricted = marking_definition(Clearance.RESTRICTED, {"PACT"})
    url = "https://evil-relay.xk/" + "a" * 3000
    xk = indicator(f"[url:value = '{url}']", refs=[restricted["id"]])
    post(hub, "xk.analyst", restricted, xk)
    result = lookup(hub.uow(), actor(hub, "al.analyst"), parse_value(url))
    assert [h.stix_id for h in result.hits] == [xk["id"]]
    with hub.uow() as uow:
        event = uow.session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "threats.lookup")
        ).one()
        assert event.after is not None and xk["id"] in str(event.after)
