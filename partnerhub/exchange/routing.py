"""Routing: which partner receives a lead, and why (DESIGN.md "Routing").

Facts about each candidate are gathered from the database into plain
`Candidate` values; `exclusion`, `score` and `decide` are pure functions over
them, so every decision can be replayed and explained without a database.
"""

import functools
import heapq
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BindParameter, String, and_, bindparam, case, cast, func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from partnerhub.core import outbox
from partnerhub.core.actors import Actor, acting_partner
from partnerhub.core.db import adopt, built_once, columns_of, utcnow
from partnerhub.core.errors import Conflict, NotFound
from partnerhub.core.i18n import N_, Phrase, phrase
from partnerhub.customers import lists as customers
from partnerhub.exchange import lifecycle, rollups
from partnerhub.exchange.warmup import warmup_note
from partnerhub.models import (
    Complement,
    Handoff,
    HandoffRollup,
    Lead,
    Partner,
    Partnership,
    ProductLine,
    User,
    WebhookEndpoint,
)
from partnerhub.models.handoff import RELEASED_STATUSES

# The parts of the score and what each weighs; the parts of a score add up to its total.
WEIGHTS = {
    "category_fit": 0.35,
    "conversion": 0.20,
    "acceptance_speed": 0.10,
    "reciprocity": 0.15,
    "load": 0.10,
    "size_similarity": 0.10,
}
# A complementary line at full complement weight fits this well; an exact line fits 1.
COMPLEMENT_FIT = 0.6
# Conversion is smoothed towards PRIOR_CONVERSION as if PRIOR_DEALS deals had been decided,
# so a partner with no history starts at a fair rate instead of zero (not starved).
PRIOR_CONVERSION = 0.3
PRIOR_DEALS = 5
# Hours to accept at which the speed part is one half; no history scores one half too.
HALF_SPEED_HOURS = 24.0
OPEN_PER_REP_LIMIT = 15
CONFLICT_DAYS = 90
# The conflict another sender's lead causes, said without whose lead, which partner holds it or
# since when: the sender would otherwise learn who works a buyer it never handed over.
WORKED_ELSEWHERE = N_("the contact is already being worked by a partner")
# A candidate whose private customer list holds the lead's contact (partnerhub/customers/lists.py). The sender
# hears that someone was passed over, never who: the list is the candidate's secret.
PASSED_OVER = N_("a partner was passed over for an existing relationship with the contact")
NO_FITTING_LINE = N_("no active partnership with a line fitting its need and region")
# Reasons said without the candidate they concern, each also as a lead's reason says it on its own.
_UNNAMED = (WORKED_ELSEWHERE, PASSED_OVER)
_UNNAMED_SENTENCES = {
    WORKED_ELSEWHERE: N_("The contact is already being worked by a partner"),
    PASSED_OVER: N_("A partner was passed over for an existing relationship with the contact"),
}
HISTORY_DAYS = 90
RUNNERS_UP = 5


@dataclass(slots=True)
class Candidate:
    """What routing knows about one partner that could receive the lead, as plain values.

    Not frozen: a frozen dataclass sets each field through object.__setattr__, which made
    building a thousand of them cost more than deciding between them.
    """

    partner_id: int
    partner_name: str
    partnership_id: int
    line_id: int
    line_name: str = ""
    exact: bool = True
    complement_weight: float = 1.0
    won: int = 0
    decided: int = 0
    accept_hours: float | None = None
    sent_back: int = 0
    received: int = 0
    open_handoffs: int = 0
    sales_reps: int = 1
    # The reps on the platform who take new handoffs (active, not away); None when the partner has
    # no active rep there at all, and the sales reps it declares carry its load instead.
    working_reps: int | None = None
    monthly_leads: int = 0
    sender_sales_reps: int = 1
    sender_monthly_leads: int = 0
    held_before: bool = False
    # The day the sender itself last handed the same contact to this candidate.
    conflict_on: str | None = None
    # Another sender handed the same contact to this candidate.
    worked_elsewhere: bool = False
    # The candidate's customer list holds the lead's email, phone or company domain.
    existing_customer: bool = False
    monthly_cap: int | None = None
    sent_this_month: int = 0


