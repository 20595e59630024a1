"""The coordination network: co-actions in a time window, rarity weights, a null model.

Co-action. Two accounts a ≠ b co-act on object o when a post of a and a post of b both
share o (the same canonical link, reshared post, replied-to post, media hash or
near-duplicate text cluster) with |t_a - t_b| ≤ Δ (the window, default 60 s). The pairs are
found by sorting incidences by (object, time) and comparing each with its k-th successor
for k = 1, 2, ... while any successor is still inside the window (work ∝ pairs found).

Weight. An object shared by df(o) of the N accounts gets the IDF-like rarity weight
idf(o) = ln(N / df(o)); the edge weight of a pair is

    w(a, b) = Σ_{o ∈ O(a, b)} idf(o),

where O(a, b) is the set of distinct objects on which a and b co-acted (each object counts
once per pair, however often it was posted). A popular link or a widespread copypasta has a
small idf and rarely falls in the window for the same two accounts twice; a campaign's own
links and texts are rare and co-shared again and again by the same accounts. Objects shared
by fewer than two or more than ``max_object_accounts`` accounts cannot be evidence.

Null model. To tell coordination from coincidence, the same network is built on shuffled
data in which every post keeps its objects and its time (so organic bursts of breaking news
stay bursts, popular links stay popular and every object keeps its timeline) but the
accounts are permuted among the posts that share something. Each account keeps its volume
of posts; which accounts were active at the same moments, the synchronisation that
coordination leaves, is destroyed: it is a time-shuffled baseline for every account's
timeline. (Permuting only within popularity strata was tried and rejected: strata of rare
objects are dominated by the coordinated posts themselves, and recycling them inflates τ.)
With R shuffles the edge threshold τ is the smallest weight such that the expected number
of chance edges above it is at most α:

    τ = min { w : (1/R) · #{null edges e : w_e > w} ≤ α }.

Edges with w > τ and at least ``min_shared_objects`` distinct objects are kept; groups
are the connected components of the kept edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = [
    "CoActions",
    "distinct",
    "Edges",
    "chance_threshold",
    "co_actions",
    "components",
    "edge_weights",
    "object_accounts",
    "shuffled_accounts",
]


@dataclass(frozen=True, slots=True)
class CoActions:
    """Incidences sorted by (object, time) and the co-action pairs (positions in that order)."""

    post: npt.NDArray[np.int32]
    obj: npt.NDArray[np.int32]
    time: npt.NDArray[np.float64]
    left: npt.NDArray[np.int32]
    right: npt.NDArray[np.int32]
    truncated: bool


@dataclass(frozen=True, slots=True)
class Edges:
    """Account pairs u < v with their weight and number of distinct shared objects."""

    u: npt.NDArray[np.int32]
    v: npt.NDArray[np.int32]
    weight: npt.NDArray[np.float64]
    objects: npt.NDArray[np.int32]

    def __len__(self) -> int:
        return len(self.u)


def distinct(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Sorted distinct values (``np.unique`` without options takes a much slower hash path
    in numpy 2.4)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=np.bool_)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    result: npt.NDArray[Any] = ordered[keep]
    return result


def object_accounts(
    inc_obj: npt.NDArray[np.int32], inc_account: npt.NDArray[np.int32], n_objects: int
) -> npt.NDArray[np.int64]:
    """df(o): the number of distinct accounts that shared each object."""
    if not len(inc_obj):
        return np.zeros(n_objects, dtype=np.int64)
    n_acc = np.int64(int(inc_account.max()) + 1)
    pairs = distinct(inc_obj.astype(np.int64) * n_acc + inc_account)
    return np.bincount(pairs // n_acc, minlength=n_objects)


def co_actions(
    post: npt.NDArray[np.int32],
    obj: npt.NDArray[np.int32],
    time: npt.NDArray[np.float64],
    window: float,
    max_pairs: int,
) -> CoActions:
    """All pairs of incidences on the same object at most ``window`` seconds apart."""
    order = np.lexsort((time, obj))
    post, obj, time = post[order], obj[order], time[order]
    lefts: list[npt.NDArray[np.int32]] = []
    active = np.arange(max(len(obj) - 1, 0), dtype=np.int32)
    total, lag, truncated = 0, 1, False
    while len(active):
        partner = active + lag
        inside = (obj[partner] == obj[active]) & (time[partner] - time[active] <= window)
        active = active[inside]
        lefts.append(active)
        total += len(active)
        if total > max_pairs:
            truncated = True
            break
        lag += 1
        active = active[active + lag < len(obj)]
    left = np.concatenate(lefts) if lefts else np.zeros(0, np.int32)
    lags = np.repeat(np.arange(1, len(lefts) + 1, dtype=np.int32), [len(x) for x in lefts])
    return CoActions(post, obj, time, left, left + lags, truncated)


def _pair_keys(
    co: CoActions, account_of_post: npt.NDArray[np.int32], n_accounts: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Key u·N + v of the account pair of every co-action, and which pairs are two accounts."""
    a = account_of_post[co.post[co.left]].astype(np.int64)
    b = account_of_post[co.post[co.right]].astype(np.int64)
    return np.minimum(a, b) * n_accounts + np.maximum(a, b), a != b


