"""Property tests of the delivery simulation: every unit ordered is delivered exactly once,
never before eligibility, never more than the line's capacity in a month."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from defpact.procurement.schedule import SchedParams, run_line, split_joint

SETTINGS = settings(max_examples=100, deadline=None)


@SETTINGS
@given(
    st.integers(1, 7),
    st.integers(0, 30),
    st.integers(0, 6),
    st.lists(st.tuples(st.integers(1, 25), st.integers(0, 12)), min_size=1, max_size=8),
)
def test_line_delivers_each_order_once_within_capacity(
    cap: int, backlog: int, lead: int, orders: list[tuple[int, int]]
) -> None:
    params = SchedParams(cap=cap, backlog=backlog, lead=lead)
    deliveries = run_line(
        params, [(q, i) for i, (q, _) in enumerate(orders)], [a for _, a in orders]
    )
    per_month: Counter[int] = Counter()
    for (quantity, award), delivered in zip(orders, deliveries, strict=True):
        assert sum(units for _, units in delivered) == quantity
        assert all(month >= award + lead for month, _ in delivered)
        for month, units in delivered:
            per_month[month] += units
    assert all(units <= cap for units in per_month.values())
    # backlog first: no order unit before the backlog's last month is fully used
    assert (
        sum(per_month[m] for m in range(-(-backlog // cap))) <= cap * -(-backlog // cap) - backlog
    )


@SETTINGS
@given(
    st.lists(st.tuples(st.integers(1, 20), st.one_of(st.none(), st.integers(0, 5))), min_size=1,
             max_size=8),
    st.integers(1, 9),
)  # fmt: skip
def test_joint_split_hands_out_every_unit_by_need_by(
    nations: list[tuple[int, int | None]], per_month: int
) -> None:
    quantities = [q for q, _ in nations]
    total, monthly, month = sum(quantities), [], 0
    while total > 0:
        monthly.append((month, min(per_month, total)))
        total -= per_month
        month += 1
    split = split_joint(monthly, quantities, [d for _, d in nations])
    for quantity, delivered in zip(quantities, split, strict=True):
        assert sum(units for _, units in delivered) == quantity
    for month, units in monthly:
        assert sum(u for d in split for m, u in d if m == month) == units
    # a nation with a strictly later need-by never receives units before an earlier one is done
    last = {i: d[-1][0] for i, d in enumerate(split)}
    first = {i: d[0][0] for i, d in enumerate(split)}
    for i, (_, di) in enumerate(nations):
        for j, (_, dj) in enumerate(nations):
            if di is not None and (dj is None or dj > di):
                assert first[j] >= last[i]
