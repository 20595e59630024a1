"""Validation of incoming STIX objects: what is accepted, and why the rest is refused."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from defpact.threats.stix.validate import (
    Rejected,
    ValidObject,
    pattern_problem,
    simple_pattern_is_valid,
    validate_object,
)


def indicator(**changes: Any) -> dict[str, Any]:
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-02-01T00:00:00.123Z",
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }
    obj.update(changes)
    return obj


def _rejected(obj: object) -> Rejected:
    result = validate_object(obj)
    assert isinstance(result, Rejected), result
    return result


def test_a_valid_indicator_keeps_its_raw_json_and_version() -> None:
    obj = indicator()
    result = validate_object(obj)
    assert isinstance(result, ValidObject)
    assert json.loads(result.raw) == obj
    assert result.version_us is not None and result.spec_version == "2.1"


def test_observables_without_spec_version_and_custom_x_types_are_accepted() -> None:
    sco = {"type": "ipv4-addr", "id": f"ipv4-addr--{uuid.uuid4()}", "value": "192.0.2.1"}
    assert isinstance(validate_object(sco), ValidObject)
    assert validate_object(sco).version_us is None  # type: ignore[union-attr]
    custom = {
        "type": "x-defpact-note",
        "spec_version": "2.1",
        "id": f"x-defpact-note--{uuid.uuid4()}",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "x_text": "seen on three channels",
    }
    assert isinstance(validate_object(custom), ValidObject)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "indicator--not-a-uuid"}, "UUID"),
        ({"id": f"malware--{uuid.uuid4()}"}, "must be 'indicator--<UUID>'"),
        ({"created": "2024-13-01T00:00:00.000Z"}, "created"),
        ({"modified": "yesterday"}, "modified"),
        ({"pattern": "[ipv4-addr:value = "}, "pattern"),
        ({"pattern": "[file:hashes.MD5 = 'zz']"}, "pattern"),
        ({"spec_version": "2.0"}, "spec_version must be '2.1'"),
        ({"spec_version": None}, "spec_version"),
        ({"object_marking_refs": [f"identity--{uuid.uuid4()}"]}, "object_marking_refs"),
    ],
)
def test_invalid_stix_is_refused_with_a_reason(changes: dict[str, Any], message: str) -> None:
    obj = indicator(**changes)
    if changes.get("spec_version", "") is None:
        del obj["spec_version"]
    result = _rejected(obj)
    assert message in result.message
    assert result.stix_id == obj["id"]


def test_unknown_non_custom_types_bundles_and_non_objects_are_refused() -> None:
    assert (
        "custom object types must start with 'x-'"
        in _rejected(
            {"type": "gadget", "spec_version": "2.1", "id": f"gadget--{uuid.uuid4()}"}
        ).message
    )
    assert "bundle" in _rejected({"type": "bundle", "id": f"bundle--{uuid.uuid4()}"}).message
    assert "JSON object" in _rejected("indicator").message


def test_custom_objects_get_common_property_checks() -> None:
    base = {"type": "x-thing", "spec_version": "2.1", "id": f"x-thing--{uuid.uuid4()}"}
    assert "created" in _rejected({**base, "created": "2024-01-01"}).message
    assert "Bad" in _rejected({**base, "Bad": 1}).message
    early = {**base, "created": "2024-02-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z"}
    assert "modified" in _rejected(early).message


@pytest.mark.parametrize(
    "pattern",
    [
        "[ipv4-addr:value = '198.51.100.7']",
        "[domain-name:value = 'evil.example' OR url:value != 'http://x/\\'y']",
        "[email-addr:value = 'a@b.example' AND email-addr:display_name = 'A']",
    ],
)
def test_simple_patterns_take_the_fast_path_and_stix2_patterns_agrees(pattern: str) -> None:
    from stix2patterns.validator import run_validator

    assert simple_pattern_is_valid(pattern)
    assert run_validator(pattern, "2.1") == []


@pytest.mark.parametrize(
    "pattern",
    [
        "[file:hashes.'SHA-256' = 'abc']",
        "[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '5.6.7.8']",
        "[network-traffic:dst_port > 1024]",
    ],
)
def test_other_patterns_go_to_stix2_patterns(pattern: str) -> None:
    assert not simple_pattern_is_valid(pattern)
    assert pattern_problem(pattern) == pattern_problem.__wrapped__(pattern)
