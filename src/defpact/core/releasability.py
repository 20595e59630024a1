"""Releasability in the query layer: the marking columns and the one filter every read uses.

``MarkedMixin`` gives a table the marking columns. ``visible_to(model, principal, members)``
turns a principal into a SQL condition equal to ``marking.can_read`` for every row, so lists,
gets, searches, counts and exports all apply the same rule. ``releasable_to`` is stored as
``,AL,HR,PACT,`` so membership is a portable ``LIKE`` on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, and_, false, or_
from sqlalchemy.orm import Mapped, mapped_column

from defpact.core.db import UTCDateTime
from defpact.core.identity import Clearance, Principal
from defpact.core.marking import PACT, TLP, Marking

__all__ = ["MarkedMixin", "decode_release", "encode_release", "marking_from", "visible_to"]


def encode_release(codes: Collection[str]) -> str:
    """``,AL,HR,`` (``,`` for none); cached per set of codes (any collection is accepted)."""
    return _encoded(codes if isinstance(codes, frozenset) else frozenset(codes))


@lru_cache(maxsize=4096)
def _encoded(codes: frozenset[str]) -> str:
    return "," + ",".join(sorted(codes)) + "," if codes else ","


@lru_cache(maxsize=4096)
def decode_release(text: str) -> frozenset[str]:
    return frozenset(c for c in text.split(",") if c)


@lru_cache(maxsize=4096)
def marking_from(originator: str, classification: int, releasable_to: str, tlp: str) -> Marking:
    """The marking stored in the four marking columns (of a mapped row or a plain SQL row);
    cached: a page of a thousand rows carries a handful of distinct markings."""
    return Marking(originator, Clearance(classification), decode_release(releasable_to), TLP(tlp))


class MarkedMixin:
    originator: Mapped[str] = mapped_column(String(2), index=True)
    classification: Mapped[int] = mapped_column(Integer, default=0)
    releasable_to: Mapped[str] = mapped_column(String(200), default=",PACT,")
    tlp: Mapped[str] = mapped_column(String(16), default=TLP.GREEN.value)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    @property
    def marking(self) -> Marking:
        return marking_from(self.originator, self.classification, self.releasable_to, self.tlp)

    def apply_marking(self, marking: Marking) -> None:
        self.originator = marking.originator
        self.classification = int(marking.classification)
        self.releasable_to = encode_release(marking.releasable_to)
        self.tlp = marking.tlp.value


def visible_to(
    model: Any, principal: Principal, members_now: frozenset[str]
) -> ColumnElement[bool]:
    """SQL condition: rows of ``model`` (a MarkedMixin table) the principal may read."""
    nation = principal.nation
    cleared = model.classification <= int(principal.clearance)
    own = model.originator == nation
    if nation not in members_now:
        return and_(cleared, own)
    released = or_(
        model.releasable_to.like(f"%,{nation},%"),
        and_(model.releasable_to.like(f"%,{PACT},%"), model.tlp != TLP.RED.value),
    )
    shared = and_(model.withdrawn_at.is_(None), released) if members_now else false()
    return and_(cleared, or_(own, shared))
