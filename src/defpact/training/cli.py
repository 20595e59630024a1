"""Command line of the training context: files, or (``--year``) the node's stored programme.

    defpact training schedule FILE|--year Y [--time-limit S] [--format json|table] [--check]
        [--gantt OUT.svg] [--load OUT.svg] [--ics OUT.ics] [--csv OUT.csv]
    defpact training seats allocate FILE|--year Y [--course CODE ...] [--method nash|round-robin]
        [--format json|table] [--order HR,AL,XK] [--max-per-iteration N] [--allow-own]
        [--check] [--time-limit S] [--csv OUT.csv]
    defpact training withdraw exercise CODE | withdraw lesson ID

Bad input prints one line to stderr and exits with code 2. An infeasible programme is an
answer, not an error: it exits 0 with status INFEASIBLE and the conflicting exercises. A plan
that fails ``--check`` exits 1 (that would be a solver bug).
"""

from __future__ import annotations

import dataclasses
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from defpact.core.cli import open_node
from defpact.core.context import Actor
from defpact.core.errors import DefpactError
from defpact.training import seat_service
from defpact.training.academy_service import catalogue
from defpact.training.checker import check_plan
from defpact.training.cli_withdraw import FormatOpt, OutputFormat, withdraw_app
from defpact.training.cli_withdraw import fail as _fail
from defpact.training.gantt import gantt_svg, programme_csv, seats_csv, to_ics, unit_load_svg
from defpact.training.instance import instance_from_dict, seat_problem_from_dict
from defpact.training.model import Instance, InstanceError, Plan
from defpact.training.programme_service import SolveOptions, get_programme, solve_programme
from defpact.training.scheduler import schedule
from defpact.training.seats import (
    SeatAllocation,
    SeatProblem,
    allocate_nash,
    allocate_round_robin,
    is_pareto_optimal,
)

__all__ = ["app"]

app = typer.Typer(
    help="Joint training: exercise programme and academy seats, from files or stored data.",
    no_args_is_help=True,
)
seats_app = typer.Typer(help="Academy seat exchange.", no_args_is_help=True)
app.add_typer(seats_app, name="seats")
app.add_typer(withdraw_app, name="withdraw")


class Method(StrEnum):
    nash = "nash"
    round_robin = "round-robin"


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        _fail(f"{path}: cannot read file ({exc.strerror})")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        _fail(f"{path}: not valid JSON ({exc})")


def _write(path: Path, data: str | bytes) -> None:
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except OSError as exc:
        _fail(f"{path}: cannot write file ({exc.strerror})")


FileArg = Annotated[Path, typer.Argument(help="JSON file (format in docs/training.md).")]
OptFileArg = Annotated[
    Path | None, typer.Argument(help="JSON instance file; omit with --year to use stored data.")
]


@app.command("schedule")
def schedule_command(
    file: OptFileArg = None,
    year: Annotated[
        int | None,
        typer.Option("--year", help="Solve the stored programme of this year; save a draft."),
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Solver time limit in seconds.")
    ] = None,
    output: FormatOpt = OutputFormat.table,
    check: Annotated[bool, typer.Option("--check", help="Verify the plan independently.")] = False,
    gantt: Annotated[Path | None, typer.Option("--gantt", help="Write a Gantt SVG.")] = None,
    load: Annotated[Path | None, typer.Option("--load", help="Write a unit-load SVG.")] = None,
    ics: Annotated[Path | None, typer.Option("--ics", help="Write an iCalendar file.")] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the programme as CSV.")] = None,
) -> None:
    """Schedule the yearly exercise programme of an instance FILE, or of --year from the node's
    database (the result is saved there as a draft programme version)."""
    if (file is None) == (year is None):
        _fail("give either an instance FILE or --year YEAR")
    try:
        if time_limit is not None and time_limit <= 0:
            raise InstanceError("--time-limit", "must be positive")
        if year is not None:
            instance, plan, saved = _solve_stored(year, time_limit)
        else:
            assert file is not None  # noqa: S101 - checked above
            instance = instance_from_dict(_load_json(file))
            if time_limit is not None:
                config = dataclasses.replace(instance.config, time_limit_s=time_limit)
                instance = dataclasses.replace(instance, config=config)
            plan, saved = schedule(instance), None
    except InstanceError as exc:
        _fail(str(exc))
    violations = [dataclasses.asdict(v) for v in check_plan(instance, plan)] if check else None
    _write_outputs(plan, instance, gantt, load, ics, csv)
    if output is OutputFormat.json:
        body = dataclasses.asdict(plan)
        if saved is not None:
            body["programme"] = saved
        if violations is not None:
            body["check"] = {"valid": not violations, "violations": violations}
        typer.echo(json.dumps(body, indent=2))
    else:
        if saved is not None:
            typer.echo(f"saved as draft version {saved['number']} of {year} (id {saved['id']})")
        _print_plan(plan, violations)
    if violations:
        raise typer.Exit(1)


