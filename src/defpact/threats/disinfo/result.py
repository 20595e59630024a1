"""What a detection run returns: coordinated groups with their evidence, and run statistics.

A group's ``score`` is its weighted density relative to the chance threshold τ:

    score = Σ_{kept edges (a, b) in G} w(a, b) / (C(|G|, 2) · max(τ, 1)),

so a group in which every pair co-acted well above chance scores high, and a long chain of
barely significant edges scores low. Languages, platforms and nations are counted over the
posts that produced the group's kept edges (the evidence), not over everything its
accounts ever posted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from defpact.threats.disinfo.network import CoActions, Edges, distinct
from defpact.threats.disinfo.table import KINDS, PostTable

__all__ = ["DetectionResult", "DetectionStats", "Group", "SharedObject", "TimeSpan", "summarise"]

_EXAMPLE_CHARS = 280


@dataclass(frozen=True, slots=True)
class SharedObject:
    """One link, text, reshared or replied-to post or media shared inside a group."""

    kind: str
    key: str
    accounts: int
    posts: int
    idf: float
    post_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "accounts": self.accounts,
            "posts": self.posts,
            "idf": round(self.idf, 3),
            "post_ids": list(self.post_ids),
        }


@dataclass(frozen=True, slots=True)
class TimeSpan:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "seconds": self.seconds,
        }


@dataclass(frozen=True, slots=True)
class Group:
    """A set of accounts whose co-actions are beyond chance, with the evidence."""

    accounts: tuple[str, ...]
    score: float
    edges: int
    posts: int
    shared_objects: tuple[SharedObject, ...]
    time_span: TimeSpan
    languages: dict[str, int]
    platforms: dict[str, int]
    nations: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "accounts": list(self.accounts),
            "size": len(self.accounts),
            "score": round(self.score, 4),
            "edges": self.edges,
            "posts": self.posts,
            "shared_objects": [o.to_dict() for o in self.shared_objects],
            "time_span": self.time_span.to_dict(),
            "languages": self.languages,
            "platforms": self.platforms,
            "nations": self.nations,
        }


@dataclass(frozen=True, slots=True)
class DetectionStats:
    """Counts and timings of one run (``seconds`` maps a stage to its wall time, and
    ``cpu_main_process`` to the CPU time of the calling process)."""

    posts: int
    accounts: int
    duplicates_merged: int
    unique_texts: int
    objects: dict[str, int]
    incidences: int
    co_actions: int
    truncated: bool
    edges: int
    null_rounds: int
    null_shuffles: int
    null_edges_per_shuffle: float
    threshold: float
    edges_kept: int
    groups: int
    accounts_in_groups: int
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__slots__}
        data["threshold"] = round(self.threshold, 4)
        data["null_edges_per_shuffle"] = round(self.null_edges_per_shuffle, 2)
        data["seconds"] = {k: round(v, 3) for k, v in self.seconds.items()}
        return data


@dataclass(frozen=True, slots=True)
class DetectionResult:
    groups: tuple[Group, ...]
    stats: DetectionStats

    def to_dict(self) -> dict[str, Any]:
        return {"groups": [g.to_dict() for g in self.groups], "stats": self.stats.to_dict()}


def _counts(codes: npt.NDArray[np.int32], names: list[str]) -> dict[str, int]:
    values, counts = np.unique(codes, return_counts=True)
    pairs = sorted(zip(counts.tolist(), values.tolist(), strict=True), key=lambda x: (-x[0], x[1]))
    return {names[v]: c for c, v in pairs}


def _nation_counts(masks: npt.NDArray[np.int64], names: list[str]) -> dict[str, int]:
    result = {}
    for bit, name in enumerate(names[:63]):
        count = int(np.count_nonzero(masks & (1 << bit)))
        if count:
            result[name] = count
    return dict(sorted(result.items(), key=lambda x: (-x[1], x[0])))


def _shared_objects(
    table: PostTable,
    co: CoActions,
    inc: npt.NDArray[np.int64],
    idf: npt.NDArray[np.float64],
    limits: tuple[int, int],
) -> tuple[SharedObject, ...]:
    """The objects behind a group's edges, most widely shared first."""
    max_objects, max_posts = limits
    order = np.lexsort((co.post[inc], co.obj[inc]))
    objs, posts = co.obj[inc][order], co.post[inc][order]
    starts = np.flatnonzero(np.concatenate(([True], objs[1:] != objs[:-1])))
    found = []
    for begin, end in zip(starts.tolist(), [*starts[1:].tolist(), len(objs)], strict=True):
        mine = distinct(posts[begin:end])
        accounts = int(distinct(table.account[mine]).size)
        found.append((accounts, float(idf[objs[begin]]), int(objs[begin]), mine))
    found.sort(key=lambda x: (-x[0], -x[1], x[2]))
    return tuple(
        SharedObject(
            kind=KINDS[table.obj_kind[o]],
            key=table.obj_key[o][:_EXAMPLE_CHARS],
            accounts=n_acc,
            posts=len(mine),
            idf=weight,
            post_ids=tuple(table.post_ids[p] for p in mine[:max_posts]),
        )
        for n_acc, weight, o, mine in found[:max_objects]
    )


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _evidence(
    table: PostTable,
    co: CoActions,
    edges: Edges,
    keep: npt.NDArray[np.bool_],
    label: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Incidences of co-actions behind kept edges inside a group, and that group."""
    a = table.account[co.post[co.left]]
    b = table.account[co.post[co.right]]
    idx = np.flatnonzero((label[a] >= 0) & (label[a] == label[b]) & (a != b))
    n_acc = np.int64(len(table.accounts))
    kept_keys = np.sort(edges.u[keep].astype(np.int64) * n_acc + edges.v[keep])
    keys = np.minimum(a[idx], b[idx]).astype(np.int64) * n_acc + np.maximum(a[idx], b[idx])
    pos = np.minimum(np.searchsorted(kept_keys, keys), max(len(kept_keys) - 1, 0))
    idx = idx[kept_keys[pos] == keys] if len(kept_keys) else idx[:0]
    inc = np.concatenate((co.left[idx], co.right[idx])).astype(np.int64)
    return inc, label[table.account[co.post[inc]]]


def summarise(
    table: PostTable,
    co: CoActions,
    edges: Edges,
    keep: npt.NDArray[np.bool_],
    label: npt.NDArray[np.int64],
    idf: npt.NDArray[np.float64],
    threshold: float,
    limits: tuple[int, int],
) -> tuple[Group, ...]:
    """Describe every group: its accounts, score, evidence and where the evidence came from.

    Groups are listed by decreasing score (then by their accounts).
    """
    n_groups = int(label.max()) + 1 if len(label) else 0
    if n_groups <= 0:
        return ()
    evidence, evidence_group = _evidence(table, co, edges, keep, label)
    edge_group = label[edges.u[keep]]
    kept_weight = edges.weight[keep]
    groups = []
    for g in range(n_groups):
        inc = distinct(evidence[evidence_group == g])
        members = np.flatnonzero(label == g)
        posts = distinct(co.post[inc])
        times = table.time[posts]
        in_group = edge_group == g
        pairs = len(members) * (len(members) - 1) / 2
        groups.append(
            Group(
                accounts=tuple(sorted(table.accounts[m] for m in members)),
                score=float(kept_weight[in_group].sum()) / (pairs * max(threshold, 1.0)),
                edges=int(in_group.sum()),
                posts=len(posts),
                shared_objects=_shared_objects(table, co, inc, idf, limits),
                time_span=TimeSpan(_moment(times.min()), _moment(times.max())),
                languages=_counts(table.language[posts], table.languages),
                platforms=_counts(table.platform[posts], table.platforms),
                nations=_nation_counts(table.nations[posts], table.nation_names),
            )
        )
    return tuple(sorted(groups, key=lambda g: (-g.score, g.accounts)))
