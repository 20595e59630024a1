"""The DISARM Red framework (disinformation tactics and techniques) read from its STIX 2.1 bundle.

The DISARM Foundation publishes the framework as a STIX 2.1 bundle (``DISARM.json``): one
``x-mitre-tactic`` per tactic (``TA01``...), one ``attack-pattern`` per technique or
sub-technique (``T0049``, ``T0049.003``), with the id in ``external_references`` and the tactic in
``kill_chain_phases``. The data is CC BY-SA 4.0: :data:`ATTRIBUTION` is shown wherever it is used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ATTRIBUTION",
    "DisarmError",
    "DisarmFramework",
    "Tactic",
    "Technique",
    "parse_disarm",
    "read_disarm_file",
]

ATTRIBUTION = (
    "DISARM Framework by the DISARM Foundation, licensed under CC BY-SA 4.0 "
    "(https://www.disarm.foundation/)"
)
_TECHNIQUE_ID = re.compile(r"^T\d{4}(\.\d{3})?$")
_TACTIC_ID = re.compile(r"^TA\d{2}$")


class DisarmError(ValueError):
    """The file is not a DISARM STIX bundle; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Tactic:
    external_id: str
    name: str
    shortname: str
    stix_id: str


@dataclass(frozen=True, slots=True)
class Technique:
    external_id: str
    name: str
    description: str
    tactic: str  # external id of the tactic, e.g. TA06
    stix_id: str
    url: str
    parent: str | None  # external id of the parent technique of a sub-technique


@dataclass(frozen=True, slots=True)
class DisarmFramework:
    tactics: tuple[Tactic, ...]
    techniques: tuple[Technique, ...]
    objects: tuple[dict[str, Any], ...]  # every object of the bundle, to be stored as served

    def technique(self, external_id: str) -> Technique | None:
        return next((t for t in self.techniques if t.external_id == external_id), None)


def _external_id(obj: Mapping[str, Any], pattern: re.Pattern[str]) -> tuple[str, str] | None:
    for ref in obj.get("external_references", ()):
        if isinstance(ref, dict) and pattern.match(str(ref.get("external_id", ""))):
            return str(ref["external_id"]), str(ref.get("url", ""))
    return None


def parse_disarm(bundle: object) -> DisarmFramework:
    """Tactics and techniques of a DISARM bundle; :class:`DisarmError` when it is not one."""
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle":
        raise DisarmError("not a STIX bundle: the top level must be an object with type 'bundle'")
    objects = bundle.get("objects")
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise DisarmError("the bundle has no list of objects")
    tactics: list[Tactic] = []
    for obj in objects:
        if obj.get("type") == "x-mitre-tactic":
            found = _external_id(obj, _TACTIC_ID)
            if found:
                shortname = str(obj.get("x_mitre_shortname", ""))
                tactics.append(Tactic(found[0], str(obj.get("name", "")), shortname, obj["id"]))
    by_short = {t.shortname: t.external_id for t in tactics}
    techniques: list[Technique] = []
    for obj in objects:
        if obj.get("type") != "attack-pattern":
            continue
        found = _external_id(obj, _TECHNIQUE_ID)
        if not found:
            continue
        phases = obj.get("kill_chain_phases") or [{}]
        tactic = by_short.get(str(phases[0].get("phase_name", "")), "")
        ext = found[0]
        parent = ext.split(".")[0] if "." in ext else None
        techniques.append(
            Technique(
                ext, str(obj.get("name", "")), str(obj.get("description", "")), tactic,
                obj["id"], found[1], parent,
            )
        )  # fmt: skip
    if not tactics or not techniques:
        raise DisarmError(
            "no DISARM tactics (x-mitre-tactic with an external id TAnn) or techniques "
            "(attack-pattern with an external id Tnnnn) in the bundle"
        )
    techniques.sort(key=lambda t: t.external_id)
    tactics.sort(key=lambda t: t.external_id)
    return DisarmFramework(tuple(tactics), tuple(techniques), tuple(objects))


def read_disarm_file(path: Path) -> DisarmFramework:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DisarmError(f"cannot read {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DisarmError(f"{path} is not JSON: {exc}") from None
    return parse_disarm(data)


def group_by_tactic(
    framework: DisarmFramework, techniques: Sequence[Technique] | None = None
) -> list[tuple[Tactic, list[Technique]]]:
    chosen = framework.techniques if techniques is None else techniques
    return [(t, [x for x in chosen if x.tactic == t.external_id]) for t in framework.tactics]