@dataclass(frozen=True, slots=True)
class Score:
    total: float
    parts: dict[str, float]


@dataclass(frozen=True, slots=True)
class Ranked:
    candidate: Candidate
    total: float
    per_rep_limit: int = OPEN_PER_REP_LIMIT

    @property
    def score(self) -> Score:
        return score(self.candidate, per_rep_limit=self.per_rep_limit)


class Decision:
    """Who may receive the lead, best first, and who may not with the reason.

    `leaders` (the winner and the runners-up) is ranked when the decision is made;
    the full `ranked` list is sorted only if someone asks for it.
    """

    def __init__(
        self,
        leaders: list[Ranked],
        eligible: list[Candidate],
        excluded: list[tuple[Candidate, Phrase | str]],
        per_rep_limit: int,
    ):
        self.leaders = leaders
        self.excluded = excluded
        self._eligible = eligible
        self._per_rep_limit = per_rep_limit
        self._ranked: list[Ranked] | None = None

    @property
    def winner(self) -> Ranked | None:
        return self.leaders[0] if self.leaders else None

    @property
    def told(self) -> list[tuple[Candidate | None, Phrase | str]]:
        """The exclusions as the sender may hear them: a candidate that holds another sender's
        lead with the contact, or has it as a customer, is not named (None), and the reason is said once."""
        told: dict[tuple[int | None, str], tuple[Candidate | None, Phrase | str]] = {}
        for c, why in self.excluded:
            shown = None if why in _UNNAMED else c
            told.setdefault((shown.partner_id if shown else None, str(why)), (shown, why))
        return list(told.values())

    @property
    def ranked(self) -> list[Ranked]:
        if self._ranked is None:
            limit = self._per_rep_limit
            self._ranked = sorted(
                (Ranked(c, _total(c, limit), limit) for c in self._eligible),
                key=lambda r: (-r.total, r.candidate.partner_id),
            )
        return self._ranked


def _similarity(a: float, b: float) -> float:
    if a <= 0 and b <= 0:
        return 1.0
    return min(a, b) / max(a, b)


def _capacity_reps(c: Candidate) -> int:
    return c.sales_reps if c.working_reps is None else c.working_reps


def exclusion(c: Candidate, *, per_rep_limit: int = OPEN_PER_REP_LIMIT) -> Phrase | str | None:
    """Why the candidate may not receive the lead at all, or None: a Phrase, or a marked message."""
    if c.held_before:
        return N_("already held this lead")
    if c.conflict_on:
        return phrase(
            "conflict: the same contact was handed to %(partner)s on %(day)s (within %(days)s days)",
            partner=c.partner_name,
            # As the routing read it: an ISO date, the same in every language.
            day=c.conflict_on,
            days=CONFLICT_DAYS,
        )
    if c.worked_elsewhere:
        return WORKED_ELSEWHERE
    if c.existing_customer:
        return PASSED_OVER
    if c.monthly_cap is not None and c.sent_this_month >= c.monthly_cap:
        return phrase("at its monthly cap of %(cap)s leads", cap=c.monthly_cap)
    reps = _capacity_reps(c)
    if c.open_handoffs + 1 > max(reps, 1) * per_rep_limit:
        return phrase(
            "over capacity: %(open)s open handoffs for %(reps)s sales reps (limit %(limit)s per rep)",
            open=c.open_handoffs,
            reps=reps,
            limit=per_rep_limit,
        )
    return None


def _values(c: Candidate, per_rep_limit: int) -> tuple[float, ...]:
    """The six parts before weighting, in the order of WEIGHTS."""
    return (
        1.0 if c.exact else COMPLEMENT_FIT * c.complement_weight,
        (c.won + PRIOR_CONVERSION * PRIOR_DEALS) / (c.decided + PRIOR_DEALS),
        0.5 if c.accept_hours is None else 1 / (1 + max(c.accept_hours, 0) / HALF_SPEED_HOURS),
        # Laplace-smoothed share of the exchange that flows back to the sender.
        (c.sent_back + 1) / (c.sent_back + c.received + 2),
        1 - min(1.0, c.open_handoffs / (max(_capacity_reps(c), 1) * per_rep_limit)),
        (
            _similarity(c.sales_reps, c.sender_sales_reps)
            + _similarity(c.monthly_leads, c.sender_monthly_leads)
        )
        / 2,
    )