def _solve_stored(year: int, time_limit: float | None) -> tuple[Instance, Plan, dict[str, Any]]:
    """Solve ``year`` from the database as the console operator and save the draft."""
    node = open_node()
    try:
        actor = Actor.console("cli")
        options = SolveOptions(time_limit_s=time_limit or SolveOptions().time_limit_s)
        try:
            info = solve_programme(node.uow(), actor, year, options)
        except DefpactError as exc:
            raise InstanceError(exc.field or "--year", exc.detail) from None
        full = get_programme(node.uow(), actor, info.id)
    finally:
        node.dispose()
    saved = {"id": info.id, "year": info.year, "number": info.number, "state": info.state}
    return full.instance, full.plan, saved


def _write_outputs(
    plan: Plan,
    instance: Instance,
    gantt: Path | None,
    load: Path | None,
    ics: Path | None,
    csv: Path | None,
) -> None:
    if gantt:
        _write(gantt, gantt_svg(plan, instance))
    if load:
        _write(load, unit_load_svg(plan, instance))
    if ics:
        _write(ics, to_ics(plan, plan.year))
    if csv:
        _write(csv, programme_csv(plan))


def _print_plan(plan: Plan, violations: list[dict[str, str]] | None) -> None:
    console = Console()
    gap = "-" if plan.gap is None else f"{100 * plan.gap:.2f}%"
    first = "-" if plan.first_feasible_s is None else f"{plan.first_feasible_s:.2f}s"
    console.print(
        f"[bold]{plan.status}[/]  objective {plan.objective}  bound {plan.best_bound}"
        f"  gap {gap}  time {plan.wall_time_s:.2f}s  first plan {first}"
    )
    if plan.assignments:
        table = Table("exercise", "name", "host", "nations", "area", "weeks", "units")
        for a in sorted(plan.assignments, key=lambda a: (a.start_week, a.exercise_id)):
            table.add_row(
                a.exercise_id,
                a.name,
                a.host,
                " ".join(a.nations),
                a.area_id,
                f"{a.start_week}-{a.end_week}",
                " ".join(a.units),
            )
        console.print(table)
        console.print(f"objective terms: {dict(plan.objective_terms)}")
    if plan.unscheduled:
        console.print(f"not scheduled: {', '.join(plan.unscheduled)}")
    if plan.conflict:
        state = "minimal" if plan.conflict.minimal else "not proven minimal"
        console.print(
            f"[red]conflicting mandatory exercises ({state}):[/] "
            f"{', '.join(plan.conflict.exercise_ids)}"
        )
        for reason in plan.conflict.reasons:
            console.print(f"  - {reason}")
    if violations is not None:
        console.print("check: valid" if not violations else f"check: {len(violations)} violations")
        for v in violations:
            console.print(f"  - [{v['rule']}] {v['exercise_id']} {v['message']}")


