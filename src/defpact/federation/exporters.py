"""The exporter registry: each record type plugs in how its current state is read for export.

An exporter turns journal keys (``core.changes``) into :class:`Exported` records: the marking
and withdrawn flag the export rule needs, the STIX id the peer holds it under (for tombstones)
and a function building the STIX object. Adding a record type (procurement requirements,
exercise lessons, governance documents) is one more exporter here and one more applier in
:mod:`defpact.federation.appliers`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from defpact.core.marking import Marking
from defpact.federation.stixmap import report_id, report_object, stix_object
from defpact.threats.intel import replication as intel_replication
from defpact.threats.stix import replication as stix_replication

__all__ = ["EXPORTERS", "Exported", "Exporter"]


@dataclass(frozen=True, slots=True)
class Exported:
    marking: Marking
    withdrawn: bool
    build: Callable[[], dict[str, Any]]


class Exporter(Protocol):
    record_type: str

    def load(
        self, session: Session, keys: Collection[str], own: Collection[str], node_id: str
    ) -> Mapping[str, Exported]: ...

    def peer_ref(self, key: str, originator: str, node_id: str) -> str: ...


class _StixExporter:
    record_type = stix_replication.RECORD_TYPE

    def load(
        self,
        session: Session,
        keys: Collection[str],
        own: Collection[str],
        node_id: str,  # noqa: ARG002 - STIX ids are global
    ) -> Mapping[str, Exported]:
        found = stix_replication.current_versions(session, keys, own)
        return {
            key: Exported(v.marking, False, _stix_builder(v.raw, v.marking))
            for key, v in found.items()
        }

    def peer_ref(self, key: str, originator: str, node_id: str) -> str:  # noqa: ARG002
        return key


def _stix_builder(raw: str, marking: Marking) -> Callable[[], dict[str, Any]]:
    return lambda: stix_object(json.loads(raw), marking)


class _IntelExporter:
    record_type = intel_replication.RECORD_TYPE

    def load(
        self, session: Session, keys: Collection[str], own: Collection[str], node_id: str
    ) -> Mapping[str, Exported]:
        ids = [int(k) for k in keys if k.isdigit()]
        found = intel_replication.reports_by_id(session, ids, own)
        return {
            str(i): Exported(r.marking, r.withdrawn, _report_builder(node_id, i, r))
            for i, r in found.items()
        }

    def peer_ref(self, key: str, originator: str, node_id: str) -> str:
        return report_id(node_id, originator, int(key))


def _report_builder(
    node_id: str, local_id: int, report: intel_replication.ReportContent
) -> Callable[[], dict[str, Any]]:
    return lambda: report_object(node_id, local_id, report)


EXPORTERS: dict[str, Exporter] = {e.record_type: e for e in (_StixExporter(), _IntelExporter())}
