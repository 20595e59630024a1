"""Cost-sharing rules: the exact Shapley value by dynamic programming, and the proportional rule.

Shapley value of nation i in the cost game c over the participants N (n = |N|):

    phi_i = sum_{S subset of N \\ {i}} |S|! (n-|S|-1)! / n! * (c(S + i) - c(S))

When c depends only on (|S|, q(S)) (see ``cost``), the sum groups by (k, q): let
N_i[k][q] be the number of coalitions of the *other* nations with k members and total
quantity q; then

    phi_i = sum_k w(k) sum_q N_i[k][q] * (c(k+1, q+q_i) - c(k, q)),   w(k) = 1 / (n * C(n-1, k)).

The counts of all nations, N[k][q], come from the subset-sum recursion N' = N + shift(N, 1, q_j)
(O(n^2 * Q) in total); the counts without nation i follow by polynomial division by
(1 + y z^{q_i}): N_i[k] = N[k] - shift(N_i[k-1], q_i) (O(n * Q)). Nations with equal
quantity are symmetric and computed once. Counts are integers held exactly in float64
(n <= 53); only the weighted sum rounds.

For the cost of ``cost``, c(k, q) = a(k) + b(q) when k >= 1, and the sum collapses to
phi_i = a(n)/n + sum_q D_i[q] * (b(q + q_i) - b(q)), where D_i = sum_k w(k) N_i[k] is the
distribution of the quantity bought by i's predecessors in a random order
(``shapley_separable``, the production path; ``shapley`` takes any table c(k, q)).

``shapley_exact`` runs the same recursion in exact rational arithmetic, and the brute-force
enumerations serve as test oracle and benchmark peer.

Proportional rule: share_i = c(N) * q_i / Q, computed exactly from the float c(N).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from math import comb

import numpy as np
import numpy.typing as npt

__all__ = [
    "ExactCost",
    "proportional",
    "shapley",
    "shapley_bruteforce",
    "shapley_bruteforce_table",
    "shapley_exact",
    "shapley_separable",
]

FloatArray = npt.NDArray[np.float64]
ExactCost = Callable[[int, int], Fraction]
"""c(k, q) for k >= 1 nations buying q units in total, as an exact rational."""

_EXACT_FLOAT_N = 53  # below this, every subset count is an integer < 2**53: floats are exact


def _weights(n: int) -> FloatArray:
    """w(k) = k! (n-1-k)! / n! for k = 0..n-1: the chance that i's predecessors are one k-set."""
    return np.array([1.0 / (n * comb(n - 1, k)) for k in range(n)], dtype=np.float64)


def _subset_counts(quantities: Sequence[int], total: int) -> FloatArray:
    """N[k][q]: how many subsets of the nations have k members and total quantity q."""
    counts = np.zeros((len(quantities) + 1, total + 1), dtype=np.float64)
    counts[0, 0] = 1.0
    reach = 0
    for seen, q in enumerate(quantities, start=1):
        reach += q
        counts[1 : seen + 1, q : reach + 1] += counts[0:seen, : reach + 1 - q]
    return counts


def _without(counts: FloatArray, q: int, out: FloatArray) -> FloatArray:
    """Counts of the subsets of all nations but one of quantity q (division by 1 + y z^q).

    Only totals up to Q - q can occur; the result is written into the memory of ``out``
    (reused between calls: no fresh n x Q array to allocate and fault in per quantity).
    """
    n, span = counts.shape[0] - 1, counts.shape[1] - q
    others = out.reshape(-1)[: n * span].reshape(n, span)  # contiguous rows
    np.copyto(others, counts[:n, :span])
    if q < span:  # otherwise x - q < 0 for every x kept: nothing to subtract
        for k in range(1, n):
            np.subtract(others[k, q:], others[k - 1, : span - q], out=others[k, q:])
    return others


def _others_by_quantity(quantities: Sequence[int], total: int) -> Iterator[tuple[int, FloatArray]]:
    """(q, counts of the subsets of the others) once per distinct quantity q.

    The yielded array lives in a buffer reused for the next quantity: use it before asking
    for the next one.
    """
    n = len(quantities)
    counts = _subset_counts(quantities, total) if n <= _EXACT_FLOAT_N else None
    buffer = np.empty((n, total + 1), dtype=np.float64)
    done: set[int] = set()
    for index, q in enumerate(quantities):
        if q in done:
            continue
        done.add(q)
        if counts is not None:
            yield q, _without(counts, q, buffer)
        else:
            rest = [x for j, x in enumerate(quantities) if j != index]
            yield q, _subset_counts(rest, total)[:, : total - q + 1]


def _check(quantities: Sequence[int], sizes: int, totals: int) -> tuple[int, int]:
    n, total = len(quantities), int(sum(quantities))
    if n and (min(quantities) < 0 or sizes < n + 1 or totals < total + 1):
        raise ValueError("quantities must be >= 0 and the costs must cover (n, Q)")
    return n, total


