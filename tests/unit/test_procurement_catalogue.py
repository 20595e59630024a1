"""Validation of catalogue entries and requirement values, and scenario-document assembly."""

from __future__ import annotations

from typing import Any

import pytest

from defpact.core.errors import InvalidInput
from defpact.procurement.catalogue import (
    NeedRow,
    check_amount,
    check_need_by,
    check_quantity,
    normalise_entry,
    scenario_document,
)
from defpact.procurement.plan import build_plan
from defpact.procurement.scenario import parse_scenario


@pytest.mark.parametrize(
    ("cost", "sched", "field"),
    [
        ({"t1": 1, "tiers": [[2, 1.0]]}, {"cap": 1}, "cost.tiers"),
        ({"t1": 1, "tiers": [[1, 1.0], [5, 0.9], [5, 0.8]]}, {"cap": 1}, "cost.tiers"),
        ({"t1": -1}, {"cap": 1}, "cost.t1"),
        ({"t1": 1, "surcharge": -0.1}, {"cap": 1}, "cost.surcharge"),
        ({"t1": 1, "price": 3}, {"cap": 1}, "cost.price"),
        ({"t1": 1}, {"cap": 0}, "sched.cap"),
        ({"t1": 1}, {"cap": 2, "lead": -1}, "sched.lead"),
        ({"t1": 1}, {"T_loa": 3}, "sched.cap"),
    ],
)
def test_bad_entries_name_the_field(
    cost: dict[str, Any], sched: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        normalise_entry("gun", "Gun", "FMS", cost, sched)
    assert error.value.field == field


def test_entry_is_normalised_with_every_field() -> None:
    cost, sched = normalise_entry("gun", "Gun", "DCS", {"t1": 5}, {"cap": 3})
    assert cost == {
        "t1": 5.0,
        "slope": 1.0,
        "c0": 0,
        "tiers": [[1, 1.0]],
        "fixed_order": 0.0,
        "per_nation": 0.0,
        "surcharge": 0.0,
    }
    assert sched["cap"] == 3 and sched["lot_cycle"] == 1 and sched["T_loa"] == 0
    with pytest.raises(InvalidInput) as key:
        normalise_entry("Big Gun", "Gun", "FMS", {"t1": 5}, {"cap": 3})
    assert key.value.field == "key"
    with pytest.raises(InvalidInput) as channel:
        normalise_entry("gun", "Gun", "ebay", {"t1": 5}, {"cap": 3})
    assert channel.value.field == "channel"


def test_requirement_values() -> None:
    assert check_quantity(3) == 3
    for bad in (-1, 0, 100_001):
        with pytest.raises(InvalidInput):
            check_quantity(bad)
    assert check_need_by("2026-01", "2026-01") == "2026-01"
    for month in ("2025-12", "2026-1", "26-01"):
        with pytest.raises(InvalidInput) as error:
            check_need_by(month, "2026-01")
        assert error.value.field == "need_by"
    assert check_amount(12.34) == 1234 and check_amount(0) == 0
    with pytest.raises(InvalidInput):
        check_amount(float("nan"))


def test_document_round_trips_through_the_scenario_parser() -> None:
    cost, sched = normalise_entry("gun", "Gun", "FMS", {"t1": 100}, {"cap": 5})
    document = scenario_document(
        "2026-01",
        ["XK", "AL"],
        [("gun", "Gun", "FMS", cost, sched)],
        [NeedRow("XK", "gun", 3, "2026-12"), NeedRow("AL", "gun", 2, "2027-01")],
        [("XK", 2026, 123_450), ("AL", 2027, 1_000_000)],
    )
    assert document["budget"] == {"XK": {"2026": 1234.5}, "AL": {"2027": 10000}}
    plan = build_plan(parse_scenario(document))
    assert plan["items"]["gun"]["joint_cost"] == 500.0
