"""Near-duplicate text clustering: MinHash signatures with LSH banding, vectorised in numpy.

Shingles are the character n-grams (default n = 5) of the normalised text
(:mod:`.normalise`); two texts are near-duplicates when the Jaccard similarity of their
shingle sets, J(A, B) = |A ∩ B| / |A ∪ B|, is at least ``threshold``.

Signatures use *one-permutation hashing* (Li, Owen & Zhang 2012): every shingle is hashed
once to 32 bits, the top log2(k) bits pick one of k bins and the other bits are its value;
the signature of a text is the minimum value in each bin. Empty bins are filled by *rotation
densification* (Shrivastava & Li 2014): an empty bin takes the value of the nearest
non-empty bin to its right (circularly), mixed with the distance, so that
P[sig_i(A) = sig_i(B)] ≈ J(A, B) still holds. The whole batch is hashed with a handful of
array operations and one ``np.minimum.at``, which is much cheaper than k separate
permutations (the classic MinHash, as in ``datasketch``).

LSH: the k values are cut into b bands of r = k / b rows. Texts whose band values are equal
in at least one band become candidates; a text with any collision has probability
1 - (1 - J^r)^b. Each candidate is verified against the first text of its bucket with the
signature estimate Ĵ = (1/k) Σ_i [sig_i(A) = sig_i(B)] ≥ threshold, and the verified links
are closed transitively (connected components), giving one cluster label per text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from defpact.threats.disinfo.normalise import NormalisedBatch, normalise_batch

__all__ = [
    "EMPTY",
    "MinHashParams",
    "TextSigner",
    "cluster_texts",
    "estimate_jaccard",
    "lsh_clusters",
    "minhash_signatures",
    "sign_texts",
]

EMPTY = np.uint32(0xFFFFFFFF)
"""Signature value of a bin that saw no shingle (a text shorter than n has only these)."""

_U64 = np.uint64
_ROLL = _U64(0x100000001B3)
_MIX1 = _U64(0xBF58476D1CE4E5B9)
_MIX2 = _U64(0x94D049BB133111EB)
_U32 = np.uint32
_ROLL32 = _U32(0x01000193)
_FMIX1 = _U32(0x85EBCA6B)
_FMIX2 = _U32(0xC2B2AE35)
_CHUNK = 4_000_000  # code points normalised and hashed at once


@dataclass(frozen=True, slots=True)
class MinHashParams:
    """Shingle length, signature size (a power of two), LSH bands and verification."""

    ngram: int = 5
    num_perm: int = 64
    bands: int = 16
    threshold: float = 0.5
    seed: int = 1

    def __post_init__(self) -> None:
        if self.num_perm < 2 or self.num_perm & (self.num_perm - 1):
            raise ValueError("num_perm must be a power of two >= 2")
        if self.bands < 1 or self.num_perm % self.bands:
            raise ValueError("bands must divide num_perm")
        if not 1 <= self.ngram <= 64:
            raise ValueError("ngram must be between 1 and 64")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")


def _finalise(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """SplitMix64 finaliser: a bijective mix of 64-bit values."""
    h ^= h >> _U64(30)
    h *= _MIX1
    h ^= h >> _U64(27)
    h *= _MIX2
    h ^= h >> _U64(31)
    return h


def _shingle_keys(
    batch: NormalisedBatch, params: MinHashParams
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint32]]:
    """Return (slot, value) for every character n-gram position of the batch.

    The n-gram is hashed to 32 bits (a polynomial over its code points, then the MurmurHash3
    finaliser): the top log2(k) bits pick the bin, the other bits are the value. The slot is
    ``text * k + bin``; n-grams that cross the end of a text go to the spare slot
    ``len(batch) * k``, which is discarded afterwards.
    """
    k, n = params.num_perm, params.ngram
    cps = batch.codepoints
    m = len(cps) - n + 1
    if m <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.uint32)
    h = cps[:m] ^ _U32(params.seed * 0x9E3779B1 & 0xFFFFFFFF)
    for j in range(1, n):
        h *= _ROLL32
        h += cps[j : j + m]
    h ^= h >> _U32(16)
    h *= _FMIX1
    h ^= h >> _U32(13)
    h *= _FMIX2
    h ^= h >> _U32(16)
    bin_bits = k.bit_length() - 1
    slot = np.repeat(np.arange(len(batch), dtype=np.int64) * k, batch.lengths())[:m]
    np.add(slot, h >> _U32(32 - bin_bits), out=slot, casting="unsafe")
    ends = batch.offsets[1:]
    for j in range(1, n):
        crossing = ends - j
        slot[crossing[(crossing >= 0) & (crossing < m)]] = len(batch) * k
    h &= _U32((1 << (32 - bin_bits)) - 1)
    return slot, h


def _densify(sig: npt.NDArray[np.uint32], seed: int) -> None:
    """Fill empty bins by rotation from the next non-empty bin to the right, in place."""
    n, k = sig.shape
    flat = sig.reshape(-1)
    nonempty_rows = (sig != EMPTY).any(axis=1)
    empty = np.flatnonzero((flat == EMPTY) & np.repeat(nonempty_rows, k))
    salt = (_finalise(np.arange(1, k + 1, dtype=np.uint64) + _U64(seed)) >> _U64(33)).astype(
        np.uint32
    )  # below 2^31, so a filled bin never looks EMPTY
    row_start = empty - empty % k
    for distance in range(1, k):
        source = flat[row_start + (empty - row_start + distance) % k]
        found = source != EMPTY
        flat[empty[found]] = source[found] ^ salt[distance - 1]
        empty, row_start = empty[~found], row_start[~found]
        if not len(empty):
            break


def minhash_signatures(batch: NormalisedBatch, params: MinHashParams) -> npt.NDArray[np.uint32]:
    """One row of ``num_perm`` uint32 values per text; rows of texts without shingles are EMPTY."""
    k = params.num_perm
    slot, values = _shingle_keys(batch, params)
    sig = np.full(len(batch) * k + 1, EMPTY, dtype=np.uint32)
    np.minimum.at(sig, slot, values)
    sig2 = sig[:-1].reshape(len(batch), k)
    _densify(sig2, params.seed)
    return sig2


def estimate_jaccard(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> float:
    """Fraction of equal signature values: an unbiased estimate of J(A, B)."""
    return float(np.mean(a == b))


def _band_keys(part: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
    """One 64-bit key per row of a band (equal rows, equal keys; others collide ~2^-64)."""
    words = np.ascontiguousarray(part).view(np.uint64)
    key = words[:, 0].copy()
    for col in range(1, words.shape[1]):
        key *= _ROLL
        key ^= words[:, col]
    return key


def _band_links(
    sig: npt.NDArray[np.uint32], empty: npt.NDArray[np.bool_], band: int, params: MinHashParams
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Verified links (member, first of its bucket) of one band."""
    rows = params.num_perm // params.bands
    keys = _band_keys(sig[:, band * rows : (band + 1) * rows])
    keys[empty] = np.flatnonzero(empty).astype(np.uint64) | _U64(1 << 63)  # never shared
    order = np.argsort(keys)
    sorted_keys = keys[order]
    repeat = np.empty(len(order), dtype=np.bool_)
    repeat[:1] = False
    np.equal(sorted_keys[1:], sorted_keys[:-1], out=repeat[1:])
    member = np.flatnonzero(repeat)
    if not len(member):
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    first = np.maximum.accumulate(np.where(repeat, 0, np.arange(len(order))))
    a, b = order[member], order[first[member]]
    agree = np.count_nonzero(sig[a] == sig[b], axis=1)
    keep = agree >= params.threshold * params.num_perm
    return a[keep], b[keep]


