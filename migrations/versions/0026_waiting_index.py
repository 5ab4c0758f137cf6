"""handoffs: the inbox's waiting handoffs in the order it shows them, soonest due first

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-07 15:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0024"
branch_labels = None
depends_on = None

_WAITING = sa.text("status IN ('sent', 'delivered')")


def upgrade():
    with op.batch_alter_table("handoffs") as batch_op:
        batch_op.create_index(
            "ix_handoffs_waiting",
            ["to_partner_id", "sla_due_at", "id"],
            postgresql_where=_WAITING,
            sqlite_where=_WAITING,
        )


def downgrade():
    with op.batch_alter_table("handoffs") as batch_op:
        batch_op.drop_index("ix_handoffs_waiting", postgresql_where=_WAITING, sqlite_where=_WAITING)