def shapley(quantities: Sequence[int], table: FloatArray) -> FloatArray:
    """Exact Shapley values of the game c(S) = table[|S|, q(S)], in floating point.

    ``table`` must cover k = 0..n and q = 0..sum(quantities), with table[0, 0] = 0 (see
    ``cost.cost_table``). Runs in O(n^2 * Q) time and O(n * Q) memory. Subset counts are
    exact in float64 up to n = 53; beyond, the counts without each nation are recomputed
    directly (no subtraction, so no cancellation) at O(n^2 * Q) per distinct quantity.
    """
    n, total = _check(quantities, *table.shape)
    weights = _weights(n) if n else np.zeros(0)
    by_quantity: dict[int, float] = {}
    for q, others in _others_by_quantity(quantities, total):
        span = others.shape[1]
        joined = np.einsum("kx,kx->k", others, table[1 : n + 1, q : q + span])
        before = np.einsum("kx,kx->k", others, table[0:n, :span])
        by_quantity[q] = float(np.einsum("k,k->", weights, joined - before))
    return np.array([by_quantity[q] for q in quantities], dtype=np.float64)


def shapley_separable(
    quantities: Sequence[int], per_size: FloatArray, per_quantity: FloatArray
) -> FloatArray:
    """Shapley values when c(k, q) = a(k) + b(q) for k >= 1 (a(0) = b(0) = 0), faster.

    Then phi_i = a(n)/n + sum_x D_i[x] * (b(x + q_i) - b(x)), with D_i = w @ N_i the chance
    that i's predecessors in a random order buy x units in total: one weighted sum of rows
    per distinct quantity instead of a pass over the whole (k, q) table.
    ``per_size`` covers k = 0..n and ``per_quantity`` q = 0..sum(quantities).
    """
    n, total = _check(quantities, per_size.shape[0], per_quantity.shape[0])
    weights = _weights(n) if n else np.zeros(0)
    shared = float(per_size[n]) / n if n else 0.0
    by_quantity: dict[int, float] = {}
    for q, others in _others_by_quantity(quantities, total):
        span = others.shape[1]
        chance = np.einsum("k,kx->x", weights, others)  # einsum, not BLAS: no thread thrash
        step = per_quantity[q : q + span] - per_quantity[:span]
        by_quantity[q] = shared + float(np.einsum("x,x->", chance, step))
    return np.array([by_quantity[q] for q in quantities], dtype=np.float64)


def _exact_counts(quantities: Sequence[int], total: int) -> list[list[int]]:
    counts = [[0] * (total + 1) for _ in range(len(quantities) + 1)]
    counts[0][0] = 1
    for seen, q in enumerate(quantities, start=1):
        for k in range(seen, 0, -1):
            row, below = counts[k], counts[k - 1]
            for x in range(total, q - 1, -1):
                row[x] += below[x - q]
    return counts


def shapley_exact(quantities: Sequence[int], cost: ExactCost) -> list[Fraction]:
    """The same dynamic programme in exact rational arithmetic (verification; small n)."""
    n, total = len(quantities), sum(quantities)
    counts = _exact_counts(quantities, total)
    by_quantity: dict[int, Fraction] = {}
    for q in dict.fromkeys(quantities):
        others = [counts[0][:]]
        for k in range(1, n):
            prev = others[-1]
            others.append([counts[k][x] - (prev[x - q] if x >= q else 0) for x in range(total + 1)])
        value = Fraction(0)
        for k in range(n):
            weight = Fraction(1, n * comb(n - 1, k))
            for x in range(total - q + 1):
                if others[k][x]:
                    before = cost(k, x) if k else Fraction(0)
                    value += weight * others[k][x] * (cost(k + 1, x + q) - before)
        by_quantity[q] = value
    return [by_quantity[q] for q in quantities]


def shapley_bruteforce(quantities: Sequence[int], cost: ExactCost) -> list[Fraction]:
    """Shapley values by enumerating all 2^n coalitions, exactly (test oracle; n <= ~12)."""
    n = len(quantities)
    values: list[Fraction] = []
    for mask in range(1 << n):
        members = [i for i in range(n) if mask >> i & 1]
        total = sum(quantities[i] for i in members)
        values.append(cost(len(members), total) if members else Fraction(0))
    shares = []
    for i in range(n):
        share = Fraction(0)
        for mask in range(1 << n):
            if not mask >> i & 1:
                size = mask.bit_count()
                weight = Fraction(1, n * comb(n - 1, size))
                share += weight * (values[mask | 1 << i] - values[mask])
        shares.append(share)
    return shares


def shapley_bruteforce_table(quantities: Sequence[int], table: FloatArray) -> FloatArray:
    """Shapley values by enumerating all 2^n coalitions, vectorised with numpy (bench peer)."""
    n = len(quantities)
    sizes = np.zeros(1 << n, dtype=np.int64)
    totals = np.zeros(1 << n, dtype=np.int64)
    for j, q in enumerate(quantities):
        sizes[1 << j : 2 << j] = sizes[: 1 << j] + 1
        totals[1 << j : 2 << j] = totals[: 1 << j] + q
    values = table[sizes, totals]
    weights = np.append(_weights(n), 0.0)[sizes]
    shares = np.empty(n, dtype=np.float64)
    for i in range(n):
        split = (1 << (n - i - 1), 2, 1 << i)
        without, with_i = values.reshape(split)[:, 0, :], values.reshape(split)[:, 1, :]
        shares[i] = float(np.sum(weights.reshape(split)[:, 0, :] * (with_i - without)))
    return shares


def proportional(quantities: Sequence[int], joint_cost: float | Fraction) -> list[Fraction]:
    """share_i = c(N) * q_i / Q, exactly (all zero when Q = 0)."""
    total = sum(quantities)
    if total == 0:
        return [Fraction(0) for _ in quantities]
    exact = Fraction(joint_cost)
    return [exact * q / total for q in quantities]
