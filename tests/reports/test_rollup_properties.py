"""On random histories the rollups match a brute-force count over the raw handoffs, and so does rebuild()."""

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from partnerhub.core.actors import Actor
from partnerhub.core.db import Base
from partnerhub.exchange import partnerships as exchange_partnerships
from partnerhub.exchange import rollups
from partnerhub.models import Handoff, HandoffRollup, HandoffRollupMonth, Partner, Partnership
from partnerhub.models.partnership import CLOSED_PARTNERSHIP_STATUSES
from partnerhub.models.rollup import ACCEPT_BUCKETS
from partnerhub.reports import balance, flags, thresholds

NOW = datetime(2027, 6, 30, 12, tzinfo=UTC)
_FORWARD = ["delivered", "accepted", "contacted", "won", "reward_invoiced", "reward_paid", "rep_paid"]
PATHS = [
    *[_FORWARD[:n] for n in range(len(_FORWARD) + 1)],
    ["declined"],
    ["expired"],
    ["recalled"],
    ["delivered", "declined"],
    ["delivered", "expired"],
    ["delivered", "accepted", "lost"],
    ["delivered", "accepted", "contacted", "lost"],
    # The lifecycle may skip a step; the funnel must stay monotone.
    ["accepted", "contacted"],
    ["delivered", "accepted", "won", "reward_paid"],
]

handoff_specs = st.lists(
    st.fixed_dictionaries(
        {
            "pair": st.integers(0, 2),
            "reverse": st.booleans(),
            "path": st.sampled_from(PATHS),
            "sent_minutes_ago": st.integers(0, 140 * 24 * 60),
            "gaps_minutes": st.lists(st.integers(0, 20 * 24 * 60), min_size=8, max_size=8),
            "deal_value": st.integers(0, 5000),
            "currency": st.sampled_from(["EUR", "EUR", "USD"]),
        }
    ),
    max_size=25,
)
partner_specs = st.lists(st.tuples(st.integers(1, 30), st.integers(0, 200)), min_size=3, max_size=3)
pair_statuses = st.lists(st.sampled_from(["active", "active", "paused", "ended"]), min_size=3, max_size=3)


def _empty(session):
    session.rollback()
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(table.delete())
    session.commit()


