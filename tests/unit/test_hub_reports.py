"""Incident and campaign reports: checks naming the field, and the STIX they become."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stix2validator import ValidationOptions, validate_instance

from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, Marking
from defpact.threats.hub.disarm import DisarmError, parse_disarm, read_disarm_file
from defpact.threats.hub.graph import relationship_svg
from defpact.threats.hub.reports import (
    CampaignReport,
    ExamplePost,
    IncidentReport,
    Observable,
    ReportError,
    SocialAccount,
    build_campaign,
    build_incident,
    check_campaign,
    check_incident,
    guess_kind,
    indicator_pattern,
    parse_observable_lines,
)
from defpact.threats.stix.marking import TLP2_MARKING_IDS
from defpact.threats.stix.validate import ValidObject, validate_object

NATIONS = frozenset({"XK", "AL", "HR", "DE"})
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
MARK = Marking("XK", Clearance.RESTRICTED, frozenset({"AL"}), TLP.AMBER)
DISARM = Path(__file__).parent.parent / "data" / "disarm_mini.json"


def _incident(**over: object) -> IncidentReport:
    base: dict[str, object] = {
        "title": "Phishing against MoD mail",
        "description": "Credential phishing wave",
        "incident_type": "phishing",
        "observables": (
            Observable("ipv4-addr", "203.0.113.7"),
            Observable("domain-name", "Login-MoD.Example."),
            Observable(
                "sha256", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
            ),
        ),
    }
    base.update(over)
    return IncidentReport(**base)  # type: ignore[arg-type]


def _valid_stix(objects: list[dict[str, object]]) -> None:
    options = ValidationOptions(version="2.1", strict=False)
    for obj in objects:
        result = validate_instance(obj, options)
        assert result.is_valid, (obj["type"], [str(e) for e in result.errors])
        assert isinstance(validate_object(obj), ValidObject)


def test_incident_becomes_marked_valid_stix() -> None:
    report = check_incident(_incident(), NATIONS)
    assert report.observables[1].value == "login-mod.example"
    assert report.observables[2].value.islower()
    objects = build_incident(report, MARK, NOW)
    _valid_stix(objects)
    types = [o["type"] for o in objects]
    assert types[:2] == ["marking-definition", "incident"]
    assert types.count("indicator") == 3 and types.count("observed-data") == 1
    assert {"ipv4-addr", "domain-name", "file"} <= set(types)
    definition = objects[0]
    for obj in objects[1:]:
        assert obj["object_marking_refs"] == [TLP2_MARKING_IDS[TLP.AMBER], definition["id"]]
    patterns = sorted(o["pattern"] for o in objects if o["type"] == "indicator")
    assert "[domain-name:value = 'login-mod.example']" in patterns
    rels = [o for o in objects if o["type"] == "relationship"]
    kinds = {
        (o["relationship_type"], o["source_ref"].split("--")[0], o["target_ref"].split("--")[0])
        for o in rels
    }
    assert kinds == {
        ("related-to", "observed-data", "incident"),
        ("based-on", "indicator", "observed-data"),
        ("related-to", "indicator", "incident"),
    }


def test_observable_ids_depend_on_value_and_marking() -> None:
    report = check_incident(_incident(make_indicators=False), NATIONS)
    first = [o["id"] for o in build_incident(report, MARK, NOW) if o["type"] == "ipv4-addr"]
    again = [o["id"] for o in build_incident(report, MARK, NOW) if o["type"] == "ipv4-addr"]
    wider = Marking("XK", Clearance.UNCLASSIFIED, frozenset({PACT}), TLP.GREEN)
    other = [o["id"] for o in build_incident(report, wider, NOW) if o["type"] == "ipv4-addr"]
    assert first == again and first != other


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"incident_type": "boredom"}, "incident_type"),
        ({"title": "  "}, "title"),
        ({"observables": (Observable("ipv4-addr", "300.1.1.1"),)}, "observables[0].value"),
        ({"observables": (Observable("ipv4-addr", "2001:db8::1"),)}, "observables[0].value"),
        ({"observables": (Observable("md5", "abc"),)}, "observables[0].value"),
        ({"observables": (Observable("url", "javascript:alert(1)"),)}, "observables[0].value"),
        ({"observables": (Observable("bogus", "x"),)}, "observables[0].kind"),
        ({"affected_nations": ("ZZ",)}, "affected_nations[0]"),
        (
            {
                "first_seen": datetime(2026, 1, 2, tzinfo=UTC),
                "last_seen": datetime(2026, 1, 1, tzinfo=UTC),
            },
            "last_seen",
        ),
        ({"first_seen": datetime(2026, 1, 2)}, "first_seen"),
    ],
)
def test_bad_incident_names_the_field(over: dict[str, object], field: str) -> None:
    with pytest.raises(ReportError) as info:
        check_incident(_incident(**over), NATIONS)
    assert info.value.field == field


def test_guess_kind_and_lines() -> None:
    assert guess_kind("203.0.113.0/24") == "ipv4-addr"
    assert guess_kind("2001:db8::1") == "ipv6-addr"
    assert guess_kind("https://x.example/a") == "url"
    assert guess_kind("a@b.example") == "email-addr"
    assert guess_kind("d41d8cd98f00b204e9800998ecf8427e") == "md5"
    assert guess_kind("evil.example") == "domain-name"
    lines = parse_observable_lines(
        "# comment\n203.0.113.7\n\nsha1 " + "a" * 40 + "\nurl: http://x.example\n"
    )
    assert lines == (
        Observable("ipv4-addr", "203.0.113.7"),
        Observable("sha1", "a" * 40),
        Observable("url", "http://x.example"),
    )


@given(st.ip_addresses())
def test_every_ip_normalises_and_makes_a_valid_pattern(address: object) -> None:
    kind = "ipv4-addr" if address.version == 4 else "ipv6-addr"  # type: ignore[attr-defined]
    report = check_incident(_incident(observables=(Observable(kind, str(address)),)), NATIONS)
    pattern = indicator_pattern(report.observables[0])
    from defpact.threats.stix.validate import pattern_problem

    assert pattern_problem(pattern) is None


def test_campaign_uses_disarm_techniques() -> None:
    framework = read_disarm_file(DISARM)
    techniques = {t.external_id: t.stix_id for t in framework.techniques}
    report = check_campaign(
        CampaignReport(
            "Border fear", "Coordinated posts", languages=("sq", "sr-Cyrl"),
            techniques=("t0049.003", "T0022.001", "T0049.003"),
            example_posts=(ExamplePost("They come tonight", "telegram", "https://t.me/x/1", NOW),),
            accounts=(SocialAccount("Telegram", "patriot_1"),
                      SocialAccount("telegram", "patriot_1")),
            affected_nations=("xk",),
        ),
        NATIONS, techniques,
    )  # fmt: skip
    assert report.techniques == ("T0049.003", "T0022.001")
    assert report.accounts == (SocialAccount("telegram", "patriot_1"),)
    objects = build_campaign(report, MARK, NOW, techniques)
    _valid_stix(objects)
    campaign = objects[1]
    assert campaign["type"] == "campaign" and campaign["x_defpact_affected_nations"] == ["XK"]
    uses = sorted(o["target_ref"] for o in objects if o.get("relationship_type") == "uses")
    assert uses == sorted([techniques["T0049.003"], techniques["T0022.001"]])
    notes = [o for o in objects if o["type"] == "note"]
    assert notes[0]["object_refs"] == [campaign["id"]] and "tonight" in notes[0]["content"]
    assert [o["account_login"] for o in objects if o["type"] == "user-account"] == ["patriot_1"]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"techniques": ("T9999",)}, "techniques[0]"),
        ({"techniques": ("flood",)}, "techniques[0]"),
        ({"languages": ("not a tag",)}, "languages[0]"),
        ({"example_posts": (ExamplePost(" "),)}, "example_posts[0].text"),
        ({"example_posts": (ExamplePost("x", url="nope"),)}, "example_posts[0].url"),
        ({"accounts": (SocialAccount("x", " "),)}, "accounts[0].login"),
    ],
)
def test_bad_campaign_names_the_field(over: dict[str, object], field: str) -> None:
    framework = read_disarm_file(DISARM)
    techniques = {t.external_id: t.stix_id for t in framework.techniques}
    with pytest.raises(ReportError) as info:
        check_campaign(CampaignReport("n", "d", **over), NATIONS, techniques)  # type: ignore[arg-type]
    assert info.value.field == field


def test_disarm_parse_and_refusal() -> None:
    framework = read_disarm_file(DISARM)
    assert [t.external_id for t in framework.tactics] == ["TA14", "TA17"]
    sub = framework.technique("T0049.003")
    assert sub is not None and sub.parent == "T0049" and sub.tactic == "TA17"
    with pytest.raises(DisarmError):
        parse_disarm({"type": "bundle", "objects": [{"type": "identity", "id": "x"}]})
    with pytest.raises(DisarmError):
        parse_disarm([1, 2])


def test_real_disarm_file_when_present() -> None:
    real = Path(__file__).resolve().parents[3] / "shared" / "data" / "disarm" / "DISARM.json"
    if not real.exists():
        pytest.skip(f"{real} is not on this machine")
    framework = read_disarm_file(real)
    assert len(framework.tactics) == 16 and len(framework.techniques) == 391


def test_graph_svg_is_well_formed_and_escaped() -> None:
    svg = relationship_svg(
        ("campaign--1", "campaign", "<script>alert(1)</script>"),
        [(f"note--{i}", "note", f"n & {i}") for i in range(30)],
        [(f"note--{i}", "campaign--1", "related-to") for i in range(30)],
    )
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag.endswith("svg")
    assert "<script>" not in svg and "and 6 more" in svg
    assert json.dumps(svg)  # plain text
