"""Server-rendered SVG charts: well-formed, escaped, CSP-safe, and showing what matters."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defpact.procurement.charts import (
    CashYear,
    SavingsBar,
    TimelineRow,
    cash_chart,
    compact_money,
    delivery_timeline,
    savings_chart,
)
from defpact.procurement.months import parse_month

NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    assert all("style" not in e.attrib for e in root.iter()), "CSP forbids inline style"
    assert "<script" not in svg
    return root


def _texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter(f"{NS}text")]


def test_savings_chart_shows_savings_and_an_honest_extra_cost() -> None:
    root = _parse(
        savings_chart([SavingsBar("XK", 1_000_000, 900_000), SavingsBar("AL", 500_000, 520_000)])
    )
    texts = _texts(root)
    assert "saves 100k (10.0%)" in texts and "pays 20k more" in texts
    widths = [
        float(r.get("width", 0)) for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None
    ]
    assert widths[0] > widths[1]  # XK alone is the longest bar


def test_timeline_marks_need_by_and_outlines_late_deliveries() -> None:
    rows = [TimelineRow("HR", (10, 12), (14, 16), 14), TimelineRow("AL", (8, 9), None, None)]
    root = _parse(delivery_timeline(parse_month("2026-01"), rows))
    late = [r for r in root.iter(f"{NS}rect") if r.get("stroke")]
    assert len(late) == 1 and "after need-by" in (late[0].findtext(f"{NS}title") or "")
    markers = [line for line in root.iter(f"{NS}line") if line.find(f"{NS}title") is not None]
    assert [m.findtext(f"{NS}title") for m in markers] == ["HR need-by 2027-03"]
    assert "2026-01" in _texts(root)


def test_cash_chart_flags_breaches_and_unknown_budgets() -> None:
    years = [CashYear(2026, 12_000_000, 9_000_000, 10_000_000), CashYear(2027, 5.0, 5.0, None)]
    root = _parse(cash_chart(years))
    flagged = [r for r in root.iter(f"{NS}rect") if r.get("stroke")]
    assert len(flagged) == 1 and "2026 alone" in (flagged[0].findtext(f"{NS}title") or "")
    budget_lines = [line for line in root.iter(f"{NS}line") if line.get("stroke-width") == "3"]
    assert len(budget_lines) == 1  # no line where the budget is not visible


def test_text_is_escaped() -> None:
    svg = savings_chart([SavingsBar("<b>&", 10, 5)], title='x" onload="alert(1)')
    root = _parse(svg)
    assert "<b>&" in _texts(root) and root.get("aria-label") == 'x" onload="alert(1)'


def test_compact_money() -> None:
    assert [compact_money(v) for v in (950, 45_000, 1_234_567, -2_500_000_000)] == [
        "950",
        "45k",
        "1.23M",
        "-2.5bn",
    ]
