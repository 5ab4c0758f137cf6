"""PartnerHub in English, German and Russian: pages, emails and flag sentences, with local numbers and money.

The language is the person's choice on their account, else the sign-in page's switcher
(a cookie), else the browser's Accept-Language, else English; emails go in the recipient's
choice, else English.
"""

import io
from datetime import timedelta
from decimal import Decimal
from email.header import decode_header, make_header

import pytest
from markupsafe import escape
from sqlalchemy import select

from partnerhub.core import mail
from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.core.i18n import ListOf, Money, phrase, translator
from partnerhub.core.words import count_of
from partnerhub.delivery import jobs, notices
from partnerhub.exchange import intake, rerouting
from partnerhub.models import Email, Flag, Lead, Partnership
from partnerhub.people import accounts, notifications, team
from partnerhub.reports import flags
from tests.mailbox import Mailbox
from tests.web.conftest import csrf_token, screenshot

NBSP = "\xa0"
# The thresholds that make any one-way exchange a one-sided flag.
ANY_ONE_WAY = {"flags.one_sided.min_handoffs": 1, "flags.one_sided.ratio": 1}


@pytest.mark.parametrize(
    ("language", "one", "two", "five"),
    [
        ("en", "1 lead", "2 leads", "5 leads"),
        ("de", "1 Lead", "2 Leads", "5 Leads"),
        ("ru", "1 лид", "2 лида", "5 лидов"),
    ],
)
def test_a_count_of_leads_takes_the_plural_form_of_its_language(language, one, two, five):
    words = translator(language)
    assert [count_of(n, "lead", words) for n in (1, 2, 5)] == [one, two, five]
    if language == "ru":
        teens_and_twenties = [count_of(n, "lead", words) for n in (11, 21, 22, 25)]
        assert teens_and_twenties == ["11 лидов", "21 лид", "22 лида", "25 лидов"]


def test_numbers_and_money_are_written_the_way_each_language_writes_them():
    amount = Decimal("1234.50")
    assert translator("en").money(amount, "EUR") == "€1,234.50"
    assert translator("de").money(amount, "EUR") == f"1.234,50{NBSP}€"
    assert translator("ru").money(amount, "RUB") == f"1{NBSP}234,50{NBSP}₽"
    assert [translator(lang).number(1234567) for lang in ("en", "de", "ru")] == [
        "1,234,567",
        "1.234.567",
        f"1{NBSP}234{NBSP}567",
    ]
    in_three_hours = translator("en").relative(utcnow() + timedelta(hours=3, seconds=5), utcnow())
    assert in_three_hours == "in 3 hours"
    assert translator("de").relative(utcnow() + timedelta(hours=3, seconds=5), utcnow()) == "in 3 Stunden"


def test_a_phrase_said_again_reads_the_same_and_equal_values_of_other_types_read_apart():
    words = translator("de")
    said = [
        words.phrase(phrase("%(value)s", value=v)) for v in (1, True, Decimal(1), 1, Money(Decimal(1), "EUR"))
    ]
    assert said == ["1", "True", "1,00", "1", f"1,00{NBSP}€"]
    assert words.phrase(phrase("%(value)s", value=[1])) == "[1]"
    listed = [words.phrase(phrase("%(value)s", value=ListOf(items))) for items in ((1, 2), (True, 2))]
    assert listed == ["1 und 2", "True und 2"]


def _one_sided(sent: int) -> flags.Finding:
    acme = flags.PartnerFacts(id=1, name="Acme", sales_reps=2, monthly_leads=1200)
    northwind = flags.PartnerFacts(id=2, name="Northwind", sales_reps=5, monthly_leads=10)
    return flags.one_sided(acme, northwind, a_sent=sent, b_sent=0, period_days=90, t=ANY_ONE_WAY)


@pytest.mark.parametrize(("sent", "leads"), [(1, "1 лид"), (2, "2 лида"), (5, "5 лидов")])
def test_a_flag_sentence_reads_in_russian_with_the_plural_of_its_number(sent, leads):
    finding = _one_sided(sent)
    assert translator("ru").phrase(finding.words) == (
        f"Acme за 90 дней отправила Northwind {leads}, Northwind в ответ — 0."
    )
    # The stored sentence and the API's stay English.
    assert finding.sentence.startswith(f"Acme sent {sent} lead")


