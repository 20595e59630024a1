"""governance: what federating groups, meetings and actions needs (times, names, decision uids)

Groups get ``updated_at`` (a change must reach peers as a new version) and ``member_names``,
meetings ``created_at`` and ``attendee_names`` (a replica's people as the originating node names
them), decisions a ``uid`` that names them on every node. Existing rows are filled in: a group's
``updated_at`` is its ``created_at``, a meeting's ``created_at`` its ``updated_at``, each decision
a fresh UUID.

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


def upgrade() -> None:
    with op.batch_alter_table("gov_groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("updated_at", defpact.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("member_names", sa.JSON(), nullable=True))
    with op.batch_alter_table("gov_meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("created_at", defpact.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("attendee_names", sa.JSON(), nullable=True))
    with op.batch_alter_table("gov_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uid", sa.String(length=36), nullable=True))

    op.execute("UPDATE gov_groups SET updated_at = created_at, member_names = '[]'")
    op.execute("UPDATE gov_meetings SET created_at = updated_at, attendee_names = '[]'")
    conn = op.get_bind()
    decisions = sa.table("gov_decisions", sa.column("id", sa.Integer), sa.column("uid", sa.String))
    for (decision_id,) in conn.execute(sa.select(decisions.c.id)).all():
        conn.execute(
            decisions.update().where(decisions.c.id == decision_id).values(uid=str(uuid.uuid4()))
        )

    with op.batch_alter_table("gov_groups", schema=None) as batch_op:
        batch_op.alter_column("updated_at", nullable=False)
        batch_op.alter_column("member_names", nullable=False)
    with op.batch_alter_table("gov_meetings", schema=None) as batch_op:
        batch_op.alter_column("created_at", nullable=False)
        batch_op.alter_column("attendee_names", nullable=False)
    with op.batch_alter_table("gov_decisions", schema=None) as batch_op:
        batch_op.alter_column("uid", nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_gov_decisions_uid"), ["uid"])


def downgrade() -> None:
    with op.batch_alter_table("gov_decisions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_gov_decisions_uid"), type_="unique")
        batch_op.drop_column("uid")
    with op.batch_alter_table("gov_meetings", schema=None) as batch_op:
        batch_op.drop_column("attendee_names")
        batch_op.drop_column("created_at")
    with op.batch_alter_table("gov_groups", schema=None) as batch_op:
        batch_op.drop_column("member_names")
        batch_op.drop_column("updated_at")
