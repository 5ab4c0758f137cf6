"""handoff_search_keys: each partner's own contact keys of its handoffs, so a search costs what its
own matches cost, not every lead on the platform that matched

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 21:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

# Each side of a handoff with the keys it finds it by; the receiver of a recalled one has none.
_SIDES = (("from_partner_id", ""), ("to_partner_id", " AND h.status <> 'recalled'"))
_KEYS = (
    ("text", "contact_name_key"),
    ("text", "contact_company_key"),
    ("text", "contact_email_norm"),
    ("phone", "contact_phone_norm"),
)


def upgrade():
    op.create_table(
        "handoff_search_keys",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column(
            "key",
            sa.String(length=320).with_variant(sa.String(length=320, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('text', 'phone')", name=op.f("ck_handoff_search_keys_kind")),
        sa.ForeignKeyConstraint(
            ["handoff_id"],
            ["handoffs.id"],
            name=op.f("fk_handoff_search_keys_handoff_id_handoffs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_handoff_search_keys_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("partner_id", "kind", "key", "handoff_id", name=op.f("pk_handoff_search_keys")),
    )
    # The same text twice among a lead's keys (its name as its company) is one key.
    selects = [
        f"SELECT h.{side}, '{kind}', l.{column}, h.id FROM handoffs h JOIN leads l ON l.id = h.lead_id"
        f" WHERE l.{column} IS NOT NULL AND l.{column} <> ''{still_sees}"
        for side, still_sees in _SIDES
        for kind, column in _KEYS
    ]
    op.execute(
        "INSERT INTO handoff_search_keys (partner_id, kind, key, handoff_id) "
        + " UNION ALL ".join(selects)
        + " ON CONFLICT DO NOTHING"
    )
    if op.get_bind().dialect.name == "postgresql":
        # Filled in the keys' random order, the index is half empty pages; rebuilt, it is packed.
        op.execute("REINDEX INDEX pk_handoff_search_keys")


def downgrade():
    op.drop_table("handoff_search_keys")
