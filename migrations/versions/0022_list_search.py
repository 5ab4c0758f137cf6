"""leads: search keys for name and company; indexes for newest-first lists of leads and handoffs

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 13:30:00
"""

import sqlalchemy as sa
from alembic import op

from partnerhub.models._columns import search_key

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("leads") as batch_op:
        batch_op.add_column(sa.Column("contact_name_key", search_key(200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("contact_company_key", search_key(200), nullable=True))
    # The same normalisation as partnerhub.models.lead.search_text, for the leads already taken;
    # tabs and line breaks in a name are rare enough to be left to the next edit.
    op.execute("UPDATE leads SET contact_name_key = lower(trim(contact_name)), "
               "contact_company_key = lower(trim(contact_company))")
    with op.batch_alter_table("leads") as batch_op:
        batch_op.alter_column("contact_name_key", server_default=None)
        batch_op.create_index("ix_leads_contact_name_key", ["contact_name_key"])
        batch_op.create_index("ix_leads_contact_company_key", ["contact_company_key"])
        batch_op.create_index("ix_leads_partner_id", ["partner_id", "id"])
    with op.batch_alter_table("handoffs") as batch_op:
        batch_op.create_index("ix_handoffs_to_id", ["to_partner_id", "id"])
        batch_op.create_index("ix_handoffs_from_id", ["from_partner_id", "id"])


def downgrade():
    with op.batch_alter_table("handoffs") as batch_op:
        batch_op.drop_index("ix_handoffs_from_id")
        batch_op.drop_index("ix_handoffs_to_id")
    with op.batch_alter_table("leads") as batch_op:
        batch_op.drop_index("ix_leads_partner_id")
        batch_op.drop_index("ix_leads_contact_company_key")
        batch_op.drop_index("ix_leads_contact_name_key")
        batch_op.drop_column("contact_company_key")
        batch_op.drop_column("contact_name_key")
