"""The balance and the funnel, read from rollups, against what happened to the handoffs."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from partnerhub.reports import balance
from partnerhub.reports.balance import median_hours

NOW = datetime(2027, 6, 30, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)
WON = ["delivered", "accepted", "contacted", "won", "reward_invoiced", "reward_paid", "rep_paid"]


def _steps(sent_at, path, gap=HOUR):
    return [("sent", sent_at), *[(status, sent_at + (i + 1) * gap) for i, status in enumerate(path)]]


def test_the_balance_shows_both_directions_of_each_partnership_with_money_and_rates(build, session):
    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    partnership = build.partnership(northwind, acme)
    sent_at = NOW - 3 * timedelta(days=1)
    build.handoff_through(
        partnership,
        northwind,
        _steps(sent_at, WON),
        deal_value="1000",
        reward_amount="100",
        rep_share_amount="20",
    )
    build.handoff_through(partnership, northwind, _steps(sent_at, ["delivered", "expired"]))
    build.handoff_through(partnership, northwind, _steps(NOW - timedelta(days=90), ["delivered", "accepted"]))
    build.handoff_through(partnership, acme, _steps(sent_at, ["delivered", "accepted"], gap=3 * HOUR))

    [row] = balance.balance_of(session, partner_id=northwind.id, now=NOW)

    assert row.other.name == "Acme"
    out, back = row.outgoing, row.incoming
    assert (out.sent, out.counts["accepted"], out.counts["won"], out.counts["expired"]) == (2, 1, 1, 1)
    assert out.money["deal_value"] == {"EUR": Decimal("1000.00")}
    assert out.money["rewards_paid"] == {"EUR": Decimal("100.00")}
    assert out.money["rep_shares_paid"] == {"EUR": Decimal("20.00")}
    assert out.rewards_owed == {"EUR": Decimal("0.00")}
    assert (out.conversion_rate, out.expiry_rate) == (0.5, 0.5)
    assert out.median_hours_to_accept == 1.5
    assert (back.sent, back.counts["accepted"], back.median_hours_to_accept) == (1, 1, 6.0)


def test_the_funnel_shows_the_drop_at_each_link_of_the_chain_of_doubt(build, session):
    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    partnership = build.partnership(northwind, acme)
    for path in (WON, WON[:4], WON[:2], ["delivered", "declined"]):
        build.handoff_through(
            partnership, northwind, _steps(NOW - HOUR * 30, path), deal_value="10", reward_amount="1"
        )

    [row] = balance.balance_of(session, partner_id=acme.id, now=NOW)

    funnel = [(link.stage, link.count, link.drop) for link in row.incoming.funnel]
    assert funnel == [
        ("sent", 4, 0),
        ("delivered", 4, 0),
        ("accepted", 3, 1),
        ("contacted", 2, 1),
        ("won", 2, 0),
        ("reward_invoiced", 1, 1),
        ("reward_paid", 1, 0),
        ("rep_paid", 1, 0),
    ]
    assert row.incoming.funnel[2].drop_rate == 0.25


def test_a_move_that_skips_steps_counts_the_skipped_steps_too(build, session):
    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    partnership = build.partnership(northwind, acme)

    build.handoff_through(partnership, northwind, _steps(NOW - HOUR, ["won"]), deal_value="5")

    [row] = balance.balance_of(session, partner_id=northwind.id, now=NOW)
    assert [link.count for link in row.outgoing.funnel] == [1, 1, 1, 1, 1, 0, 0, 0]


def test_a_handoff_counts_in_the_period_of_the_day_it_was_sent(build, session):
    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    partnership = build.partnership(northwind, acme)
    first_day = NOW.replace(hour=0) - timedelta(days=89)
    build.handoff_through(partnership, northwind, _steps(first_day, ["delivered"]))
    build.handoff_through(
        partnership, northwind, _steps(first_day - HOUR, ["delivered", "accepted"], gap=timedelta(days=80))
    )

    [row] = balance.balance_of(session, partner_id=northwind.id, now=NOW)

    assert (row.outgoing.sent, row.outgoing.counts["accepted"]) == (1, 0)


def test_an_ended_partnership_without_handoffs_in_the_period_is_left_out(build, session):
    northwind = build.partner("Northwind")
    build.partnership(northwind, build.partner("Acme"), status="ended")
    build.partnership(northwind, build.partner("Globex"))

    rows = balance.balance_of(session, partner_id=northwind.id, now=NOW)

    assert [r.other.name for r in rows] == ["Globex"]


def test_the_median_time_to_accept_is_interpolated_inside_its_bucket():
    one_in_each_of_first_three = (1, 1, 1, *(0,) * 9)

    assert median_hours(one_in_each_of_first_three) == 1.5
    assert median_hours((0,) * 11 + (5,)) == 336.0
    assert median_hours((0,) * 12) is None
