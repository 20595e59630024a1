"""Joiner effect: every member's share change, increases flagged with their cause."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from defpact.core.errors import InvalidInput
from defpact.procurement.joiner import joiner_effect
from defpact.procurement.plan import build_plan
from defpact.procurement.scenario import load_scenario, parse_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "procurement-scenario.json"


def _scenario(tiers: list[list[float]], slope: float = 1.0) -> Any:
    return parse_scenario(
        {
            "nations": ["XK", "AL", "HR", "MK"],
            "items": {
                "uav": {
                    "cost": {"t1": 2_500_000, "slope": slope, "tiers": tiers,
                             "fixed_order": 300_000, "per_nation": 80_000},
                    "sched": {"cap": 5},
                    "qty": {"XK": 2, "AL": 2, "HR": 4, "MK": 2},
                }
            },
        }
    )  # fmt: skip


def test_others_reaching_a_tier_without_a_member_is_flagged_as_the_cause() -> None:
    effect = joiner_effect(load_scenario(EXAMPLE), "MK")
    uav = effect["items"]["uav"]["changes"]
    assert uav["XK"]["increase"] and uav["AL"]["increase"] and not uav["HR"]["increase"]
    assert "tier min_qty 8" in uav["XK"]["cause"] and "without XK" in uav["XK"]["cause"]
    assert "6 -> 8" in uav["XK"]["cause"]
    assert [(i["item"], i["nation"]) for i in effect["increases"]] == [("uav", "XK"), ("uav", "AL")]


def test_changes_are_after_minus_before_and_match_the_plans() -> None:
    scenario = load_scenario(EXAMPLE)
    effect = joiner_effect(scenario, "MK")
    before = build_plan(scenario, members=["XK", "AL", "HR"])
    after = build_plan(scenario)
    for member in ("XK", "AL", "HR"):
        change = effect["items"]["radar"]["changes"][member]
        assert change["before"] == before["items"]["radar"]["shapley"][member]
        assert change["after"] == after["items"]["radar"]["shapley"][member]
        assert change["change"] == pytest.approx(change["after"] - change["before"], abs=0.005)
    assert effect["totals"]["HR"]["after"] == after["totals"]["HR"]["joint_share"]
    assert effect["items"]["atgm"]["candidate_share"] == after["items"]["atgm"]["shapley"]["MK"]


def test_without_tiers_or_rising_costs_nobody_pays_more() -> None:
    effect = joiner_effect(_scenario([[1, 1.0]], slope=0.9), "MK")
    assert effect["increases"] == []


def test_a_learning_curve_with_rising_unit_cost_is_named() -> None:
    effect = joiner_effect(_scenario([[1, 1.0]], slope=1.2), "MK")
    causes = {i["cause"] for i in effect["increases"]}
    assert causes and all("learning curve" in cause for cause in causes)


def test_a_nation_that_does_not_buy_the_item_changes_nothing() -> None:
    data = {"nations": ["XK", "MK"], "items": {"x": {"cost": {"t1": 9}, "sched": {"cap": 1},
                                                   "qty": {"XK": 3}}}}  # fmt: skip
    change = joiner_effect(parse_scenario(data), "MK")["items"]["x"]["changes"]["XK"]
    assert change["change"] == 0.0 and change["cause"] is None


def test_unknown_candidate_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        joiner_effect(load_scenario(EXAMPLE), "RS")
    assert caught.value.field == "nation"