_WEIGHTED = tuple(WEIGHTS.items())


def score(c: Candidate, *, per_rep_limit: int = OPEN_PER_REP_LIMIT) -> Score:
    """Score a candidate between 0 and 1, keeping each weighted part."""
    parts = {
        name: round(weight * value, 6)
        for (name, weight), value in zip(_WEIGHTED, _values(c, per_rep_limit), strict=True)
    }
    return Score(total=round(sum(parts.values()), 6), parts=parts)


def _total(c: Candidate, per_rep_limit: int) -> float:
    # The same sum as score() without building the parts: ranking a thousand candidates stays cheap.
    return round(
        sum(round(w * v, 6) for (_, w), v in zip(_WEIGHTED, _values(c, per_rep_limit), strict=True)), 6
    )


# Each weighted part is rounded to 1e-6 and so is the sum: an unrounded total is within this of the score.
_ROUNDING_SLACK = 4e-6
LEADERS = RUNNERS_UP + 1


def _quick_total(c: Candidate, per_rep_limit: int) -> float:
    # _values and the weights inlined, unrounded: a thousand candidates cost about a millisecond.
    reps, sender_reps = c.sales_reps, c.sender_sales_reps
    leads, sender_leads = c.monthly_leads, c.sender_monthly_leads
    working = reps if c.working_reps is None else c.working_reps
    capacity = (working if working > 1 else 1) * per_rep_limit
    load = c.open_handoffs / capacity
    hours = c.accept_hours
    return (
        _W_FIT * (1.0 if c.exact else COMPLEMENT_FIT * c.complement_weight)
        + _W_CONVERSION * (c.won + PRIOR_CONVERSION * PRIOR_DEALS) / (c.decided + PRIOR_DEALS)
        + _W_SPEED * (0.5 if hours is None else 1 / (1 + (hours if hours > 0 else 0) / HALF_SPEED_HOURS))
        + _W_RECIPROCITY * (c.sent_back + 1) / (c.sent_back + c.received + 2)
        + _W_LOAD * (1 - (load if load < 1.0 else 1.0))
        + _W_SIZE
        * (
            (
                1.0
                if reps <= 0 and sender_reps <= 0
                else (reps / sender_reps if reps < sender_reps else sender_reps / reps)
            )
            + (
                1.0
                if leads <= 0 and sender_leads <= 0
                else (leads / sender_leads if leads < sender_leads else sender_leads / leads)
            )
        )
        / 2
    )


_W_FIT, _W_CONVERSION, _W_SPEED, _W_RECIPROCITY, _W_LOAD, _W_SIZE = WEIGHTS.values()


def decide(candidates: list[Candidate], *, per_rep_limit: int = OPEN_PER_REP_LIMIT) -> Decision:
    """Exclude who may not receive the lead and rank the rest; ties go to the lower partner id.

    Everyone gets a quick unrounded total; only those within rounding of the
    leaders get the exact score, so the leaders are exactly what ranking
    everyone by `score` would put first.
    """
    reasons = [exclusion(c, per_rep_limit=per_rep_limit) for c in candidates]
    excluded = sorted(
        ((c, why) for c, why in zip(candidates, reasons, strict=True) if why is not None),
        key=lambda e: e[0].partner_id,
    )
    eligible = [c for c, why in zip(candidates, reasons, strict=True) if why is None]
    quick = [_quick_total(c, per_rep_limit) for c in eligible]
    if len(eligible) > LEADERS:
        bar = heapq.nlargest(LEADERS, quick)[-1] - 2 * _ROUNDING_SLACK
        shortlist = [c for c, total in zip(eligible, quick, strict=True) if total >= bar]
    else:
        shortlist = eligible
    leaders = sorted(
        (Ranked(c, _total(c, per_rep_limit), per_rep_limit) for c in shortlist),
        key=lambda r: (-r.total, r.candidate.partner_id),
    )[:LEADERS]
    return Decision(leaders, eligible, excluded, per_rep_limit)


