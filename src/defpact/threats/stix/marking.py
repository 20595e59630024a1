"""From a STIX object's ``object_marking_refs`` to the defpact marking that governs who reads it.

Three sources, in order (DESIGN.md "Releasability"):

* **TLP**: the TLP 1.0 marking definitions of STIX 2.1 (section 7.2.1.4: white, green, amber,
  red) and the TLP 2.0 marking definitions of the OASIS extension
  ``extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d`` (clear, green, amber,
  amber+strict, red). TLP 1.0 WHITE reads as TLP 2.0 CLEAR. When several TLP markings are
  referenced the most restrictive one applies.
* **classification and releasable_to**: a *defpact marking definition*, a STIX 2.1
  ``marking-definition`` carrying the property extension :data:`DEFPACT_EXTENSION_ID`::

      {"extension_type": "property-extension",
       "classification": "UNCLASSIFIED|RESTRICTED|CONFIDENTIAL|SECRET",
       "releasable_to": ["PACT"] or ["AL", "HR", ...]}

  Its id is derived (UUID v5) from its content, so equal markings have equal ids everywhere.
* anything not set by a reference comes from the collection's default marking.

The originator is always the nation of the user who adds the object. Other marking definitions
(statements, third-party markings) are allowed when known, and do not change who may read.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, Marking, parse_releasable_to

__all__ = [
    "DEFPACT_EXTENSION_ID",
    "DEFPACT_IDENTITY_ID",
    "TLP2_EXTENSION_ID",
    "TLP2_MARKING_IDS",
    "TLP_BY_MARKING_ID",
    "DefpactMarking",
    "MarkingError",
    "defpact_extension_definition",
    "defpact_marking_definition",
    "defpact_marking_id",
    "pact_identity",
    "read_defpact_extension",
    "reference_objects",
    "resolve_object_marking",
    "tlp2_marking_definition",
]

TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
DEFPACT_EXTENSION_ID = "extension-definition--aa1d3d64-62fb-414d-bfd2-c58cd6a1f095"
DEFPACT_IDENTITY_ID = "identity--9a9814a1-56ac-4f14-8482-37485a2df5ae"
_DEFPACT_NAMESPACE = uuid.UUID("96201c1d-4bbf-4322-85a7-2a37d56a77d9")
_FOUNDED = "2025-03-18T00:00:00.000Z"
_TLP2_CREATED = "2022-10-01T00:00:00.000Z"

TLP2_MARKING_IDS: dict[TLP, str] = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
_TLP1_MARKING_IDS: dict[str, TLP] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,  # TLP 1.0 white
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
}
TLP_BY_MARKING_ID: dict[str, TLP] = {
    **_TLP1_MARKING_IDS,
    **{marking_id: tlp for tlp, marking_id in TLP2_MARKING_IDS.items()},
}
_RESTRICTIVENESS = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]


class MarkingError(ValueError):
    """An object's markings cannot be turned into a defpact marking; the message says why."""


@dataclass(frozen=True, slots=True)
class DefpactMarking:
    classification: Clearance
    releasable_to: frozenset[str]


