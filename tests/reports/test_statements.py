"""Payout statements: a month's won deals per partnership, as CSV and PDF for both sides, and a rep's own."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from partnerhub.core.db import utcnow
from partnerhub.core.i18n import translator
from partnerhub.reports import statement_pdf, statements

MONEY = ("deal_value", "rewards_invoiced", "rewards_paid", "rep_shares_paid")
PAID_THROUGH = ["delivered", "accepted", "contacted", "won", "reward_invoiced", "reward_paid", "rep_paid"]


def _last_month() -> statements.Month:
    first_of_this = statements.Month.of(utcnow()).start
    return statements.Month.of(first_of_this - timedelta(days=1))


def _won(build, partnership, sender, *, sent: datetime, value: str, through: int, rep=None, buyer="A buyer"):
    steps = [("sent", sent)] + [
        (s, sent + timedelta(hours=i + 1)) for i, s in enumerate(PAID_THROUGH[:through])
    ]
    reward = (Decimal(value) / 10).quantize(Decimal("0.01"))
    handoff = build.handoff_through(
        partnership,
        sender,
        steps,
        deal_value=value,
        reward_amount=str(reward),
        rep_share_amount=str((reward / 5).quantize(Decimal("0.01"))),
        commit=False,
    )
    handoff.lead.contact_name = buyer
    handoff.passed_by_user_id = rep.id if rep else None
    build.session.commit()
    return handoff


@pytest.fixture
def month_of_deals(build, session):
    """Last month: Northwind's leads won four deals at Acme, Acme's one at Northwind; one earlier deal."""
    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    partnership = build.partnership(northwind, acme)
    rep = build.user(northwind, "rep")
    month = _last_month()
    day = month.start + timedelta(days=9)
    lines = [
        _won(
            build, partnership, northwind, sent=day, value="12500.50", through=4, rep=rep, buyer="Greta Wolf"
        ),
        _won(
            build, partnership, northwind, sent=day, value="800.00", through=5, rep=rep, buyer="Jonas Brandt"
        ),
        _won(build, partnership, northwind, sent=day, value="4200.00", through=6, buyer="Lea Krüger"),
        _won(build, partnership, northwind, sent=day, value="999.99", through=7, rep=rep, buyer="Ōta Ren"),
        _won(
            build,
            partnership,
            acme,
            sent=day + timedelta(days=3),
            value="3000.00",
            through=6,
            buyer="Ida Sommer",
        ),
    ]
    _won(build, partnership, northwind, sent=month.start - timedelta(days=3), value="7000.00", through=7)
    return northwind, acme, partnership, rep, month, lines


def _csv(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_a_statements_totals_equal_its_lines_and_the_balance_of_that_month(client, build, month_of_deals):
    northwind, _acme, partnership, _rep, month, lines = month_of_deals
    headers = build.headers(northwind)
    period_days = (utcnow().date() - month.start.date()).days + 1

    rows = _csv(client.get(f"/api/v1/statements/{partnership.id}/{month}.csv", headers=headers))
    page = client.get(f"/api/v1/balance?period_days={period_days}", headers=headers).get_json()
    summary = client.get(f"/api/v1/statements?month={month}", headers=headers).get_json()

    handoffs = [r for r in rows if r["line"] == "handoff"]
    totals = {r["sent_by"]: r for r in rows if r["line"] == "total"}
    assert sorted(int(r["handoff_id"]) for r in handoffs) == sorted(h.id for h in lines)
    [balance_row] = page["items"]
    for sender, direction in (("Northwind", "outgoing"), ("Acme", "incoming")):
        mine = [r for r in handoffs if r["sent_by"] == sender]
        total = totals[sender]
        for column in ("deal_value", "reward", "rep_share"):
            plural = {"deal_value": "deal_value", "reward": "rewards", "rep_share": "rep_shares"}[column]
            assert Decimal(total[f"total_{plural}"]) == sum(Decimal(r[column]) for r in mine)
        money = {name: balance_row[direction][name][0]["amount"] for name in MONEY}
        assert total["total_deal_value"] == money["deal_value"]
        assert total["total_rewards_invoiced"] == money["rewards_invoiced"]
        assert total["total_rewards_paid"] == money["rewards_paid"]
        assert total["total_rep_shares_paid"] == money["rep_shares_paid"]
        assert int(total["total_won"]) == balance_row[direction]["won"]
    [row] = summary["items"]
    assert row["won"] == 5
    assert row["rewards_owed_to_you"] == {"amount": totals["Northwind"]["total_rewards"], "currency": "EUR"}
    assert row["rewards_owed_by_you"] == {"amount": totals["Acme"]["total_rewards"], "currency": "EUR"}
    assert row["rewards_paid_to_you"]["amount"] == totals["Northwind"]["total_rewards_paid"]


def test_both_sides_download_the_statement_and_no_one_else(client, build, month_of_deals):
    northwind, acme, partnership, _rep, month, _lines = month_of_deals
    outsider = build.partner("Globex")
    path = f"/api/v1/statements/{partnership.id}/{month}"

    theirs = client.get(f"{path}.csv", headers=build.headers(acme))
    pdf = client.get(f"{path}.pdf", headers=build.headers(acme))
    refused = client.get(f"{path}.csv", headers=build.headers(outsider))
    bad_month = client.get(
        f"/api/v1/statements/{partnership.id}/2026-13.csv", headers=build.headers(northwind)
    )

    assert theirs.status_code == 200
    assert theirs.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert _csv(theirs)[0]["won_at"].startswith(str(month))
    assert pdf.mimetype == "application/pdf"
    assert refused.status_code == 404
    # No statement has a month 13: the path names nothing (its pattern is in the OpenAPI document).
    assert bad_month.status_code == 404


# Each language: the heading, an amount grouped the local way, and a total's label.
IN_LANGUAGES = {
    "de": ("Auszahlungsabrechnung, November 2026: Northwind und Acme", "18.500,49", "Unbezahlte Prämien"),
    "ru": ("Выписка по выплатам, ноябрь 2026: Northwind и Acme", "18 500,49", "Невыплаченные вознаграждения"),
}


@pytest.mark.parametrize("language", IN_LANGUAGES)
def test_the_pdf_statement_reads_in_the_readers_language_with_local_amounts(
    session, month_of_deals, language
):
    northwind, _acme, partnership, _rep, month, _lines = month_of_deals
    heading, amount, label = IN_LANGUAGES[language]
    statement, rows = statements.statement_of(
        session, partner_id=northwind.id, partnership_id=partnership.id, month=month
    )

    body = statement_pdf.render(statement, rows, prepared_at=utcnow(), tr=translator(language))

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    # Babel groups Russian thousands with a no-break space; the reader gives it back as one.
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    assert heading in text
    assert amount in text
    assert label in text


def test_the_pdf_statement_holds_every_line_and_the_totals(build, session, month_of_deals):
    northwind, _acme, partnership, _rep, month, lines = month_of_deals
    statement, rows = statements.statement_of(
        session, partner_id=northwind.id, partnership_id=partnership.id, month=month
    )

    body = statement_pdf.render(statement, rows, prepared_at=utcnow())

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert f"Payout statement, {month.title}: Northwind and Acme" in text
    for handoff in lines:
        assert str(handoff.id) in text
        assert handoff.lead.contact_name in text
        assert statement_pdf.money(handoff.deal_value) in text
        assert statement_pdf.money(handoff.reward_amount) in text
    totals = statement.totals[(northwind.id, "EUR")]
    assert statement_pdf.money(totals.deal_value) in text
    assert totals.deal_value == Decimal("18500.49")
    assert "Rewards unpaid" in text


def test_a_rep_sees_a_statement_of_their_own_shares(session, month_of_deals):
    _northwind, _acme, _partnership, rep, month, lines = month_of_deals

    statement, rows = statements.rep_statement(session, rep=rep, month=month)
    mine = list(rows)

    assert sorted(line.handoff_id for line in mine) == sorted(
        h.id for h in lines if h.passed_by_user_id == rep.id
    )
    assert statement.totals[(rep.partner_id, "EUR")].rep_shares == sum(line.rep_share for line in mine)


def test_a_month_is_written_as_year_and_month():
    from partnerhub.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        statements.Month.parse("2026-1")
    assert statements.Month.parse("2026-12").end == datetime(2027, 1, 1, tzinfo=statements.UTC)


def test_a_manager_downloads_the_months_statements_and_a_rep_reads_their_own_shares(
    app, build, month_of_deals
):
    from tests.web.conftest import TEST_PASSWORD, OwnContextClient, csrf_token

    northwind, _acme, partnership, rep, month, _lines = month_of_deals
    manager = build.user(northwind, "manager")

    def signed_in(user):
        client = OwnContextClient(app, app.response_class, use_cookies=True)
        token = csrf_token(client.get("/login").text)
        client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
        return client

    as_manager, as_rep = signed_in(manager), signed_in(rep)
    summary = as_manager.get(f"/statements?month={month}")
    pdf = as_manager.get(f"/statements/{partnership.id}/{month}.pdf")
    own = as_rep.get(f"/statements?month={month}")
    own_csv = as_rep.get(f"/statements/mine/{month}.csv")

    assert summary.status_code == 200
    assert "Acme" in summary.text
    assert "4 from your leads, 1 from theirs" in summary.text
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Greta Wolf" in text
    assert "Greta Wolf" in own.text
    assert "Lea Krüger" not in own.text
    assert [r["buyer"] for r in _csv(own_csv) if r["line"] == "handoff"] == [
        "Greta Wolf",
        "Jonas Brandt",
        "Ōta Ren",
    ]