# --- facts from the database ---------------------------------------------------


def serves(regions: Sequence[str], region: str | None) -> bool:
    """A line serving "DE" serves "DE-BE"; declaring no region means serving everywhere."""
    if not regions or not region:
        return True
    return any(region == r or region.startswith(r + "-") for r in regions)


def _partnered():
    """The sender's (bindparam `sender_id`) active partnerships as rows (partnership_id, cap, other_id).

    One indexed branch per side, rather than joining on "the other side" as an
    expression, which no index serves and made the join a scan of every line.
    """
    columns = (Partnership.id.label("partnership_id"), Partnership.monthly_cap.label("cap"))
    sender_id = bindparam("sender_id")
    return union_all(
        select(*columns, Partnership.responder_id.label("other_id")).where(
            Partnership.status == "active", Partnership.proposer_id == sender_id
        ),
        select(*columns, Partnership.proposer_id.label("other_id")).where(
            Partnership.status == "active", Partnership.responder_id == sender_id
        ),
    ).cte("partnered")


@built_once
def _candidate_rows(dialect: str):
    """Every line of the sender's partners in the need's category or a complementary one, with
    what routing weighs about its partner and partnership, and its last lead of the same
    contact: one round trip for all of it."""
    partnered = _partnered()
    record, exchange = _receiver_record(dialect, partnered), _exchange(dialect, partnered)
    same_contact = _same_contact()
    complement = Complement.__table__.alias("complement")
    need_id: BindParameter[int] = bindparam("need_id")
    # Plain rows, not ORM objects: at a thousand partnerships, loading entities dominates.
    return (
        select(
            partnered.c.partnership_id,
            partnered.c.cap,
            ProductLine.id.label("line_id"),
            ProductLine.name.label("line_name"),
            ProductLine.category_id,
            # As text, parsed once per distinct value (`_regions`), not once per row.
            cast(ProductLine.regions, String).label("line_regions"),
            Partner.id.label("partner_id"),
            Partner.name,
            cast(Partner.regions, String).label("regions"),
            Partner.sales_reps,
            Partner.monthly_leads,
            complement.c.weight.label("complement_weight"),
            record.c.open,
            record.c.decided,
            record.c.won,
            record.c.accept_seconds,
            record.c.accepted,
            exchange.c.received,
            exchange.c.sent_back,
            exchange.c.this_month,
            same_contact.c.conflict_at,
            same_contact.c.own_conflict_at,
        )
        .join(ProductLine, ProductLine.partner_id == partnered.c.other_id)
        .join(Partner, Partner.id == ProductLine.partner_id)
        .outerjoin(
            complement,
            and_(complement.c.category_id == need_id, complement.c.complement_id == ProductLine.category_id),
        )
        .outerjoin(record, record.c.partner_id == Partner.id)
        .outerjoin(exchange, exchange.c.partnership_id == partnered.c.partnership_id)
        .outerjoin(same_contact, same_contact.c.partner_id == Partner.id)
        .where(
            Partner.status == "active",
            ProductLine.archived_at.is_(None),
            or_(ProductLine.category_id == need_id, complement.c.complement_id.is_not(None)),
        )
        .order_by(ProductLine.id)
    )


