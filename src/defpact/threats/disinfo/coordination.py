"""Coordinated-behaviour detection over a stream of posts: the one entry point ``detect``.

The pipeline (each step documented in its module):

1. :mod:`.table` turns the posts into columns and *incidences* (post, shared object):
   canonical links (:func:`.normalise.normalise_url`), reshared and replied-to posts, media
   hashes, and near-duplicate text clusters found with MinHash LSH (:mod:`.minhash`) over
   normalised text (:mod:`.normalise`);
2. :mod:`.network` pairs incidences on the same object within the window Δ, weights account
   pairs by the rarity of what they co-shared, w(a, b) = Σ_o ln(N / df(o)), and sets the
   edge threshold τ from a shuffled null model so that about α chance edges survive;
3. groups are the connected components of the kept edges, described in :mod:`.result`.

Memory: the posts are read once, as a stream; what is kept is a few numbers per post and
per incidence, the post ids, one copy of each distinct text, and a MinHash signature per
distinct text (64 × 4 bytes). Run time is dominated by text normalisation and hashing
(linear in the characters) and by sorting the co-action pairs.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from defpact.threats.disinfo.minhash import MinHashParams
from defpact.threats.disinfo.network import (
    CoActions,
    Edges,
    chance_threshold,
    co_actions,
    components,
    distinct,
    edge_weights,
    object_accounts,
    shuffled_accounts,
)
from defpact.threats.disinfo.posts import IngestReport, Post, read_posts
from defpact.threats.disinfo.result import DetectionResult, DetectionStats, Group, summarise
from defpact.threats.disinfo.table import KINDS, PostTable, build_table

__all__ = ["DetectionParams", "Progress", "detect", "detect_file"]

Progress = Callable[[str, int, int], None]
"""Called as work goes on with a stage (read, texts, network, null, groups), the amount done
and the total (0 when unknown)."""


@dataclass(frozen=True, slots=True)
class DetectionParams:
    """Tuning of a run; the defaults are the documented method (docs/disinfo.md).

    ``workers`` > 0 hashes texts in that many background processes while posts are read
    (the result is identical; 0 keeps everything in the calling process).
    """

    window_seconds: float = 60.0
    alpha: float = 1.0
    min_shared_objects: int = 2
    min_group_size: int = 3
    max_object_accounts: int = 2000
    text_similarity: float = 0.5
    min_text_chars: int = 25
    ngram: int = 5
    num_perm: int = 64
    bands: int = 16
    null_pair_budget: int = 3_000_000
    null_rounds: int = 3
    min_shuffles: int = 2
    max_shuffles: int = 20
    max_pairs: int = 80_000_000
    max_objects_per_group: int = 10
    max_posts_per_object: int = 10
    seed: int = 0
    workers: int = 0

    def __post_init__(self) -> None:
        checks = {
            "window_seconds": self.window_seconds > 0,
            "alpha": self.alpha >= 0,
            "min_shared_objects": self.min_shared_objects >= 1,
            "min_group_size": self.min_group_size >= 2,
            "max_object_accounts": self.max_object_accounts >= 2,
            "min_text_chars": self.min_text_chars >= 0,
            "min_shuffles": 1 <= self.min_shuffles <= self.max_shuffles,
            "null_rounds": self.null_rounds >= 1,
            "workers": 0 <= self.workers <= 64,
        }
        for name, ok in checks.items():
            if not ok:
                raise ValueError(f"invalid detection parameter {name}={getattr(self, name)!r}")
        self.minhash()  # validates the MinHash fields

    def minhash(self) -> MinHashParams:
        return MinHashParams(
            ngram=self.ngram,
            num_perm=self.num_perm,
            bands=self.bands,
            threshold=self.text_similarity,
            seed=self.seed + 1,
        )


@dataclass(frozen=True, slots=True)
class _Network:
    co: CoActions
    idf: npt.NDArray[np.float64]
    objects: dict[str, int]


def _network(table: PostTable, params: DetectionParams) -> _Network:
    n_obj = len(table.obj_key)
    inc_account = table.account[table.inc_post]
    df = object_accounts(table.inc_obj, inc_account, n_obj)
    usable = (df >= 2) & (df <= params.max_object_accounts)
    keep = usable[table.inc_obj]
    inc_post, inc_obj = table.inc_post[keep], table.inc_obj[keep]
    idf = np.log(max(len(table.accounts), 1) / np.maximum(df, 1))
    co = co_actions(
        inc_post, inc_obj, table.time[inc_post], params.window_seconds, params.max_pairs
    )
    kinds = np.bincount(table.obj_kind[usable], minlength=len(KINDS))
    objects = {kind: int(kinds[i]) for i, kind in enumerate(KINDS)}
    return _Network(co, idf, objects)


def _null_weights(
    table: PostTable,
    net: _Network,
    params: DetectionParams,
    explained: npt.NDArray[np.bool_],
    progress: Progress | None,
) -> list[npt.NDArray[np.float64]]:
    """Edge weights of shuffled data, leaving out the co-actions already ``explained``."""
    co = net.co
    background = CoActions(
        co.post, co.obj, co.time, co.left[~explained], co.right[~explained], co.truncated
    )
    wanted = params.null_pair_budget // max(len(background.left), 1)
    shuffles = int(np.clip(wanted, params.min_shuffles, params.max_shuffles))
    rng = np.random.default_rng(params.seed)
    sharing = distinct(co.post)
    crc = np.fromiter(
        (zlib.crc32(table.post_ids[p].encode()) for p in sharing), np.int64, len(sharing)
    )
    canonical = sharing[np.lexsort((crc, table.time[sharing]))]  # independent of input order
    weights = []
    for done in range(shuffles):
        if progress is not None:
            progress("null", done, shuffles)
        accounts = shuffled_accounts(table.account, canonical, rng)
        null = edge_weights(background, accounts, net.idf, len(table.accounts))
        weights.append(null.weight[null.objects >= params.min_shared_objects])
    return weights


@dataclass(frozen=True, slots=True)
class _Decision:
    threshold: float
    keep: npt.NDArray[np.bool_]
    label: npt.NDArray[np.int64]
    rounds: int
    null_edges: float
    shuffles: int


def _decide(
    table: PostTable,
    net: _Network,
    edges: Edges,
    params: DetectionParams,
    progress: Progress | None,
) -> _Decision:
    """Threshold edges against the null, group them, and repeat with a purified null.

    Round 1 shuffles all co-actions. Co-actions between members of one detected group are
    explained by coordination; left in the null, the shuffle would spread their mass over
    random pairs as if it were chance and inflate τ. Later rounds leave them out, until the
    groups stop changing (at most ``null_rounds`` rounds).
    """
    n_acc = len(table.accounts)
    a = table.account[net.co.post[net.co.left]]
    b = table.account[net.co.post[net.co.right]]
    explained = np.zeros(len(net.co.left), dtype=np.bool_)
    label = np.full(n_acc, -1, dtype=np.int64)
    rounds = 0
    while True:
        rounds += 1
        nulls = _null_weights(table, net, params, explained, progress)
        threshold = chance_threshold(nulls, params.alpha)
        keep = (edges.weight > threshold) & (edges.objects >= params.min_shared_objects)
        new_label = components(edges, keep, n_acc, params.min_group_size)
        stable = np.array_equal(new_label, label)
        label = new_label
        if stable or rounds == params.null_rounds:
            break
        explained = (label[a] >= 0) & (label[a] == label[b])
    mean_null = float(np.mean([len(w) for w in nulls])) if nulls else 0.0
    return _Decision(threshold, keep, label, rounds, mean_null, len(nulls))


def _stats(
    table: PostTable,
    net: _Network,
    edges: Edges,
    decision: _Decision,
    groups: tuple[Group, ...],
    params: DetectionParams,
    seconds: dict[str, float],
) -> DetectionStats:
    return DetectionStats(
        posts=table.n_posts - table.duplicates_merged,
        accounts=len(table.accounts),
        duplicates_merged=table.duplicates_merged,
        unique_texts=table.unique_texts,
        objects=net.objects,
        incidences=len(net.co.obj),
        co_actions=len(net.co.left),
        truncated=net.co.truncated,
        edges=int(np.count_nonzero(edges.objects >= params.min_shared_objects)),
        null_rounds=decision.rounds,
        null_shuffles=decision.shuffles,
        null_edges_per_shuffle=decision.null_edges,
        threshold=decision.threshold,
        edges_kept=int(decision.keep.sum()),
        groups=len(groups),
        accounts_in_groups=sum(len(g.accounts) for g in groups),
        seconds=seconds,
    )


def _detect_table(
    table: PostTable,
    params: DetectionParams,
    progress: Progress | None,
    seconds: dict[str, float],
) -> DetectionResult:
    clock = time.perf_counter()
    if progress is not None:
        progress("network", 0, 0)
    net = _network(table, params)
    edges = edge_weights(net.co, table.account, net.idf, len(table.accounts))
    seconds["co_actions"] = time.perf_counter() - clock
    clock = time.perf_counter()
    decision = _decide(table, net, edges, params, progress)
    seconds["null_model"] = time.perf_counter() - clock
    clock = time.perf_counter()
    if progress is not None:
        progress("groups", 0, 0)
    limits = (params.max_objects_per_group, params.max_posts_per_object)
    groups = summarise(
        table, net.co, edges, decision.keep, decision.label, net.idf, decision.threshold, limits
    )
    seconds["groups"] = time.perf_counter() - clock
    stats = _stats(table, net, edges, decision, groups, params, seconds)
    return DetectionResult(groups=groups, stats=stats)


def detect(
    posts: Iterable[Post],
    params: DetectionParams | None = None,
    progress: Progress | None = None,
) -> DetectionResult:
    """Find groups of accounts that co-share rare objects within the window beyond chance."""
    params = params or DetectionParams()
    cpu = time.process_time()
    seconds: dict[str, float] = {}
    table = build_table(
        posts, params.minhash(), params.min_text_chars, progress, seconds, params.workers
    )
    result = _detect_table(table, params, progress, seconds)
    seconds["cpu_main_process"] = time.process_time() - cpu
    return result


def detect_file(
    path: str | Path,
    params: DetectionParams | None = None,
    progress: Progress | None = None,
    fmt: str | None = None,
) -> tuple[DetectionResult, IngestReport]:
    """Detect on a CSV or JSON Lines file; return the result and the file's ingest report.

    Raises :class:`.posts.InputFormatError` when the file cannot be read at all.
    """
    posts, report = read_posts(path, fmt=fmt)
    return detect(posts, params, progress), report
