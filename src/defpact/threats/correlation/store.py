"""Tables of the observable index, correlations, alerts, warninglists and sightings.

* ``threat_observables``: one row per (object version, value) for the *newest* version of every
  stored object that is not revoked, in each collection holding it, with the object's marking
  copied (:class:`MarkedMixin`) so that every read filters with ``visible_to`` in SQL.
* ``threat_correlations``: a value of a newly stored object that matches an indexed value of an
  object of another nation (``new_id``, ``old_id`` → observables).
* ``threat_alerts``: one row per (nation, correlation) for each nation whose users could see
  both sides, with the nation's acknowledgement.
* ``threat_hot_values``: values that matched more objects than the correlation cap.
* ``threat_warninglists``: imported MISP warninglists, and the on/off switch of built-in ones.
* ``threat_sightings``: the newest version of each STIX ``sighting``, by the object it sights.

Rows of the first two tables are written with multi-row ``INSERT``s inside the TAXII add
transaction; deleting follows the explicit order alerts → correlations → observables.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from defpact.core.db import Base, UTCDateTime, utcnow
from defpact.core.releasability import MarkedMixin

__all__ = [
    "ALERTS",
    "CORRELATIONS",
    "OBSERVABLES",
    "SIGHTINGS",
    "AlertRow",
    "CorrelationRow",
    "HotValueRow",
    "ObservableRow",
    "SightingRow",
    "WarninglistRow",
]

# Hex keys compare byte-wise on PostgreSQL whatever the database locale.
_HexKey = String(32).with_variant(String(32, collation="C"), "postgresql")


class ObservableRow(MarkedMixin, Base):
    __tablename__ = "threat_observables"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    ip_key: Mapped[str | None] = mapped_column(_HexKey)
    prefix: Mapped[int | None] = mapped_column(Integer)  # of a range; None otherwise
    collection_id: Mapped[str] = mapped_column(String(36))
    stix_id: Mapped[str] = mapped_column(String(300))
    object_type: Mapped[str] = mapped_column(String(250))
    version: Mapped[int] = mapped_column(BigInteger)
    date_added: Mapped[int] = mapped_column(BigInteger)
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_threat_observables_key", "key"),
        Index("ix_threat_observables_stix_id", "stix_id"),
        Index("ix_threat_observables_ip", "kind", "ip_key"),
        Index("ix_threat_observables_prefix", "kind", "prefix"),
    )


class CorrelationRow(Base):
    __tablename__ = "threat_correlations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    new_id: Mapped[int] = mapped_column(ForeignKey("threat_observables.id"), index=True)
    old_id: Mapped[int] = mapped_column(ForeignKey("threat_observables.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("new_id", "old_id", name="uq_threat_correlations_pair"),)


class AlertRow(Base):
    __tablename__ = "threat_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    correlation_id: Mapped[int] = mapped_column(ForeignKey("threat_correlations.id"), index=True)
    nation: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64), default=None)

    __table_args__ = (
        UniqueConstraint("nation", "correlation_id", name="uq_threat_alerts_nation"),
        Index("ix_threat_alerts_nation_id", "nation", "id"),
    )


class HotValueRow(Base):
    __tablename__ = "threat_hot_values"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    objects: Mapped[int] = mapped_column(Integer)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WarninglistRow(Base):
    __tablename__ = "threat_warninglists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(64), default="")
    matching_attributes: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    entries: Mapped[str] = mapped_column(Text, default="[]")  # JSON list; [] for built-ins
    digest: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SightingRow(MarkedMixin, Base):
    __tablename__ = "threat_sightings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[str] = mapped_column(String(36))
    stix_id: Mapped[str] = mapped_column(String(300), index=True)
    version: Mapped[int] = mapped_column(BigInteger)
    sighting_of_ref: Mapped[str] = mapped_column(String(300), index=True)
    count: Mapped[int] = mapped_column(Integer, default=1)
    false_positive: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen: Mapped[str | None] = mapped_column(String(40), default=None)


OBSERVABLES = cast(Table, ObservableRow.__table__)
CORRELATIONS = cast(Table, CorrelationRow.__table__)
ALERTS = cast(Table, AlertRow.__table__)
SIGHTINGS = cast(Table, SightingRow.__table__)
