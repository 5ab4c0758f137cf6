"""handoffs: an assignee (the receiver's rep who owns it); users: when last given one;
handoff_comments between the two sides; deliveries may carry handoff.commented

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-07 13:30:00
"""

import sqlalchemy as sa
from alembic import op

import partnerhub.core.db

revision = "0020"
down_revision = "0017"
branch_labels = None
depends_on = None


OLD_EVENTS = "event_type IN ('handoff.created', 'handoff.updated', 'lead.unrouted', 'flag.raised', 'webhook.test')"
NEW_EVENTS = (
    "event_type IN ('handoff.created', 'handoff.updated', 'lead.unrouted', 'flag.raised', "
    "'handoff.commented', 'webhook.test')"
)


def _event_types(condition: str) -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_constraint(op.f("ck_deliveries_event_type"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deliveries_event_type"), condition)


def upgrade():
    with op.batch_alter_table("handoffs") as batch_op:
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assigned_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(op.f("fk_handoffs_assignee_id_users"), "users", ["assignee_id"], ["id"])
        batch_op.create_index("ix_handoffs_assignee_status", ["assignee_id", "status"])
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("last_assigned_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "handoff_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("author_client_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(author_user_id IS NULL) <> (author_client_id IS NULL)",
            name=op.f("ck_handoff_comments_one_author"),
        ),
        sa.ForeignKeyConstraint(
            ["author_client_id"], ["api_clients.id"], name=op.f("fk_handoff_comments_author_client_id_api_clients")
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"], ["users.id"], name=op.f("fk_handoff_comments_author_user_id_users")
        ),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], name=op.f("fk_handoff_comments_handoff_id_handoffs")),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_handoff_comments_partner_id_partners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_comments")),
    )
    op.create_index(op.f("ix_handoff_comments_handoff_id"), "handoff_comments", ["handoff_id"])
    _event_types(NEW_EVENTS)


def downgrade():
    op.execute("DELETE FROM delivery_attempts WHERE delivery_id IN "
               "(SELECT id FROM deliveries WHERE event_type = 'handoff.commented')")
    op.execute("DELETE FROM deliveries WHERE event_type = 'handoff.commented'")
    _event_types(OLD_EVENTS)
    op.drop_index(op.f("ix_handoff_comments_handoff_id"), table_name="handoff_comments")
    op.drop_table("handoff_comments")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("last_assigned_at")
    with op.batch_alter_table("handoffs") as batch_op:
        batch_op.drop_index("ix_handoffs_assignee_status")
        batch_op.drop_constraint(op.f("fk_handoffs_assignee_id_users"), type_="foreignkey")
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assignee_id")