def test_a_flag_sentence_and_its_action_read_in_german_with_german_numbers():
    acme = flags.PartnerFacts(id=1, name="Acme", sales_reps=1500, monthly_leads=12000)
    northwind = flags.PartnerFacts(id=2, name="Northwind", sales_reps=3, monthly_leads=30)
    finding = flags.size_mismatch(acme, northwind, {"flags.size_mismatch.ratio": 3})
    german = translator("de")
    assert german.phrase(finding.words) == (
        "Acme hat 1.500 Vertriebsmitarbeiter und erwartet 12.000 Leads im Monat; Northwind hat 3 "
        "und erwartet 30 (500,0-mal so viele Vertriebsmitarbeiter, 400,0-mal so viele Leads)."
    )
    assert german.phrase(finding.action_words).startswith("Setzen Sie für diese Partnerschaft eine")
    assert finding.sentence.startswith("Acme has 1,500 sales reps and expects 12,000 leads a month")


def test_the_sign_in_page_follows_the_browser_and_then_the_switcher(client):
    german = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}).text
    assert '<html lang="de">' in german
    assert "Passwort vergessen?" in german
    assert 'href="/language/ru?next=' in german

    switched = client.get("/language/ru?next=/login", headers={"Accept-Language": "de"})
    assert switched.status_code == 303
    assert switched.headers["Location"] == "/login"
    russian = client.get("/login", headers={"Accept-Language": "de"}).text
    assert '<html lang="ru">' in russian
    assert "Забыли пароль?" in russian

    assert client.get("/language/de?next=//evil.example").headers["Location"] == "/login"


def test_a_persons_choice_on_their_account_outranks_the_browser_and_is_kept(build, client, sign_in, session):
    manager = build.user(build.partner("Acme"), "manager")
    sign_in(manager)
    page = client.get("/account", headers={"Accept-Language": "de"}).text
    assert "Ihre Sprache" in page
    saved = client.post(
        "/account/language",
        data={"language": "ru", "csrf_token": csrf_token(page)},
        headers={"Accept-Language": "de"},
    )
    assert saved.status_code == 303
    account = client.get("/account", headers={"Accept-Language": "de"}).text
    assert '<html lang="ru">' in account
    assert "Язык сохранён." in account
    session.refresh(manager)
    assert manager.language == "ru"


def test_an_email_is_written_in_its_recipients_language_and_english_without_a_choice(build, session):
    acme = build.partner("Acme")
    chose_russian = build.user(acme, "manager", email="olga@acme.example")
    accounts.choose_language(session, user=chose_russian, language="ru")
    no_choice = build.user(acme, "rep", email="tim@acme.example")
    for person in (chose_russian, no_choice):
        mail.queue_email(
            session,
            to=person.email,
            kind="sign_in_paused",
            context={"name": "", "failures": 5, "reset_link": "https://hub.example/password-reset"},
        )
    russian, english = session.scalars(select(Email).order_by(Email.id)).all()
    assert russian.subject == "Вход в ваш аккаунт PartnerHub временно приостановлен"
    assert "Кто-то 5 раз подряд ввёл неверный пароль" in russian.text_body
    assert '<html lang="ru">' in russian.html_body
    assert english.subject == "Sign-in to your PartnerHub account is paused for now"
    assert "5 times in a row" in english.text_body


def test_an_email_formats_its_dates_in_the_recipients_language():
    expires = utcnow().replace(year=2027, month=3, day=1, hour=12, minute=0, second=0, microsecond=0)
    context = {"partner_name": "Acme", "inviter": "Ann", "role": "rep", "link": "https://x"}
    context["expires"] = expires
    german = mail.render("invitation", context, "de")
    assert "als Vertriebsmitarbeiter beizutreten" in german.text
    assert "01.03.2027" in german.text
    assert "Mar 1, 2027" in mail.render("invitation", context, None).text


