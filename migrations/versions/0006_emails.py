"""emails: the outbox of messages to people, sent by the worker with retries

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 12:40:00
"""

import sqlalchemy as sa
from alembic import op

import partnerhub.core.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_emails_partner_id_partners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emails")),
    )
    op.create_index("ix_emails_due", "emails", ["sent_at", "next_attempt_at"])
    op.create_index(op.f("ix_emails_to_address"), "emails", ["to_address"])
    op.create_index(op.f("ix_emails_partner_id"), "emails", ["partner_id"])


def downgrade():
    op.drop_table("emails")
