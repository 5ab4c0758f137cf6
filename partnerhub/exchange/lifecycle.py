"""The handoff state machine: every move a handoff makes, who may make it, and the reward it carries.

One function, `_step`, changes a handoff's status, creation included: it checks
the move against `MOVES`, stamps the step, bumps the version, writes exactly one
HandoffEvent, queues the webhook for the other side and counts the move into
the rollups. Everything else here decides whether a move is allowed first, so a
refused move changes nothing.

Who confirms the reward (DESIGN.md: "the side that pays and the side that is
paid"): the sender, who is owed the reward, invoices it; the receiver, who
pays, confirms the payment; the sender confirms it paid its own rep.
"""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import ColumnElement, Select, insert, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from partnerhub.core import outbox
from partnerhub.core.actors import Actor, acting_partner
from partnerhub.core.db import insert_now, of_partner, utcnow
from partnerhub.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from partnerhub.core.handoff_payload import handoff_payload
from partnerhub.core.i18n import N_, Money, Phrase, phrase
from partnerhub.core.validation import in_whole_cents
from partnerhub.core.words import status_in_sentence
from partnerhub.customers import lists as customers
from partnerhub.exchange import follow_ups, rollups, search_keys
from partnerhub.models import Handoff, HandoffEvent, Lead, Partner, Partnership, PartnershipTerms, ProductLine
from partnerhub.models.handoff import AWAITING_ACCEPTANCE
from partnerhub.people import assignment

SENDER, RECEIVER, SYSTEM = "sender", "receiver", "system"

# from status -> {to status: the sides that may make the move}; exactly the diagram of DESIGN.md.
MOVES: dict[str | None, dict[str, frozenset[str]]] = {
    None: {"sent": frozenset({SENDER, SYSTEM})},
    "sent": {
        "delivered": frozenset({RECEIVER, SYSTEM}),
        "declined": frozenset({RECEIVER}),
        "expired": frozenset({SYSTEM}),
        "recalled": frozenset({SENDER, SYSTEM}),
    },
    "delivered": {
        "accepted": frozenset({RECEIVER}),
        "declined": frozenset({RECEIVER}),
        "expired": frozenset({SYSTEM}),
        "recalled": frozenset({SENDER, SYSTEM}),
    },
    "accepted": {"contacted": frozenset({RECEIVER}), "lost": frozenset({RECEIVER})},
    "contacted": {"won": frozenset({RECEIVER}), "lost": frozenset({RECEIVER})},
    "won": {"reward_invoiced": frozenset({SENDER})},
    "reward_invoiced": {"reward_paid": frozenset({RECEIVER})},
    "reward_paid": {"rep_paid": frozenset({SENDER})},
}
WON_STATUSES = ("won", "reward_invoiced", "reward_paid", "rep_paid")
NEEDS_REASON = ("lost", "declined")
REASON_REQUIRED = {
    "lost": N_("required to mark a handoff lost"),
    "declined": N_("required to mark a handoff declined"),
}
# Who may make a move, each a whole sentence: the languages do not name sides alike.
ONLY_SIDES = {
    "receiver": N_("Only the receiver can move this handoff to %(to)s."),
    "sender": N_("Only the sender can move this handoff to %(to)s."),
    "system": N_("Only the system can move this handoff to %(to)s."),
    "receiver or system": N_("Only the receiver or system can move this handoff to %(to)s."),
    "sender or system": N_("Only the sender or system can move this handoff to %(to)s."),
}
# The moves a receiver makes on a handoff it has plainly got: a "sent" one is delivered first.
TAKES_DELIVERY = ("accepted", "declined")
CENT = Decimal("0.01")


def _largest(column) -> Decimal:
    # The most a NUMERIC(precision, scale) column holds: PostgreSQL would refuse more, SQLite store it.
    digits, scale = column.type.precision, column.type.scale
    return Decimal(10) ** (digits - scale) - Decimal(1).scaleb(-scale)


MAX_DEAL_VALUE = _largest(Handoff.__table__.c.deal_value)
_RECORD_EVENT = insert(HandoffEvent.__table__)


def allowed_moves(status: str | None) -> dict[str, frozenset[str]]:
    """The moves the diagram allows from `status`, with the sides allowed to make each."""
    return MOVES.get(status, {})


def moves_for(status: str | None, side: str | None) -> list[str]:
    """The moves `side` may make from `status`, in the diagram's order."""
    return [to for to, sides in allowed_moves(status).items() if side in sides]


