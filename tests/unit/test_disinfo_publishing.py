"""From a group to a campaign: the release rule, DISARM parsing, valid STIX objects, SVG."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, Marking
from defpact.threats.disinfo.charts import network, timeline
from defpact.threats.disinfo.publishing import (
    CampaignDraft,
    campaign_report,
    parse_disarm,
    release_problem,
)
from defpact.threats.disinfo.records import EvidencePost, GroupView, StoredGroup, group_view
from defpact.threats.hub.reports import build_campaign, check_campaign
from defpact.threats.stix.validate import ValidObject, validate_object

MEMBERS = frozenset({"XK", "AL", "HR"})
T0 = datetime(2025, 3, 4, 9, 12, tzinfo=UTC)
PATTERN = "attack-pattern--6f3a2d4e-7b1c-4c8e-9a2f-0b1c2d3e4f50"


def _m(origin: str, release: set[str], level: Clearance = Clearance.UNCLASSIFIED,
       tlp: TLP = TLP.GREEN) -> Marking:  # fmt: skip
    return Marking(origin, level, frozenset(release), tlp)


def test_release_rule_allows_only_what_every_source_allows() -> None:
    sources = [_m("XK", {"XK", "AL"}, tlp=TLP.AMBER), _m("AL", {PACT})]
    assert release_problem(_m("XK", {"AL"}, tlp=TLP.AMBER), sources, MEMBERS) is None
    assert "HR" in str(release_problem(_m("XK", {"HR"}, tlp=TLP.AMBER), sources, MEMBERS))
    assert "PACT" in str(release_problem(_m("XK", {PACT}, tlp=TLP.AMBER), sources, MEMBERS))
    assert "TLP" in str(release_problem(_m("XK", {"AL"}), sources, MEMBERS))
    secret = [_m("XK", {PACT}, Clearance.SECRET)]
    assert "SECRET" in str(release_problem(_m("XK", {PACT}), secret, MEMBERS))
    assert release_problem(_m("XK", {PACT}, Clearance.SECRET), secret, MEMBERS) is None
    # a foreign batch released to XK only cannot be republished by XK to anyone else
    foreign = [_m("HR", {"XK"})]
    assert release_problem(_m("XK", set()), foreign, MEMBERS) is None
    assert "AL" in str(release_problem(_m("XK", {"AL"}), foreign, MEMBERS))


def test_parse_disarm() -> None:
    got = parse_disarm(["T0049 Flooding the information space", "", "t0007: Create pages",
                        "T0049 again"])  # fmt: skip
    assert [(t.id, t.name) for t in got] == [("T0049", "Flooding the information space"),
                                             ("T0007", "Create pages")]  # fmt: skip
    assert parse_disarm(["T0086.002"])[0].name == "T0086.002"
    with pytest.raises(ValueError, match="T0049"):
        parse_disarm(["X12 nonsense"])


def _evidence() -> list[EvidencePost]:
    posts = []
    for i, account in enumerate(["a1", "a2", "a3", "a1", "a2"]):
        posts.append(EvidencePost(
            pk=i + 1, batch_id=1, post_id=f"p{i}", account=account,
            platform="telegram" if account == "a1" else "x",
            published_at=T0 + timedelta(seconds=7 * i), text=f"Влада крије истину <{i}>",
            urls=("https://bit.ly/3xYz",), language="sr-Cyrl", nation="XK", obj=i % 2,
        ))  # fmt: skip
    return posts


def _view() -> GroupView:
    stored = StoredGroup(
        7, 1, 1, 3.2, 3,
        [{"kind": "url", "key": "bit.ly/3xYz", "idf": 4.0, "accounts": 3, "posts": 3},
         {"kind": "text", "key": "vlada krije <istinu>", "idf": 5.0, "accounts": 2, "posts": 2}],
        None, None, [], None,
    )  # fmt: skip
    return group_view(stored, _evidence(), False, _m("XK", set()))


def test_campaign_report_of_a_group_makes_valid_stix_with_the_chosen_marking() -> None:
    marking = _m("XK", {"AL"}, Clearance.RESTRICTED, TLP.AMBER)
    draft = CampaignDraft("Op", "desc", parse_disarm(["T0049 Flooding"]), marking, examples=2)
    report = campaign_report(_view(), draft)
    assert report.first_seen == T0 and report.last_seen == T0 + timedelta(seconds=28)
    assert report.techniques == ("T0049",) and report.languages == ("sr-Cyrl",)
    assert [(a.platform, a.login) for a in report.accounts] == [
        ("telegram", "a1"), ("x", "a2"), ("x", "a3")
    ]  # fmt: skip
    # one example per account first, in time order, then the limit
    assert [p.text for p in report.example_posts] == ["Влада крије истину <0>",
                                                      "Влада крије истину <1>"]  # fmt: skip
    assert report.example_posts[0].url == "https://bit.ly/3xYz"
    checked = check_campaign(report, frozenset({"XK", "AL", "HR"}), {"T0049": PATTERN})
    objects = build_campaign(checked, marking, T0, {"T0049": PATTERN})
    results = [validate_object(o) for o in objects]
    assert all(isinstance(r, ValidObject) for r in results), results
    refs = {tuple(o["object_marking_refs"]) for o in objects if o["type"] != "marking-definition"}
    assert len(refs) == 1 and objects[0]["id"] in next(iter(refs))


def test_group_view_recomputes_from_visible_evidence_and_withholds_the_score() -> None:
    stored = StoredGroup(7, 1, 1, 3.2, 3, [{"kind": "url", "key": "k", "idf": 1.0},
                                          {"kind": "text", "key": "t", "idf": 2.0}],
                         None, None, [], None)  # fmt: skip
    visible = [p for p in _evidence() if p.account != "a3"]
    view = group_view(stored, visible, True, _m("XK", set()))
    assert view.summary.accounts == ("a1", "a2") and view.summary.score is None
    assert view.summary.posts == 4 and view.summary.platforms == {"x": 2, "telegram": 2}


def test_charts_escape_text_and_draw_every_post() -> None:
    view = _view()
    svg = timeline(view.evidence, {0: "url", 1: "text"})
    assert svg.count("<circle") == 5 and "<{" not in svg and "&lt;" in svg
    net = network(view.objects, view.evidence)
    assert net.count("<rect") == 2 and "&lt;istinu&gt;" in net and "<script" not in net
    assert timeline([], {}) == "" and network((), []) == ""