def candidates_for(session: Session, *, lead: Lead, now: datetime) -> list[Candidate]:
    """Every partner with an active partnership with the sender and a line fitting the lead's need."""
    sender = lead.partner
    history_start = _history_start(now)
    month_start = now.date().replace(day=1)
    # On the session's connection, as plain Core rows: the ORM's result handling is not needed.
    # That skips autoflush too, so anything pending (an earlier handoff, its counts) is written first.
    session.flush()
    rollups.write_pending(session)
    rows = (
        session.connection()
        .execute(
            _candidate_rows(session),
            {
                "sender_id": sender.id,
                "need_id": lead.need_category_id,
                "since_day": history_start,
                "month_start": month_start,
                "earliest": min(history_start, month_start),
                "email": lead.contact_email_norm,
                "phone": lead.contact_phone_norm,
                # A lead not written yet has no id; 0 is none.
                "lead_id": lead.id or 0,
                "conflict_since": now - timedelta(days=CONFLICT_DAYS),
            },
        )
        .all()
    )
    best: dict[int, tuple] = {}
    for row in rows:
        if not serves(_regions(row.line_regions) or _regions(row.regions), lead.region):
            continue
        exact = row.category_id == lead.need_category_id
        rank = (exact, 1.0 if exact else row.complement_weight)
        if row.partner_id not in best or rank > best[row.partner_id][0]:
            best[row.partner_id] = (rank, row)
    if not best:
        return []
    held = {h.to_partner_id for h in lead.handoffs}
    team = _working_reps(session, list(best))
    contact = customers.contact_digests(
        email=lead.contact_email,
        phone=lead.contact_phone,
        country=customers.lead_country(lead.region, sender),
    )
    customer_of = customers.partners_listing(session, digests=contact)
    sender_sales_reps, sender_monthly_leads = sender.sales_reps, sender.monthly_leads
    return [
        Candidate(
            partner_id=partner_id,
            partner_name=row.name,
            partnership_id=row.partnership_id,
            line_id=row.line_id,
            line_name=row.line_name,
            exact=exact,
            complement_weight=weight,
            won=int(row.won or 0),
            decided=int(row.decided or 0),
            accept_hours=float(row.accept_seconds) / row.accepted / 3600 if row.accepted else None,
            sent_back=int(row.sent_back or 0),
            received=int(row.received or 0),
            open_handoffs=int(row.open or 0),
            sales_reps=row.sales_reps,
            working_reps=team.get(partner_id),
            monthly_leads=row.monthly_leads,
            sender_sales_reps=sender_sales_reps,
            sender_monthly_leads=sender_monthly_leads,
            held_before=partner_id in held,
            conflict_on=_day(row.own_conflict_at) if row.own_conflict_at is not None else None,
            worked_elsewhere=row.conflict_at is not None,
            existing_customer=partner_id in customer_of,
            monthly_cap=row.cap,
            sent_this_month=int(row.this_month or 0),
        )
        for partner_id, ((exact, weight), row) in sorted(best.items())
    ]


@functools.lru_cache(maxsize=4096)
def _regions(stored: str | None) -> tuple[str, ...]:
    # Most lines and partners share a handful of region lists: each is parsed once.
    return tuple(json.loads(stored)) if stored else ()


def _history_start(now: datetime):
    # Rollups count by the UTC day a handoff was sent: the window starts at the start of a day.
    return (now - timedelta(days=HISTORY_DAYS)).date()


def _among(dialect: str, column, ids):
    """`column IN ids`, which PostgreSQL reads best as `= ANY(ARRAY(...))`: an index scan per id
    instead of hashing the whole (small, but growing with the platform) table."""
    if dialect == "postgresql":
        return column == func.any(func.array(ids.scalar_subquery()))
    return column.in_(ids)


def _short(model, name: str):
    # The rollups are named some thirty times in the candidates query. Aliased short, the query
    # stays within the 4,096 characters psycopg caches its conversion for; above, it parsed the
    # whole text again for every lead routed.
    return aliased(model, name=name)


