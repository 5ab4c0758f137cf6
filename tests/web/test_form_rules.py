"""The pages' forms refuse what the domain refuses, with its reasons on the field and what was typed kept."""

from html import escape

from sqlalchemy import func, select

from partnerhub.models import Category, Handoff, Lead, Partner, Partnership, Setting
from partnerhub.reports import thresholds
from tests.web.conftest import csrf_token


def _post(client, path, form):
    return client.post(path, data={"csrf_token": csrf_token(client.get(path).text), **form})


def _field_error(html: str, field: str) -> str:
    start = html.index(f'id="{field}-error"')
    return html[html.index(">", start) + 1 : html.index("</p>", start)]


def test_the_profile_form_refuses_a_blank_name_a_script_website_and_a_malformed_email(
    build, client, sign_in, session
):
    partner = build.partner("Glasklar")
    sign_in(build.user(partner, "manager"))

    response = _post(
        client,
        "/profile",
        {
            "name": "   ",
            "website": "javascript:alert(1)",
            "contact_email": "not-an-email",
            "sales_reps": "0",
            "revenue_band": "under_1m",
            "monthly_leads": "5",
        },
    )

    assert response.status_code == 422
    html = response.text
    assert _field_error(html, "name") == "Must not be blank."
    assert _field_error(html, "website") == "Must be a web address starting with http:// or https://."
    assert _field_error(html, "contact_email") == "Must be an email address such as name@example.com."
    assert _field_error(html, "sales_reps") == "Must be a number from 1 to 100000."
    assert f'value="{escape("javascript:alert(1)")}"' in html
    assert 'value="not-an-email"' in html
    session.expire_all()
    kept = session.get(Partner, partner.id)
    assert (kept.name, kept.website, kept.sales_reps) == ("Glasklar", None, partner.sales_reps)


def test_the_lead_form_refuses_a_blank_contact_a_malformed_email_and_a_script_for_a_phone(
    build, client, sign_in, session
):
    build.category("windows")
    partner = build.partner()
    sign_in(build.user(partner, "rep"))

    response = _post(
        client,
        "/leads/new",
        {
            "name": " \t ",
            "email": "not-an-email",
            "phone": "javascript:alert(1)",
            "company": "   ",
            "category": "windows",
            "consent": "y",
        },
    )

    assert response.status_code == 422
    html = response.text
    assert _field_error(html, "name") == "Must not be blank."
    assert _field_error(html, "email") == "Must be an email address such as name@example.com."
    assert _field_error(html, "phone") == "Must be a phone number."
    assert _field_error(html, "company") == "Must not be blank."
    assert f'value="{escape("javascript:alert(1)")}"' in html
    assert session.scalar(select(func.count()).select_from(Lead)) == 0


def test_the_taxonomy_form_refuses_a_blank_category_name(build, client, sign_in, session):
    sign_in(build.user(None, "admin"))

    token = csrf_token(client.get("/admin/taxonomy").text)
    response = client.post("/admin/categories", data={"csrf_token": token, "slug": "doors", "name": "   "})

    assert response.status_code == 422
    assert _field_error(response.text, "name") == "Must not be blank."
    assert 'value="doors"' in response.text
    assert session.scalar(select(func.count()).select_from(Category)) == 0


def test_the_thresholds_form_refuses_zero_and_a_share_above_one_keeping_what_was_typed(
    build, client, sign_in, session
):
    sign_in(build.user(None, "admin"))
    form = {key.replace(".", "__"): str(value) for key, value in thresholds.DEFAULTS.items()}
    form |= {
        "flags__one_sided__min_handoffs": "0",
        "flags__agent_like__share": "7",
        "flags__dormant__days": "inf",
    }

    response = _post(client, "/admin/thresholds", form)

    assert response.status_code == 422
    html = response.text
    assert _field_error(html, "flags__one_sided__min_handoffs") == "Must be a number from 1 to 1000000."
    assert _field_error(html, "flags__agent_like__share") == "Must be a number more than 0 to 1."
    assert _field_error(html, "flags__dormant__days") == "Must be a number from 1 to 3650."
    assert 'value="7"' in html
    assert session.scalar(select(func.count()).select_from(Setting)) == 0


def test_the_partnership_form_refuses_a_monthly_cap_beyond_its_bound(build, client, sign_in, session):
    ours, other = build.partner(), build.partner("Fitters")
    sign_in(build.user(ours, "manager"))

    response = _post(
        client,
        "/partnerships/new",
        {
            "partner_id": str(other.id),
            "reward_type": "percent",
            "reward_value": "10",
            "currency": "EUR",
            "rep_share_percent": "20",
            "accept_sla_hours": "48",
            "monthly_cap": str(10**20),
        },
    )

    assert response.status_code == 422
    assert _field_error(response.text, "monthly_cap") == "Must be a number from 1 to 1000000."
    assert session.scalar(select(func.count()).select_from(Partnership)) == 0


def test_the_inbox_refuses_a_won_deal_worth_nothing(build, client, sign_in, session):
    sender, receiver = build.partner(), build.partner()
    handoff = build.handoff(sender, receiver, status="contacted")
    sign_in(build.user(receiver, "rep"))
    token = csrf_token(client.get(f"/handoffs/{handoff.id}").text)

    response = client.post(
        f"/handoffs/{handoff.id}/won",
        data={"csrf_token": token, "deal_value": "0"},
        headers={"Referer": f"http://localhost/handoffs/{handoff.id}"},
    )

    assert response.status_code == 303
    shown = client.get(response.headers["Location"]).text
    assert "Deal value: Must be an amount over 0 up to €999,999,999,999.99, in whole cents." in shown
    session.expire_all()
    assert session.get(Handoff, handoff.id).status == "contacted"


def test_a_page_refuses_text_no_database_can_store_on_its_field(build, client, sign_in, session):
    build.category("windows")
    sign_in(build.user(build.partner(), "rep"))

    response = _post(
        client, "/leads/new", {"name": "Ada\x00", "email": "ada@example.test", "category": "windows"}
    )

    assert response.status_code == 422
    assert _field_error(response.text, "name").startswith("Contains a character that is not text")
    assert session.scalar(select(func.count()).select_from(Lead)) == 0
