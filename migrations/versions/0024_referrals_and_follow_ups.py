"""leads: referred from a won handoff (source "referral"); follow_ups after a win; partnerships
and their terms: the follow-up days; rollups count referrals; notifications of follow-ups due

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 10:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import partnerhub.core.db

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
DEFAULT_DAYS = "'[7, 14, 30, 60]'"
OLD_SOURCES = "source IN ('api', 'web', 'csv')"
NEW_SOURCES = "source IN ('api', 'web', 'csv', 'referral')"
OLD_KINDS = (
    "kind IN ('lead_assigned', 'sla_half_passed', 'lead_expiring', 'handoff_comment', "
    "'proposal_waiting', 'flag_raised')"
)
NEW_KINDS = (
    "kind IN ('lead_assigned', 'sla_half_passed', 'lead_expiring', 'handoff_comment', "
    "'proposal_waiting', 'flag_raised', 'follow_up_due')"
)


def _check(table: str, name: str, condition: str) -> None:
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
        batch_op.create_check_constraint(name, condition)


def upgrade():
    with op.batch_alter_table("leads") as batch_op:
        batch_op.add_column(sa.Column("referred_from_handoff_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_leads_referred_from_handoff_id_handoffs"),
            "handoffs",
            ["referred_from_handoff_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_leads_referred_from_handoff_id", ["referred_from_handoff_id"])
    _check("leads", "source", NEW_SOURCES)
    for table in ("partnerships", "partnership_terms"):
        with op.batch_alter_table(table) as batch_op:
            # Every partnership so far, and every row written without the column, gets the common rhythm.
            batch_op.add_column(
                sa.Column("follow_up_days", JSON, nullable=False, server_default=sa.text(DEFAULT_DAYS))
            )
    with op.batch_alter_table("handoff_rollups") as batch_op:
        batch_op.add_column(sa.Column("referrals", sa.Integer(), nullable=False, server_default="0"))
    _check("notifications", "kind", NEW_KINDS)
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("from_partner_id", sa.Integer(), nullable=False),
        sa.Column("to_partner_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("due_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("done_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by_user_id", sa.Integer(), nullable=True),
        sa.Column("notified_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('due', 'done', 'skipped')", name=op.f("ck_follow_ups_status")),
        sa.CheckConstraint("outcome IN ('satisfied', 'issue', 'referral')", name=op.f("ck_follow_ups_outcome")),
        sa.CheckConstraint(
            "(status = 'done') = (outcome IS NOT NULL)", name=op.f("ck_follow_ups_outcome_when_done")
        ),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], name=op.f("fk_follow_ups_handoff_id_handoffs")),
        sa.ForeignKeyConstraint(
            ["from_partner_id"], ["partners.id"], name=op.f("fk_follow_ups_from_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(["to_partner_id"], ["partners.id"], name=op.f("fk_follow_ups_to_partner_id_partners")),
        sa.ForeignKeyConstraint(["done_by_user_id"], ["users.id"], name=op.f("fk_follow_ups_done_by_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
        sa.UniqueConstraint("handoff_id", "day", name=op.f("uq_follow_ups_handoff_id_day")),
    )
    op.create_index("ix_follow_ups_to_id", "follow_ups", ["to_partner_id", "id"])
    op.create_index("ix_follow_ups_from_id", "follow_ups", ["from_partner_id", "id"])
    op.create_index("ix_follow_ups_status_due", "follow_ups", ["status", "due_at"])


def downgrade():
    op.drop_index("ix_follow_ups_status_due", table_name="follow_ups")
    op.drop_index("ix_follow_ups_from_id", table_name="follow_ups")
    op.drop_index("ix_follow_ups_to_id", table_name="follow_ups")
    op.drop_table("follow_ups")
    op.execute("DELETE FROM notifications WHERE kind = 'follow_up_due'")
    _check("notifications", "kind", OLD_KINDS)
    with op.batch_alter_table("handoff_rollups") as batch_op:
        batch_op.drop_column("referrals")
    for table in ("partnerships", "partnership_terms"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("follow_up_days")
    # Referral leads stay, as leads brought by hand.
    op.execute("UPDATE leads SET source = 'web' WHERE source = 'referral'")
    _check("leads", "source", OLD_SOURCES)
    with op.batch_alter_table("leads") as batch_op:
        batch_op.drop_index("ix_leads_referred_from_handoff_id")
        batch_op.drop_constraint(op.f("fk_leads_referred_from_handoff_id_handoffs"), type_="foreignkey")
        batch_op.drop_column("referred_from_handoff_id")