def _balance_history(build, session):
    build.complement("windows", "window-installation")
    nordlicht = build.partner("Nordlicht Fenster", sales_reps=40, monthly_leads=400, lines=["windows"])
    glasklar = build.partner("Glasklar Montage", sales_reps=1, monthly_leads=8, lines=["window-installation"])
    partnership = build.partnership(nordlicht, glasklar, accept_sla_hours=1)
    for days in (80, 50, 20):
        sent = utcnow() - timedelta(days=days)
        steps = ["delivered", "accepted", "contacted", "won"]
        timeline = [("sent", sent)] + [(s, sent + timedelta(hours=6 * (i + 1))) for i, s in enumerate(steps)]
        build.handoff_through(
            partnership, nordlicht, timeline, deal_value="41234.50", reward_amount="2061.73"
        )
    for days in (15, 10, 5):
        sent = utcnow() - timedelta(days=days)
        build.handoff_through(partnership, nordlicht, [("sent", sent), ("expired", sent + timedelta(days=2))])
    flags.refresh_flags(session, now=utcnow())
    session.commit()
    return build.user(nordlicht, "manager")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("de-DE", ("Bilanz", f"123.703,50{NBSP}€")), ("ru-RU", ("Баланс", f"123{NBSP}703,50{NBSP}€"))],
)
def test_the_balance_page_reads_in_the_browsers_language_with_its_money(
    build, open_as, session, locale, expected
):
    heading, money = expected
    manager = _balance_history(build, session)
    page = open_as(manager, locale=locale)
    page.goto("/balance")
    assert page.locator("html").get_attribute("lang") == locale[:2]
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert money in page.locator("#net-heading + dl").inner_text()
    screenshot(page, f"balance-{locale[:2]}")


def test_a_flags_history_and_its_partnership_page_read_its_sentence_in_the_readers_language(
    build, client, sign_in, session
):
    manager = _balance_history(build, session)
    flag = session.scalars(select(Flag).where(Flag.kind == "size_mismatch")).one()
    russian = translator("ru").phrase(flags.sentence_of(flag))
    assert russian != flag.sentence
    sign_in(manager)

    history = client.get(f"/flags/{flag.id}", headers={"Accept-Language": "ru"}).text
    partnership_id = session.scalars(select(Partnership.id)).one()
    partnership = client.get(f"/partnerships/{partnership_id}", headers={"Accept-Language": "ru"}).text

    for page in (history, partnership):
        assert str(escape(russian)) in page
        assert str(escape(flag.sentence)) not in page


def _lead_assigned_to(build, session, language: str, *, daily_digest: bool = False):
    """A window maker's lead given at intake to a fitter's only rep, who reads PartnerHub in `language`."""
    build.complement("windows", "window-installation")
    maker = build.partner("Window Maker", lines=["windows"])
    fitter = build.partner("Fitter", lines=["window-installation"])
    build.partnership(maker, fitter)
    rep = build.user(fitter, "rep", email="rep@fitter.example")
    accounts.choose_language(session, user=rep, language=language)
    if daily_digest:
        notifications.save_settings(
            session, user=rep, on={"lead_assigned:in_app", "lead_assigned:email"}, daily_digest=True
        )
    intake.take_lead(
        session,
        actor=Actor.client(partner_id=maker.id, client_id=None),
        contact={"name": "Anna Berg", "phone": "+49 30 1234567"},
        need={"category": "window-installation"},
        consent=True,
    )
    session.commit()
    return rep


def _delivered(session, *, now) -> tuple[str, str]:
    """The subject and plain text of the one email the worker's jobs send now."""
    with Mailbox() as mailbox:
        smtp = mail.SmtpSettings(host="127.0.0.1", port=mailbox.port, sender="hub@example.test")
        jobs.run_due_jobs(session, now=now, smtp=smtp, base_url="https://hub.example")
        mail.send_due_emails(session, smtp=smtp, now=now)
    [delivered] = [m for m in mailbox.mails if m.recipients == ["rep@fitter.example"]]
    subject = str(make_header(decode_header(delivered.message["Subject"])))
    text = delivered.message.get_payload()[0].get_payload(decode=True).decode()
    return subject, text


ASSIGNED = {
    "de": ("Ihnen wurde ein Lead zugewiesen: Anna Berg", "Window Maker hat diesen Lead übergeben"),
    "ru": ("Вам назначен лид: Anna Berg", "Window Maker передал этот лид"),
}


@pytest.mark.parametrize("language", ["de", "ru"])
def test_a_lead_assigned_reads_in_the_persons_language_in_the_bell_list(
    build, client, sign_in, session, language
):
    rep = _lead_assigned_to(build, session, language)
    subject, body = ASSIGNED[language]
    sign_in(rep)

    bell = client.get("/notifications", headers={"Accept-Language": "en"}).text

    assert str(escape(subject)) in bell
    assert str(escape(body)) in bell
    assert "A lead is assigned to you" not in bell
    assert translator(language).gettext("A lead is assigned to me") in bell


@pytest.mark.parametrize("language", ["de", "ru"])
def test_a_lead_assigned_is_emailed_in_the_persons_language(build, session, language):
    _lead_assigned_to(build, session, language)
    subject, body = ASSIGNED[language]

    delivered_subject, text = _delivered(session, now=utcnow())

    assert delivered_subject == subject
    assert body in text


