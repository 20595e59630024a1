"""The exporter registry: each record type plugs in how its current state is read for export.

An exporter turns journal keys (``core.changes``) into :class:`Exported` records: the marking
and withdrawn flag the export rule needs, the STIX id the peer holds it under (for tombstones)
and a function building the STIX object. Besides STIX threat objects and intelligence
reports, every context record type that crosses (procurement requirements, training exercises
and lessons, governance documents, expert groups, meetings and action items) is a
:class:`_RecordExporter` over the context's
``replication`` module, which describes a record as a ``core.replication.RecordState``; its
applier is in :mod:`defpact.federation.appliers`.

``build`` takes the peer: a record whose parts are marked separately (a document's versions)
carries only the parts released to that peer, and a record living inside another (a lesson in
its exercise) is sent only when its ``parent`` marking releases it to the peer too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from defpact.core.marking import Marking
from defpact.core.replication import RecordState
from defpact.federation.rules import PeerView
from defpact.federation.stixmap import (
    record_id,
    record_object,
    report_id,
    report_object,
    stix_object,
    stix_text,
)
from defpact.governance import replication as gov_replication
from defpact.governance import replication_actions as gov_actions
from defpact.governance import replication_groups as gov_groups
from defpact.procurement import case_replication
from defpact.procurement import replication as procurement_replication
from defpact.threats.intel import replication as intel_replication
from defpact.threats.stix import replication as stix_replication
from defpact.training import replication as training_replication

__all__ = ["EXPORTERS", "Exported", "Exporter"]


@dataclass(frozen=True, slots=True)
class Exported:
    marking: Marking
    withdrawn: bool
    build: Callable[[PeerView], dict[str, Any]]
    parent: Marking | None = None
    text: Callable[[PeerView], str] | None = None  # the same object as JSON text, if cheaper

    def json_text(self, view: PeerView) -> str:
        if self.text is not None:
            return self.text(view)
        return json.dumps(self.build(view), separators=(",", ":"), ensure_ascii=False)


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
            key: Exported(v.marking, False, _stix_builder(v.raw, v.marking), None,
                          _stix_text(v.raw, v.marking))
            for key, v in found.items()
        }  # fmt: skip

    def peer_ref(self, key: str, originator: str, node_id: str) -> str:  # noqa: ARG002
        return key


def _stix_builder(raw: str, marking: Marking) -> Callable[[PeerView], dict[str, Any]]:
    return lambda _view: stix_object(json.loads(raw), marking)


def _stix_text(raw: str, marking: Marking) -> Callable[[PeerView], str]:
    return lambda _view: stix_text(raw, marking)


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
) -> Callable[[PeerView], dict[str, Any]]:
    return lambda _view: report_object(node_id, local_id, report)


_States = Callable[[Session, Collection[int], Collection[str]], Mapping[int, RecordState]]


class _RecordExporter:
    def __init__(self, record_type: str, states: _States) -> None:
        self.record_type = record_type
        self._states = states

    def load(
        self, session: Session, keys: Collection[str], own: Collection[str], node_id: str
    ) -> Mapping[str, Exported]:
        found = self._states(session, [int(k) for k in keys if k.isdigit()], own)
        return {
            str(i): Exported(s.marking, s.withdrawn, self._builder(node_id, i, s), s.parent)
            for i, s in found.items()
        }

    def _builder(
        self, node_id: str, local_id: int, state: RecordState
    ) -> Callable[[PeerView], dict[str, Any]]:
        return lambda view: record_object(self.record_type, node_id, local_id, state, view)

    def peer_ref(self, key: str, originator: str, node_id: str) -> str:
        return record_id(self.record_type, node_id, originator, int(key))


EXPORTERS: dict[str, Exporter] = {
    e.record_type: e
    for e in (
        _StixExporter(),
        _IntelExporter(),
        _RecordExporter(procurement_replication.RECORD_TYPE, procurement_replication.states_by_id),
        _RecordExporter(training_replication.EXERCISE, training_replication.exercise_states),
        _RecordExporter(training_replication.LESSON, training_replication.lesson_states),
        _RecordExporter(gov_replication.RECORD_TYPE, gov_replication.states_by_id),
        _RecordExporter(
            procurement_replication.BUDGET_LINE, procurement_replication.budget_line_states
        ),
        _RecordExporter(case_replication.RECORD_TYPE, case_replication.states_by_id),
        _RecordExporter(gov_groups.GROUP, gov_groups.group_states),
        _RecordExporter(gov_groups.MEETING, gov_groups.meeting_states),
        _RecordExporter(gov_groups.ACTION, gov_actions.action_states),
    )
}
