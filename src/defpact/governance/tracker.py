"""The action tracker's rules: statuses, the overdue flag and the status summaries.

An action item is overdue on day t when its due date is before t and it is neither done nor
cancelled:  overdue(i, t) = due(i) < t  and  status(i) not in {done, cancelled}.
A summary groups items by provision or by owner nation and counts, per group, the items in
each status, the overdue ones and the completion share  done / (total - cancelled).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from defpact.governance.provisions import PROVISION_LABELS, Provision

__all__ = [
    "CLOSED_STATUSES",
    "ActionStatus",
    "StatusSummary",
    "TrackedItem",
    "is_overdue",
    "summary_by_nation",
    "summary_by_provision",
]


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in-progress"
    BLOCKED = "blocked"
    DONE = "done"
    CANCELLED = "cancelled"

    @classmethod
    def parse(cls, text: str) -> ActionStatus:
        key = text.strip().lower().replace("_", "-").replace(" ", "-")
        for status in cls:
            if status.value == key:
                return status
        raise ValueError(f"unknown status {text!r}; valid statuses: {', '.join(cls)}")


CLOSED_STATUSES = frozenset({ActionStatus.DONE, ActionStatus.CANCELLED})


@dataclass(frozen=True, slots=True)
class TrackedItem:
    provision: Provision
    owner_nation: str
    status: ActionStatus
    due: date


@dataclass(frozen=True, slots=True)
class StatusSummary:
    key: str
    label: str
    total: int
    overdue: int
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def completion(self) -> float:
        """done / (total - cancelled); 0 when nothing is left to do."""
        counted = self.total - self.by_status.get(ActionStatus.CANCELLED.value, 0)
        return self.by_status.get(ActionStatus.DONE.value, 0) / counted if counted else 0.0


def is_overdue(due: date, status: ActionStatus, today: date) -> bool:
    return due < today and status not in CLOSED_STATUSES


def _summarise(
    items: Iterable[TrackedItem],
    keys: Iterable[tuple[str, str]],
    key_of: Callable[[TrackedItem], str],
    today: date,
) -> list[StatusSummary]:
    groups: dict[str, list[TrackedItem]] = {}
    for item in items:
        groups.setdefault(key_of(item), []).append(item)
    summaries = []
    for key, label in keys:
        members = groups.get(key, [])
        counts = {s.value: sum(1 for i in members if i.status is s) for s in ActionStatus}
        overdue = sum(1 for i in members if is_overdue(i.due, i.status, today))
        summaries.append(StatusSummary(key, label, len(members), overdue, counts))
    return summaries


def summary_by_provision(items: Iterable[TrackedItem], today: date) -> list[StatusSummary]:
    """One row per provision of the declaration (all six, even without items)."""
    keys = [(p.value, PROVISION_LABELS[p]) for p in Provision]
    return _summarise(items, keys, lambda i: i.provision.value, today)


def summary_by_nation(
    items: Iterable[TrackedItem], today: date, names: dict[str, str]
) -> list[StatusSummary]:
    """One row per owner nation that has items, in code order."""
    items = list(items)
    keys = [(code, names.get(code, code)) for code in sorted({i.owner_nation for i in items})]
    return _summarise(items, keys, lambda i: i.owner_nation, today)
