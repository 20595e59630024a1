"""What the disinformation platform's services return: batches, runs, groups and evidence.

Plain frozen dataclasses (no ORM rows leave a service). A group as a viewer sees it is built
from its evidence posts *that viewer may read now* (:func:`group_view`): accounts, counts,
time span, languages, platforms and nations are recomputed from those posts, so a batch that
was withdrawn or re-marked after the run adds nothing to the page; the run's score is shown
only when none of the group's evidence is hidden.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from defpact.core.marking import Marking

__all__ = [
    "Batch",
    "DisarmTechnique",
    "EvidencePost",
    "GroupSummary",
    "GroupView",
    "Run",
    "SharedObjectView",
    "StoredGroup",
    "group_view",
]


@dataclass(frozen=True, slots=True)
class Batch:
    id: int
    filename: str
    format: str
    marking: Marking
    rows_read: int
    rows_accepted: int
    rows_skipped: int
    skipped_by_reason: dict[str, int]
    warnings: dict[str, int]
    examples: list[dict[str, Any]]
    uploaded_by: str
    created_at: datetime
    withdrawn: bool


@dataclass(frozen=True, slots=True)
class Run:
    id: int
    marking: Marking
    created_by: str
    created_at: datetime
    params: dict[str, Any]
    stats: dict[str, Any] | None
    """None when a pooled batch is no longer visible to the viewer (counts would leak it)."""
    batch_ids: tuple[int, ...]
    """The pooled batches the viewer may read now."""
    partial: bool
    """Some pooled batch is no longer visible to the viewer."""
    posts_pooled: int | None
    groups: tuple[GroupSummary, ...] = ()


@dataclass(frozen=True, slots=True)
class DisarmTechnique:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class EvidencePost:
    """One post behind a group's links, with the shared object it stands for."""

    pk: int
    batch_id: int
    post_id: str
    account: str
    platform: str
    published_at: datetime
    text: str
    urls: tuple[str, ...]
    language: str | None
    nation: str
    obj: int


@dataclass(frozen=True, slots=True)
class SharedObjectView:
    index: int
    kind: str
    key: str
    idf: float
    accounts: tuple[str, ...]
    posts: int


@dataclass(frozen=True, slots=True)
class GroupSummary:
    id: int
    run_id: int
    rank: int
    accounts: tuple[str, ...]
    score: float | None
    edges: int | None
    posts: int
    time_start: datetime | None
    time_end: datetime | None
    languages: dict[str, int]
    platforms: dict[str, int]
    nations: dict[str, int]
    hidden: bool
    campaign_stix_id: str | None
    campaign_name: str | None
    disarm: tuple[DisarmTechnique, ...]
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class GroupView:
    summary: GroupSummary
    run_marking: Marking
    objects: tuple[SharedObjectView, ...]
    evidence: tuple[EvidencePost, ...]
    batch_markings: dict[int, Marking] = field(default_factory=dict)


def _ranked(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda x: (-x[1], x[0])))


@dataclass(frozen=True, slots=True)
class StoredGroup:
    """The stored fields of a group the view needs (no ORM type in this module)."""

    id: int
    run_id: int
    rank: int
    score: float
    edges: int
    shared_objects: list[dict[str, Any]]
    campaign_stix_id: str | None
    campaign_name: str | None
    disarm: list[dict[str, str]]
    published_at: datetime | None


def _objects(
    stored: list[dict[str, Any]], evidence: Sequence[EvidencePost]
) -> tuple[SharedObjectView, ...]:
    accounts: dict[int, set[str]] = {}
    posts: Counter[int] = Counter()
    for post in evidence:
        accounts.setdefault(post.obj, set()).add(post.account)
        posts[post.obj] += 1
    views = [
        SharedObjectView(i, o["kind"], o["key"], float(o["idf"]), tuple(sorted(accounts[i])),
                         posts[i])
        for i, o in enumerate(stored)
        if i in accounts
    ]  # fmt: skip
    return tuple(sorted(views, key=lambda v: (-len(v.accounts), -v.idf, v.index)))


def group_view(
    group: StoredGroup, evidence: Sequence[EvidencePost], hidden: bool, run_marking: Marking
) -> GroupView:
    """The group as seen through ``evidence``, the evidence posts the viewer may read.

    ``hidden`` says some evidence was left out; then the score and edge count, computed from
    everything, are withheld, and the rest describes only the visible posts.
    """
    distinct: dict[int, EvidencePost] = {}
    for post in evidence:
        distinct.setdefault(post.pk, post)
    posts = list(distinct.values())
    times = [p.published_at for p in posts]
    summary = GroupSummary(
        id=group.id,
        run_id=group.run_id,
        rank=group.rank,
        accounts=tuple(sorted({p.account for p in posts})),
        score=None if hidden else group.score,
        edges=None if hidden else group.edges,
        posts=len({p.post_id for p in posts}),
        time_start=min(times) if times else None,
        time_end=max(times) if times else None,
        languages=_ranked(Counter(p.language or "und" for p in posts)),
        platforms=_ranked(Counter(p.platform for p in posts)),
        nations=_ranked(Counter(p.nation for p in posts)),
        hidden=hidden,
        campaign_stix_id=group.campaign_stix_id,
        campaign_name=group.campaign_name,
        disarm=tuple(DisarmTechnique(t["id"], t["name"]) for t in group.disarm),
        published_at=group.published_at,
    )
    ordered = tuple(sorted(evidence, key=lambda p: (p.published_at, p.post_id, p.obj)))
    return GroupView(summary, run_marking, _objects(group.shared_objects, evidence), ordered)
