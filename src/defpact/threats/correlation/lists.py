"""Which warninglists are active on this node, as one cached :class:`Matcher`.

Built-in lists ship with the package (``data/default-warninglists.json``) and are on unless an
operator switched them off (a ``threat_warninglists`` row with ``builtin`` true and ``enabled``
false). Imported lists live in the table with their entries. The matcher is rebuilt only when
the (small) list of names, switches and content digests changes, so ingest pays one tiny query.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from defpact.threats.correlation.store import WarninglistRow
from defpact.threats.correlation.warninglist import Matcher, Warninglist, parse_warninglist

__all__ = ["active_matcher", "builtin_lists", "list_digest", "stored_list"]


@lru_cache(maxsize=1)
def builtin_lists() -> tuple[Warninglist, ...]:
    text = resources.files("defpact.threats.correlation").joinpath("data/default-warninglists.json")
    return tuple(parse_warninglist(item) for item in json.loads(text.read_text("utf-8")))


def list_digest(wl: Warninglist) -> str:
    canonical = json.dumps(
        [wl.type.value, list(wl.matching_attributes), list(wl.entries)], separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def stored_list(row: WarninglistRow) -> Warninglist:
    return parse_warninglist(
        {
            "name": row.name,
            "version": row.version,
            "description": row.description,
            "type": row.type,
            "category": row.category,
            "matching_attributes": json.loads(row.matching_attributes),
            "list": json.loads(row.entries),
        }
    )


_cache: dict[tuple[tuple[Any, ...], ...], Matcher] = {}


def active_matcher(session: Session) -> Matcher:
    """A matcher over every enabled list (built-in and imported)."""
    columns = (WarninglistRow.name, WarninglistRow.builtin, WarninglistRow.enabled,
               WarninglistRow.digest)  # fmt: skip
    signature = tuple(sorted(tuple(r) for r in session.execute(select(*columns))))
    cached = _cache.get(signature)
    if cached is not None:
        return cached
    off = {name for name, builtin, enabled, _ in signature if builtin and not enabled}
    lists = [wl for wl in builtin_lists() if wl.name not in off]
    stmt = select(WarninglistRow).where(
        WarninglistRow.builtin.is_(False), WarninglistRow.enabled.is_(True)
    )
    lists += [stored_list(row) for row in session.scalars(stmt)]
    matcher = Matcher(lists)
    if len(_cache) > 8:
        _cache.clear()
    _cache[signature] = matcher
    return matcher
