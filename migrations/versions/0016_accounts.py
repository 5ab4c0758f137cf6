"""accounts: rejected registrations, the sign-in slow-down (users, unknown addresses), password reset links

Revision ID: 0016
Revises: 0010
Create Date: 2026-12-07 12:40:00
"""

import sqlalchemy as sa
from alembic import op

import partnerhub.core.db

revision = "0016"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("partners") as batch_op:
        batch_op.add_column(sa.Column("rejection_reason", sa.Text(), nullable=True))
        batch_op.drop_constraint(op.f("ck_partners_status"), type_="check")
        batch_op.create_check_constraint("status", "status IN ('pending', 'active', 'suspended', 'rejected')")
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("last_failed_login_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("login_paused_until", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "unknown_sign_ins",
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_failed_login_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("login_paused_until", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("email_hash", name=op.f("pk_unknown_sign_ins")),
    )
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_password_resets_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    op.create_index(op.f("ix_password_resets_user_id"), "password_resets", ["user_id"])


def downgrade():
    op.drop_table("password_resets")
    op.drop_table("unknown_sign_ins")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("login_paused_until")
        batch_op.drop_column("last_failed_login_at")
        batch_op.drop_column("failed_logins")
    op.execute("UPDATE partners SET status = 'suspended' WHERE status = 'rejected'")
    with op.batch_alter_table("partners") as batch_op:
        batch_op.drop_constraint(op.f("ck_partners_status"), type_="check")
        batch_op.create_check_constraint("status", "status IN ('pending', 'active', 'suspended')")
        batch_op.drop_column("rejection_reason")
