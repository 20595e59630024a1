"""Scenario parsing: the documented example loads; bad input names the offending field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from defpact.core.errors import InvalidInput
from defpact.procurement.plan import build_plan
from defpact.procurement.scenario import load_scenario, parse_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "procurement-scenario.json"

BASE: dict[str, Any] = {
    "start": "2026-01",
    "nations": ["XK", "AL", "HR"],
    "items": {
        "radar": {
            "name": "Radar",
            "cost": {"t1": 1000.0, "tiers": [[1, 1.0], [5, 0.9]]},
            "sched": {"cap": 2},
            "qty": {"XK": 1, "AL": 2},
            "need_by": {"XK": "2027-01"},
        }
    },
    "budget": {"XK": {"2026": 500}},
}


def _with(path: str, value: object) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    node[last] = value
    return data


def _field_of(data: object) -> str | None:
    with pytest.raises(InvalidInput) as caught:
        parse_scenario(data)
    return caught.value.field


def test_the_documented_example_loads_with_nation_order_and_months() -> None:
    scenario = load_scenario(EXAMPLE)
    assert scenario.nations == ("XK", "AL", "HR", "MK")
    assert list(scenario.items) == ["radar", "atgm", "uav"]
    radar = scenario.items["radar"]
    assert radar.cost.tiers == ((1, 1.0), (6, 0.96), (10, 0.92))
    assert radar.sched.t_loa == 6 and radar.sched.lot_cycle == 6
    assert radar.need_by["XK"] == 29  # 2028-06 is 29 months after 2026-01
    assert scenario.budget["MK"][2027] == 15_000_000


def test_yaml_and_json_give_the_same_scenario(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(json.loads(EXAMPLE.read_text())), encoding="utf-8")
    assert load_scenario(path) == load_scenario(EXAMPLE)


def test_defaults_apply_when_optional_fields_are_missing() -> None:
    scenario = parse_scenario(
        {"nations": ["XK"], "items": {"x": {"cost": {"t1": 5}, "sched": {"cap": 1}}}}
    )
    item = scenario.items["x"]
    assert scenario.start.label() == "2026-01"
    assert (item.name, item.channel, item.cost.slope, item.cost.tiers) == (
        "x",
        "FMS",
        1.0,
        ((1, 1.0),),
    )
    assert item.sched.lot_cycle == 1 and item.qty == {}


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("items.radar.cost.tiers", [[2, 1.0]], "items.radar.cost.tiers"),
        ("items.radar.cost.tiers", [[1, 1.0], [5, 0.9], [4, 0.8]], "items.radar.cost.tiers"),
        ("items.radar.cost.tiers", [[1, 1.0], 5], "items.radar.cost.tiers[1]"),
        ("items.radar.cost.t1", -3, "items.radar.cost.t1"),
        ("items.radar.cost.per_nation", "cheap", "items.radar.cost.per_nation"),
        ("items.radar.cost.discount", 0.1, "items.radar.cost.discount"),
        ("items.radar.cost", {"slope": 0.9}, "items.radar.cost.t1"),
        ("items.radar.sched", {"lead": 3}, "items.radar.sched.cap"),
        ("items.radar.sched.lot_cycle", 0, "items.radar.sched.lot_cycle"),
        ("items.radar.sched.lead", 2.5, "items.radar.sched.lead"),
        ("items.radar.qty.HR", -1, "items.radar.qty.HR"),
        ("items.radar.qty.MK", 3, "items.radar.qty.MK"),
        ("items.radar.qty.HR", 100_000, "items.radar.qty"),
        ("items.radar.need_by.XK", "2025-12", "items.radar.need_by.XK"),
        ("items.radar.need_by.XK", "2027-13", "items.radar.need_by.XK"),
        ("items.radar.need_by.RS", "2027-01", "items.radar.need_by.RS"),
        ("items.radar.channel", "EBAY", "items.radar.channel"),
        ("budget.MK", {"2026": 1}, "budget.MK"),
        ("budget.XK", {"26": 1}, "budget.XK.26"),
        ("budget.XK", {"2026": -1}, "budget.XK.2026"),
        ("start", "January", "start"),
        ("nations", [], "nations"),
        ("nations", ["XK", "XK"], "nations[1]"),
        ("nations", ["XK", False], "nations[1]"),
        ("colour", "red", "scenario.colour"),
    ],
)
def test_bad_input_names_the_field(path: str, value: object, field: str) -> None:
    assert _field_of(_with(path, value)) == field


def test_tier_error_message_says_what_is_expected() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_scenario(_with("items.radar.cost.tiers", [[1, 1.0], [1, 0.9]]))
    assert f"{caught.value.field}: {caught.value.detail}" == (
        "items.radar.cost.tiers: must start at min_qty 1 and increase"
    )


def test_unquoted_norway_in_yaml_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "s.yml"
    path.write_text("nations: [XK, NO]\nitems: {}\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="quote") as caught:
        load_scenario(path)
    assert caught.value.field == "nations[1]"


def test_unreadable_and_malformed_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        load_scenario(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not valid"):
        load_scenario(broken)


def test_a_simulation_that_cannot_finish_names_the_item_field() -> None:
    scenario = parse_scenario(_with("items.radar.sched", {"cap": 0}))
    with pytest.raises(InvalidInput) as caught:
        build_plan(scenario)
    assert caught.value.field == "items.radar.sched.cap"
