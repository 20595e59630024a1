"""Delivery schedule of an item, bought individually or jointly (months from the start).

Every nation submits its Letter of Request in month 0. The Letter of Offer and Acceptance is
signed in month ``T_loa + T_accept`` for an individual order and ``T_loa + joint_extra +
T_accept`` for the joint order. An order is awarded in its signature month when its quantity
is at least ``moq``, otherwise in the first month m >= signature with m % lot_cycle == 0.

One production line makes ``cap`` units a month. Other customers' ``backlog`` units are
eligible from month 0 and always served first; an order is eligible from award + ``lead``.
Each month the line serves the eligible orders first come, first served by (award month,
nation order). Individual orders of all nations share one line; in the joint case the line
serves the backlog and the one joint order. Inside the joint order, each month's units go to
the nations by need-by date, earliest first (nations without a need-by date last); nations
with equal need-by share pro rata to their remaining quantity, rounded by largest remainder
with ties by nation order. A unit is delivered in the month it is made.

A simulation that cannot finish (``cap`` 0 with units to make, or deliveries still due after
``MAX_MONTHS``) is an input error naming ``sched.cap``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from defpact.core.errors import InvalidInput
from defpact.procurement.money import largest_remainder

__all__ = [
    "MAX_MONTHS",
    "ItemSchedule",
    "SchedParams",
    "award_month",
    "run_line",
    "schedule_item",
    "split_joint",
]

MAX_MONTHS = 1200  # 100 years: deliveries due later mean the simulation cannot finish
Deliveries = list[tuple[int, int]]  # (month, units), months increasing


@dataclass(frozen=True, slots=True)
class SchedParams:
    """Schedule parameters of one item, in months and units."""

    cap: int
    t_loa: int = 0
    joint_extra: int = 0
    t_accept: int = 0
    lead: int = 0
    backlog: int = 0
    moq: int = 0
    lot_cycle: int = 1

    def __post_init__(self) -> None:
        names = ("cap", "t_loa", "joint_extra", "t_accept", "lead", "backlog", "moq")
        for name in names:
            if getattr(self, name) < 0:
                raise InvalidInput("must be an integer >= 0", field=f"sched.{_label(name)}")
        if self.lot_cycle < 1:
            raise InvalidInput("must be an integer >= 1", field="sched.lot_cycle")

    @property
    def signature_individual(self) -> int:
        return self.t_loa + self.t_accept

    @property
    def signature_joint(self) -> int:
        return self.t_loa + self.joint_extra + self.t_accept


def _label(name: str) -> str:
    """Attribute name to the scenario field name (``t_loa`` is ``T_loa`` in files)."""
    return "T" + name[1:] if name.startswith("t_") else name


@dataclass(frozen=True, slots=True)
class ItemSchedule:
    """Signature, award and (first, last) delivery months; dicts keyed by nation code."""

    signature_individual: int
    signature_joint: int
    award_individual: dict[str, int]
    award_joint: int | None
    delivery_individual: dict[str, tuple[int, int]]
    delivery_joint: dict[str, tuple[int, int]]


def award_month(params: SchedParams, signature: int, quantity: int) -> int:
    """The signature month if quantity >= moq, else the next lot month (m % lot_cycle == 0)."""
    if quantity >= params.moq:
        return signature
    return -(-signature // params.lot_cycle) * params.lot_cycle


def run_line(
    params: SchedParams, orders: Sequence[tuple[int, int]], award: Sequence[int]
) -> list[Deliveries]:
    """Deliveries of each order (quantity, priority position) on one line, month by month.

    ``orders`` are (quantity, position) and ``award`` their award months; priority is
    (award month, position) after the backlog.
    """
    remaining = [quantity for quantity, _ in orders]
    eligible = [month + params.lead for month in award]
    by_priority = sorted(range(len(orders)), key=lambda i: (award[i], orders[i][1]))
    deliveries: list[Deliveries] = [[] for _ in orders]
    backlog, month = params.backlog, 0
    while any(remaining):
        _check_can_finish(params, month)
        free = params.cap - min(params.cap, backlog)
        backlog -= params.cap - free
        for i in by_priority:
            if free and remaining[i] and eligible[i] <= month:
                units = min(free, remaining[i])
                remaining[i] -= units
                free -= units
                deliveries[i].append((month, units))
        month += 1
    return deliveries


def _check_can_finish(params: SchedParams, month: int) -> None:
    if params.cap == 0:
        raise InvalidInput(
            "is 0 but units are ordered, so the simulation cannot finish", field="sched.cap"
        )
    if month >= MAX_MONTHS:
        raise InvalidInput(
            f"the simulation cannot finish: deliveries still due {MAX_MONTHS} months after "
            f"the start (cap {params.cap}, backlog {params.backlog})",
            field="sched.cap",
        )


def split_joint(
    monthly: Deliveries, quantities: Sequence[int], need_by: Sequence[int | None]
) -> list[Deliveries]:
    """Share each month's joint units among nations by need-by, pro rata within a date."""
    remaining = list(quantities)
    dates = sorted({d for d in need_by if d is not None})
    groups = [[i for i, d in enumerate(need_by) if d == date] for date in dates]
    groups.append([i for i, d in enumerate(need_by) if d is None])
    result: list[Deliveries] = [[] for _ in quantities]
    for month, units in monthly:
        for group in groups:
            wanted = sum(remaining[i] for i in group)
            if units == 0 or wanted == 0:
                continue
            if units >= wanted:
                given = [remaining[i] for i in group]
            else:
                exact = [Fraction(units * remaining[i], wanted) for i in group]
                given = largest_remainder(exact, units)
            for i, g in zip(group, given, strict=True):
                if g:
                    remaining[i] -= g
                    result[i].append((month, g))
            units -= sum(given)
    return result


def _first_last(deliveries: Deliveries) -> tuple[int, int]:
    return deliveries[0][0], deliveries[-1][0]


def schedule_item(
    params: SchedParams, quantities: Mapping[str, int], need_by: Mapping[str, int]
) -> ItemSchedule:
    """Individual and joint schedule of the participants (``quantities``, in nation order)."""
    nations = [nation for nation, quantity in quantities.items() if quantity > 0]
    amounts = [quantities[nation] for nation in nations]
    sig_ind, sig_joint = params.signature_individual, params.signature_joint
    awards = [award_month(params, sig_ind, q) for q in amounts]
    individual = run_line(params, [(q, i) for i, q in enumerate(amounts)], awards)
    joint_award = award_month(params, sig_joint, sum(amounts)) if nations else None
    joint: list[Deliveries] = []
    if joint_award is not None:
        (monthly,) = run_line(params, [(sum(amounts), 0)], [joint_award])
        joint = split_joint(monthly, amounts, [need_by.get(nation) for nation in nations])
    return ItemSchedule(
        signature_individual=sig_ind,
        signature_joint=sig_joint,
        award_individual=dict(zip(nations, awards, strict=True)),
        award_joint=joint_award,
        delivery_individual={n: _first_last(d) for n, d in zip(nations, individual, strict=True)},
        delivery_joint={n: _first_last(d) for n, d in zip(nations, joint, strict=True)},
    )