def edge_weights(
    co: CoActions,
    account_of_post: npt.NDArray[np.int32],
    idf: npt.NDArray[np.float64],
    n_accounts: int,
) -> Edges:
    """Aggregate co-actions into weighted account edges (each object once per pair)."""
    keys, two_accounts = _pair_keys(co, account_of_post, n_accounts)
    keys, objs = keys[two_accounts], co.obj[co.left[two_accounts]].astype(np.int64)
    n_obj = np.int64(len(idf))
    if n_accounts * n_accounts * max(int(n_obj), 1) < 2**62:
        combined = distinct(keys * n_obj + objs)
        keys, objs = combined // n_obj, combined % n_obj
    else:
        order = np.lexsort((objs, keys))
        keys, objs = keys[order], objs[order]
        new = np.concatenate(([True], (keys[1:] != keys[:-1]) | (objs[1:] != objs[:-1])))
        keys, objs = keys[new], objs[new]
    if not len(keys):
        empty = np.zeros(0, np.int32)
        return Edges(empty, empty, np.zeros(0, np.float64), empty)
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    weight = np.add.reduceat(idf[objs], starts)
    counts = np.diff(np.concatenate((starts, [len(keys)]))).astype(np.int32)
    pair = keys[starts]
    return Edges(
        (pair // n_accounts).astype(np.int32), (pair % n_accounts).astype(np.int32), weight, counts
    )


def shuffled_accounts(
    account_of_post: npt.NDArray[np.int32],
    posts: npt.NDArray[np.int32],
    rng: np.random.Generator,
) -> npt.NDArray[np.int32]:
    """The null model: permute the accounts among ``posts`` (the posts that share something)."""
    result = account_of_post.copy()
    result[posts] = account_of_post[rng.permutation(posts)]
    return result


def chance_threshold(null_weights: list[npt.NDArray[np.float64]], alpha: float) -> float:
    """Smallest τ with at most ``alpha`` null edges above it per shuffle, on average."""
    if not null_weights:
        return 0.0
    pooled = np.sort(np.concatenate(null_weights))[::-1]
    allowed = int(np.floor(alpha * len(null_weights)))
    return float(pooled[allowed]) if allowed < len(pooled) else 0.0


def components(
    edges: Edges, keep: npt.NDArray[np.bool_], n_accounts: int, min_size: int
) -> npt.NDArray[np.int64]:
    """Group label per account (-1: in no group of at least ``min_size`` accounts).

    Groups are numbered by decreasing size, then by their smallest account code.
    """
    u, v = edges.u[keep], edges.v[keep]
    graph = coo_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(n_accounts, n_accounts))
    _, label = connected_components(graph.tocsr(), directed=False)
    sizes = np.bincount(label, minlength=n_accounts)
    big = np.flatnonzero(sizes >= max(min_size, 2))
    first_member = np.full(len(sizes), n_accounts, dtype=np.int64)
    np.minimum.at(first_member, label, np.arange(n_accounts))
    ranked = big[np.lexsort((first_member[big], -sizes[big]))]
    mapping = np.full(len(sizes), -1, dtype=np.int64)
    mapping[ranked] = np.arange(len(ranked))
    result: npt.NDArray[np.int64] = mapping[label]
    return result
