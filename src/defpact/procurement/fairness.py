"""Fairness of a cost split: the core check and the nearest-core allocation.

An allocation x of c(N) over the participants N is in the core when no coalition would pay
less on its own: for every non-empty proper sub-coalition T, x(T) <= c(T). The check
computes the maximum excess

    e(x) = max_{T non-empty, T != N} x(T) - c(T)

exactly by a separation dynamic programme: because c depends on T only through (|T|, q(T)),
it suffices to know, for every (k, q), the largest x(T) over coalitions with k members and
total quantity q (a 0/1 knapsack, O(n^2 * Q)); the coalition reaching the maximum excess is
recovered by backtracking. Ties go to the smallest coalition, then the smallest quantity,
then to the coalition that includes the earliest nations in nation order.

The nearest-core allocation minimises the L1 distance sum_i |x_i - phi_i| to a target phi
(Shapley) over the core, as a linear programme solved by HiGHS (scipy.optimize.linprog).
The core has one constraint per coalition, so they are generated lazily: solve with a few
coalitions, ask the separation programme for the most violated coalition of every size, add
them, repeat. Nations with equal quantity are interchangeable and get equal shares (the core
and the L1 ball around a symmetric target are both symmetric and convex, so this loses no
optimality). If the core is empty, the least core is used instead: the smallest eps such that
x(T) <= c(T) + eps for every T has a solution, then the point of that set nearest the target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog

__all__ = ["CoreCheck", "NearestCore", "core_check", "core_check_bruteforce", "nearest_core"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Shares = Sequence[float] | FloatArray


@dataclass(frozen=True, slots=True)
class CoreCheck:
    """``max_excess`` is None when there is no non-empty proper sub-coalition (n <= 1)."""

    max_excess: float | None
    blocking: tuple[int, ...]  # indices (in the given order) of the coalition reaching it


@dataclass(frozen=True, slots=True)
class NearestCore:
    shares: FloatArray
    epsilon: float  # 0 when the core is non-empty; the least-core eps > 0 otherwise
    iterations: int


class _Separation:
    """best[k, q] = max x(T) over coalitions with k members and quantity q, with backtracking.

    The take/skip decision of every nation is kept as packed bits (n * n * Q / 8 bytes).
    """

    def __init__(self, shares: Shares, quantities: Sequence[int]) -> None:
        n, total = len(quantities), int(sum(quantities))
        self.quantities = [int(q) for q in quantities]
        best = np.full((n + 1, total + 1), -np.inf)
        best[0, 0] = 0.0
        self.took = np.zeros((n, n + 1, total // 8 + 1), dtype=np.uint8)
        decided: BoolArray = np.zeros((n + 1, total + 1), dtype=np.bool_)
        reach = 0
        for seen, i in enumerate(range(n - 1, -1, -1), start=1):
            q = self.quantities[i]
            reach += q
            current = best[1 : seen + 1, q : reach + 1]
            candidate = best[0:seen, : reach + 1 - q] + float(shares[i])
            take = candidate >= current  # ties take: backtracking prefers earlier nations
            decided[:] = False
            decided[1 : seen + 1, q : reach + 1] = take
            self.took[i] = np.packbits(decided, axis=1, bitorder="little")
            best[1 : seen + 1, q : reach + 1] = np.where(take, candidate, current)
        self.best = best

    def coalition(self, size: int, quantity: int) -> tuple[int, ...]:
        members = []
        for i, q in enumerate(self.quantities):
            if size and self.took[i, size, quantity >> 3] >> (quantity & 7) & 1:
                members.append(i)
                size, quantity = size - 1, quantity - q
        return tuple(members)

    def excess(self, table: FloatArray) -> FloatArray:
        """Excess of the best coalition of every (k, q), for k = 1..n-1 (row k-1)."""
        n = self.best.shape[0] - 1
        with np.errstate(invalid="ignore"):
            result: FloatArray = self.best[1:n] - table[1:n, : self.best.shape[1]]
        return result


def core_check(shares: Shares, quantities: Sequence[int], table: FloatArray) -> CoreCheck:
    """Maximum excess of the allocation ``shares`` and the coalition reaching it, in O(n^2 * Q)."""
    if len(quantities) <= 1:
        return CoreCheck(None, ())
    separation = _Separation(shares, quantities)
    excess = separation.excess(table)
    k, q = np.unravel_index(int(np.argmax(excess)), excess.shape)
    return CoreCheck(float(excess[k, q]), separation.coalition(int(k) + 1, int(q)))


def core_check_bruteforce(
    shares: Shares, quantities: Sequence[int], table: FloatArray
) -> CoreCheck:
    """The same by enumerating all 2^n - 2 coalitions (test oracle)."""
    n = len(quantities)
    best: CoreCheck = CoreCheck(None, ())
    for mask in range(1, (1 << n) - 1):
        members = tuple(i for i in range(n) if mask >> i & 1)
        quantity = sum(quantities[i] for i in members)
        value = sum(float(shares[i]) for i in members) - float(table[len(members), quantity])
        if best.max_excess is None or value > best.max_excess:
            best = CoreCheck(value, members)
    return best


def _groups(quantities: Sequence[int]) -> list[list[int]]:
    by_quantity: dict[int, list[int]] = {}
    for i, q in enumerate(quantities):
        by_quantity.setdefault(int(q), []).append(i)
    return list(by_quantity.values())


class _CoreProgramme:
    """The LP over one share per group of equal-quantity nations, with generated cuts."""

    def __init__(self, target: Shares, quantities: Sequence[int], table: FloatArray):
        self.quantities, self.table = list(quantities), table
        self.groups = _groups(quantities)
        self.sizes = np.array([len(g) for g in self.groups], dtype=np.float64)
        n, total = len(quantities), int(sum(quantities))
        self.scale = max(abs(float(table[n, total])), 1.0)
        self.joint = float(table[n, total]) / self.scale
        self.target = np.array([np.mean([target[i] for i in g]) for g in self.groups]) / self.scale
        self.group_of = {i: gi for gi, g in enumerate(self.groups) for i in g}
        self.cuts: dict[tuple[int, ...], float] = {}
        for group in self.groups:
            self._add_cut(tuple(group[:1]))
            self._add_cut(tuple(i for i in range(n) if i != group[0]))

    def _add_cut(self, members: tuple[int, ...]) -> bool:
        counts = [0] * len(self.groups)
        for i in members:
            counts[self.group_of[i]] += 1
        key = tuple(counts)
        if key in self.cuts or not 0 < len(members) < len(self.quantities):
            return False
        quantity = sum(self.quantities[i] for i in members)
        self.cuts[key] = float(self.table[len(members), quantity]) / self.scale
        return True

    def expand(self, per_group: FloatArray) -> FloatArray:
        shares = np.empty(len(self.quantities), dtype=np.float64)
        for gi, group in enumerate(self.groups):
            shares[group] = per_group[gi] * self.scale
        return shares

    def add_violated(self, per_group: FloatArray, epsilon: float, tol: float) -> bool:
        """Add the most violated coalition of every size; False when none violates."""
        shares = self.expand(per_group)
        separation = _Separation(shares, self.quantities)
        excess = separation.excess(self.table) / self.scale
        added = False
        for k in range(excess.shape[0]):
            q = int(np.argmax(excess[k]))
            if excess[k, q] > epsilon + tol:
                added |= self._add_cut(separation.coalition(k + 1, q))
        return added

    def _rows(self) -> tuple[FloatArray, FloatArray]:
        return np.array(list(self.cuts), dtype=np.float64), np.array(list(self.cuts.values()))

    def least_epsilon(self, tol: float) -> tuple[float, int]:
        g = len(self.groups)
        for iteration in range(1, _MAX_ROUNDS + 1):
            rows, bounds = self._rows()
            cost = np.append(np.zeros(g), 1.0)
            a_ub = np.hstack([rows, -np.ones((len(rows), 1))])
            a_eq = np.append(self.sizes, 0.0)[None, :]
            solution = _solve(cost, a_ub, bounds, a_eq, self.joint, [(None, None)] * (g + 1))
            if solution is None:
                raise RuntimeError("least-core programme infeasible")
            epsilon = float(solution[-1])
            if not self.add_violated(solution[:g], epsilon, tol):
                return epsilon, iteration
        raise RuntimeError("least-core generation did not converge")

    def nearest(self, epsilon: float, tol: float) -> tuple[FloatArray | None, int]:
        g = len(self.groups)
        for iteration in range(1, _MAX_ROUNDS + 1):
            rows, bounds = self._rows()
            eye = np.eye(g)
            a_ub = np.vstack(
                [
                    np.hstack([rows, np.zeros_like(rows)]),
                    np.hstack([eye, -eye]),
                    np.hstack([-eye, -eye]),
                ]
            )
            b_ub = np.concatenate([bounds + epsilon, self.target, -self.target])
            cost = np.concatenate([np.zeros(g), self.sizes])
            a_eq = np.append(self.sizes, np.zeros(g))[None, :]
            bounds_x = [(None, None)] * g + [(0.0, None)] * g
            solution = _solve(cost, a_ub, b_ub, a_eq, self.joint, bounds_x)
            if solution is None:
                return None, iteration
            if not self.add_violated(solution[:g], epsilon, tol):
                return self.expand(solution[:g]), iteration
        raise RuntimeError("nearest-core generation did not converge")


_MAX_ROUNDS = 500
_TOL = 1e-9  # relative to c(N)
_HIGHS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
Bounds = Sequence[tuple[float | None, float | None]]


def _solve(
    cost: FloatArray,
    a_ub: FloatArray,
    b_ub: FloatArray,
    a_eq: FloatArray,
    b_eq: float,
    bounds: Bounds,
) -> FloatArray | None:
    """One HiGHS solve; None when infeasible."""
    result = linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=[b_eq],
        bounds=bounds,
        method="highs",
        options=_HIGHS,
    )
    if result.status == 2:
        return None
    if result.status != 0:
        raise RuntimeError(f"HiGHS failed: {result.message}")
    solution: FloatArray = np.asarray(result.x, dtype=np.float64)
    return solution


def nearest_core(target: Shares, quantities: Sequence[int], table: FloatArray) -> NearestCore:
    """The core allocation nearest to ``target`` in L1 (least core if the core is empty).

    When the target is itself in the core (max excess within 1e-9 of c(N)), it is returned
    unchanged. The L1 nearest point need not be unique; HiGHS returns an optimal vertex,
    the same one for the same input.
    """
    n, total = len(quantities), int(sum(quantities))
    if n <= 1:
        return NearestCore(np.array([float(table[n, total])] * n, dtype=np.float64), 0.0, 0)
    scale = max(abs(float(table[n, total])), 1.0)
    check = core_check(target, quantities, table)
    if check.max_excess is not None and check.max_excess <= _TOL * scale:
        return NearestCore(np.asarray(target, dtype=np.float64), 0.0, 0)
    programme = _CoreProgramme(target, quantities, table)
    shares, rounds = programme.nearest(0.0, _TOL)
    if shares is not None:
        return NearestCore(shares, 0.0, rounds)
    epsilon, more = programme.least_epsilon(_TOL)
    shares, last = programme.nearest(epsilon + _TOL, _TOL)
    if shares is None:
        raise RuntimeError("least-core programme infeasible at its own epsilon")
    return NearestCore(shares, epsilon * scale, rounds + more + last)
