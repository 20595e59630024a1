"""Benchmark: exact Shapley by DP over (coalition size, total quantity) and the core check by
separation DP, against brute-force enumeration of all 2^n coalitions (numpy-vectorised, the
fastest honest form of enumeration) and the Monte Carlo permutation estimator given the same
time as the DP.

    .venv/bin/python bench/bench_shapley.py           # n = 16..22 and the n = 36 target
    .venv/bin/python bench/bench_shapley.py --quick   # n = 16..18, short (CI)

Targets (2-core machine): n = 36 nations with quantities up to 500 each, Shapley < 0.5 s and
core check < 0.5 s. Timings are the best of a few runs; the machine may be shared.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from defpact.procurement.cost import CostParams, cost_parts, cost_table
from defpact.procurement.fairness import core_check, nearest_core
from defpact.procurement.sharing import shapley, shapley_bruteforce_table, shapley_separable

FloatArray = npt.NDArray[np.float64]
TARGET_S = 0.5
PARAMS = CostParams(
    t1=180_000.0,
    slope=0.9,
    c0=20,
    tiers=((1, 1.0), (500, 0.95), (2000, 0.9), (6000, 0.85)),
    fixed_order=400_000.0,
    per_nation=50_000.0,
    surcharge=0.032,
)


def _best(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def monte_carlo(
    quantities: list[int], table: FloatArray, budget_s: float, rng: np.random.Generator
) -> tuple[FloatArray, int]:
    """Average marginal cost over random orders, sampled in batches until the budget is spent."""
    n = len(quantities)
    qs = np.asarray(quantities)
    sizes = np.arange(1, n + 1)
    sums = np.zeros(n)
    count, batch = 0, 64
    start = time.perf_counter()
    while count == 0 or time.perf_counter() - start < budget_s:
        orders = rng.permuted(np.tile(np.arange(n), (batch, 1)), axis=1)
        ordered = qs[orders]
        after = np.cumsum(ordered, axis=1)
        marginal = table[sizes, after] - table[sizes - 1, after - ordered]
        sums += np.bincount(orders.ravel(), weights=marginal.ravel(), minlength=n)
        count += batch
    return sums / count, count


def core_bruteforce(shares: FloatArray, quantities: list[int], table: FloatArray) -> float:
    """max over non-empty proper T of x(T) - c(T), enumerating all coalitions (vectorised)."""
    n = len(quantities)
    sizes = np.zeros(1 << n, dtype=np.int64)
    totals = np.zeros(1 << n, dtype=np.int64)
    paid = np.zeros(1 << n)
    for j, q in enumerate(quantities):
        sizes[1 << j : 2 << j] = sizes[: 1 << j] + 1
        totals[1 << j : 2 << j] = totals[: 1 << j] + q
        paid[1 << j : 2 << j] = paid[: 1 << j] + shares[j]
    excess = paid[1:-1] - table[sizes[1:-1], totals[1:-1]]
    return float(excess.max())


def _instance(n: int, rng: np.random.Generator, high: int = 500) -> tuple[list[int], FloatArray]:
    quantities = [int(q) for q in rng.integers(1, high + 1, n)]
    return quantities, cost_table(PARAMS, n, sum(quantities))


def _production(quantities: list[int]) -> FloatArray:
    """What ``allocate`` runs per item: build the cost parts, then the separable DP."""
    return shapley_separable(quantities, *cost_parts(PARAMS, len(quantities), sum(quantities)))


def compare_peers(sizes: range, rng: np.random.Generator) -> None:
    print("DP vs brute-force enumeration and Monte Carlo at equal time (quantities 1..500)")
    header = (
        f"{'n':>3} {'Q':>6} {'DP ms':>8} {'brute ms':>9} {'brute/DP':>9} {'max|diff|':>10} "
        f"{'core DP ms':>10} {'core brute ms':>13} {'ratio':>7} {'MC perms':>9} "
        f"{'MC max rel err':>15}"
    )
    print(header)
    print("-" * len(header))
    for n in sizes:
        quantities, table = _instance(n, rng)
        dp_s, phi = _best(partial(_production, quantities), 3)
        brute_s, brute = _best(partial(shapley_bruteforce_table, quantities, table), 1)
        core_s, check = _best(partial(core_check, phi, quantities, table), 3)
        core_brute_s, excess = _best(partial(core_bruteforce, phi, quantities, table), 1)
        assert abs(check.max_excess - excess) <= 1e-6 * abs(table[n, sum(quantities)])
        estimate, perms = monte_carlo(quantities, table, dp_s, rng)
        error = float(np.max(np.abs(estimate - phi) / np.abs(phi)))
        print(
            f"{n:>3} {sum(quantities):>6} {dp_s * 1e3:>8.1f} {brute_s * 1e3:>9.1f} "
            f"{brute_s / dp_s:>9.1f} {float(np.max(np.abs(brute - phi))):>10.2e} "
            f"{core_s * 1e3:>10.1f} {core_brute_s * 1e3:>13.1f} {core_brute_s / core_s:>7.1f} "
            f"{perms:>9} {error:>15.2%}"
        )


def _target_instances(count: int, rng: np.random.Generator) -> list[tuple[str, list[int]]]:
    cases = [("worst: 36 distinct, 465..500", list(range(465, 501)))]
    cases += [(f"random 1..500 #{i + 1}", _instance(36, rng)[0]) for i in range(count)]
    return cases


def check_target(count: int, rng: np.random.Generator) -> None:
    print()
    print(f"Target: n = 36, quantities up to 500; Shapley and core check each < {TARGET_S} s")
    print("(Shapley includes building the cost parts; 'table DP' is the general c(k, q) path)")
    header = (
        f"{'instance':<30} {'Q':>6} {'distinct':>8} {'Shapley ms':>11} {'table DP ms':>12} "
        f"{'core ms':>8} {'MC rel err':>11} {'result':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, quantities in _target_instances(count, rng):
        shapley_s, phi = _best(partial(_production, quantities), 3)
        table = cost_table(PARAMS, 36, sum(quantities))
        general_s, _ = _best(partial(shapley, quantities, table), 3)
        core_s, _ = _best(partial(core_check, phi, quantities, table), 3)
        estimate, _ = monte_carlo(quantities, table, shapley_s, rng)
        error = float(np.max(np.abs(estimate - phi) / np.abs(phi)))
        ok = "PASS" if max(shapley_s, core_s) < TARGET_S else "FAIL"
        print(
            f"{name:<30} {sum(quantities):>6} {len(set(quantities)):>8} "
            f"{shapley_s * 1e3:>11.1f} {general_s * 1e3:>12.1f} {core_s * 1e3:>8.1f} "
            f"{error:>11.2%} {ok:>7}"
        )


def _outside_core(rng: np.random.Generator) -> tuple[CostParams, list[int], FloatArray]:
    """A 36-nation game with a steep discount tier where Shapley is not in the core."""
    while True:
        quantities = [int(q) for q in rng.integers(1, 60, 36)]
        total = sum(quantities)
        tier = (int(total * rng.uniform(0.5, 0.99)), float(rng.uniform(0.3, 0.8)))
        params = CostParams(t1=1000.0, slope=float(rng.uniform(0.9, 1.0)), tiers=((1, 1.0), tier))
        phi = shapley_separable(quantities, *cost_parts(params, 36, total))
        table = cost_table(params, 36, total)
        excess = core_check(phi, quantities, table).max_excess
        if excess is not None and excess > 0:
            return params, quantities, phi


def check_nearest_core(count: int, rng: np.random.Generator) -> None:
    print()
    print("Nearest-core LP (HiGHS) with constraint generation, n = 36, Shapley outside the core")
    header = f"{'Q':>6} {'Shapley excess':>15} {'rounds':>7} {'LP ms':>8} {'final excess':>13}"
    print(header)
    print("-" * len(header))
    for _ in range(count):
        params, quantities, phi = _outside_core(rng)
        table = cost_table(params, 36, sum(quantities))
        before = core_check(phi, quantities, table).max_excess or 0.0
        lp_s, result = _best(partial(nearest_core, phi, quantities, table), 1)
        after = core_check(result.shares, quantities, table).max_excess or 0.0
        print(
            f"{sum(quantities):>6} {before:>15.2f} {result.iterations:>7} {lp_s * 1e3:>8.1f} "
            f"{after:>13.2e}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 16..18 and 2 target instances")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    compare_peers(range(16, 19) if args.quick else range(16, 23), rng)
    check_target(2 if args.quick else 5, rng)
    check_nearest_core(1 if args.quick else 3, rng)


if __name__ == "__main__":
    main()