def _receiver_record(dialect: str, partnered):
    """Per partner the sender is partnered with, from the rollups: the handoffs it holds open now,
    won and decided (won or lost) so far, and the seconds to accept summed over those sent
    since `since_day`.

    Every handoff ends in exactly one of the exits or in won, and the rollups count each
    step ever reached, so open is sent less those. The rollups keep one row per
    partnership, direction and day: this reads a bounded number of rows however many
    handoffs a busy partner has received.
    """
    r = _short(HandoffRollup, "r")
    recent = r.day >= bindparam("since_day")
    still_open = r.sent - r.won
    for end in rollups.EXITS:
        still_open = still_open - getattr(r, end)
    return (
        select(
            r.to_partner_id.label("partner_id"),
            func.sum(still_open).label("open"),
            func.sum(r.won + r.lost).label("decided"),
            func.sum(r.won).label("won"),
            func.sum(case((recent, r.accept_seconds), else_=0)).label("accept_seconds"),
            func.sum(case((recent, r.accepted), else_=0)).label("accepted"),
        )
        .where(_among(dialect, r.to_partner_id, select(partnered.c.other_id)))
        .group_by(r.to_partner_id)
        .subquery("receiver_record")
    )


_TEAM = (
    select(User.partner_id, func.sum(case((User.away.is_(False), 1), else_=0)).label("here"))
    .where(User.partner_id.in_(bindparam("partner_ids", expanding=True)), User.role == "rep", User.active)
    .group_by(User.partner_id)
)


def _working_reps(session: Session, partner_ids: list[int]) -> dict[int, int]:
    """Per partner with an active rep on the platform: how many of its active reps are not away.
    Asked apart from the candidates: inside, it made that statement too long for psycopg to cache."""
    rows = session.connection().execute(_TEAM, {"partner_ids": partner_ids})
    return {row.partner_id: int(row.here or 0) for row in rows}


def _exchange(dialect: str, partnered):
    """Per partnership, from the rollups: handoffs sent each way since `since_day`, and sent by
    the sender since `month_start` (its monthly cap)."""
    r = _short(HandoffRollup, "x")
    sender_id: BindParameter[int] = bindparam("sender_id")

    def sent(condition):
        return func.sum(case((condition, r.sent), else_=0))

    recent = r.day >= bindparam("since_day")
    return (
        select(
            r.partnership_id,
            sent(and_(recent, r.from_partner_id == sender_id)).label("received"),
            sent(and_(recent, r.from_partner_id != sender_id)).label("sent_back"),
            sent(and_(r.day >= bindparam("month_start"), r.from_partner_id == sender_id)).label("this_month"),
        )
        .where(
            _among(dialect, r.partnership_id, select(partnered.c.partnership_id)),
            r.day >= bindparam("earliest"),
        )
        .group_by(r.partnership_id)
        .subquery("exchange")
    )


def _same_contact():
    """Per partner, when it last received a lead with the lead's email or phone (binds `email`,
    `phone`: a NULL matches nothing) since `conflict_since`, and when from the sender itself
    (`sender_id`); the join to the candidates keeps the sender's partners.

    Found from the leads with that contact, by their indexes, then their handoffs by lead.
    Asked from the receivers' side instead, the database read every handoff a candidate had
    received (or, on PostgreSQL, every one sent in the last 90 days), once per lead routed.
    """

    def received(contact, value: str):
        return (
            select(Handoff.to_partner_id.label("partner_id"), Handoff.from_partner_id, Handoff.sent_at)
            .join(Lead, Lead.id == Handoff.lead_id)
            .where(
                contact == bindparam(value),
                Lead.id != bindparam("lead_id"),
                Handoff.sent_at >= bindparam("conflict_since"),
            )
        )

    both = union_all(received(Lead.contact_email_norm, "email"), received(Lead.contact_phone_norm, "phone"))
    both = both.subquery("with_contact")
    return (
        select(
            both.c.partner_id,
            func.max(both.c.sent_at).label("conflict_at"),
            func.max(case((both.c.from_partner_id == bindparam("sender_id"), both.c.sent_at))).label(
                "own_conflict_at"
            ),
        )
        .group_by(both.c.partner_id)
        .subquery("same_contact")
    )


def _day(at) -> str:
    # SQLite hands an aggregate back as text, PostgreSQL as a datetime.
    return at.date().isoformat() if isinstance(at, datetime) else str(at)[:10]


# --- deciding and handing over -------------------------------------------------


