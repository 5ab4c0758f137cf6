"""The six flags: constructed histories just above and just below each threshold, and their sentences."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from partnerhub.core.actors import Actor
from partnerhub.models import Delivery, Flag, WebhookEndpoint
from partnerhub.reports import flags, thresholds

NOW = datetime(2027, 6, 30, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def _raised(session, kind):
    return [f for f in flags.compute_flags(session, now=NOW) if f.kind == kind]


def _send(build, partnership, sender, count, *, days_ago=5, then=()):
    sent_at = NOW - days_ago * DAY
    steps = [("sent", sent_at), *[(s, sent_at + (i + 1) * timedelta(hours=1)) for i, s in enumerate(then)]]
    for _ in range(count):
        build.handoff_through(partnership, sender, steps, deal_value="100", reward_amount="10", commit=False)
    build.session.commit()


@pytest.fixture
def pair(build):
    northwind = build.partner("Northwind")
    acme = build.partner("Acme")
    return northwind, acme, build.partnership(northwind, acme)


@pytest.mark.parametrize(("reps", "fires"), [(15, True), (14, False)])
def test_a_pair_is_size_mismatched_from_five_times_the_sales_reps(build, session, reps, fires):
    big = build.partner("Northwind", sales_reps=reps)
    small = build.partner("Acme", sales_reps=3)
    build.partnership(big, small)

    found = _raised(session, "size_mismatch")

    assert bool(found) is fires
    if fires:
        assert found[0].sentence == (
            "Northwind has 15 sales reps and expects 30 leads a month; "
            "Acme has 3 and expects 30 (5.0x the reps, 1.0x the leads)."
        )


@pytest.mark.parametrize(("leads", "fires"), [(150, True), (149, False)])
def test_a_pair_is_size_mismatched_from_five_times_the_monthly_leads(build, session, leads, fires):
    big = build.partner("Northwind", sales_reps=3, monthly_leads=leads)
    small = build.partner("Acme", sales_reps=3, monthly_leads=30)
    build.partnership(small, big)

    found = _raised(session, "size_mismatch")

    assert bool(found) is fires
    if fires:
        assert found[0].partner_id == big.id
        assert found[0].numbers["leads_ratio"] == 5.0


@pytest.mark.parametrize(("northwind_sent", "fires"), [(9, True), (8, False)])
def test_an_exchange_is_one_sided_when_one_direction_is_three_times_the_other(
    build, session, pair, northwind_sent, fires
):
    northwind, acme, partnership = pair
    _send(build, partnership, northwind, northwind_sent)
    _send(build, partnership, acme, 3)

    found = _raised(session, "one_sided")

    assert bool(found) is fires
    if fires:
        assert found[0].sentence == "Northwind sent 9 leads to Acme in 90 days, Acme sent 3 back."


@pytest.mark.parametrize(("sent", "fires"), [(10, True), (9, False)])
def test_a_one_sided_exchange_needs_ten_handoffs_in_the_period(build, session, pair, sent, fires):
    northwind, _acme, partnership = pair
    _send(build, partnership, northwind, sent)
    _send(build, partnership, northwind, 5, days_ago=90)

    found = _raised(session, "one_sided")

    assert bool(found) is fires
    if fires:
        assert found[0].sentence == "Northwind sent 10 leads to Acme in 90 days, Acme sent 0 back."


@pytest.mark.parametrize(("open_handoffs", "fires"), [(46, True), (45, False)])
def test_a_receiver_is_overloaded_above_fifteen_open_handoffs_per_rep(build, session, open_handoffs, fires):
    northwind = build.partner("Northwind", sales_reps=3)
    acme = build.partner("Acme", sales_reps=3)
    partnership = build.partnership(northwind, acme)
    _send(build, partnership, northwind, open_handoffs, then=["delivered", "accepted"], days_ago=200)

    found = _raised(session, "overloaded")

    assert bool(found) is fires
    if fires:
        assert found[0].sentence == "Acme has 46 open handoffs for 3 sales reps (15.3 per rep, limit 15)."


@pytest.mark.parametrize(("expired", "fires"), [(4, True), (3, False)])
def test_a_receiver_is_overloaded_when_over_thirty_percent_of_its_handoffs_expire(
    build, session, pair, expired, fires
):
    northwind, _acme, partnership = pair
    _send(build, partnership, northwind, expired, then=["expired"])
    _send(build, partnership, northwind, 10 - expired, then=["delivered", "accepted", "contacted", "lost"])

    found = _raised(session, "overloaded")

    assert bool(found) is fires
    if fires:
        assert found[0].sentence == "4 of the 10 handoffs Acme received in 90 days expired (40%)."


@pytest.mark.parametrize(("days_ago", "fires"), [(30, True), (29, False)])
def test_an_active_partnership_is_dormant_after_thirty_days_without_a_handoff(
    build, session, pair, days_ago, fires
):
    northwind, _acme, partnership = pair
    partnership.activated_at = NOW - 100 * DAY
    session.commit()
    _send(build, partnership, northwind, 1, days_ago=days_ago)

    found = _raised(session, "dormant")

    assert bool(found) is fires
    if fires:
        assert found[0].sentence == "Northwind and Acme have exchanged no handoff either way in 30 days."


@pytest.mark.parametrize(("days_active", "fires"), [(30, True), (29, False)])
def test_a_partnership_that_never_exchanged_a_lead_is_dormant_after_thirty_days(
    build, session, pair, days_active, fires
):
    _northwind, _acme, partnership = pair
    partnership.activated_at = NOW - days_active * DAY
    session.commit()

    found = _raised(session, "dormant")

    assert bool(found) is fires
    if fires:
        assert found[0].sentence == (
            "Northwind and Acme have exchanged no handoff since their partnership began 30 days ago."
        )


def test_a_paused_partnership_is_never_dormant(build, session):
    partnership = build.partnership(build.partner(), build.partner(), status="paused")
    partnership.activated_at = NOW - 100 * DAY
    session.commit()

    assert _raised(session, "dormant") == []


WON = ["delivered", "accepted", "contacted", "won"]


def _won_deals(build, partnership, sender, values):
    for value in values:
        build.handoff_through(
            partnership,
            sender,
            [("sent", NOW - DAY), *[(s, NOW) for s in WON]],
            deal_value=value,
            commit=False,
        )
    build.session.commit()


# The rule's table: whose total, how big, and whether living off one partner makes an agent.
# (revenue band, declared monthly won value, won from Northwind, won from Globex, fires, basis)
AGENT_LIKE_CASES = {
    "a big maker with one main partner is no agent": (
        "50m_250m",
        None,
        ["40000", "40000", "40000"],
        [],
        False,
        None,
    ),
    "a one-fitter business living off one maker is": (
        "under_1m",
        None,
        ["800", "900", "700"],
        [],
        True,
        "reported",
    ),
    "just over half of what it reported": (
        "under_1m",
        None,
        ["171", "171", "171"],
        ["500"],
        True,
        "reported",
    ),
    "exactly half of what it reported": ("under_1m", None, ["166", "166", "166"], ["498"], False, None),
    "over half of the least its revenue band gives": (
        "1m_10m",
        None,
        ["50000", "40000", "40000"],
        [],
        True,
        "revenue_band",
    ),
    "under half of the least its revenue band gives": (
        "1m_10m",
        None,
        ["40000", "40000", "40000"],
        [],
        False,
        None,
    ),
    "over half of its declared monthly won value": (
        "under_1m",
        "20000",
        ["10000", "10000", "10000"],
        [],
        True,
        "monthly_won_value",
    ),
    "under half of its declared monthly won value": (
        "under_1m",
        "20000",
        ["10000", "10000", "9000"],
        [],
        False,
        None,
    ),
}


@pytest.mark.parametrize("case", list(AGENT_LIKE_CASES.values()), ids=list(AGENT_LIKE_CASES))
def test_a_partner_is_agent_like_when_over_half_its_total_won_business_comes_from_one_partner(
    build, session, case
):
    band, monthly_won, from_northwind, from_globex, fires, basis = case
    northwind, globex = build.partner("Northwind"), build.partner("Globex")
    acme = build.partner("Acme", revenue_band=band)
    acme.monthly_won_value = monthly_won
    session.commit()
    _won_deals(build, build.partnership(northwind, acme), northwind, from_northwind)
    _won_deals(build, build.partnership(globex, acme), globex, from_globex)

    found = _raised(session, "agent_like")

    assert bool(found) is fires
    if fires:
        assert (found[0].partner_id, found[0].other_partner_id) == (acme.id, northwind.id)
        assert found[0].numbers["total_basis"] == basis


def test_agent_like_says_which_total_it_divided_by_and_what_to_do(build, session):
    northwind, acme = build.partner("Northwind"), build.partner("Acme", revenue_band="under_1m")
    _won_deals(build, build.partnership(northwind, acme), northwind, ["171", "171", "171"])
    globex = build.partner("Globex")
    _won_deals(build, build.partnership(globex, acme), globex, ["500"])

    [found] = _raised(session, "agent_like")

    assert found.sentence == (
        "51% of Acme's won business in 90 days (€513.00 of €1,013.00) came from leads of Northwind; "
        "the total is the won deals Acme reported here, more than its declared revenue "
        "(under 1 million a year) accounts for."
    )
    assert found.action.startswith("Ask Acme whether it sells on its own account")


def test_a_declared_revenue_band_is_the_total_when_it_is_larger_than_what_was_reported(build, session):
    northwind, acme = build.partner("Northwind"), build.partner("Acme", revenue_band="1m_10m")
    _won_deals(build, build.partnership(northwind, acme), northwind, ["50000", "40000", "40000"])

    [found] = _raised(session, "agent_like")

    assert found.numbers["won_value_total"] == "246575.34"
    assert found.sentence == (
        "53% of Acme's won business in 90 days (€130,000.00 of €246,575.34) came from leads of Northwind; "
        "the total is the least a declared revenue of 1 to 10 million a year gives."
    )


def test_agent_like_waits_for_three_won_deals(build, session, pair):
    northwind, _acme, partnership = pair

    _send(build, partnership, northwind, 2, then=["delivered", "accepted", "contacted", "won"])

    assert _raised(session, "agent_like") == []


@pytest.mark.parametrize(("accepted", "fires"), [(4, True), (5, False)])
def test_a_receiver_is_leaky_when_under_half_its_handoffs_reach_accepted(
    build, session, pair, accepted, fires
):
    northwind, _acme, partnership = pair
    _send(build, partnership, northwind, accepted, then=["delivered", "accepted"])
    _send(build, partnership, northwind, 10 - accepted, then=["delivered", "declined"])

    found = _raised(session, "leaky")

    assert bool(found) is fires
    if fires:
        assert found[0].sentence == "Acme accepted 4 of the 10 leads Northwind sent in 90 days (40%)."


@pytest.mark.parametrize(("paid", "fires"), [(1, True), (2, False)])
def test_a_receiver_is_leaky_when_under_half_its_won_rewards_get_paid(build, session, pair, paid, fires):
    northwind, _acme, partnership = pair
    won = ["delivered", "accepted", "contacted", "won"]
    _send(build, partnership, northwind, paid, then=[*won, "reward_invoiced", "reward_paid"])
    _send(build, partnership, northwind, 4 - paid, then=[*won, "reward_invoiced"])

    found = _raised(session, "leaky")

    assert bool(found) is fires
    if fires:
        assert (
            found[0].sentence
            == "Acme paid the reward on 1 of the 4 deals it won from Northwind's leads (25%)."
        )


def test_an_admin_tuned_threshold_changes_when_a_flag_fires(build, session, pair):
    northwind, acme, partnership = pair
    _send(build, partnership, northwind, 8)
    _send(build, partnership, acme, 4)

    thresholds.set_thresholds(session, values={"flags.one_sided.ratio": 2}, actor=Actor.system())

    assert [f.sentence for f in _raised(session, "one_sided")] == [
        "Northwind sent 8 leads to Acme in 90 days, Acme sent 4 back."
    ]


def test_refreshing_raises_a_flag_once_announces_it_to_both_partners_and_clears_it(build, session, pair):
    northwind, acme, partnership = pair
    for partner in (northwind, acme):
        session.add(WebhookEndpoint(partner_id=partner.id, url="https://example.test/hook", secret="whsec_x"))
    _send(build, partnership, northwind, 10)

    first = flags.refresh_flags(session, now=NOW)
    second = flags.refresh_flags(session, now=NOW + DAY)
    partnership.status = "ended"
    cleared = flags.refresh_flags(session, now=NOW + 2 * DAY)
    session.commit()

    one_sided = next(f for f in first if f.kind == "one_sided")
    assert one_sided in second
    assert cleared == []
    announced = session.scalars(select(Delivery).where(Delivery.event_type == "flag.raised")).all()
    about_one_sided = [d for d in announced if d.payload["data"]["flag"]["kind"] == "one_sided"]
    assert sorted(d.partner_id for d in about_one_sided) == sorted([northwind.id, acme.id])
    assert about_one_sided[0].payload["data"]["flag"]["sentence"] == (
        "Northwind sent 10 leads to Acme in 90 days, Acme sent 0 back."
    )
    stored = session.scalars(select(Flag).where(Flag.kind == "one_sided")).all()
    assert [f.cleared_at for f in stored] == [NOW + 2 * DAY]


def test_unknown_thresholds_and_values_outside_their_bounds_are_refused(session):
    from partnerhub.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        thresholds.set_thresholds(
            session,
            values={
                "flags.nope": 1,
                "flags.dormant.days": -1,
                "flags.one_sided.min_handoffs": 0,
                "flags.agent_like.share": 7,
                "flags.period_days": 1e308,
                "flags.one_sided.ratio": float("inf"),
                "flags.leaky.accept_rate": float("nan"),
            },
            actor=Actor.system(),
        )

    assert refused.value.errors == {
        "flags.nope": ["not a flag threshold"],
        "flags.dormant.days": ["must be a number from 1 to 3650"],
        "flags.one_sided.min_handoffs": ["must be a number from 1 to 1000000"],
        "flags.agent_like.share": ["must be a number more than 0 to 1"],
        "flags.period_days": ["must be a number from 1 to 730"],
        "flags.one_sided.ratio": ["must be a number from 1 to 1000"],
        "flags.leaky.accept_rate": ["must be a number more than 0 to 1"],
    }


@pytest.mark.parametrize("stored", [1e308, float("inf"), 0.0, -5.0])
def test_the_flags_job_runs_on_the_default_where_a_stored_threshold_is_out_of_bounds(
    build, session, pair, stored
):
    from partnerhub.models import Setting

    northwind, _acme, partnership = pair
    _send(build, partnership, northwind, 10)
    session.add_all([Setting(key=key, value=stored) for key in thresholds.DEFAULTS])
    session.commit()

    raised = flags.refresh_flags(session, now=NOW)

    assert thresholds.thresholds(session) == {key: float(value) for key, value in thresholds.DEFAULTS.items()}
    assert "one_sided" in {f.kind for f in raised}
