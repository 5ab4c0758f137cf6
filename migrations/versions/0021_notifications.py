"""notifications: what the platform tells one person, and each person's choices of how to hear it; handoff comments indexed by time

Revision ID: 0021
Revises: 0014
Create Date: 2026-12-07 13:40:00
"""

import sqlalchemy as sa
from alembic import op

import partnerhub.core.db

revision = "0021"
down_revision = "0014"
branch_labels = None
depends_on = None

KINDS = "('lead_assigned', 'sla_half_passed', 'lead_expiring', 'handoff_comment', 'proposal_waiting', 'flag_raised')"


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("occasion", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(length=10), nullable=False),
        sa.Column("created_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"kind IN {KINDS}", name=op.f("ck_notifications_kind")),
        sa.CheckConstraint("email IN ('none', 'single', 'digest')", name=op.f("ck_notifications_email")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("uq_notifications_once", "notifications", ["user_id", "kind", "occasion"], unique=True)
    op.create_index("ix_notifications_user_read", "notifications", ["user_id", "read_at"])
    op.create_index("ix_notifications_email_pending", "notifications", ["email", "emailed_at"])
    op.create_table(
        "notification_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("off", partnerhub.core.db.JSONType, nullable=False),
        sa.Column("daily_digest", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_settings_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_settings")),
    )


    op.create_index("ix_handoff_comments_created_at", "handoff_comments", ["created_at"])


def downgrade():
    op.drop_index("ix_handoff_comments_created_at", table_name="handoff_comments")
    op.drop_table("notification_settings")
    op.drop_table("notifications")
