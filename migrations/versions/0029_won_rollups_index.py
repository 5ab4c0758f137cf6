"""handoff_rollups: the won cohorts of a receiver, read from the index alone (flags' agent_like)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

_WON = sa.text("won > 0")


def upgrade():
    with op.batch_alter_table("handoff_rollups") as batch_op:
        batch_op.create_index(
            "ix_handoff_rollups_won",
            ["to_partner_id", "day"],
            postgresql_include=["from_partner_id", "currency", "won", "deal_value"],
            postgresql_where=_WON,
            sqlite_where=_WON,
        )


def downgrade():
    with op.batch_alter_table("handoff_rollups") as batch_op:
        batch_op.drop_index("ix_handoff_rollups_won", postgresql_where=_WON, sqlite_where=_WON)
