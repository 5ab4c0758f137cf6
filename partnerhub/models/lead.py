"""Leads a partner brought, and the idempotency keys their systems post them with."""

import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from partnerhub.core.db import Base, JSONType, utcnow
from partnerhub.core.i18n import Phrase, phrase_from_json, phrase_to_json
from partnerhub.models._columns import one_of, search_key

if TYPE_CHECKING:
    from partnerhub.models.catalog import Category
    from partnerhub.models.handoff import Handoff
    from partnerhub.models.partner import Partner


LEAD_STATUSES = ("new", "routed", "unrouted", "not_qualified")
# Where a lead came from; a "referral" is a lead a won handoff's customer gave (`referred_from`).
LEAD_SOURCES = ("api", "web", "csv", "referral")
# What a partner may say it posted from: a referral is recorded on its handoff, never posted as one.
POSTED_SOURCES = ("api", "web", "csv")


# What a search needs of each lead it matches, carried by the email and phone indexes it ranges over.
_SEARCHED = ["partner_id", "id"]


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        one_of("status", LEAD_STATUSES, "status"),
        one_of("source", LEAD_SOURCES, "source"),
        UniqueConstraint("partner_id", "external_id"),
        # The 90-day same-contact conflict check looks every partner's leads up by email and
        # phone, and search a partner's own by the beginning of a contact's name, company, email
        # or phone: each index carries the lead's partner and id, so a search's matches are read
        # from it alone (lists.contact_matches). Names and companies are searched only, each
        # partner its own: their indexes begin with the partner, so its matches are one range.
        Index("ix_leads_contact_email_norm", "contact_email_norm", postgresql_include=_SEARCHED),
        Index("ix_leads_contact_phone_norm", "contact_phone_norm", postgresql_include=_SEARCHED),
        Index("ix_leads_partner_created", "partner_id", "created_at"),
        Index("ix_leads_partner_name_key", "partner_id", "contact_name_key", postgresql_include=["id"]),
        Index("ix_leads_partner_company_key", "partner_id", "contact_company_key", postgresql_include=["id"]),
        # Lists newest first within one partner.
        Index("ix_leads_partner_id", "partner_id", "id"),
        # The referrals a handoff produced, counted on its page and by both sides' lead pages.
        Index("ix_leads_referred_from_handoff_id", "referred_from_handoff_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    external_id: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    contact_company: Mapped[str | None] = mapped_column(String(200))
    # Lower-cased email and digits-only phone: what "the same contact" compares.
    contact_email_norm: Mapped[str | None] = mapped_column(String(320))
    contact_phone_norm: Mapped[str | None] = mapped_column(String(50))
    # Lower-cased name and company with single spaces, kept by the model itself: what search compares.
    contact_name_key: Mapped[str] = mapped_column(search_key(200), default="")
    contact_company_key: Mapped[str | None] = mapped_column(search_key(200))
    need_category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    need_text: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str | None] = mapped_column(String(20))
    consent: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(10), default="api")
    status: Mapped[str] = mapped_column(String(20), default="new")
    # Why a lead is not_qualified or unrouted, in sentences a person can act on.
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # The same reasons as given (Phrases as partnerhub.core.i18n.phrase_to_json, messages marked for
    # the catalogs as text), to read in any language; NULL on older rows, which have only their English.
    reason_words: Mapped[list | None] = mapped_column(JSONType)
    # The won handoff whose customer referred this lead; null for every other lead. Declared after
    # the tables (handoffs point at leads too); a handoff's deletion leaves the lead without it.
    referred_from_handoff_id: Mapped[int | None] = mapped_column(
        ForeignKey("handoffs.id", use_alter=True, ondelete="SET NULL")
    )
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    partner: Mapped["Partner"] = relationship()
    need_category: Mapped["Category | None"] = relationship()
    handoffs: Mapped[list["Handoff"]] = relationship(
        back_populates="lead", order_by="Handoff.id", foreign_keys="Handoff.lead_id"
    )

    @validates("contact_name", "contact_company")
    def _keep_search_keys(self, name: str, value: str | None) -> str | None:
        empty = "" if name == "contact_name" else None
        setattr(self, f"{name}_key", search_text(value) if value else empty)
        return value

    def keep_reasons(self, reasons: Sequence[Phrase | str]) -> None:
        """Say why the lead is where it is: in English for the API, and as given for the pages."""
        self.reasons = [str(reason) for reason in reasons]
        self.reason_words = [phrase_to_json(r) if isinstance(r, Phrase) else r for r in reasons]

    def reasons_to_read(self) -> list[Phrase | str]:
        """The reasons to render in the reader's language (English on rows older than reason_words)."""
        if self.reason_words is None:
            return list(self.reasons)
        return [phrase_from_json(r) if isinstance(r, dict) else r for r in self.reason_words]


def search_text(text: str) -> str:
    """Text as search compares it: lower-cased, runs of white space made one space."""
    return " ".join(text.lower().split())


def normalize_phone(phone: str | None) -> str | None:
    # Digits only, so "+49 30 1234" and "0049-30-1234" differ but spacing never matters.
    digits = re.sub(r"\D", "", phone or "")
    return digits or None


class IdempotencyKey(Base):
    """The first response to a keyed POST, replayed when the same key comes again."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("partner_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    # Null while the first request is still running.
    response_status: Mapped[int | None]
    response_body: Mapped[dict | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
