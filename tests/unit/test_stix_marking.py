"""TLP and defpact markings read from STIX object_marking_refs."""

from __future__ import annotations

import pytest
import stix2
from stix2validator import ValidationOptions, validate_instance

from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, Marking
from defpact.threats.stix.marking import (
    DEFPACT_EXTENSION_ID,
    TLP2_MARKING_IDS,
    DefpactMarking,
    MarkingError,
    defpact_marking_definition,
    defpact_marking_id,
    read_defpact_extension,
    reference_objects,
    resolve_object_marking,
)

DEFAULT = Marking("XK", Clearance.UNCLASSIFIED, frozenset({PACT}), TLP.GREEN)
TLP1_AMBER = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
TLP1_WHITE = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"


def _resolve(refs: list[str], **known: DefpactMarking) -> Marking:
    return resolve_object_marking(
        refs, originator="XK", default=DEFAULT, defpact=known, known_other=set()
    )


def test_tlp_2_0_ids_are_the_oasis_ones() -> None:
    assert TLP2_MARKING_IDS[TLP.CLEAR] == "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
    assert TLP2_MARKING_IDS[TLP.RED] == "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"


@pytest.mark.parametrize(
    ("ref", "label"),
    [
        (TLP2_MARKING_IDS[TLP.AMBER_STRICT], TLP.AMBER_STRICT),
        (TLP2_MARKING_IDS[TLP.CLEAR], TLP.CLEAR),
        (TLP1_AMBER, TLP.AMBER),
        (TLP1_WHITE, TLP.CLEAR),
    ],
)
def test_tlp_comes_from_tlp_1_and_2_marking_refs(ref: str, label: TLP) -> None:
    assert _resolve([ref]).tlp is label


def test_the_most_restrictive_tlp_wins() -> None:
    refs = [TLP2_MARKING_IDS[TLP.GREEN], TLP2_MARKING_IDS[TLP.RED], TLP1_AMBER]
    assert _resolve(refs).tlp is TLP.RED


def test_without_refs_the_collection_default_applies_with_the_writer_as_originator() -> None:
    marking = _resolve([])
    assert marking == DEFAULT


def test_a_defpact_marking_sets_classification_and_release() -> None:
    secret = DefpactMarking(Clearance.SECRET, frozenset({"AL"}))
    mid = defpact_marking_id(secret)
    marking = _resolve([mid, TLP2_MARKING_IDS[TLP.AMBER]], **{mid: secret})
    assert marking == Marking("XK", Clearance.SECRET, frozenset({"AL"}), TLP.AMBER)


def test_unknown_marking_reference_is_refused_with_its_id() -> None:
    unknown = "marking-definition--00000000-0000-4000-8000-000000000000"
    with pytest.raises(MarkingError, match=unknown):
        _resolve([unknown])


def test_two_different_defpact_markings_are_refused() -> None:
    a = DefpactMarking(Clearance.SECRET, frozenset({"AL"}))
    b = DefpactMarking(Clearance.RESTRICTED, frozenset({PACT}))
    with pytest.raises(MarkingError, match="at most one"):
        _resolve([defpact_marking_id(a), defpact_marking_id(b)],
                 **{defpact_marking_id(a): a, defpact_marking_id(b): b})  # fmt: skip


def test_defpact_marking_definition_round_trips_and_has_a_content_derived_id() -> None:
    marking = DefpactMarking(Clearance.CONFIDENTIAL, frozenset({"HR", PACT}))
    obj = defpact_marking_definition(marking)
    assert read_defpact_extension(obj) == marking
    assert obj["id"] == defpact_marking_definition(marking)["id"]
    other = DefpactMarking(Clearance.CONFIDENTIAL, frozenset({"HR"}))
    assert defpact_marking_id(other) != obj["id"]
    assert obj["extensions"][DEFPACT_EXTENSION_ID]["releasable_to"] == ["PACT", "HR"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"extension_type": "property-extension", "releasable_to": ["AL"]}, "classification"),
        ({"classification": "TOP SECRET", "releasable_to": ["AL"]}, "TOP SECRET"),
        ({"classification": "SECRET", "releasable_to": []}, "releasable_to"),
        ({"classification": "SECRET", "releasable_to": ["ZZ"]}, "ZZ"),
    ],
)
def test_malformed_defpact_extension_is_explained(body: dict[str, object], message: str) -> None:
    obj = {"type": "marking-definition", "extensions": {DEFPACT_EXTENSION_ID: body}}
    with pytest.raises(MarkingError, match=message):
        read_defpact_extension(obj)


def test_other_marking_definitions_define_no_defpact_marking() -> None:
    tlp = next(o for o in reference_objects() if o["id"] == TLP2_MARKING_IDS[TLP.GREEN])
    assert read_defpact_extension(tlp) is None


def test_served_objects_are_valid_stix_2_1() -> None:
    options = ValidationOptions(version="2.1")
    marking = DefpactMarking(Clearance.SECRET, frozenset({"AL", "HR"}))
    for obj in [*reference_objects(), defpact_marking_definition(marking)]:
        stix2.parse(obj, allow_custom=True, version="2.1")
        result = validate_instance(obj, options)
        assert result.is_valid, (obj["id"], [str(e) for e in result.errors])
