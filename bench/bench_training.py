"""Benchmark of the training context: programme scheduler and academy seat allocation.

Scheduler: generated instances (4 nations, 40 units, 6 areas, 52 weeks) of 60, 120 and 240
exercises, with named units and with force sourcing (every unit requirement is a unit type to
be sourced). For each: status, objective, best bound, gap, wall time, time to the first
feasible plan, whether the independent checker accepts the plan, and the ratio of the objective
to the peer, the greedy plan used as the solver's hint (same instance, same objective).
Targets (issue 7): 120 exercises proven optimal or gap <= 1% within 60 s and first plan < 2 s;
with force sourcing gap <= 2% within 120 s.

``cpu_s`` is the CPU time the process got (two solver threads: up to 2 x wall time on an idle
machine); when it is far below that, other jobs were sharing the two cores.

Seats: 4 nations x 300 seats, exact maximum Nash welfare; target < 5 s. Peer: round-robin
draft (ratio of Nash products).

    .venv/bin/python bench/bench_training.py            # full run (about 10 minutes)
    .venv/bin/python bench/bench_training.py --quick    # CI version (under a minute)
    .venv/bin/python bench/bench_training.py --sizes 120 --seeds 1 2 3 --skip-seats
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

from defpact.training.checker import check_plan, score_plan
from defpact.training.formulation import start_domains
from defpact.training.generator import generate_instance, generate_seat_problem
from defpact.training.model import Assignment, Instance, Plan, participants
from defpact.training.scheduler import greedy_plan, schedule
from defpact.training.seats import allocate_nash, allocate_round_robin


def _greedy_score(inst: Instance) -> int:
    placed = greedy_plan(inst, start_domains(inst))
    exercises = {e.id: e for e in inst.exercises}
    assignments = tuple(
        Assignment(
            ex_id,
            exercises[ex_id].name,
            exercises[ex_id].type,
            exercises[ex_id].host,
            participants(exercises[ex_id]),
            area,
            start,
            start + exercises[ex_id].duration_weeks - 1,
            units,
        )
        for ex_id, (start, area, units) in placed.items()
    )
    return score_plan(inst, Plan(inst.year, "FEASIBLE", assignments))["objective"]


def _schedule_row(size: int, sourced: bool, limit: float, seed: int, target: float) -> str:
    inst = generate_instance(size, seed=seed, sourced=sourced)
    inst = dataclasses.replace(inst, config=dataclasses.replace(inst.config, time_limit_s=limit))
    cpu0 = time.process_time()
    plan = schedule(inst)
    cpu = time.process_time() - cpu0
    valid = "yes" if not check_plan(inst, plan) else "NO"
    greedy = _greedy_score(inst)
    gap = plan.gap if plan.gap is not None else float("inf")
    first = plan.first_feasible_s if plan.first_feasible_s is not None else float("inf")
    ratio = (plan.objective or 0) / greedy if greedy > 0 else float("nan")
    ok = "yes" if gap <= target else "NO"
    kind = "sourced" if sourced else "named"
    return (
        f"{size:>5} {kind:>8} {seed:>4} {plan.status:>10} {plan.objective!s:>8} "
        f"{plan.best_bound or 0:>9.0f} {100 * gap:>6.2f}% {100 * target:>5.1f}% {ok:>4} "
        f"{plan.wall_time_s:>7.1f} {cpu:>6.1f} {first:>6.2f} {valid:>6} {greedy:>8} {ratio:>6.3f}"
    )


def bench_scheduler(quick: bool, sizes: list[int] | None, seeds: list[int]) -> None:
    sizes = sizes or ([20, 40] if quick else [60, 120, 240])
    named_limit, sourced_limit = (5.0, 10.0) if quick else (60.0, 120.0)
    print(
        f"\nProgramme scheduler (workers=2, limits {named_limit:.0f}s named / "
        f"{sourced_limit:.0f}s sourced)"
    )
    print(
        "  size     kind seed     status objective     bound    gap target  ok   time_s"
        "  cpu_s first  valid   greedy vs_greedy"
    )
    for sourced, limit, target in ((False, named_limit, 0.01), (True, sourced_limit, 0.02)):
        for size in sizes:
            for seed in seeds:
                print(_schedule_row(size, sourced, limit, seed, target), flush=True)


def bench_seats(quick: bool) -> None:
    seats = 100 if quick else 300
    print(f"\nSeat allocation, 4 nations x {seats} seats (target: exact in < 5 s)")
    print("seed iterations  status exact  nash_s  rr_s  nash_product    rr_product  vs_rr  EF1")
    for seed in range(3):
        problem = generate_seat_problem(4, seats, seed=seed)
        t0 = time.perf_counter()
        nash = allocate_nash(problem)
        elapsed = time.perf_counter() - t0
        rr = allocate_round_robin(problem)
        ratio = nash.nash_product / rr.nash_product if rr.nash_product else float("inf")
        print(
            f"{seed:>4} {len(problem.iterations):>10} {nash.status:>7} {nash.exact!s:>5} "
            f"{elapsed:>7.2f} {rr.wall_time_s:>5.2f} {nash.nash_product:>13} "
            f"{rr.nash_product:>13} {ratio:>6.3f} {'yes' if nash.ef1 else 'no':>4}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short limits")
    parser.add_argument("--skip-scheduler", action="store_true")
    parser.add_argument("--skip-seats", action="store_true")
    parser.add_argument("--sizes", type=int, nargs="*", help="exercise counts (default 60 120 240)")
    parser.add_argument("--seeds", type=int, nargs="*", default=[1], help="instance seeds")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"training bench on {os.cpu_count()} cores, load average {load:.1f} at start")
    if not args.skip_scheduler:
        bench_scheduler(args.quick, args.sizes, args.seeds)
    if not args.skip_seats:
        bench_seats(args.quick)


if __name__ == "__main__":
    main()
