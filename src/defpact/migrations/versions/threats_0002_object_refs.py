"""threats: reference index of stored objects

Revision ID: threats_0002
Revises: threats_0001
Create Date: 2026-11-28 11:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "threats_0002"
down_revision: str | None = "threats_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "threat_object_refs",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("ref_from", sa.String(length=300), nullable=False),
        sa.Column("ref_to", sa.String(length=300), nullable=False),
        sa.Column("label", sa.String(length=250), nullable=False),
        sa.Column("via", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_threat_object_refs")),
    )
    op.create_index("ix_threat_object_refs_from", "threat_object_refs", ["ref_from"])
    op.create_index("ix_threat_object_refs_to", "threat_object_refs", ["ref_to"])
    op.create_index("ix_threat_object_refs_via", "threat_object_refs", ["via"])


def downgrade() -> None:
    op.drop_index("ix_threat_object_refs_via", table_name="threat_object_refs")
    op.drop_index("ix_threat_object_refs_to", table_name="threat_object_refs")
    op.drop_index("ix_threat_object_refs_from", table_name="threat_object_refs")
    op.drop_table("threat_object_refs")
