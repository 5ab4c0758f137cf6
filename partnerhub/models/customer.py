"""A partner's customer list, kept only as keyed hashes of its contacts (partnerhub/customers/lists.py)."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from partnerhub.core.db import Base


class CustomerKey(Base):
    """One contact (an email, a phone number or a company domain) on a partner's list, as a keyed hash.

    `digest` is the first 64 bits of HMAC-SHA256 under CUSTOMER_HASH_KEY: the value cannot be read
    back, nor found by hashing guesses without the key.
    """

    __tablename__ = "customer_keys"
    __table_args__ = (
        # Routing asks, for a lead's few digests, which partners list any of them: one index range each.
        Index("ix_customer_keys_digest", "digest", "partner_id"),
    )

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    digest: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # When the contact first appeared on this partner's list; a new upload that keeps it keeps this.
    listed_since: Mapped[datetime]


class CustomerList(Base):
    """What may be said about a partner's list: how many customers it holds and when it came."""

    __tablename__ = "customer_lists"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    uploaded_at: Mapped[datetime]
