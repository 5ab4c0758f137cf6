"""Numbers a partner manager can act on: flags per period with history, a declared won value,
versions of partnership terms, and the index a month's payout statement reads

Revision ID: 0014
Revises: 0020
Create Date: 2026-12-07 12:15:38
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import partnerhub.core.db

revision = "0014"
down_revision = "0020"
branch_labels = None
depends_on = None

_RAISED = sa.text("cleared_at IS NULL")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "flag_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("numbers", JSON, nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("snooze_until", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "action IN ('raised', 'changed', 'cleared', 'acknowledged')", name=op.f("ck_flag_events_action")
        ),
        sa.ForeignKeyConstraint(["flag_id"], ["flags.id"], name=op.f("fk_flag_events_flag_id_flags")),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_flag_events_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_flag_events_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_events")),
    )
    with op.batch_alter_table("flag_events") as batch_op:
        batch_op.create_index(batch_op.f("ix_flag_events_flag_id"), ["flag_id"], unique=False)

    op.create_table(
        "partnership_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reward_type", sa.String(length=10), nullable=False),
        sa.Column("reward_value", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rep_share_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("accept_sla_hours", sa.Integer(), nullable=False),
        sa.Column("monthly_cap", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "reward_type IN ('percent', 'fixed')", name=op.f("ck_partnership_terms_reward_type")
        ),
        sa.CheckConstraint(
            "status IN ('proposed', 'accepted', 'declined', 'withdrawn')",
            name=op.f("ck_partnership_terms_status"),
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_partnership_terms_partnership_id_partnerships"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["partners.id"], name=op.f("fk_partnership_terms_proposed_by_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnership_terms")),
        sa.UniqueConstraint(
            "partnership_id", "version", name=op.f("uq_partnership_terms_partnership_id_version")
        ),
    )
    # Every partnership's terms so far become its first version, in force since it began.
    op.execute(
        "INSERT INTO partnership_terms (partnership_id, version, status, reward_type, reward_value, currency,"
        " rep_share_percent, accept_sla_hours, monthly_cap, note, proposed_by_id, proposed_at, decided_at)"
        " SELECT id, 1, 'accepted', reward_type, reward_value, currency, rep_share_percent, accept_sla_hours,"
        " monthly_cap, '', proposer_id, created_at, activated_at FROM partnerships"
    )

    with op.batch_alter_table("flags") as batch_op:
        batch_op.add_column(sa.Column("period_days", sa.Integer(), server_default="90", nullable=False))
        batch_op.drop_index("uq_flags_raised", postgresql_where=_RAISED, sqlite_where=_RAISED)
        batch_op.create_index(
            "uq_flags_raised",
            ["kind", "subject_key", "period_days"],
            unique=True,
            postgresql_where=_RAISED,
            sqlite_where=_RAISED,
        )

    with op.batch_alter_table("partnerships") as batch_op:
        batch_op.add_column(sa.Column("terms_version", sa.Integer(), server_default="1", nullable=False))
    # Existing handoffs keep NULL: they were all made under their partnership's first terms.
    with op.batch_alter_table("handoffs") as batch_op:
        batch_op.add_column(sa.Column("terms_version", sa.Integer(), nullable=True))
        batch_op.create_index("ix_handoffs_partnership_won", ["partnership_id", "won_at"], unique=False)

    with op.batch_alter_table("partners") as batch_op:
        batch_op.add_column(sa.Column("monthly_won_value", sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.create_check_constraint(
            "won_value_not_negative", "monthly_won_value IS NULL OR monthly_won_value >= 0"
        )


def downgrade():
    with op.batch_alter_table("partners") as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_partners_won_value_not_negative"), type_="check")
        batch_op.drop_column("monthly_won_value")

    with op.batch_alter_table("handoffs") as batch_op:
        batch_op.drop_index("ix_handoffs_partnership_won")
        batch_op.drop_column("terms_version")
    with op.batch_alter_table("partnerships") as batch_op:
        batch_op.drop_column("terms_version")

    op.execute("DELETE FROM flag_events")
    # Only one raised flag per kind and subject fits the old index: keep the default period's.
    op.execute("DELETE FROM flags WHERE period_days <> 90")
    with op.batch_alter_table("flags") as batch_op:
        batch_op.drop_index("uq_flags_raised", postgresql_where=_RAISED, sqlite_where=_RAISED)
        batch_op.create_index(
            "uq_flags_raised", ["kind", "subject_key"], unique=True, postgresql_where=_RAISED, sqlite_where=_RAISED
        )
        batch_op.drop_column("period_days")

    op.drop_table("partnership_terms")
    with op.batch_alter_table("flag_events") as batch_op:
        batch_op.drop_index(batch_op.f("ix_flag_events_flag_id"))
    op.drop_table("flag_events")
