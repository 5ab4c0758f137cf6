"""leads, handoffs: search reads the ids it needs from its indexes alone

Each contact index search ranges over carries the lead's partner and id, and the index of a
lead's handoffs carries each one's id and sender: a name's two thousand matches at a million
leads are read from a few index pages instead of two thousand table rows each.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 19:10:00
"""

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

_LEADS = [
    ("ix_leads_contact_name_key", "contact_name_key"),
    ("ix_leads_contact_company_key", "contact_company_key"),
    ("ix_leads_contact_email_norm", "contact_email_norm"),
    ("ix_leads_contact_phone_norm", "contact_phone_norm"),
]


def _indexes(include: bool) -> None:
    with op.batch_alter_table("leads") as batch_op:
        for name, column in _LEADS:
            batch_op.drop_index(name)
            batch_op.create_index(name, [column], postgresql_include=["partner_id", "id"] if include else [])
    with op.batch_alter_table("handoffs") as batch_op:
        batch_op.drop_index("uq_handoffs_lead_to_partner")
        batch_op.create_index(
            "uq_handoffs_lead_to_partner",
            ["lead_id", "to_partner_id"],
            unique=True,
            postgresql_include=["from_partner_id", "id"] if include else [],
        )


def upgrade():
    _indexes(include=True)


def downgrade():
    _indexes(include=False)
