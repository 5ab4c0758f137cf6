"""handoff_rollup_months: the daily cohorts summed per calendar month, so a period reads months

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

# Every column a month sums from its days.
SUMMED = (
    "sent",
    "delivered",
    "accepted",
    "contacted",
    "won",
    "lost",
    "declined",
    "expired",
    "recalled",
    "reward_invoiced",
    "reward_paid",
    "rep_paid",
    "referrals",
    "deal_value",
    "rewards_invoiced",
    "rewards_paid",
    "rep_shares_paid",
    "accept_seconds",
    "accepted_within_1h",
    "accepted_within_2h",
    "accepted_within_4h",
    "accepted_within_8h",
    "accepted_within_12h",
    "accepted_within_24h",
    "accepted_within_48h",
    "accepted_within_72h",
    "accepted_within_120h",
    "accepted_within_168h",
    "accepted_within_336h",
    "accepted_later",
)


def upgrade():
    op.create_table(
        "handoff_rollup_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("from_partner_id", sa.Integer(), nullable=False),
        sa.Column("to_partner_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("sent", sa.Integer(), server_default="0", nullable=False),
        sa.Column("delivered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("accepted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("contacted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("won", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lost", sa.Integer(), server_default="0", nullable=False),
        sa.Column("declined", sa.Integer(), server_default="0", nullable=False),
        sa.Column("expired", sa.Integer(), server_default="0", nullable=False),
        sa.Column("recalled", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reward_invoiced", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reward_paid", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rep_paid", sa.Integer(), server_default="0", nullable=False),
        sa.Column("referrals", sa.Integer(), server_default="0", nullable=False),
        sa.Column("accepted_within_1h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("accepted_within_2h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("accepted_within_4h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("accepted_within_8h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("accepted_within_12h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("accepted_within_24h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("accepted_within_48h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("accepted_within_72h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("accepted_within_120h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("accepted_within_168h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("accepted_within_336h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("accepted_later", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deal_value", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column("rewards_invoiced", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column("rewards_paid", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column("rep_shares_paid", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column("accept_seconds", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["from_partner_id"],
            ["partners.id"],
            name=op.f("fk_handoff_rollup_months_from_partner_id_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_handoff_rollup_months_partnership_id_partnerships"),
        ),
        sa.ForeignKeyConstraint(
            ["to_partner_id"], ["partners.id"], name=op.f("fk_handoff_rollup_months_to_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_rollup_months")),
        sa.UniqueConstraint(
            "partnership_id",
            "from_partner_id",
            "month",
            "currency",
            name=op.f("uq_handoff_rollup_months_partnership_id_from_partner_id_month_currency"),
        ),
    )
    with op.batch_alter_table("handoff_rollup_months") as batch_op:
        batch_op.create_index("ix_handoff_rollup_months_to_month", ["to_partner_id", "month"])
        batch_op.create_index("ix_handoff_rollup_months_month", ["month"])
        batch_op.create_index(
            "ix_handoff_rollup_months_won",
            ["to_partner_id", "month"],
            postgresql_include=["from_partner_id", "currency", "won", "deal_value"],
            postgresql_where=sa.text("won > 0"),
            sqlite_where=sa.text("won > 0"),
        )
    month = (
        "CAST(date_trunc('month', day) AS DATE)"
        if op.get_bind().dialect.name == "postgresql"
        else "date(day, 'start of month')"
    )
    keys = "partnership_id, from_partner_id, to_partner_id"
    op.execute(
        f"INSERT INTO handoff_rollup_months ({keys}, month, currency, {', '.join(SUMMED)}) "
        f"SELECT {keys}, {month}, currency, {', '.join(f'SUM({c})' for c in SUMMED)} "
        f"FROM handoff_rollups GROUP BY {keys}, {month}, currency"
    )


def downgrade():
    op.drop_table("handoff_rollup_months")
