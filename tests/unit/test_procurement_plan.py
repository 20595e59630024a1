"""The plan report: the hand-computed worked example field by field, and its invariants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from defpact.core.errors import InvalidInput
from defpact.procurement.money import to_cents
from defpact.procurement.plan import build_plan
from defpact.procurement.scenario import load_scenario, parse_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "procurement-scenario.json"

WORKED: dict[str, Any] = {
    "start": "2026-01",
    "nations": ["HR", "AL"],
    "items": {
        "radar": {
            "name": "Radar",
            "cost": {"t1": 2_000_000, "slope": 1.0, "c0": 0, "tiers": [[1, 1.0]],
                     "fixed_order": 1_000_000, "per_nation": 250_000, "surcharge": 0.032},
            "sched": {"T_loa": 3, "joint_extra": 2, "T_accept": 1, "lead": 6,
                      "cap": 2, "backlog": 3, "moq": 5, "lot_cycle": 6},
            "qty": {"HR": 4, "AL": 6},
            "need_by": {"HR": "2027-03", "AL": "2027-06"},
        }
    },
    "budget": {"HR": {"2026": 7_500_000, "2027": 2_000_000},
               "AL": {"2026": 10_000_000, "2027": 5_000_000}},
}  # fmt: skip

# Computed by hand in docs/procurement.md ("Worked example").
WORKED_PLAN: dict[str, Any] = {
    "members": ["HR", "AL"],
    "items": {
        "radar": {
            "name": "Radar",
            "participants": ["HR", "AL"],
            "qty": {"HR": 4, "AL": 6},
            "stand_alone": {"HR": 9_546_000.0, "AL": 13_674_000.0},
            "sum_stand_alone": 23_220_000.0,
            "joint_cost": 22_188_000.0,
            "savings": 1_032_000.0,
            "savings_pct": 4.44,
            "shapley": {"HR": 9_030_000.0, "AL": 13_158_000.0},
            "proportional": {"HR": 8_875_200.0, "AL": 13_312_800.0},
            "saving_by_nation": {"HR": 516_000.0, "AL": 516_000.0},
            "individually_rational": True,
            "core_max_excess": -516_000.0,
            "in_core": True,
            "blocking_coalition": None,
            "signature_individual": "2026-05",
            "signature_joint": "2026-07",
            "award_individual": {"HR": "2026-07", "AL": "2026-05"},
            "award_joint": "2026-07",
            "delivery_individual": {"HR": ["2027-02", "2027-03"], "AL": ["2026-11", "2027-01"]},
            "delivery_joint": {"HR": ["2027-01", "2027-02"], "AL": ["2027-03", "2027-05"]},
            "need_by": {"HR": "2027-03", "AL": "2027-06"},
            "meets_need_by_individual": {"HR": True, "AL": True},
            "meets_need_by_joint": {"HR": True, "AL": True},
            "months_gained_by_joint": {"HR": 1, "AL": -4},
        }
    },
    "totals": {
        "HR": {"stand_alone": 9_546_000.0, "joint_share": 9_030_000.0, "saving": 516_000.0,
               "saving_pct": 5.41},
        "AL": {"stand_alone": 13_674_000.0, "joint_share": 13_158_000.0, "saving": 516_000.0,
               "saving_pct": 3.77},
    },
    "cash_by_fy_individual": {
        "HR": {"2026": 7_000_400.0, "2027": 2_545_600.0},
        "AL": {"2026": 12_458_533.33, "2027": 1_215_466.67},
    },
    "cash_by_fy_joint": {
        "HR": {"2026": 7_224_000.0, "2027": 1_806_000.0},
        "AL": {"2026": 8_373_272.73, "2027": 4_784_727.27},
    },
    "budget_breaches_individual": {"HR": [2027], "AL": [2026]},
    "budget_breaches_joint": {"HR": [], "AL": []},
}  # fmt: skip


def test_worked_example_matches_the_hand_computation_in_every_field() -> None:
    assert build_plan(parse_scenario(WORKED)) == WORKED_PLAN


def test_proportional_rule_changes_savings_and_payments_but_not_the_reported_shares() -> None:
    plan = build_plan(parse_scenario(WORKED), rule="proportional")
    radar = plan["items"]["radar"]
    assert radar["shapley"] == WORKED_PLAN["items"]["radar"]["shapley"]
    assert radar["saving_by_nation"] == {"HR": 670_800.0, "AL": 361_200.0}
    assert radar["core_max_excess"] == -361_200.0
    assert plan["totals"]["HR"]["joint_share"] == 8_875_200.0


def _cents(mapping: dict[str, float]) -> int:
    return sum(to_cents(v) for v in mapping.values())


@pytest.mark.parametrize("rule", ["shapley", "proportional", "nearest-core"])
def test_every_rule_sums_to_the_joint_cost_to_the_cent(rule: Any) -> None:
    plan = build_plan(load_scenario(EXAMPLE), rule=rule)
    for entry in plan["items"].values():
        joint = to_cents(entry["joint_cost"])
        assert _cents(entry["shapley"]) == joint
        assert _cents(entry["proportional"]) == joint
        assert _cents(entry["stand_alone"]) - _cents(entry["saving_by_nation"]) == joint
    assert sum(_cents(c) for c in plan["cash_by_fy_joint"].values()) == sum(
        to_cents(t["joint_share"]) for t in plan["totals"].values()
    )


def test_example_flags_need_by_misses_and_budget_breaches() -> None:
    plan = build_plan(load_scenario(EXAMPLE))
    radar = plan["items"]["radar"]
    assert radar["meets_need_by_individual"]["XK"] is False
    assert radar["meets_need_by_joint"]["HR"] is False
    assert radar["months_gained_by_joint"]["HR"] < 0
    assert plan["budget_breaches_individual"]["MK"] == [2026, 2028]


def test_members_restrict_the_nations_considered() -> None:
    scenario = load_scenario(EXAMPLE)
    plan = build_plan(scenario, members=["MK", "AL"])
    assert plan["members"] == ["AL", "MK"]  # scenario order, not the order given
    radar = plan["items"]["radar"]
    assert radar["participants"] == ["AL", "MK"]
    assert set(plan["totals"]) == set(plan["cash_by_fy_joint"]) == {"AL", "MK"}
    full = build_plan(scenario)["items"]["radar"]
    assert radar["joint_cost"] < full["joint_cost"]
    # XK and HR no longer hold the production line before AL
    assert radar["delivery_individual"]["AL"] == ["2028-07", "2028-08"]
    assert full["delivery_individual"]["AL"] == ["2028-08", "2028-09"]


def test_unknown_or_empty_members_are_refused() -> None:
    scenario = load_scenario(EXAMPLE)
    for members in (["HR", "RS"], []):
        with pytest.raises(InvalidInput) as caught:
            build_plan(scenario, members=members)
        assert caught.value.field == "members"


def test_an_item_nobody_buys_has_no_joint_order() -> None:
    data = {"nations": ["XK"], "items": {"x": {"cost": {"t1": 5}, "sched": {"cap": 1}}}}
    entry = build_plan(parse_scenario(data))["items"]["x"]
    assert entry["participants"] == [] and entry["joint_cost"] == 0.0
    assert entry["award_joint"] is None and entry["savings_pct"] == 0.0
    assert entry["core_max_excess"] is None and entry["in_core"] is True


def test_nearest_core_moves_shares_into_the_core_when_shapley_is_outside() -> None:
    data = {
        "nations": ["A", "B", "C", "D", "E", "F", "G"],
        "items": {"x": {"cost": {"t1": 1000, "tiers": [[1, 1.0], [20, 0.5]]}, "sched": {"cap": 50},
                        "qty": {"A": 9, "B": 1, "C": 2, "D": 3, "E": 2, "F": 9, "G": 10}}},
    }  # fmt: skip
    scenario = parse_scenario(data)
    shapley = build_plan(scenario)["items"]["x"]
    assert shapley["in_core"] is False and shapley["core_max_excess"] > 0
    assert shapley["blocking_coalition"] == ["A", "B", "C", "D", "E", "G"]
    nearest = build_plan(scenario, rule="nearest-core")["items"]["x"]
    assert nearest["in_core"] is True and nearest["blocking_coalition"] is None
    assert nearest["shapley"] == shapley["shapley"]
    assert nearest["saving_by_nation"] != shapley["saving_by_nation"]