def _decide(session: Session, *, lead: Lead, now: datetime, new_lead: bool = False) -> Decision:
    # A lead not written yet is invisible to everyone else: nobody can route or hold it.
    if not new_lead:
        # The row lock makes two routings of one lead take turns; the second then finds the holder.
        session.refresh(lead, with_for_update=True)
        if lead.status == "not_qualified":
            raise Conflict(N_("This lead is not sales-qualified."), reasons=list(lead.reasons))
        holder = session.scalar(
            select(Handoff).where(Handoff.lead_id == lead.id, Handoff.status.not_in(RELEASED_STATUSES))
        )
        if holder is not None:
            raise Conflict(
                phrase("The lead is already held by %(partner)s.", partner=holder.to_partner.name),
                handoff_id=holder.id,
            )
    return decide(candidates_for(session, lead=lead, now=now))


def options_for(session: Session, *, lead: Lead, now: datetime | None = None) -> Decision:
    """Who could take the lead now, ranked, and who may not and why: the choices of a hand-off by hand."""
    return decide(candidates_for(session, lead=lead, now=now or utcnow()))


def unrouted_reasons(decision: Decision, lead: Lead) -> list[Phrase | str]:
    """Sentences saying why nobody received the lead."""
    if decision.excluded:
        return [
            phrase("%(partner)s: %(reason)s", partner=c.partner_name, reason=_phrase(why))
            if c
            else _UNNAMED_SENTENCES[str(why)]
            for c, why in decision.told
        ]
    need = lead.need_category.name if lead.need_category else phrase("its need")
    if lead.region:
        return [
            phrase(
                "No active partnership with a partner whose product line fits %(need)s in %(region)s.",
                need=need,
                region=lead.region,
            )
        ]
    return [phrase("No active partnership with a partner whose product line fits %(need)s.", need=need)]


def _phrase(why: Phrase | str) -> Phrase:
    return why if isinstance(why, Phrase) else Phrase(why)


def _said(reasons: list[Phrase | str]) -> list[str]:
    # A refusal's details go out as they are, in the API's English.
    return [str(reason) for reason in reasons]


def explain(decision: Decision, chosen: Ranked | None = None) -> list[dict]:
    """The runners-up with their scores, then everyone excluded with the reason."""
    chosen_id = chosen.candidate.partner_id if chosen is not None else None
    # The leaders hold the runners-up unless a partner chosen by hand is not among them.
    pool = decision.leaders if chosen is None or chosen in decision.leaders else decision.ranked
    others = [r for r in pool if r.candidate.partner_id != chosen_id][:RUNNERS_UP]
    return [
        {
            "partner_id": r.candidate.partner_id,
            "partner": r.candidate.partner_name,
            "total": r.score.total,
            "parts": r.score.parts,
        }
        for r in others
    ] + [
        {"partner_id": c.partner_id, "partner": c.partner_name, "excluded": str(why)}
        if c
        else {"excluded": str(why), **({"reason": customers.EXISTING_CUSTOMER} if why == PASSED_OVER else {})}
        for c, why in decision.told
    ]


def route_lead(
    session: Session, *, lead: Lead, actor: Actor, now: datetime | None = None, new_lead: bool = False
) -> Handoff | None:
    """Hand the lead to the best-fitting partner, or mark it unrouted with the reasons.

    `new_lead`: the lead is not written yet (this adds it), so there is nothing to lock or find held.
    """
    now = now or utcnow()
    decision = _decide(session, lead=lead, now=now, new_lead=new_lead)
    if decision.winner is None:
        session.add(lead)
        lead.status = "unrouted"
        lead.keep_reasons(unrouted_reasons(decision, lead))
        session.flush()
        outbox.emit(
            session,
            partner_id=lead.partner_id,
            event_type="lead.unrouted",
            data={
                "lead_id": lead.id,
                "external_id": lead.external_id,
                "status": lead.status,
                "reasons": lead.reasons,
            },
            occurred_at=now,
        )
        return None
    return _hand_to(
        session, lead=lead, decision=decision, chosen=decision.winner, actor=actor, note=None, now=now
    )


