"""training: attested clearance of nominated persons

Revision ID: training_0002
Revises: training_0001
Create Date: 2026-11-28 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "training_0002"
down_revision: str | None = "training_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trn_nominations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("clearance_held", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("trn_nominations", schema=None) as batch_op:
        batch_op.drop_column("clearance_held")
