"""Demo data of the training context (development only; called by ``defpact demo``).

**Everything here is invented for the demonstration**: the units, training areas, exercises,
courses, bids and recruitment figures are plausible in kind and scale for three small armed
forces, but they are not real units, real plans or real statistics. Names are deliberately
generic ("1st Infantry Battalion", "Northern Training Area").

The 2027 programme has eleven bi- and trilateral exercises (three mandatory, one RESTRICTED and
released to HR and XK only), solved and approved as version 1 so the programme page shows a
plan; two exercises have planning milestones and lessons. Each nation's academy offers courses
for 2027, every nation has bid, and the seats are allocated by maximum Nash welfare. The
recruitment calendar has a deliberate clash. ``seed_training_demo`` creates nothing when any
training unit exists.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from defpact.core.context import Actor
from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, Marking
from defpact.core.uow import UnitOfWork
from defpact.training import academy_service as academy
from defpact.training import exercise_service, planning_service, programme_service
from defpact.training import recruitment_service as recruitment
from defpact.training import reference_service as reference
from defpact.training import seat_service as seats
from defpact.training.lessons import LessonStep
from defpact.training.records import ExerciseDraft, Period, Required
from defpact.training.store import UnitRow

__all__ = ["DEMO_YEAR", "seed_training_demo"]

DEMO_YEAR = 2027
_SEED = Actor.console("demo seed")

_UNITS = [
    # code, name, nation, type, home base, blackouts
    ("XK-INF-1", "1st Infantry Battalion", "XK", "infantry", "Prishtina", [("07-05", "07-25")]),
    ("XK-INF-2", "2nd Infantry Battalion", "XK", "infantry", "Prizren", []),
    ("XK-ENG-1", "Engineer Company", "XK", "engineer", "Ferizaj", []),
    ("XK-MED-1", "Medical Company", "XK", "medical", "Prishtina", [("12-13", "12-31")]),
    ("AL-INF-1", "1st Infantry Battalion", "AL", "infantry", "Zall-Herr", []),
    ("AL-INF-2", "2nd Infantry Battalion", "AL", "infantry", "Shkodër", [("08-02", "08-22")]),
    ("AL-ENG-1", "Engineer Battalion", "AL", "engineer", "Tirana", []),
    ("AL-SOF-1", "Special Operations Company", "AL", "special-operations", "Tirana", []),
    ("HR-INF-1", "1st Mechanised Battalion", "HR", "infantry", "Vinkovci", []),
    ("HR-INF-2", "2nd Motorised Battalion", "HR", "infantry", "Knin", [("06-07", "06-20")]),
    ("HR-ENG-1", "Engineer Battalion", "HR", "engineer", "Karlovac", []),
    ("HR-MED-1", "Medical Company", "HR", "medical", "Zagreb", []),
]
_AREAS = [
    ("XK-TA-N", "Northern Training Area", "XK", "live", 1, [("01-01", "02-14")]),
    ("XK-SIM", "Simulation Centre", "XK", "simulation", 2, []),
    ("AL-TA-C", "Coastal Training Area", "AL", "live", 1, []),
    ("AL-CPX", "Staff Training Centre", "AL", "command-post", 2, []),
    ("HR-TA-C", "Central Training Area", "HR", "live", 2, [("08-01", "08-15")]),
    ("HR-SIM", "Simulation and Wargaming Centre", "HR", "simulation", 1, []),
]
# code, name, type, host, nations, duration, window, preferred, areas, priority, mandatory,
# required units, objectives
_EXERCISES: list[tuple[Any, ...]] = [
    (
        "DP27-01",
        "Adriatic Shield",
        "live",
        "HR",
        ["AL", "XK"],
        2,
        (10, 30),
        18,
        ["HR-TA-C"],
        5,
        True,
        {"HR": ["HR-INF-1"], "AL": ["AL-INF-1"], "XK": ["XK-INF-1"]},
        ["Combined defensive operations at battalion level"],
    ),
    (
        "DP27-02",
        "Eagle Bridge",
        "live",
        "AL",
        ["XK"],
        1,
        (14, 40),
        20,
        ["AL-TA-C"],
        4,
        False,
        {"AL": ["AL-ENG-1"], "XK": ["XK-ENG-1"]},
        ["Gap crossing with combined engineer assets"],
    ),
    (
        "DP27-03",
        "Dardania Staff",
        "computer-assisted",
        "XK",
        ["AL", "HR"],
        1,
        (5, 20),
        9,
        ["XK-SIM"],
        3,
        False,
        {},
        ["Brigade staff decision making"],
    ),
    (
        "DP27-04",
        "Healing Hands",
        "live",
        "HR",
        ["XK"],
        1,
        (15, 45),
        24,
        ["HR-TA-C"],
        3,
        False,
        {"HR": ["HR-MED-1"], "XK": ["XK-MED-1"]},
        ["Role 1 and role 2 medical evacuation"],
    ),
    (
        "DP27-05",
        "Mountain Step",
        "live",
        "XK",
        ["AL"],
        2,
        (20, 44),
        36,
        ["XK-TA-N"],
        4,
        True,
        {"XK": ["XK-INF-2"], "AL": ["AL-INF-2"]},
        ["Infantry in mountainous terrain"],
    ),
    (
        "DP27-06",
        "Coastal Watch",
        "command-post",
        "AL",
        ["HR"],
        1,
        (8, 48),
        12,
        ["AL-CPX"],
        2,
        False,
        {},
        ["Maritime situational awareness coordination"],
    ),
    (
        "DP27-07",
        "Trilateral Resolve",
        "command-post",
        "AL",
        ["HR", "XK"],
        1,
        (30, 50),
        44,
        ["AL-CPX", "XK-SIM"],
        5,
        True,
        {},
        ["Pact crisis-response procedures"],
    ),
    (
        "DP27-08",
        "Shadow Line",
        "live",
        "AL",
        ["HR"],
        1,
        (10, 50),
        28,
        ["AL-TA-C", "HR-TA-C"],
        3,
        False,
        {"AL": ["AL-SOF-1"], "HR": {"infantry": 1}},
        ["Special operations support"],
    ),
    (
        "DP27-09",
        "Sava Sapper",
        "live",
        "HR",
        ["AL"],
        1,
        (20, 50),
        33,
        ["HR-TA-C"],
        2,
        False,
        {"HR": ["HR-ENG-1"], "AL": ["AL-ENG-1"]},
        ["Route clearance"],
    ),
    (
        "DP27-10",
        "Winter Table",
        "computer-assisted",
        "HR",
        ["XK"],
        1,
        (2, 12),
        6,
        ["HR-SIM"],
        2,
        False,
        {},
        ["Logistics planning under winter conditions"],
    ),
    (
        "DP27-11",
        "Kosovo Crossroads",
        "live",
        "XK",
        ["HR"],
        1,
        (22, 46),
        38,
        ["XK-TA-N"],
        3,
        False,
        {"XK": ["XK-INF-1"], "HR": ["HR-INF-2"]},
        ["Checkpoint and crowd-control drills"],
    ),
]
_COURSES: list[tuple[Any, ...]] = [
    # academy (code, name, nation, kind, city), [(code, title, discipline, level, language,
    # weeks, fee, [(iteration code, start, end, seats, deadline)])]
    (
        ("XK-ACAD", "Security Force Academy", "XK", "academy", "Prishtina"),
        [
            (
                "XK-PSO",
                "Peace support operations",
                "operations",
                "junior officer",
                "English",
                3,
                0,
                [
                    ("XK-PSO-27A", "03-01", "03-19", 4, "01-31"),
                    ("XK-PSO-27B", "10-04", "10-22", 4, "09-03"),
                ],
            ),
            (
                "XK-CIMIC",
                "Civil-military cooperation",
                "CIMIC",
                "staff",
                "English",
                2,
                500,
                [("XK-CIMIC-27", "05-10", "05-21", 3, "04-09")],
            ),
        ],
    ),
    (
        ("AL-ACAD", "Defence Academy", "AL", "academy", "Tirana"),
        [
            (
                "AL-STAFF",
                "Joint staff officer course",
                "staff",
                "senior officer",
                "English",
                10,
                1200,
                [("AL-STAFF-27", "02-01", "04-09", 1, "12-31")],
            ),
            (
                "AL-NCO",
                "Senior NCO leadership",
                "leadership",
                "NCO",
                "English",
                4,
                0,
                [("AL-NCO-27", "09-06", "10-01", 4, "08-06")],
            ),
        ],
    ),
    (
        ("HR-ACAD", "Military Studies College", "HR", "college", "Zagreb"),
        [
            (
                "HR-CYB",
                "Cyber defence fundamentals",
                "cyber",
                "junior officer",
                "English",
                2,
                800,
                [("HR-CYB-27", "04-12", "04-23", 1, "03-12")],
            ),
            (
                "HR-LOG",
                "Multinational logistics",
                "logistics",
                "staff",
                "English",
                3,
                600,
                [("HR-LOG-27", "06-07", "06-25", 4, "05-07")],
            ),
        ],
    ),
]
_BIDS = {
    "XK": {"AL-STAFF-27": 40, "HR-CYB-27": 35, "HR-LOG-27": 15, "AL-NCO-27": 10},
    "AL": {"HR-CYB-27": 45, "XK-PSO-27A": 20, "XK-CIMIC-27": 20, "HR-LOG-27": 15},
    "HR": {"AL-STAFF-27": 30, "XK-PSO-27B": 30, "XK-CIMIC-27": 25, "AL-NCO-27": 15},
}


def _day(text: str, year: int = DEMO_YEAR) -> date:
    month, day = text.split("-")
    return date(year, int(month), int(day))


def _periods(spans: list[tuple[str, str]]) -> tuple[Period, ...]:
    return tuple(Period(_day(a), _day(b)) for a, b in spans)


def _reference(uow: UnitOfWork) -> None:
    for code, name, nation, kind, base, blackouts in _UNITS:
        reference.create_unit(
            uow, _SEED, reference.UnitDraft(code, name, nation, kind, base, _periods(blackouts))
        )
    for code, name, host, kind, capacity, closures in _AREAS:
        reference.create_area(
            uow, _SEED, reference.AreaDraft(code, name, host, kind, capacity, _periods(closures))
        )


def _exercises(uow: UnitOfWork) -> dict[str, int]:
    ids = {}
    for (
        code,
        name,
        kind,
        host,
        nations,
        weeks,
        window,
        pref,
        areas,
        prio,
        mand,
        req,
        obj,
    ) in _EXERCISES:
        required = {
            n: Required(named=tuple(r)) if isinstance(r, list) else Required(sourced=dict(r))
            for n, r in req.items()
        }
        draft = ExerciseDraft(
            code,
            name,
            kind,
            DEMO_YEAR,
            tuple(nations),
            weeks,
            window[0],
            window[1],
            tuple(areas),
            required,
            pref,
            prio,
            mand,
            tuple(obj),
            ("Common tactical procedures", "Interoperable communications"),
        )
        marking = Marking(host)
        if code == "DP27-11":
            marking = Marking(host, Clearance.RESTRICTED, frozenset({"HR"}), TLP.AMBER)
        elif code == "DP27-08":
            marking = Marking(host, Clearance.UNCLASSIFIED, frozenset({"HR"}), TLP.GREEN)
        else:
            marking = Marking(host, Clearance.UNCLASSIFIED, frozenset({PACT}), TLP.GREEN)
        ids[code] = exercise_service.create_exercise(uow, _SEED, draft, marking).id
    return ids


def _planning(uow: UnitOfWork, ids: dict[str, int]) -> None:
    ex = ids["DP27-01"]
    for stage, name, day, place in (
        ("planning", "Initial planning conference", "01-19", "Zagreb"),
        ("planning", "Main planning conference", "03-02", "Tirana"),
        ("planning", "Final planning conference", "04-13", "Prishtina"),
    ):
        m = planning_service.add_milestone(
            uow, _SEED, ex, stage=stage, name=name, on=_day(day), place=place, done=day < "03"
        )
        planning_service.add_milestone_document(
            uow, _SEED, m.id, f"{name}: minutes", f"DP27-01/{m.id}/minutes"
        )
    planning_service.set_stage_status(uow, _SEED, ex, "initiation", "done")
    planning_service.set_stage_status(uow, _SEED, ex, "specification", "done")
    planning_service.set_stage_status(uow, _SEED, ex, "planning", "active")
    pact = Marking("HR", Clearance.UNCLASSIFIED, frozenset({PACT}), TLP.GREEN)
    lesson = planning_service.create_lesson(
        uow,
        _SEED,
        ex,
        "Radio interoperability at company level",
        "Company nets of two contingents could not be bridged without the liaison officer's "
        "handheld set.",
        pact,
    )
    planning_service.advance_lesson(
        uow,
        _SEED,
        lesson.id,
        LessonStep(
            "identified",
            lesson="Bridge company nets through a common crypto fill issued before the exercise.",
        ),
        version=lesson.version,
    )
    restricted = Marking("XK", Clearance.RESTRICTED, frozenset({"AL"}), TLP.AMBER)
    planning_service.create_lesson(
        uow,
        _SEED,
        ids["DP27-05"],
        "Night movement discipline",
        "Vehicle light discipline broke down after 0200 on the second night.",
        restricted,
    )


def _academies(uow: UnitOfWork) -> None:
    for (code, name, nation, kind, city), courses in _COURSES:
        acad = academy.create_academy(
            uow, _SEED, code=code, name=name, nation=nation, kind=kind, city=city
        )
        for c_code, title, disc, level, lang, weeks, fee, iterations in courses:
            course = academy.create_course(
                uow,
                _SEED,
                academy.CourseDraft(acad.id, c_code, title, disc, level, lang, weeks, fee=fee),
            )
            for i_code, start, end, seats_offered, deadline in iterations:
                year = DEMO_YEAR - 1 if deadline.startswith("12") else DEMO_YEAR
                academy.create_iteration(
                    uow,
                    _SEED,
                    academy.IterationDraft(
                        course.id,
                        i_code,
                        _day(start),
                        _day(end),
                        seats_offered,
                        _day(deadline, year),
                    ),
                )
    for nation, points in _BIDS.items():
        seats.submit_bid(uow, _SEED, nation, DEMO_YEAR, points)
    seats.allocate_seats(uow, _SEED, DEMO_YEAR, method="nash")


def _recruitment(uow: UnitOfWork) -> None:
    events = [
        ("XK", "campaign", "Serve Kosovo spring campaign", "03-01", "04-15", "", ()),
        ("AL", "intake", "Spring intake window", "03-15", "05-31", "Tirana", ()),
        ("HR", "career-fair", "Joint career fair Zagreb", "04-08", "04-09", "Zagreb", ("AL", "XK")),
        ("HR", "intake", "Autumn intake window", "09-01", "10-31", "", ()),
        ("AL", "career-fair", "Joint career fair Tirana", "10-14", "10-15", "Tirana", ("HR",)),
    ]
    for nation, kind, title, start, end, place, partners in events:
        recruitment.create_event(
            uow,
            _SEED,
            recruitment.EventDraft(nation, kind, title, _day(start), _day(end), place, partners),
        )
    figures = {
        "XK": [
            ("online", 2400, 310, 262),
            ("career fairs", 800, 140, 121),
            ("schools", 650, 90, 81),
        ],
        "AL": [
            ("online", 3100, 420, 340),
            ("career fairs", 1200, 160, 139),
            ("schools", 900, 75, 66),
        ],
        "HR": [
            ("online", 4200, 510, 423),
            ("career fairs", 1500, 230, 201),
            ("schools", 1100, 120, 109),
        ],
    }
    for nation, rows in figures.items():
        for channel, apps, enlisted, kept in rows:
            recruitment.record_metrics(
                uow,
                _SEED,
                recruitment.MetricDraft(nation, DEMO_YEAR - 1, channel, apps, enlisted, kept),
            )


def seed_training_demo(uow: UnitOfWork, *, time_limit_s: float = 5.0) -> bool:
    """Create the demo story once; False when training data already exists."""
    with uow:
        if uow.session.scalars(select(UnitRow).limit(1)).first() is not None:
            return False
    _reference(uow)
    ids = _exercises(uow)
    _planning(uow, ids)
    options = programme_service.SolveOptions(time_limit_s=time_limit_s, note="Demo programme")
    programme = programme_service.solve_programme(uow, _SEED, DEMO_YEAR, options)
    if programme.solver_status in ("OPTIMAL", "FEASIBLE"):
        programme_service.approve_programme(uow, _SEED, programme.id, version=programme.version)
    _academies(uow)
    _recruitment(uow)
    return True