def hand_off_lead(
    session: Session,
    *,
    lead: Lead,
    actor: Actor,
    partner_id: int | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> Handoff:
    """Hand a lead off by hand, to `partner_id` or else the best partner; the warm-up is prefilled."""
    now = now or utcnow()
    if not actor.is_system and actor.partner_id != lead.partner_id:
        raise NotFound(phrase("No lead %(id)s.", id=str(lead.id)))
    acting_partner(session, actor)
    decision = _decide(session, lead=lead, now=now)
    if partner_id is None:
        chosen = decision.winner
        if chosen is None:
            raise Conflict(
                N_("No partner can take this lead."), reasons=_said(unrouted_reasons(decision, lead))
            )
    else:
        chosen = next((r for r in decision.ranked if r.candidate.partner_id == partner_id), None)
        if chosen is None:
            why = next((why for c, why in decision.excluded if c.partner_id == partner_id), None)
            if why == PASSED_OVER:
                # Said like this, the answer names no reason tied to the partner asked for: the sender
                # learns what the lead's own reasons say (someone was passed over), not who.
                raise Conflict(
                    phrase("Partner %(id)s cannot take this lead.", id=str(partner_id)),
                    reasons=_said(unrouted_reasons(decision, lead)),
                )
            raise Conflict(
                phrase(
                    "Partner %(id)s cannot take this lead: %(reason)s.",
                    id=str(partner_id),
                    reason=_phrase(
                        why or N_("no active partnership with a line fitting its need and region")
                    ),
                )
            )
    return _hand_to(session, lead=lead, decision=decision, chosen=chosen, actor=actor, note=note, now=now)


# The chosen line, partnership and receiver as a plain row (`db.adopt`), with one row per live
# webhook endpoint of the receiver.
_CHOSEN = (
    select(
        *columns_of(ProductLine, "line_"),
        *columns_of(Partnership, "partnership_"),
        *columns_of(Partner, "receiver_"),
        WebhookEndpoint.id.label("endpoint_id"),
        WebhookEndpoint.events.label("endpoint_events"),
    )
    .select_from(ProductLine)
    .join(Partnership, Partnership.id == bindparam("partnership_id"))
    .join(Partner, Partner.id == ProductLine.partner_id)
    .outerjoin(WebhookEndpoint, outbox.live_endpoint_of(Partner.id))
    .where(ProductLine.id == bindparam("line_id"))
    .order_by(WebhookEndpoint.id)
)


def _hand_to(
    session: Session,
    *,
    lead: Lead,
    decision: Decision,
    chosen: Ranked,
    actor: Actor,
    note: str | None,
    now: datetime,
) -> Handoff:
    c = chosen.candidate
    # One round trip for the rows the handoff needs and the endpoints its webhook goes to.
    rows = (
        session.connection()
        .execute(_CHOSEN, {"partnership_id": c.partnership_id, "line_id": c.line_id})
        .mappings()
        .all()
    )
    line = adopt(session, ProductLine, rows[0], "line_")
    partnership = adopt(session, Partnership, rows[0], "partnership_")
    receiver = adopt(session, Partner, rows[0], "receiver_")
    listening = outbox.subscribed(((r["endpoint_id"], r["endpoint_events"]) for r in rows), "handoff.created")
    if not (note or "").strip():
        assert lead.need_category is not None, "only a qualified lead, which names its need, is routed"
        note = warmup_note(
            script=line.warmup_script,
            line_name=line.name,
            need_category=lead.need_category.name,
            need_text=lead.need_text,
            contact_name=lead.contact_name,
            company=lead.contact_company,
        )
    # Set only now, after the last read: a new lead is written with its handoff, and its outcome.
    lead.status = "routed"
    lead.keep_reasons([])
    handoff = lifecycle.open_handoff(
        session,
        lead=lead,
        partnership=partnership,
        to_partner=receiver,
        product_line=line,
        warmup_note=note or "",
        actor=actor,
        listening=listening,
        score_total=chosen.score.total,
        score_parts=chosen.score.parts,
        runners_up=explain(decision, chosen),
        now=now,
    )
    return handoff