def test_a_daily_digest_reads_each_notification_in_the_persons_language(build, session):
    _lead_assigned_to(build, session, "ru", daily_digest=True)
    subject, body = ASSIGNED["ru"]

    delivered_subject, text = _delivered(session, now=utcnow() + timedelta(days=1))

    assert delivered_subject.startswith("Ваши уведомления PartnerHub")
    assert subject in text
    assert body in text


def test_a_notification_written_before_phrases_were_kept_shows_its_english(build, client, sign_in, session):
    rep = build.user(build.partner("Fitter"), "rep", email="rep@fitter.example")
    accounts.choose_language(session, user=rep, language="de")
    notifications.notify_person(
        session, user=rep, kind="proposal_waiting", occasion="old", subject="Acme proposes a partnership"
    )
    session.commit()
    sign_in(rep)

    assert "Acme proposes a partnership" in client.get("/notifications").text


def _refused_won(build, client, sign_in, language: str, deal_value: str) -> str:
    sender, receiver = build.partner(), build.partner()
    handoff = build.handoff(sender, receiver, status="contacted")
    sign_in(build.user(receiver, "rep"))
    headers = {"Accept-Language": language}
    token = csrf_token(client.get(f"/handoffs/{handoff.id}", headers=headers).text)
    response = client.post(
        f"/handoffs/{handoff.id}/won",
        data={"csrf_token": token, "deal_value": deal_value},
        headers={**headers, "Referer": f"http://localhost/handoffs/{handoff.id}"},
    )
    return client.get(response.headers["Location"], headers=headers).text


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("de", f"Auftragswert: Muss ein Betrag über 0 bis 999.999.999.999,99{NBSP}€ sein, in ganzen Cent."),
        (
            "ru",
            f"Должно быть суммой больше 0 и не больше 999{NBSP}999{NBSP}999{NBSP}999,99{NBSP}€, "
            "с точностью до цента.",  # noqa: RUF001
        ),
    ],
)
def test_a_won_deal_worth_nothing_is_refused_in_the_readers_language_with_local_money(
    build, client, sign_in, language, refusal
):
    shown = _refused_won(build, client, sign_in, language, "0")

    assert str(escape(refusal)) in shown
    assert "in whole cents" not in shown


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("de", "Nur der eingeladene Partner kann diese Partnerschaft annehmen."),
        ("ru", "Принять это партнёрство может только приглашённый партнёр."),
    ],
)
def test_a_partnership_move_refused_to_the_proposer_reads_in_the_readers_language(
    build, client, sign_in, language, refusal
):
    ours, other = build.partner(), build.partner()
    partnership = build.partnership(ours, other, status="proposed")
    sign_in(build.user(ours, "manager"))
    headers = {"Accept-Language": language}
    token = csrf_token(client.get(f"/partnerships/{partnership.id}", headers=headers).text)

    response = client.post(
        f"/partnerships/{partnership.id}/accept",
        data={"csrf_token": token},
        headers={**headers, "Referer": f"http://localhost/partnerships/{partnership.id}"},
    )

    assert refusal in client.get(response.headers["Location"], headers=headers).text


@pytest.mark.parametrize(
    ("language", "refusal"),
    [("de", "Diese Einladung ist am {day} abgelaufen."), ("ru", "Срок этого приглашения истёк {day}.")],
)
def test_an_expired_invitation_says_when_in_the_readers_language(build, client, session, language, refusal):
    manager = build.user(build.partner(), "manager")
    invitation = team.invite(
        session,
        partner=manager.partner,
        email="new@example.test",
        role="rep",
        actor=Actor.user(partner_id=manager.partner_id, user_id=manager.id),
        base_url="http://hub.test",
        now=utcnow() - timedelta(days=8),
    )
    session.commit()
    day = translator(language).date(invitation.user.invite_expires_at.date())

    response = client.get(
        invitation.url.removeprefix("http://hub.test"), headers={"Accept-Language": language}
    )

    assert response.status_code == 410
    assert refusal.format(day=day) in response.text


def test_the_api_keeps_a_refusal_in_english_whatever_the_language_asked(build, client, session):
    sender, receiver = build.partner(), build.partner()
    handoff = build.handoff(sender, receiver, status="contacted")

    response = client.post(
        f"/api/v1/handoffs/{handoff.id}/transitions",
        json={"to": "won", "deal_value": {"amount": "100.00", "currency": "USD"}},
        headers={**build.headers(receiver), "Accept-Language": "ru"},
    )

    assert response.status_code == 422
    assert response.get_json()["errors"] == {"deal_value.currency": ["this partnership settles in EUR"]}


