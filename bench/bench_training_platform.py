"""Benchmark of the training platform path: stored data -> solver instance -> plan -> stored
version -> the caller's view.

A generated instance (3 member nations XK, AL, HR, 40 units, 6 areas, N exercises) is stored
through the services (each write one transaction with its audit event) in a fresh SQLite or
PostgreSQL database; then ``solve_programme`` reads it, builds the instance (dates to weeks,
public holidays), solves and stores the draft, and ``get_programme`` renders it for a user of
one nation (visibility filter). Reported per size: time to store the data, solve wall time,
status and gap, the overhead of the platform around the solver (solve_programme wall time minus
the solver's own), the view time, and whether the independent checker accepts the stored plan.

    .venv/bin/python bench/bench_training_platform.py --sizes 60 120 --time-limit 60
    .venv/bin/python bench/bench_training_platform.py --quick
    DEFPACT_BENCH_DB=postgresql+psycopg://postgres@127.0.0.1:5432/bench ... (empty database)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from defpact.core.config import Settings
from defpact.core.context import Actor
from defpact.core.marking import Marking
from defpact.core.runtime import Node
from defpact.core.schema import upgrade
from defpact.core.seed import seed_demo, seed_reference
from defpact.core.sessions import principal_of
from defpact.core.store import UserRepository
from defpact.training import exercise_service, programme_service
from defpact.training import reference_service as reference
from defpact.training.checker import check_plan
from defpact.training.generator import generate_instance
from defpact.training.model import Instance
from defpact.training.records import ExerciseDraft, Period, Required

CONSOLE = Actor.console("bench")


def _period(year: int, weeks: tuple[int, int]) -> Period:
    start = dt.date.fromisocalendar(year, weeks[0], 1)
    return Period(start, dt.date.fromisocalendar(year, weeks[1], 7))


def _store(node: Node, inst: Instance) -> None:
    y = inst.year
    for u in inst.units:
        draft = reference.UnitDraft(
            u.id, u.id, u.nation, u.type, u.home_base, tuple(_period(y, b) for b in u.blackouts)
        )
        reference.create_unit(node.uow(), CONSOLE, draft)
    for a in inst.areas:
        area = reference.AreaDraft(
            a.id, a.id, a.host, a.type, a.capacity, tuple(_period(y, c) for c in a.closures)
        )
        reference.create_area(node.uow(), CONSOLE, area)
    for e in inst.exercises:
        required = {
            n: Required(e.named_units.get(n, ()), dict(e.sourced_units.get(n, {})))
            for n in {*e.named_units, *e.sourced_units}
        }
        draft = ExerciseDraft(
            e.id,
            e.name,
            e.type,
            y,
            tuple(n for n in e.nations if n != e.host),
            e.duration_weeks,
            e.earliest_week,
            e.latest_week,
            e.areas,
            required,
            e.preferred_start,
            e.priority,
            e.mandatory,
        )
        exercise_service.create_exercise(node.uow(), CONSOLE, draft, Marking(e.host))


def _node(url: str | None, tmp: Path) -> Node:
    url = url or f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    node = Node.from_settings(Settings(data_dir=tmp / "var", database_url=url))
    seed_reference(node.uow())
    seed_demo(node.uow())
    return node


def run(size: int, time_limit: float, seed: int, sourced: bool, url: str | None) -> None:
    inst = generate_instance(size, n_nations=3, seed=seed, sourced=sourced)
    with tempfile.TemporaryDirectory() as tmp:
        node = _node(url, Path(tmp))
        try:
            t0 = time.perf_counter()
            _store(node, inst)
            stored = time.perf_counter() - t0
            options = programme_service.SolveOptions(
                time_limit_s=time_limit, max_exercises_per_unit=inst.config.max_exercises_per_unit
            )
            t0 = time.perf_counter()
            saved = programme_service.solve_programme(node.uow(), CONSOLE, inst.year, options)
            solve = time.perf_counter() - t0
            with node.uow() as uow:
                row = UserRepository(uow.session).by_username("al.analyst")
                assert row is not None  # noqa: S101 - seeded demo user
                user = Actor.of(principal_of(row))
            t0 = time.perf_counter()
            view = programme_service.get_programme(node.uow(), user, saved.id)
            viewed = time.perf_counter() - t0
            bad = check_plan(saved.instance, saved.plan)
        finally:
            node.dispose()
    plan = saved.plan
    gap = "-" if plan.gap is None else f"{100 * plan.gap:.2f}%"
    first = "-" if plan.first_feasible_s is None else f"{plan.first_feasible_s:.2f}"
    print(
        f"{size:>4} {'sourced' if sourced else 'named':>7} seed {seed}: store {stored:6.2f}s  "
        f"solve {solve:6.2f}s (solver {plan.wall_time_s:6.2f}s, first {first}s, overhead "
        f"{solve - plan.wall_time_s:5.2f}s)  {plan.status} gap {gap}  scheduled "
        f"{len(plan.assignments)}/{size}  view {viewed * 1000:5.0f} ms "
        f"({len(view.plan.assignments)} shown)  checker {'ok' if not bad else len(bad)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[60, 120, 240])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--sourced", action="store_true")
    parser.add_argument("--quick", action="store_true", help="60 and 120 exercises, 10 s")
    args = parser.parse_args()
    sizes, limit = ([60, 120], 10.0) if args.quick else (args.sizes, args.time_limit)
    url = os.environ.get("DEFPACT_BENCH_DB")
    for size in sizes:
        for seed in args.seeds:
            run(size, limit, seed, args.sourced, url)


if __name__ == "__main__":
    main()
