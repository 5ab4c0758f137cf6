"""leads: a contact's name and company are indexed under the lead's partner, so a partner's
search for a beginning reads its own matches, not every partner's

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 21:40:00
"""

from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

_COLUMNS = (("name", "contact_name_key"), ("company", "contact_company_key"))


def upgrade():
    with op.batch_alter_table("leads") as batch_op:
        for name, column in _COLUMNS:
            batch_op.drop_index(f"ix_leads_contact_{name}_key")
            batch_op.create_index(f"ix_leads_partner_{name}_key", ["partner_id", column], postgresql_include=["id"])


def downgrade():
    with op.batch_alter_table("leads") as batch_op:
        for name, column in _COLUMNS:
            batch_op.drop_index(f"ix_leads_partner_{name}_key")
            batch_op.create_index(
                f"ix_leads_contact_{name}_key", [column], postgresql_include=["partner_id", "id"]
            )