def _arrange(build, session, *, partner_sizes, statuses, specs, activated_days_ago):
    _empty(session)
    partners = [
        build.partner(f"P{i}", sales_reps=reps, monthly_leads=leads)
        for i, (reps, leads) in enumerate(partner_sizes)
    ]
    pairs = [(0, 1), (0, 2), (1, 2)]
    partnerships = []
    for (a, b), status, days in zip(pairs, statuses, activated_days_ago, strict=True):
        partnership = build.partnership(partners[a], partners[b], status=status)
        partnership.activated_at = NOW - timedelta(days=days)
        partnerships.append(partnership)
    for spec in specs:
        a, b = pairs[spec["pair"]]
        sender = partners[b] if spec["reverse"] else partners[a]
        sent_at = NOW - timedelta(minutes=spec["sent_minutes_ago"])
        steps, at = [("sent", sent_at)], sent_at
        for status, gap in zip(spec["path"], spec["gaps_minutes"], strict=False):
            at += timedelta(minutes=gap)
            steps.append((status, at))
        build.handoff_through(
            partnerships[spec["pair"]],
            sender,
            steps,
            deal_value=str(spec["deal_value"]),
            reward_amount=str(spec["deal_value"] // 10),
            rep_share_amount=str(spec["deal_value"] // 50),
            currency=spec["currency"],
            commit=False,
        )
    session.commit()
    return partners


def _reached_at(handoff: Handoff, step: str):
    if step in rollups.EXITS:
        return getattr(handoff, f"{step}_at")
    later = rollups.FUNNEL[rollups.FUNNEL.index(step) :]
    return next((getattr(handoff, f"{s}_at") for s in later if getattr(handoff, f"{s}_at")), None)


def _brute_direction(handoffs, start):
    counts = dict.fromkeys(rollups.COUNTED, 0)
    money = {c: {} for c in balance.MONEY_COLUMNS}
    histogram = [0] * len(ACCEPT_BUCKETS)
    seconds_total = 0
    for h in handoffs:
        if h.sent_at.date() < start:
            continue
        for step in rollups.COUNTERS:
            counts[step] += _reached_at(h, step) is not None
        counts["referrals"] += len(h.referrals)
        for step, (column, attribute) in rollups.MONEY.items():
            amount = (getattr(h, attribute) or Decimal(0)) if _reached_at(h, step) else Decimal(0)
            money[column][h.currency] = money[column].get(h.currency, Decimal(0)) + amount
        accepted_at = _reached_at(h, "accepted")
        if accepted_at:
            seconds = math.floor((accepted_at - h.sent_at).total_seconds() + 0.5)
            seconds_total += seconds
            histogram[ACCEPT_BUCKETS.index(rollups.accept_bucket(seconds))] += 1
    return counts, money, seconds_total, tuple(histogram)


def _brute_facts(session, period_days) -> flags.Facts:
    today = NOW.date()
    start = balance.period_start(NOW, period_days)
    handoffs = session.scalars(select(Handoff)).all()
    living = [p for p in session.scalars(select(Partnership)) if p.status not in CLOSED_PARTNERSHIP_STATUSES]
    of_period = [h for h in handoffs if h.sent_at.date() >= start]
    candidates = {p.proposer_id for p in living} | {p.responder_id for p in living}
    candidates |= {h.to_partner_id for h in of_period}
    partners = {
        p.id: flags.PartnerFacts(
            p.id, p.name, p.sales_reps, p.monthly_leads, p.revenue_band, p.monthly_won_value
        )
        for p in session.scalars(select(Partner))
    }
    for h in handoffs:
        if h.to_partner_id in candidates and h.status in balance.OPEN_STATUSES:
            partners[h.to_partner_id].open_handoffs += 1
    # What each partner received over the period, through any partnership, living or not.
    for h in of_period:
        facts = partners[h.to_partner_id]
        facts.received += 1
        facts.expired += _reached_at(h, "expired") is not None
        if _reached_at(h, "won") is not None:
            facts.won += 1
            by_sender = facts.won_value.setdefault(h.currency, {})
            by_sender[h.from_partner_id] = by_sender.get(h.from_partner_id, Decimal(0)) + h.deal_value
    pairs = []
    for p in living:
        directions = {}
        for sender, receiver in ((p.proposer_id, p.responder_id), (p.responder_id, p.proposer_id)):
            mine = [h for h in handoffs if h.partnership_id == p.id and h.from_partner_id == sender]
            in_period = [h for h in mine if h.sent_at.date() >= start]
            if not in_period:
                continue
            counts, _money, _seconds, _histogram = _brute_direction(in_period, start)
            directions[(sender, receiver)] = flags.DirectionFacts(
                counts["sent"], counts["accepted"], counts["won"], counts["reward_paid"]
            )
        sent_days = [h.sent_at.date() for h in handoffs if h.partnership_id == p.id]
        last = max(sent_days) if sent_days and p.status == "active" else None
        began = p.activated_at.date()
        quiet = (today - began).days if last is None else min((today - began).days, (today - last).days)
        pairs.append(
            flags.PairFacts(
                p.id, p.status, p.proposer_id, p.responder_id, directions, quiet, last is None or last < began
            )
        )
    return flags.Facts(period_days, partners, pairs, candidates)


def _as_set(findings):
    return {
        (f.kind, f.subject_key, f.partner_id, f.other_partner_id, f.sentence, repr(f.numbers))
        for f in findings
    }


def _rollup_rows(session):
    """The daily and the monthly rows, without their ids."""
    rows = []
    for table in (HandoffRollup.__table__, HandoffRollupMonth.__table__):
        columns = [c for c in table.c if c.name != "id"]
        rows.append(sorted(tuple(row) for row in session.execute(select(*columns))))
    return rows


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    partner_sizes=partner_specs,
    statuses=pair_statuses,
    specs=handoff_specs,
    activated_days_ago=st.lists(st.integers(0, 200), min_size=3, max_size=3),
    period_days=st.integers(1, 120),
)
def test_balance_and_flags_equal_a_brute_force_count_and_rebuild_equals_the_incremental_path(
    build, session, *, partner_sizes, statuses, specs, activated_days_ago, period_days
):
    partners = _arrange(
        build,
        session,
        partner_sizes=partner_sizes,
        statuses=statuses,
        specs=specs,
        activated_days_ago=activated_days_ago,
    )
    thresholds.set_thresholds(session, values={"flags.period_days": period_days}, actor=Actor.system())
    start = balance.period_start(NOW, period_days)

    rows = balance.balance_of(session, partner_id=partners[0].id, now=NOW, period_days=period_days)
    found = flags.compute_flags(session, now=NOW)
    incremental = _rollup_rows(session)
    rollups.rebuild(session)
    rebuilt = _rollup_rows(session)

    handoffs = session.scalars(select(Handoff)).all()
    for row in rows:
        for direction in (row.outgoing, row.incoming):
            mine = [
                h
                for h in handoffs
                if h.partnership_id == row.partnership.id and h.from_partner_id == direction.from_partner_id
            ]
            counts, money, seconds, histogram = _brute_direction(mine, start)
            assert direction.counts == counts
            assert direction.money == money
            assert (direction.accept_seconds, direction.accept_histogram) == (seconds, histogram)
        # The partnership's page, month by month, from the monthly rows.
        me = partners[0].id
        for month in exchange_partnerships.monthly_numbers(
            session, partnership=row.partnership, partner_id=me, now=NOW
        ):
            sent_then = [
                h
                for h in handoffs
                if h.partnership_id == row.partnership.id and h.sent_at.strftime("%Y-%m") == month.month
            ]
            mine, theirs = (
                [h for h in sent_then if h.from_partner_id == me],
                [h for h in sent_then if h.from_partner_id != me],
            )
            assert (month.sent, month.received) == (len(mine), len(theirs))
            won = [sum(_reached_at(h, "won") is not None for h in side) for side in (mine, theirs)]
            assert [month.won_from_yours, month.won_from_theirs] == won
    assert _as_set(found) == _as_set(
        flags.evaluate(_brute_facts(session, period_days), thresholds.thresholds(session))
    )
    # What one partner's request computes is what the whole refresh finds naming it.
    for partner in partners:
        mine = flags.compute_flags(session, now=NOW, partner_id=partner.id)
        assert _as_set(mine) == _as_set(f for f in found if partner.id in (f.partner_id, f.other_partner_id))
    assert rebuilt == incremental
    _empty(session)