def side_of(handoff: Handoff, actor: Actor) -> str | None:
    """Which side of the handoff the actor stands on; None when it is no party to it."""
    if actor.is_system:
        return SYSTEM
    if actor.partner_id == handoff.from_partner_id:
        return SENDER
    if actor.partner_id == handoff.to_partner_id:
        return RECEIVER
    return None


def reward_for(
    *, deal_value: Decimal, reward_type: str, reward_value: Decimal, rep_share_percent: Decimal
) -> tuple[Decimal, Decimal]:
    """The company's reward and the rep's share of it, rounded half-up to the cent."""
    reward = deal_value * reward_value / 100 if reward_type == "percent" else reward_value
    reward = reward.quantize(CENT, rounding=ROUND_HALF_UP)
    share = (reward * rep_share_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return reward, share


# --- reading -------------------------------------------------------------------


def handoffs_of(partner_id: int, *, direction: str | None = None, status: str | None = None) -> Select:
    """Handoffs the partner sends ("outgoing"), receives ("incoming"), or both."""
    return of_partner(Handoff, partner_id, direction=direction, status=status)


def get_handoff(session: Session, *, partner_id: int, handoff_id: int) -> Handoff:
    """A handoff the partner sends or receives; any other is not found."""
    handoff = session.get(Handoff, handoff_id)
    if handoff is None or partner_id not in (handoff.from_partner_id, handoff.to_partner_id):
        raise NotFound(phrase("No handoff %(id)s.", id=str(handoff_id)))
    return handoff


def lead_withheld(handoff: Handoff, *, partner_id: int | None) -> bool:
    """Whether `partner_id` no longer sees who the lead is: the receiver of a recalled handoff.

    It still sees that the handoff existed and was recalled; the buyer's contact, need and the
    warm-up note written about them went back with the lead.
    """
    return handoff.status == "recalled" and partner_id == handoff.to_partner_id


def withheld_from(partner_id: int) -> ColumnElement[bool]:
    """`lead_withheld` as a condition on handoffs: those whose lead `partner_id` no longer sees."""
    return (Handoff.status == "recalled") & (Handoff.to_partner_id == partner_id)


# --- moving --------------------------------------------------------------------


def terms_of(session: Session, handoff: Handoff) -> Partnership | PartnershipTerms:
    """The terms the handoff was made under: its partnership's, unless they were amended since it was sent."""
    partnership = handoff.partnership
    version = handoff.terms_version or 1
    if version == partnership.terms_version:
        return partnership
    kept = session.scalar(
        select(PartnershipTerms).where(
            PartnershipTerms.partnership_id == partnership.id, PartnershipTerms.version == version
        )
    )
    return kept or partnership


def open_handoff(
    session: Session,
    *,
    lead: Lead,
    partnership: Partnership,
    to_partner: Partner,
    product_line: ProductLine | None,
    warmup_note: str,
    actor: Actor,
    listening: list[int],
    score_total: float | None = None,
    score_parts: dict | None = None,
    runners_up: list[dict] | None = None,
    now: datetime | None = None,
) -> Handoff:
    """Create the handoff of `lead` to `to_partner` in status "sent", with its SLA clock started.

    `listening` are the receiver's endpoints for "handoff.created" (`outbox.subscribed`), read
    by the caller with its other reads: every read comes before the first write, so on SQLite
    the request holds the write lock only while it writes. A lead not written yet (intake's)
    is written here, just before its handoff.
    """
    now = now or utcnow()
    # Read with the others, before the first write.
    assignee_id = assignment.next_rep(session, to_partner.id)
    if inspect(lead).transient:
        insert_now(session, lead)
    handoff = Handoff(
        lead_id=lead.id,
        from_partner_id=lead.partner_id,
        to_partner_id=to_partner.id,
        partnership_id=partnership.id,
        product_line_id=product_line.id if product_line else None,
        passed_by_user_id=actor.user_id,
        assignee_id=assignee_id,
        assigned_at=now if assignee_id is not None else None,
        warmup_note=warmup_note,
        currency=partnership.currency,
        terms_version=partnership.terms_version,
        sla_due_at=now + timedelta(hours=partnership.accept_sla_hours),
        score_total=score_total,
        score_parts=score_parts or {},
        runners_up=runners_up or [],
        status=None,
    )
    # Known already: the webhook's payload and the response read them without a query.
    set_committed_value(handoff, "lead", lead)
    set_committed_value(handoff, "partnership", partnership)
    set_committed_value(handoff, "to_partner", to_partner)
    set_committed_value(handoff, "product_line", product_line)
    set_committed_value(handoff, "referrals", [])
    _step(session, handoff, to="sent", actor=actor, note="", now=now, listening=listening)
    search_keys.keep(session, handoff, lead)
    assignment.given(session, handoff, now)
    if "handoffs" in inspect(lead).dict:
        set_committed_value(lead, "handoffs", [*lead.handoffs, handoff])
    return handoff


def apply_move(
    session: Session,
    *,
    handoff: Handoff,
    to: str,
    actor: Actor,
    note: str = "",
    deal_value: Decimal | None = None,
    currency: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> Handoff:
    """Move the handoff to `to` for `actor`, or refuse without changing anything.

    The row is locked first, so of two requests moving the same handoff at the
    same time the second sees the first one's result and is judged on it.
    Whoever acts on a handoff has it: a receiver accepting or declining one still
    "sent" (its system read it before acknowledging the webhook) has it delivered first.
    A recalled handoff leaves its lead unrouted; a declined one leaves it for routing, which
    `rerouting.move_handoff`, the door every caller uses, does at once.
    """
    now = now or utcnow()
    session.refresh(handoff, with_for_update=True)
    side = side_of(handoff, actor)
    if side is None:
        raise NotFound(phrase("No handoff %(id)s.", id=str(handoff.id)))
    acting_partner(session, actor)
    received = handoff.status == "sent" and side == RECEIVER and to in TAKES_DELIVERY
    sides = allowed_moves("delivered" if received else handoff.status).get(to)
    if sides is None:
        raise Conflict(
            _cannot_become(handoff.status, to),
            current_status=handoff.status,
            # What the caller can do instead: a receiver's system learns that "sent" goes to
            # "delivered" before "accepted".
            allowed=moves_for(handoff.status, side),
        )
    if side not in sides:
        only = ONLY_SIDES[" or ".join(sorted(sides))]
        raise NotAllowed(phrase(only, to=status_in_sentence(to)))
    _check_what_the_move_needs(handoff, to, deal_value=deal_value, currency=currency, reason=reason, now=now)

    if to == "won":
        assert deal_value is not None, "refused above"
        terms = terms_of(session, handoff)
        handoff.deal_value = Decimal(deal_value).quantize(CENT)
        handoff.reward_amount, handoff.rep_share_amount = reward_for(
            deal_value=handoff.deal_value,
            reward_type=terms.reward_type,
            reward_value=terms.reward_value,
            rep_share_percent=terms.rep_share_percent,
        )
    if received:
        _step(session, handoff, to="delivered", actor=actor, note="The receiver acted on it.", now=now)
    if to in NEEDS_REASON:
        handoff.reason = (reason or "").strip()
    if to == "declined" and handoff.reason == customers.EXISTING_CUSTOMER:
        handoff.customer_claim = customers.check_claim(session, handoff=handoff)
    _step(session, handoff, to=to, actor=actor, note=note or (reason or ""), now=now)
    if to == "won":
        follow_ups.schedule_follow_ups(session, handoff=handoff, days=terms.follow_up_days, now=now)
    if to == "recalled":
        # A lead is routed only while a handoff holds it: a recalled one waits for its sender.
        handoff.lead.status = "unrouted"
        handoff.lead.keep_reasons([phrase("Recalled from %(partner)s.", partner=handoff.to_partner.name)])
        search_keys.forget_for_receiver(session, handoff)
        session.flush()
    return handoff


def _check_what_the_move_needs(
    handoff: Handoff,
    to: str,
    *,
    deal_value: Decimal | None,
    currency: str | None,
    reason: str | None,
    now: datetime,
) -> None:
    """Refuse a move whose time has not come or that lacks what it records (a deal value, a reason)."""
    if to == "expired" and (handoff.sla_due_at is None or now < handoff.sla_due_at):
        raise Conflict(N_("The handoff is still within its acceptance time."), current_status=handoff.status)
    if to == "won" and deal_value is None:
        raise InvalidInput({"deal_value": [N_("required to mark a handoff won")]})
    if to == "won" and not _a_deal_value(deal_value):
        raise InvalidInput(
            {
                "deal_value.amount": [
                    phrase(
                        "must be an amount over 0 up to %(most)s, in whole cents",
                        most=Money(MAX_DEAL_VALUE, handoff.currency),
                    )
                ]
            }
        )
    if to == "won" and currency is not None and currency != handoff.currency:
        raise InvalidInput(
            {
                "deal_value.currency": [
                    phrase("this partnership settles in %(currency)s", currency=handoff.currency)
                ]
            }
        )
    if to in NEEDS_REASON and not (reason or "").strip():
        raise InvalidInput({"reason": [REASON_REQUIRED[to]]})


def _cannot_become(status: str, to: str) -> Phrase:
    return phrase(
        "A %(status)s handoff cannot become %(to)s.",
        status=status_in_sentence(status),
        to=status_in_sentence(to),
    )


def _a_deal_value(value) -> bool:
    # A won deal is worth something: 0 would pay a fixed reward on nothing sold.
    amount = Decimal(value)
    return in_whole_cents(amount) and 0 < amount <= MAX_DEAL_VALUE


def confirm_delivery(session: Session, *, handoff_id: int, now: datetime | None = None) -> Handoff | None:
    """Mark a sent handoff delivered: the receiver's system acknowledged its webhook.

    The first link of the chain of doubt. A handoff the receiver already moved
    on (or the sender recalled) stays as it is; so does a replayed acknowledgement.
    """
    handoff = session.get(Handoff, handoff_id, with_for_update=True)
    if handoff is None or handoff.status != "sent":
        return None
    note = "The partner's system acknowledged the webhook."
    return apply_move(session, handoff=handoff, to="delivered", actor=Actor.system(), note=note, now=now)


def _step(
    session: Session,
    handoff: Handoff,
    *,
    to: str,
    actor: Actor,
    note: str,
    now: datetime,
    listening: list[int] | None = None,
) -> None:
    from_status = handoff.status
    if to not in allowed_moves(from_status):
        raise Conflict(_cannot_become(from_status, to), current_status=from_status)
    handoff.status = to
    setattr(handoff, f"{to}_at", now)
    handoff.version = 1 if from_status is None else handoff.version + 1
    # A new handoff's row is written at once (its event and webhooks need its id), a move's with
    # whatever else the request changed. The event is a plain row: nothing reads it back.
    if from_status is None:
        insert_now(session, handoff)
    else:
        session.flush()
    session.connection().execute(
        _RECORD_EVENT,
        {
            "handoff_id": handoff.id,
            "at": now,
            "actor_type": actor.type,
            "actor_user_id": actor.user_id,
            "actor_client_id": actor.client_id,
            "from_status": from_status,
            "to_status": to,
            "note": note,
            "version": handoff.version,
        },
    )
    # Read again when asked for: the history now has one more row than any loaded before.
    session.expire(handoff, ["events"])
    if from_status is None:
        outbox.emit(
            session,
            partner_id=handoff.to_partner_id,
            event_type="handoff.created",
            data=handoff_payload(handoff, with_contact=True),
            occurred_at=now,
            endpoint_ids=listening,
        )
    else:
        for partner_id in _listeners(handoff, actor):
            outbox.emit(
                session,
                partner_id=partner_id,
                event_type="handoff.updated",
                data=handoff_payload(handoff),
                occurred_at=now,
            )
    rollups.record_move(session, handoff=handoff, from_status=from_status, to_status=to, at=now)


def _listeners(handoff: Handoff, actor: Actor) -> list[int]:
    """The sides that did not make the move; a move by the platform concerns both."""
    return [
        partner_id
        for partner_id in (handoff.from_partner_id, handoff.to_partner_id)
        if partner_id != actor.partner_id or actor.is_system
    ]


def overdue_handoffs(session: Session, *, now: datetime) -> list[Handoff]:
    """The handoffs not accepted by their SLA time, locked; another worker's are skipped."""
    return list(
        session.scalars(
            select(Handoff)
            .where(Handoff.status.in_(AWAITING_ACCEPTANCE), Handoff.sla_due_at <= now)
            .order_by(Handoff.id)
            .with_for_update(skip_locked=True)
        )
    )


def expire(session: Session, *, handoff: Handoff, now: datetime) -> None:
    """Expire an overdue handoff (`overdue_handoffs`); its lead is left for routing."""
    _step(session, handoff, to="expired", actor=Actor.system(), note="No answer within the SLA.", now=now)