RECALLED = {"de": "Von Fitter zurückgerufen.", "ru": "Отозван у партнёра Fitter."}  # noqa: RUF001


@pytest.mark.parametrize("language", ["de", "ru"])
def test_a_recalled_leads_reason_reads_in_the_readers_language_and_stays_english_in_the_api(
    build, client, sign_in, session, language
):
    _lead_assigned_to(build, session, "en")
    lead = session.scalars(select(Lead)).one()
    rerouting.move_handoff(
        session,
        handoff=lead.handoffs[0],
        to="recalled",
        actor=Actor.client(partner_id=lead.partner_id, client_id=None),
    )
    session.commit()
    sign_in(build.user(lead.partner, "manager"))

    page = client.get(f"/leads/{lead.id}", headers={"Accept-Language": language}).text

    assert RECALLED[language] in page
    assert "Recalled from" not in page
    assert lead.reasons == ["Recalled from Fitter."]


AT_ITS_CAP = {
    "de": "Fitter: hat sein Monatslimit von 1 Leads erreicht",
    "ru": "Fitter: достиг месячного лимита лидов: 1",
}


@pytest.mark.parametrize("language", ["de", "ru"])
def test_why_a_lead_went_nowhere_reads_in_the_readers_language(build, client, sign_in, session, language):
    build.complement("windows", "window-installation")
    maker = build.partner("Window Maker", lines=["windows"])
    fitter = build.partner("Fitter", lines=["window-installation"])
    build.partnership(maker, fitter, monthly_cap=1)
    build.user(fitter, "rep")
    for name, phone in (("Anna Berg", "+49 30 1234567"), ("Ben Kohl", "+49 30 7654321")):
        lead = intake.take_lead(
            session,
            actor=Actor.client(partner_id=maker.id, client_id=None),
            contact={"name": name, "phone": phone},
            need={"category": "window-installation"},
            consent=True,
        )
    session.commit()
    sign_in(build.user(maker, "manager"))

    page = client.get(f"/leads/{lead.id}", headers={"Accept-Language": language}).text

    assert lead.reasons == ["Fitter: at its monthly cap of 1 leads"]
    assert AT_ITS_CAP[language] in page
    assert "monthly cap" not in page


def test_a_customer_file_with_an_unknown_column_is_refused_in_the_readers_language(
    build, client, sign_in, session
):
    manager = build.user(build.partner(), "manager")
    accounts.choose_language(session, user=manager, language="de")
    session.commit()
    sign_in(manager)
    token = csrf_token(client.get("/customers").text)

    page = client.post(
        "/customers",
        data={"csrf_token": token, "file": (io.BytesIO(b"email,colour\n"), "customers.csv")},
        content_type="multipart/form-data",
        headers={"Referer": "http://localhost/customers"},
        follow_redirects=True,
    ).text

    assert "Die Kopfzeile nennt eine Spalte, die diese Liste nicht kennt." in page
    assert str(escape("unbekannte Spalte 'colour'; die Kopfzeile nennt einige von: email")) in page
    assert "unknown column" not in page


def test_a_handoff_that_is_not_there_is_said_so_in_the_readers_language(build, client, sign_in):
    sign_in(build.user(build.partner(), "manager"))

    page = client.get("/handoffs/999999", headers={"Accept-Language": "ru"})

    assert page.status_code == 404
    assert "Передачи 999999 нет." in page.text


def test_the_last_manager_is_refused_demotion_in_the_readers_language(build, client, sign_in, session):
    manager = build.user(build.partner("Solo"), "manager", email="mia@solo.example")
    accounts.choose_language(session, user=manager, language="ru")
    session.commit()
    sign_in(manager)
    token = csrf_token(client.get("/team").text)

    response = client.post(f"/team/{manager.id}/rep", data={"csrf_token": token}, follow_redirects=True)

    refusal = "последний активный менеджер в Solo: сначала назначьте менеджером кого-то другого."
    assert refusal in response.text
    assert "last active manager" not in response.text


def _quiet_partnership_for_a_german_manager(build, session):
    """Acme's manager, who reads PartnerHub in German, and a partnership with Northwind quiet for 31 days."""
    acme, northwind = build.partner("Acme"), build.partner("Northwind")
    build.partnership(acme, northwind)
    build.handoff(acme, northwind, sent_at=utcnow() - timedelta(days=31))
    manager = build.user(acme, "manager", email="manager@acme.example")
    accounts.choose_language(session, user=manager, language="de")
    session.commit()
    return manager


