"""customers: each partner's list as keyed hashes, its count and time; partners' country; overlap consent; the checked existing-customer claim

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import partnerhub.core.db

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "customer_keys",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("listed_since", partnerhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_customer_keys_partner_id_partners")),
        sa.PrimaryKeyConstraint("partner_id", "digest", name=op.f("pk_customer_keys")),
    )
    op.create_index("ix_customer_keys_digest", "customer_keys", ["digest", "partner_id"])
    op.create_table(
        "customer_lists",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", partnerhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_customer_lists_partner_id_partners")),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_customer_lists")),
    )
    with op.batch_alter_table("partners") as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=2), server_default="DE", nullable=False))
    with op.batch_alter_table("partnerships") as batch_op:
        batch_op.add_column(
            sa.Column("proposer_shares_overlap", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("responder_shares_overlap", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("handoffs") as batch_op:
        batch_op.add_column(sa.Column("customer_claim", sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            "customer_claim", "customer_claim IN ('confirmed', 'not_confirmed')"
        )


def downgrade():
    with op.batch_alter_table("handoffs") as batch_op:
        batch_op.drop_constraint("customer_claim", type_="check")
        batch_op.drop_column("customer_claim")
    with op.batch_alter_table("partnerships") as batch_op:
        batch_op.drop_column("responder_shares_overlap")
        batch_op.drop_column("proposer_shares_overlap")
    with op.batch_alter_table("partners") as batch_op:
        batch_op.drop_column("country")
    op.drop_table("customer_lists")
    op.drop_index("ix_customer_keys_digest", table_name="customer_keys")
    op.drop_table("customer_keys")
