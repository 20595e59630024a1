"""Portfolio cash: items one nation wants are bought alone in both columns."""

from __future__ import annotations

from defpact.procurement.plan import build_plan
from defpact.procurement.portfolio import portfolio_cash
from defpact.procurement.scenario import parse_scenario

DOC = {
    "start": "2026-01",
    "nations": ["HR", "AL"],
    "items": {
        "radar": {
            "cost": {"t1": 1_000_000, "fixed_order": 500_000},
            "sched": {"T_loa": 2, "joint_extra": 6, "cap": 1},
            "qty": {"HR": 2, "AL": 2},
        },
        "boat": {
            "cost": {"t1": 3_000_000},
            "sched": {"T_loa": 2, "joint_extra": 6, "cap": 1},
            "qty": {"HR": 1},
        },
    },
    "budget": {"HR": {"2026": 1_000_000}},
}


def test_single_participant_items_stay_individual_and_joint_items_use_shares() -> None:
    scenario = parse_scenario(DOC)
    report = portfolio_cash(scenario)
    hr, al = report["nations"]["HR"], report["nations"]["AL"]
    plan = build_plan(scenario)["items"]
    share = plan["radar"]["shapley"]["HR"]
    assert sum(hr["joint"].values()) == round(share + 3_000_000, 2)
    assert sum(hr["individual"].values()) == round(
        plan["radar"]["stand_alone"]["HR"] + 3_000_000, 2
    )
    assert sum(al["joint"].values()) == plan["radar"]["shapley"]["AL"]
    assert hr["breaches_individual"] == [2026] and al["budget"] == {}
    assert report["skipped"] == {}
