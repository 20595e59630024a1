"""LOA signature, award, the shared production line and the joint delivery split."""

from __future__ import annotations

import pytest

from defpact.core.errors import InvalidInput
from defpact.procurement.schedule import (
    MAX_MONTHS,
    SchedParams,
    award_month,
    run_line,
    schedule_item,
    split_joint,
)

WORKED = SchedParams(
    t_loa=3, joint_extra=2, t_accept=1, lead=6, cap=2, backlog=3, moq=5, lot_cycle=6
)


def test_worked_example_schedule_by_hand() -> None:
    """Hand computation in docs/procurement.md (months from 2026-01)."""
    sched = schedule_item(WORKED, {"HR": 4, "AL": 6}, {"HR": 14, "AL": 17})
    assert (sched.signature_individual, sched.signature_joint) == (4, 6)
    # HR 4 < moq 5: next lot month >= 4 is 6; AL 6 >= moq: awarded at signature.
    assert sched.award_individual == {"HR": 6, "AL": 4}
    assert sched.award_joint == 6
    # backlog 3 in months 0-1; AL eligible 10, HR 12; AL first (awarded earlier).
    assert sched.delivery_individual == {"AL": (10, 12), "HR": (13, 14)}
    # joint eligible 12, 10 units at 2/month in 12..16; HR has the earlier need-by.
    assert sched.delivery_joint == {"HR": (12, 13), "AL": (14, 16)}


def test_award_waits_for_the_lot_cycle_below_the_minimum_order() -> None:
    params = SchedParams(cap=1, moq=10, lot_cycle=6)
    assert award_month(params, 7, 10) == 7
    assert award_month(params, 7, 9) == 12
    assert award_month(params, 12, 1) == 12
    assert award_month(SchedParams(cap=1), 5, 0) == 5


def test_line_is_first_come_first_served_by_award_month_then_nation_order() -> None:
    params = SchedParams(cap=3, lead=2)
    # order 0 (first nation) awarded later than order 1: order 1 goes first
    late_first_nation, early = run_line(params, [(4, 0), (4, 1)], [5, 3])
    assert early == [(5, 3), (6, 1)]
    assert late_first_nation == [(7, 3), (8, 1)]
    # same award month: nation order decides, and the month's spare capacity flows on
    first, second = run_line(params, [(2, 0), (2, 1)], [0, 0])
    assert first == [(2, 2)] and second == [(2, 1), (3, 1)]


def test_backlog_is_served_first_and_orders_wait_for_their_lead_time() -> None:
    (deliveries,) = run_line(SchedParams(cap=4, backlog=10, lead=1), [(5, 0)], [0])
    assert deliveries == [(2, 2), (3, 3)]
    (idle,) = run_line(SchedParams(cap=4, lead=5), [(4, 0)], [2])
    assert idle == [(7, 4)]


def test_joint_units_go_to_the_earliest_need_by_and_nations_without_one_last() -> None:
    monthly = [(0, 3), (1, 3), (2, 3)]
    first, later, none = split_joint(monthly, [2, 3, 4], [9, 5, None])
    assert later == [(0, 3)]
    assert first == [(1, 2)]
    assert none == [(1, 1), (2, 3)]


def test_equal_need_by_is_pro_rata_with_largest_remainder_ties_by_nation_order() -> None:
    a, b = split_joint([(0, 4), (1, 4)], [6, 2], [3, 3])
    assert a == [(0, 3), (1, 3)] and b == [(0, 1), (1, 1)]
    # 2 units for remaining 3 and 1: quotas 1.5 and 0.5, tie on remainder -> first nation
    a, b = split_joint([(0, 2), (1, 2)], [3, 1], [3, 3])
    assert a == [(0, 2), (1, 1)] and b == [(1, 1)]


def test_joint_can_be_slower_than_buying_alone() -> None:
    params = SchedParams(cap=10, t_loa=2, joint_extra=6, lead=1)
    sched = schedule_item(params, {"XK": 5, "AL": 0}, {})
    assert sched.delivery_individual == {"XK": (3, 3)}
    assert sched.delivery_joint == {"XK": (9, 9)}
    assert "AL" not in sched.award_individual


def test_no_participants_means_no_joint_order() -> None:
    sched = schedule_item(SchedParams(cap=0), {"XK": 0}, {})
    assert sched.award_joint is None and sched.delivery_joint == {}


def test_a_line_without_capacity_cannot_finish() -> None:
    with pytest.raises(InvalidInput) as caught:
        schedule_item(SchedParams(cap=0), {"XK": 1}, {})
    assert caught.value.field == "sched.cap"
    assert "cannot finish" in caught.value.detail


def test_deliveries_beyond_the_horizon_cannot_finish() -> None:
    with pytest.raises(InvalidInput) as caught:
        schedule_item(SchedParams(cap=1, backlog=MAX_MONTHS), {"XK": 1}, {})
    assert caught.value.field == "sched.cap"
    assert str(MAX_MONTHS) in caught.value.detail


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"cap": -1}, "sched.cap"), ({"cap": 1, "lot_cycle": 0}, "sched.lot_cycle"),
     ({"cap": 1, "t_loa": -2}, "sched.T_loa"), ({"cap": 1, "backlog": -1}, "sched.backlog")],
)  # fmt: skip
def test_bad_schedule_parameters_name_the_field(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        SchedParams(**kwargs)
    assert caught.value.field == field