DORMANT_IN_GERMAN = (
    "Seit 31 Tagen keine Leads mit Northwind ausgetauscht",
    "Ihre Partnerschaft mit Northwind ist aktiv, aber seit 31 Tagen ging in keine Richtung ein Lead.",
)


def test_a_dormant_reminder_reads_in_the_managers_language_on_the_balance_page(
    build, client, sign_in, session
):
    manager = _quiet_partnership_for_a_german_manager(build, session)
    jobs.remind_dormant(session, now=utcnow())
    session.commit()
    sign_in(manager)

    page = client.get("/balance", headers={"Accept-Language": "en"}).text

    subject, body = DORMANT_IN_GERMAN
    assert str(escape(subject)) in page
    assert str(escape(body)) in page
    assert "No leads exchanged with Northwind" not in page


def test_a_dormant_reminder_is_emailed_in_the_managers_language(build, session):
    _quiet_partnership_for_a_german_manager(build, session)
    now = utcnow()
    jobs.remind_dormant(session, now=now)

    with Mailbox() as mailbox:
        smtp = mail.SmtpSettings(host="127.0.0.1", port=mailbox.port, sender="hub@example.test")
        jobs.email_notices(session, now=now, smtp=smtp)
        mail.send_due_emails(session, smtp=smtp, now=now)
    [delivered] = [m for m in mailbox.mails if m.recipients == ["manager@acme.example"]]
    text = delivered.message.get_payload()[0].get_payload(decode=True).decode()

    subject, body = DORMANT_IN_GERMAN
    assert str(make_header(decode_header(delivered.message["Subject"]))) == subject
    assert body in text


def test_a_notice_written_before_phrases_were_kept_shows_its_english(build, client, sign_in, session):
    manager = _quiet_partnership_for_a_german_manager(build, session)
    notices.notify(
        session,
        partner_id=manager.partner_id,
        kind="dormant",
        subject="No leads exchanged with Northwind in 31 days",
        body="Your partnership with Northwind is active.",
    )
    session.commit()
    sign_in(manager)

    page = client.get("/balance").text

    assert "No leads exchanged with Northwind in 31 days" in page
    assert "Your partnership with Northwind is active." in page


DIGEST_LINES = {
    "de": (
        "Northwind: 5 Leads im Status „angenommen“ und 1 Lead im Status „gewonnen“",
        "Zenith: 2 Leads im Status „abgelehnt“",
    ),
    "ru": (
        "Northwind: 5 лидов в статусе «принят» и 1 лид в статусе «выигран»",
        "Zenith: 2 лида в статусе «отклонён»",
    ),
}


def _weekly_digest_for_a_german_and_a_russian_manager(build, session):
    """Acme's week of leads to Northwind and Zenith, digested for its two managers, one reading German,
    the other Russian."""
    acme, northwind, zenith = build.partner("Acme"), build.partner("Northwind"), build.partner("Zenith")
    for status in ["accepted"] * 5 + ["won"]:
        build.handoff(acme, northwind, status=status)
    for _ in range(2):
        build.handoff(acme, zenith, status="declined")
    managers = {}
    for language in DIGEST_LINES:
        managers[language] = build.user(acme, "manager", email=f"{language}@acme.example")
        accounts.choose_language(session, user=managers[language], language=language)
    jobs.send_weekly_digests(session, now=utcnow())
    session.commit()
    return managers


@pytest.mark.parametrize("language", DIGEST_LINES)
def test_a_weekly_digest_is_emailed_with_its_counts_in_each_managers_language(build, session, language):
    _weekly_digest_for_a_german_and_a_russian_manager(build, session)

    jobs.email_notices(session, now=utcnow(), smtp=None)

    email = session.scalar(select(Email).where(Email.to_address == f"{language}@acme.example"))
    assert "\n".join(DIGEST_LINES[language]) in email.text_body
    assert "accepted" not in email.text_body


def test_a_weekly_digest_reads_its_counts_in_the_managers_language_on_the_balance_page(
    build, client, sign_in, session
):
    managers = _weekly_digest_for_a_german_and_a_russian_manager(build, session)
    sign_in(managers["ru"])

    page = client.get("/balance", headers={"Accept-Language": "en"}).text

    for line in DIGEST_LINES["ru"]:
        assert str(escape(line)) in page
