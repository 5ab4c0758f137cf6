"""A flag and the balance page beside it tell the same numbers for the same period, for every kind."""

from datetime import timedelta

import pytest

from partnerhub.core.db import utcnow
from partnerhub.models.flag import FLAG_KINDS

WON = ["delivered", "accepted", "contacted", "won"]


def _eur(money: list[dict]) -> str:
    return next((m["amount"] for m in money if m["currency"] == "EUR"), "0.00")


@pytest.fixture
def swamped_fitter(build, session):
    """Acme, a one-fitter business, swamped by Northwind's leads and living off them; idle with Globex."""
    northwind = build.partner("Northwind", sales_reps=40, monthly_leads=400, revenue_band="50m_250m")
    acme = build.partner("Acme", sales_reps=1, monthly_leads=8, revenue_band="under_1m")
    globex = build.partner("Globex")
    with_northwind = build.partnership(northwind, acme)
    with_globex = build.partnership(acme, globex)
    with_globex.activated_at = utcnow() - timedelta(days=60)
    session.commit()
    sent = utcnow() - timedelta(days=5)

    def steps(then):
        return [("sent", sent), *[(s, sent + timedelta(hours=i + 1)) for i, s in enumerate(then)]]

    for value, paid in (("1200.00", True), ("800.00", False), ("950.50", False), ("400.00", False)):
        then = [*WON, "reward_invoiced", *(["reward_paid"] if paid else [])]
        build.handoff_through(
            with_northwind, northwind, steps(then), deal_value=value, reward_amount="50.00", commit=False
        )
    for _ in range(6):
        build.handoff_through(with_northwind, northwind, steps(["delivered", "expired"]), commit=False)
    for _ in range(2):
        build.handoff_through(with_northwind, northwind, steps(["delivered"]), commit=False)
    session.commit()
    return northwind, acme, globex


@pytest.mark.parametrize("period_days", [30, 365])
def test_every_flag_kind_shows_the_numbers_of_the_balance_for_the_same_period(
    client, build, swamped_fitter, period_days
):
    northwind, acme, _globex = swamped_fitter
    headers = build.headers(acme)

    shown = client.get(f"/api/v1/flags?period_days={period_days}", headers=headers).get_json()
    page = client.get(f"/api/v1/balance?period_days={period_days}", headers=headers).get_json()

    rows = {row["partner"]["name"]: row for row in page["items"]}
    net = page["net_position"]
    by_kind = {f["kind"]: f["numbers"] for f in shown["items"]}
    assert set(by_kind) == set(FLAG_KINDS)
    assert shown["period_days"] == period_days
    assert all(f["as_of"] and f["action"] for f in shown["items"])

    size = by_kind["size_mismatch"]
    assert size["sales_reps"] == {
        str(northwind.id): rows["Northwind"]["partner"]["size"]["sales_reps"],
        str(acme.id): page["partner"]["size"]["sales_reps"],
    }
    assert size["monthly_leads"][str(northwind.id)] == rows["Northwind"]["partner"]["size"]["monthly_leads"]

    one_sided = by_kind["one_sided"]
    assert (one_sided["sent"], one_sided["received"]) == (
        rows["Northwind"]["received"],
        rows["Northwind"]["sent"],
    )

    overloaded = by_kind["overloaded"]
    assert overloaded["received"] == net["received"] == sum(r["incoming"]["sent"] for r in rows.values())
    assert overloaded["expired"] == sum(r["incoming"]["expired"] for r in rows.values())
    assert overloaded["open_handoffs"] == net["open_received"]

    assert by_kind["dormant"]["days_quiet"] == rows["Globex"]["days_quiet"]

    agent = by_kind["agent_like"]
    assert agent["won_value_from_partner"] == _eur(rows["Northwind"]["incoming"]["deal_value"])
    assert agent["won_value_reported"] == _eur(net["won_from_theirs"])
    assert agent["won"] == net["won_from_theirs_count"]

    leaky = by_kind["leaky"]
    incoming = rows["Northwind"]["incoming"]
    assert (leaky["sent"], leaky["accepted"], leaky["won"], leaky["reward_paid"]) == (
        incoming["sent"],
        incoming["accepted"],
        incoming["won"],
        incoming["reward_paid"],
    )
    assert leaky["period_days"] == one_sided["period_days"] == page["period_days"] == period_days