@seats_app.command("allocate")
def allocate_command(
    file: OptFileArg = None,
    year: Annotated[
        int | None,
        typer.Option("--year", help="Allocate the stored bids of this year; save the result."),
    ] = None,
    course: Annotated[
        list[str] | None,
        typer.Option("--course", help="With --year: show only this course's seats (repeatable)."),
    ] = None,
    method: Annotated[Method, typer.Option("--method", help="Allocation method.")] = Method.nash,
    output: FormatOpt = OutputFormat.table,
    order: Annotated[
        str | None, typer.Option("--order", help="Round-robin order, e.g. HR,AL,XK.")
    ] = None,
    max_per_iteration: Annotated[
        int, typer.Option("--max-per-iteration", help="With --year: seats per nation and run.")
    ] = 1,
    allow_own: Annotated[
        bool, typer.Option("--allow-own", help="With --year: seats in own courses allowed.")
    ] = False,
    check: Annotated[bool, typer.Option("--check", help="Also check Pareto optimality.")] = False,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds.")] = 30.0,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write allocations as CSV.")] = None,
) -> None:
    """Allocate academy course seats from a bids FILE, or (--year) from the node's stored bids
    (the allocation is saved there, as by an admin; --course narrows what is shown)."""
    if (file is None) == (year is None):
        _fail("give either a bids FILE or --year YEAR")
    if course and year is None:
        _fail("--course: only with --year (a bids file holds its own iterations)")
    turn = [n.strip() for n in order.split(",")] if order else None
    saved: dict[str, Any] | None = None
    try:
        if year is not None:
            stored = _allocate_stored(year, method, turn, max_per_iteration, allow_own, course)
            problem, result = _only_courses(stored.problem, stored.result, course or [])
            saved = {"id": stored.info.id, "year": year, "method": stored.info.method}
        else:
            assert file is not None  # noqa: S101 - checked above
            problem = seat_problem_from_dict(_load_json(file))
            if turn is not None and sorted(turn) != sorted(problem.bids):
                raise InstanceError("--order", "must list every bidding nation exactly once")
            if method is Method.nash:
                result = allocate_nash(problem, time_limit_s=time_limit)
            else:
                result = allocate_round_robin(problem, turn)
    except InstanceError as exc:
        _fail(str(exc))
    pareto: bool | None = None
    if check and year is not None:  # the stored fairness report proved it already
        pareto = stored.info.fairness.get("pareto_optimal")
        if pareto is None:
            pareto = is_pareto_optimal(stored.problem, stored.result.seats, time_limit_s=time_limit)
    elif check:
        pareto = is_pareto_optimal(problem, result.seats, time_limit_s=time_limit)
    if csv:
        _write(csv, seats_csv(problem, result))
    if output is OutputFormat.json:
        body = dataclasses.asdict(result)
        if saved is not None:
            body["allocation"] = saved | {"courses": sorted(course or [])}
        if pareto is not None:
            body["pareto_optimal"] = pareto
        typer.echo(json.dumps(body, indent=2))
    else:
        if saved is not None:
            typer.echo(f"saved as allocation {saved['id']} of {year}")
        _print_allocation(problem, result, pareto)


def _allocate_stored(
    year: int,
    method: Method,
    turn: list[str] | None,
    max_per_iteration: int,
    allow_own: bool,
    courses: list[str] | None,
) -> seat_service.Allocated:
    """Allocate ``year`` from the database as the console operator and save the result."""
    node = open_node()
    try:
        running = {c.code for c in catalogue(node.uow(), year) if c.iterations}
        for code in courses or []:
            if code not in running:
                raise InstanceError("--course", f"no course {code!r} runs in {year}")
        return seat_service.allocate_and_report(
            node.uow(),
            Actor.console("cli"),
            year,
            method=method.value,
            max_per_iteration=max_per_iteration,
            allow_own=allow_own,
            order=turn,
        )
    except DefpactError as exc:
        raise InstanceError(exc.field or "--year", exc.detail) from None
    finally:
        node.dispose()


def _only_courses(
    problem: SeatProblem, result: SeatAllocation, courses: list[str]
) -> tuple[SeatProblem, SeatAllocation]:
    """The iterations of ``courses`` only (all when empty); utilities and envy stay year-wide."""
    if not courses:
        return problem, result
    known = {it.course for it in problem.iterations}
    for code in courses:
        if code not in known:
            raise InstanceError("--course", f"no course {code!r} runs in this year")
    kept = {it.id for it in problem.iterations if it.course in courses}
    iterations = tuple(it for it in problem.iterations if it.id in kept)
    seats = {n: {i: k for i, k in got.items() if i in kept} for n, got in result.seats.items()}
    left = {i: k for i, k in result.unallocated.items() if i in kept}
    return (
        dataclasses.replace(problem, iterations=iterations),
        dataclasses.replace(result, seats=seats, unallocated=left),
    )


def _print_allocation(problem: SeatProblem, result: SeatAllocation, pareto: bool | None) -> None:
    console = Console()
    console.print(
        f"[bold]{result.method}[/] {result.status} exact={result.exact}  nations with "
        f"seats {result.positive}  Nash product {result.nash_product}  "
        f"time {result.wall_time_s:.2f}s"
    )
    table = Table("nation", "utility", "seats", "iterations")
    for nation in sorted(result.seats):
        got = result.seats[nation]
        table.add_row(
            nation, str(result.utilities[nation]), str(sum(got.values())), " ".join(sorted(got))
        )
    console.print(table)
    console.print(f"EF1: {'yes' if result.ef1 else 'no'}; envious pairs: {len(result.envy)}")
    for e in result.envy:
        console.print(
            f"  - {e.nation} values {e.envied}'s seats {e.other_value} > own "
            f"{e.own_value} (EF1 {'holds' if e.ef1 else 'violated'})"
        )
    if pareto is not None:
        console.print(f"Pareto optimal: {'yes' if pareto else 'no'}")
    left = sum(result.unallocated.values())
    offered = sum(it.seats for it in problem.iterations)
    console.print(f"seats offered {offered}, allocated {offered - left}, unallocated {left}")
