"""Validation of training instances and the JSON file format: bad input names the field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from defpact.training.generator import generate_instance
from defpact.training.instance import instance_from_dict, instance_to_dict
from defpact.training.model import InstanceError, validate_instance

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "training-instance.json"


def _example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["national_holidays"] = "none"
    return data


def _exercise(data: dict[str, Any], ex_id: str) -> dict[str, Any]:
    return next(e for e in data["exercises"] if e["id"] == ex_id)


def _pin(ex_id: str, week: int) -> dict[str, Any]:
    return {"exercise": ex_id, "start_week": week, "area": "HR-SLUNJ"}


def _error(data: dict[str, Any]) -> InstanceError:
    with pytest.raises(InstanceError) as info:
        instance_from_dict(data)
    return info.value


def test_example_instance_loads_with_national_holidays() -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    inst = instance_from_dict(data)
    assert len(inst.exercises) == 8
    assert inst.config.force_sourcing
    national = [h for h in inst.holidays if h.nation == "XK" and "Independence" in h.name]
    assert [(h.start_week, h.hard) for h in national] == [(8, False)]  # 17 Feb 2026 is in week 8


def test_window_shorter_than_duration_is_rejected_naming_the_field() -> None:
    data = _example()
    ex = _exercise(data, "ADRIATIC-SHIELD")
    ex.update(earliest_week=20, latest_week=20, preferred_start=None)
    del ex["preferred_start"]
    err = _error(data)
    assert err.field == "exercises[ADRIATIC-SHIELD].latest_week"
    assert "shorter than duration_weeks 2" in err.message


def test_unit_from_non_participating_nation_is_rejected() -> None:
    data = _example()
    _exercise(data, "EAGLE-BRIDGE")["required_units"]["HR"] = ["HR-INF-1"]
    err = _error(data)
    assert err.field == "exercises[EAGLE-BRIDGE].required_units.HR"
    assert "not a participating nation" in err.message


def test_named_unit_must_belong_to_the_nation_it_is_listed_under() -> None:
    data = _example()
    _exercise(data, "EAGLE-BRIDGE")["required_units"]["AL"] = ["XK-ENG-1"]
    assert "belongs to XK, not AL" in _error(data).message


def test_area_in_no_host_nation_is_rejected() -> None:
    data = _example()
    _exercise(data, "EAGLE-BRIDGE")["areas"] = ["HR-SLUNJ"]
    err = _error(data)
    assert err.field == "exercises[EAGLE-BRIDGE].areas"
    assert "HR-SLUNJ" in err.message and "neither the host nor a participating" in err.message


@pytest.mark.parametrize(
    ("mutate", "field", "text"),
    [
        (
            lambda d: _exercise(d, "EAGLE-BRIDGE").update(areas=["NOWHERE"]),
            "exercises[EAGLE-BRIDGE].areas",
            "unknown area",
        ),
        (
            lambda d: _exercise(d, "EAGLE-BRIDGE")["required_units"].update(AL=["AL-GHOST"]),
            "exercises[EAGLE-BRIDGE].required_units.AL",
            "unknown unit",
        ),
        (
            lambda d: _exercise(d, "EAGLE-BRIDGE").update(host="DE"),
            "exercises[EAGLE-BRIDGE].host",
            "not a member nation",
        ),
        (
            lambda d: _exercise(d, "EAGLE-BRIDGE").update(preferred_start=40),
            "exercises[EAGLE-BRIDGE].preferred_start",
            "not a possible start",
        ),
        (
            lambda d: _exercise(d, "EAGLE-BRIDGE").update(mandatroy=True),
            "exercises[EAGLE-BRIDGE].mandatroy",
            "unknown field",
        ),
        (
            lambda d: _exercise(d, "EAGLE-BRIDGE").update(duration_weeks="2"),
            "exercises[EAGLE-BRIDGE].duration_weeks",
            "integer",
        ),
        (
            lambda d: _exercise(d, "EAGLE-BRIDGE").update(type="parade"),
            "exercises[EAGLE-BRIDGE].type",
            "not one of",
        ),
        (
            lambda d: d["units"][0].update(blackouts=[[50, 54]]),
            "units[AL-INF-1].blackouts",
            "not within 1..52",
        ),
        (lambda d: d["areas"][0].update(capacity=0), "areas[HR-SLUNJ].capacity", "at least 1"),
        (lambda d: d["units"].append(dict(d["units"][0])), "units", "duplicate id"),
        (
            lambda d: d["config"].update(max_exercises_per_unit=0),
            "config.max_exercises_per_unit",
            "at least 1",
        ),
        (
            lambda d: d["config"]["weights"].update(holiday=-1),
            "config.weights.holiday",
            "not be negative",
        ),
        (
            lambda d: _exercise(d, "MED-EVAC")["required_units"].update(AL={"artillery": 1}),
            "exercises[MED-EVAC].required_units.AL.artillery",
            "only 0 available",
        ),
        (
            lambda d: d.update(pinned=[_pin("MED-EVAC", 30)]),
            "pinned[MED-EVAC].start_week",
            "outside the start window",
        ),
        (
            lambda d: d.update(pinned=[_pin("GHOST", 3)]),
            "pinned[GHOST].exercise",
            "unknown exercise",
        ),
    ],
)
def test_bad_fields_are_named(mutate: Any, field: str, text: str) -> None:
    data = _example()
    mutate(data)
    err = _error(data)
    assert err.field == field
    assert text in err.message


def test_non_object_file_is_rejected() -> None:
    assert _error([1, 2]).field == "file"  # type: ignore[arg-type]


def test_instance_round_trips_through_json() -> None:
    inst = generate_instance(12, seed=3, sourced=True)
    again = instance_from_dict(json.loads(json.dumps(instance_to_dict(inst))))
    assert again == inst


def test_example_round_trips_with_both_named_and_sourced_units() -> None:
    inst = instance_from_dict(_example())
    data = copy.deepcopy(instance_to_dict(inst))
    assert instance_from_dict(data) == inst
    shield = next(e for e in inst.exercises if e.id == "ADRIATIC-SHIELD")
    assert shield.named_units == {"HR": ("HR-INF-1",), "XK": ("XK-INF-1",)}
    assert shield.sourced_units == {"AL": {"infantry": 1}}


def test_generated_instances_are_valid() -> None:
    for seed in range(5):
        validate_instance(generate_instance(40, seed=seed, sourced=seed % 2 == 0))


def test_docs_show_the_example_files_verbatim() -> None:
    docs = (EXAMPLE.parents[1] / "training.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in docs.split("```json\n")[1:]]
    examples = [EXAMPLE, EXAMPLE.parent / "seat-bids.json"]
    assert [json.loads(b) for b in blocks] == [
        json.loads(p.read_text(encoding="utf-8")) for p in examples
    ]
