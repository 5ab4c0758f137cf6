"""Partners, the people who work for them and their machine credentials."""

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerhub.core.db import Base, JSONType, utcnow
from partnerhub.models._columns import one_of

if TYPE_CHECKING:
    from partnerhub.models.catalog import ProductLine


# A rejected registration stays, with its reason, so the manager is told why and the name stays known.
PARTNER_STATUSES = ("pending", "active", "suspended", "rejected")
REVENUE_BANDS = ("under_1m", "1m_10m", "10m_50m", "50m_250m", "over_250m")
USER_ROLES = ("rep", "manager", "admin")
TEAM_ROLES = ("rep", "manager")
USER_STATUSES = ("invited", "active", "deactivated")


class Partner(Base):
    __tablename__ = "partners"
    __table_args__ = (
        one_of("status", PARTNER_STATUSES, "status"),
        one_of("revenue_band", REVENUE_BANDS, "revenue_band"),
        CheckConstraint("monthly_won_value IS NULL OR monthly_won_value >= 0", name="won_value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    business: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(500))
    regions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # ISO 3166 country of the partner's business: the region its customers' phone numbers are read in
    # when written without a country code (partnerhub/customers/lists.py).
    country: Mapped[str] = mapped_column(String(2), default="DE", server_default="DE")
    # The size profile: law 5 compares partners on these three numbers.
    sales_reps: Mapped[int] = mapped_column(default=1)
    revenue_band: Mapped[str] = mapped_column(String(20), default="under_1m")
    monthly_leads: Mapped[int] = mapped_column(default=0)
    # Won business a month, declared by the partner: agent_like's total when larger than the reported one.
    monthly_won_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(Text)

    product_lines: Mapped[list["ProductLine"]] = relationship(
        back_populates="partner", order_by="ProductLine.id"
    )

    def __repr__(self) -> str:
        return f"<Partner {self.id} {self.name!r} {self.status}>"


class SignInFailures:
    """The sign-in slow-down's state (partnerhub/people/credentials.py): wrong passwords in the current
    burst, the last one's time, and until when sign-in is refused. In the database, so every
    process sees the same count."""

    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    last_failed_login_at: Mapped[datetime | None]
    login_paused_until: Mapped[datetime | None]


class User(SignInFailures, Base):
    __tablename__ = "users"
    __table_args__ = (
        one_of("role", USER_ROLES, "role"),
        # Operators (admins) may stand outside any partner; everyone else belongs to one.
        CheckConstraint("role = 'admin' OR partner_id IS NOT NULL", name="user_has_partner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="rep")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Raised at every sign-out: a session cookie from an earlier generation signs nobody in,
    # however long its copy would otherwise stay valid.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # An away rep gets no new assignments; the manager marks them back.
    away: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When the rep was last given a handoff: among equally loaded reps, the longest waiting goes first.
    last_assigned_at: Mapped[datetime | None]
    # SHA-256 of the invitation link's token; the token itself is only ever in the email.
    # Kept after acceptance, so a second use of the link is told it was used.
    invite_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None]
    invite_accepted_at: Mapped[datetime | None]
    # The language the person chose on their account ("de"); None: their browser's, English in emails.
    language: Mapped[str | None] = mapped_column(String(5))

    partner: Mapped[Partner | None] = relationship()

    @property
    def status(self) -> str:
        """One of USER_STATUSES: invited until the person accepts, then active or deactivated."""
        if self.invite_token_hash is not None and self.invite_accepted_at is None:
            return "invited"
        return "active" if self.active else "deactivated"


class ApiClient(Base):
    """Machine credentials a partner system trades for short-lived JWTs."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No partner: an operator's client, allowed the admin scope.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    partner: Mapped[Partner | None] = relationship()


class UnknownSignIn(SignInFailures, Base):
    """Wrong sign-ins to an address that has no login, slowed down like an account's, so that
    a pause does not tell which addresses have one. Only a hash of the address is kept."""

    __tablename__ = "unknown_sign_ins"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)


class PasswordReset(Base):
    """A single-use link to set a new password; only the token's hash is kept."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
