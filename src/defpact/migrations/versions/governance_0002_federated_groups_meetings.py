"""governance: what federating groups, meetings and actions needs (times, names, decision uids)

Groups get ``updated_at`` (a change must reach peers as a new version) and ``member_names``,
meetings ``created_at`` and ``attendee_names`` (a replica's people as the originating node names
them), decisions a unique ``uid`` that names them on every node. Existing rows are filled in: a
group's ``updated_at`` is its ``created_at``, a meeting's ``created_at`` its ``updated_at``,
each decision a fresh UUID. Columns are added with constant server defaults (SQLite adds a NOT
NULL column only so, without rebuilding tables other tables point at).

Revision ID: governance_0002
Revises: governance_0001
Create Date: 2026-12-02 10:00:00.000000
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import defpact.core.db

revision: str = "governance_0002"
down_revision: str | None = "governance_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EPOCH = "1970-01-01 00:00:00"


def _moment(name: str) -> sa.Column[object]:
    return sa.Column(
        name, defpact.core.db.UTCDateTime(timezone=True), server_default=_EPOCH, nullable=False
    )


def _names(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.JSON(), server_default="[]", nullable=False)


def upgrade() -> None:
    op.add_column("gov_groups", _moment("updated_at"))
    op.add_column("gov_groups", _names("member_names"))
    op.add_column("gov_meetings", _moment("created_at"))
    op.add_column("gov_meetings", _names("attendee_names"))
    op.add_column(
        "gov_decisions", sa.Column("uid", sa.String(length=36), server_default="", nullable=False)
    )
    op.execute("UPDATE gov_groups SET updated_at = created_at")
    op.execute("UPDATE gov_meetings SET created_at = updated_at")
    conn = op.get_bind()
    decisions = sa.table("gov_decisions", sa.column("id", sa.Integer), sa.column("uid", sa.String))
    for (decision_id,) in conn.execute(sa.select(decisions.c.id)).all():
        conn.execute(
            decisions.update().where(decisions.c.id == decision_id).values(uid=str(uuid.uuid4()))
        )
    op.create_index(op.f("ix_gov_decisions_uid"), "gov_decisions", ["uid"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_gov_decisions_uid"), table_name="gov_decisions")
    op.drop_column("gov_decisions", "uid")
    op.drop_column("gov_meetings", "attendee_names")
    op.drop_column("gov_meetings", "created_at")
    op.drop_column("gov_groups", "member_names")
    op.drop_column("gov_groups", "updated_at")
