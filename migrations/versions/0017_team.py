"""users: invitations by single-use link (token hash, expiry, acceptance) and the away mark;
deliveries may carry webhook.test

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 12:40:00
"""

import sqlalchemy as sa
from alembic import op

import partnerhub.core.db

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


OLD_EVENTS = "event_type IN ('handoff.created', 'handoff.updated', 'lead.unrouted', 'flag.raised')"
NEW_EVENTS = "event_type IN ('handoff.created', 'handoff.updated', 'lead.unrouted', 'flag.raised', 'webhook.test')"


def _event_types(condition: str) -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_constraint(op.f("ck_deliveries_event_type"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deliveries_event_type"), condition)


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("away", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("invite_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("invite_expires_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("invite_accepted_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(op.f("uq_users_invite_token_hash"), ["invite_token_hash"])
    _event_types(NEW_EVENTS)


def downgrade():
    op.execute("DELETE FROM delivery_attempts WHERE delivery_id IN "
               "(SELECT id FROM deliveries WHERE event_type = 'webhook.test')")
    op.execute("DELETE FROM deliveries WHERE event_type = 'webhook.test'")
    _event_types(OLD_EVENTS)
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint(op.f("uq_users_invite_token_hash"), type_="unique")
        batch_op.drop_column("invite_expires_at")
        batch_op.drop_column("invite_token_hash")
        batch_op.drop_column("invite_accepted_at")
        batch_op.drop_column("away")