def lsh_clusters(sig: npt.NDArray[np.uint32], params: MinHashParams) -> npt.NDArray[np.int64]:
    """Cluster label per text (texts without shingles get -1)."""
    n = len(sig)
    labels = np.full(n, -1, dtype=np.int64)
    if not n:
        return labels
    empty = sig[:, 0] == EMPTY
    links = [_band_links(sig, empty, band, params) for band in range(params.bands)]
    a = np.concatenate([x for x, _ in links])
    b = np.concatenate([y for _, y in links])
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n)).tocsr()
    _, components = connected_components(graph, directed=False)
    labels[~empty] = components[~empty]
    return labels


def sign_texts(
    texts: Sequence[str], params: MinHashParams
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """Normalise and sign texts chunk by chunk (so that temporary arrays stay small);
    return the signatures and the normalised length of every text."""
    sig = np.empty((len(texts), params.num_perm), dtype=np.uint32)
    lengths = np.zeros(len(texts), dtype=np.int64)
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
    cuts = np.searchsorted(np.cumsum(sizes), np.arange(1, sizes.sum() // _CHUNK + 2) * _CHUNK)
    bounds = np.unique(np.concatenate(([0], np.minimum(cuts + 1, len(texts)), [len(texts)])))
    for start, stop in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        batch = normalise_batch(texts[start:stop])
        sig[start:stop] = minhash_signatures(batch, params)
        lengths[start:stop] = batch.lengths()
    return sig, lengths


_Signed = tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]


class TextSigner:
    """Signs texts handed over in chunks, inline or in background worker processes.

    With ``workers >= 1`` the chunks go to a process pool (spawned, so it is safe in a
    threaded host) and are hashed while the caller keeps reading posts; the result is the
    same as inline signing.
    """

    def __init__(self, params: MinHashParams, workers: int = 0) -> None:
        self.params = params
        self._pool = (
            ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
            if workers > 0
            else None
        )
        self._parts: list[Future[_Signed] | _Signed] = []

    def submit(self, texts: Sequence[str], last: bool = False) -> None:
        """Sign ``texts``; the ``last`` chunk is signed inline if it is the only one (no
        process is started for a small input)."""
        if not texts:
            return
        if self._pool is None or (last and not self._parts):
            self._parts.append(sign_texts(texts, self.params))
        else:
            self._parts.append(self._pool.submit(sign_texts, list(texts), self.params))

    def finish(self, progress: Callable[[int, int], None] | None = None) -> _Signed:
        """Wait for every chunk; return all signatures and lengths in submission order."""
        results = []
        try:
            for done, part in enumerate(self._parts, 1):
                results.append(part.result() if isinstance(part, Future) else part)
                if progress is not None:
                    progress(done, len(self._parts))
        finally:
            self.close()
        if not results:
            return np.zeros((0, self.params.num_perm), np.uint32), np.zeros(0, np.int64)
        return np.concatenate([r[0] for r in results]), np.concatenate([r[1] for r in results])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def cluster_texts(
    texts: Sequence[str], params: MinHashParams | None = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Normalise, sign and cluster texts; return (cluster label, normalised length) per text."""
    params = params or MinHashParams()
    sig, lengths = sign_texts(texts, params)
    return lsh_clusters(sig, params), lengths
