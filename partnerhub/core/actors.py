"""Who makes a change: a rep user, a partner's API client, or the platform itself; and who may."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from partnerhub.core.errors import NotAllowed
from partnerhub.core.i18n import phrase
from partnerhub.core.words import status_in_sentence
from partnerhub.models import Partner
from partnerhub.models.handoff import ACTOR_TYPES


@dataclass(frozen=True)
class Actor:
    """The one making a change, as plain values the web pages, the API and jobs all pass in."""

    type: str
    partner_id: int | None = None
    user_id: int | None = None
    client_id: int | None = None

    def __post_init__(self):
        if self.type not in ACTOR_TYPES:
            raise ValueError(f"unknown actor type {self.type!r}")

    @classmethod
    def system(cls, partner_id: int | None = None) -> "Actor":
        """The platform (jobs, imports); `partner_id` names whose behalf it acts on, if anyone's."""
        return cls("system", partner_id)

    @classmethod
    def user(cls, *, partner_id: int, user_id: int) -> "Actor":
        return cls("user", partner_id, user_id=user_id)

    @classmethod
    def client(cls, *, partner_id: int, client_id: int) -> "Actor":
        return cls("client", partner_id, client_id=client_id)

    @property
    def is_system(self) -> bool:
        return self.type == "system"


def in_good_standing(partner: Partner) -> bool:
    """Whether the partner may act on the exchange: approved, and not suspended since."""
    return partner.status == "active"


def refuse_unless_active(partner: Partner) -> Partner:
    """Refuse anything done for a pending or suspended partner; return the partner when it is active.

    The one rule every door meets: the pages and the API turn such a partner's people and
    clients away first, and the domain refuses their acts again whichever door they came by.
    """
    if in_good_standing(partner):
        return partner
    if partner.status == "pending":
        raise NotAllowed(
            phrase(
                "%(partner)s awaits approval; it cannot act on the exchange until then.", partner=partner.name
            )
        )
    raise NotAllowed(
        phrase(
            "%(partner)s is %(status)s; it cannot act on the exchange.",
            partner=partner.name,
            status=status_in_sentence(partner.status),
        )
    )


def acting_partner(session: Session, actor: Actor) -> Partner | None:
    """The partner the actor acts for, refused unless active; None for the platform acting for no one.

    The platform's own jobs (expiry, delivery receipts) act for no partner and are never refused,
    so a suspended partner's received handoffs still expire and their leads move on.
    """
    if actor.partner_id is None:
        return None
    # Usually in the identity map already: authenticating the caller loaded its partner.
    return refuse_unless_active(session.get_one(Partner, actor.partner_id))