def tlp2_marking_definition(tlp: TLP) -> dict[str, Any]:
    """The OASIS TLP 2.0 marking definition object for ``tlp``, exactly as published."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_MARKING_IDS[tlp],
        "created": _TLP2_CREATED,
        "name": f"TLP:{tlp.value}",
        "extensions": {
            TLP2_EXTENSION_ID: {
                "extension_type": "property-extension",
                "tlp_2_0": tlp.value.lower(),
            }
        },
    }


def pact_identity() -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": DEFPACT_IDENTITY_ID,
        "created": _FOUNDED,
        "modified": _FOUNDED,
        "name": "defpact",
        "description": "The defence-cooperation pact's coordination platform.",
        "identity_class": "organization",
    }


def defpact_extension_definition() -> dict[str, Any]:
    """The STIX extension definition of the defpact marking (served by every node)."""
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": DEFPACT_EXTENSION_ID,
        "created_by_ref": DEFPACT_IDENTITY_ID,
        "created": _FOUNDED,
        "modified": _FOUNDED,
        "name": "defpact releasability marking",
        "description": (
            "Marks data with a defpact classification (UNCLASSIFIED < RESTRICTED < CONFIDENTIAL "
            "< SECRET) and the nations it is releasable to (ISO 3166-1 alpha-2 codes, or PACT "
            "for every current member of the pact). Applied to marking-definition objects."
        ),
        "schema": (
            "A property extension of marking-definition with two required properties: "
            "'classification' (one of UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET) and "
            "'releasable_to' (a non-empty list of nation codes and/or PACT). "
            "See docs/threats.md of defpact."
        ),
        "version": "1.0.0",
        "extension_types": ["property-extension"],
    }


def defpact_marking_id(marking: DefpactMarking) -> str:
    key = f"{marking.classification.name}|{','.join(sorted(marking.releasable_to))}"
    return f"marking-definition--{uuid.uuid5(_DEFPACT_NAMESPACE, key)}"


def defpact_marking_definition(marking: DefpactMarking) -> dict[str, Any]:
    """The canonical marking definition of ``marking`` (its id depends only on its content)."""
    codes = sorted(marking.releasable_to - {PACT})
    named = ([PACT] if PACT in marking.releasable_to else []) + codes
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": defpact_marking_id(marking),
        "created_by_ref": DEFPACT_IDENTITY_ID,
        "created": _FOUNDED,
        "name": f"DEFPACT {marking.classification.name} // REL TO {', '.join(named)}",
        "extensions": {
            DEFPACT_EXTENSION_ID: {
                "extension_type": "property-extension",
                "classification": marking.classification.name,
                "releasable_to": named,
            }
        },
    }


def reference_objects() -> list[dict[str, Any]]:
    """What every node serves: the pact identity, the defpact extension, TLP 2.0 markings."""
    return [
        pact_identity(),
        defpact_extension_definition(),
        *(tlp2_marking_definition(t) for t in _RESTRICTIVENESS),
    ]


def read_defpact_extension(obj: Mapping[str, Any]) -> DefpactMarking | None:
    """The defpact marking a marking-definition object defines, or None when it defines none.

    Raises MarkingError when the extension is present but malformed.
    """
    extensions = obj.get("extensions")
    if not isinstance(extensions, Mapping) or DEFPACT_EXTENSION_ID not in extensions:
        return None
    body = extensions[DEFPACT_EXTENSION_ID]
    if not isinstance(body, Mapping):
        raise MarkingError("the defpact marking extension must be an object")
    level = body.get("classification")
    try:
        classification = Clearance.parse(level) if isinstance(level, str) else None
    except ValueError as exc:
        raise MarkingError(f"defpact marking: {exc}") from None
    if classification is None:
        raise MarkingError("defpact marking: 'classification' is required")
    codes = body.get("releasable_to")
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise MarkingError("defpact marking: 'releasable_to' must be a non-empty list of codes")
    try:
        release = parse_releasable_to(codes)
    except ValueError as exc:
        raise MarkingError(f"defpact marking: {exc}") from None
    return DefpactMarking(classification, release)


def _most_restrictive(labels: Iterable[TLP]) -> TLP | None:
    ranked = sorted(labels, key=_RESTRICTIVENESS.index)
    return ranked[-1] if ranked else None


def resolve_object_marking(
    refs: Iterable[str],
    *,
    originator: str,
    default: Marking,
    defpact: Mapping[str, DefpactMarking],
    known_other: Collection[str],
) -> Marking:
    """The marking of an object with ``object_marking_refs`` = ``refs``.

    ``defpact`` maps known defpact marking-definition ids to their content; ``known_other``
    holds the ids of other marking definitions the store knows. Raises MarkingError for an
    unknown reference or more than one defpact marking.
    """
    labels: list[TLP] = []
    found: list[DefpactMarking] = []
    for ref in refs:
        if ref in TLP_BY_MARKING_ID:
            labels.append(TLP_BY_MARKING_ID[ref])
        elif ref in defpact:
            found.append(defpact[ref])
        elif ref not in known_other:
            raise MarkingError(
                f"unknown marking reference {ref!r}: add the marking-definition first "
                "(in the same envelope or earlier)"
            )
    if len({(m.classification, m.releasable_to) for m in found}) > 1:
        raise MarkingError("an object may reference at most one defpact marking definition")
    tlp = _most_restrictive(labels) or default.tlp
    if found:
        return Marking(originator, found[0].classification, found[0].releasable_to, tlp)
    return Marking(originator, default.classification, default.releasable_to, tlp)
