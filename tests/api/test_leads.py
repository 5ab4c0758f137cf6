"""POST /leads: intake, routing, idempotency keys and duplicates; reading one's own leads."""

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from api.extensions import db
from partnerhub.core.db import utcnow
from partnerhub.models import Delivery, IdempotencyKey, Lead

NEED = "window-installation"


def _exchange(build):
    """A sender and a fitter partnered on window installation in Germany."""
    sender = build.partner("Windows Co", lines=["windows"])
    fitter = build.partner("Fitters Co", lines=[NEED])
    build.partnership(sender, fitter)
    return sender, fitter


def lead_body(**overrides):
    body = {
        "external_id": "crm-8812",
        "contact": {
            "name": "Ada Buyer",
            "email": "ada@example.test",
            "phone": "+49 30 1234",
            "company": "Ada GmbH",
        },
        "need": {"category": NEED, "text": "Six windows to fit."},
        "region": "DE-BE",
        "consent": True,
        "source": "api",
    }
    body.update(overrides)
    return body


def post_lead(client, headers, body, key="key-1"):
    return client.post("/api/v1/leads", json=body, headers={**headers, "Idempotency-Key": key})


@contextmanager
def recorded_statements():
    """Every SQL statement the app sends while the block runs, as (thread id, statement)."""
    sent: list[tuple[int, str]] = []

    def record(conn, cursor, statement, *args):
        sent.append((threading.get_ident(), statement))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_a_posted_lead_is_routed_to_the_complementary_partner(client, build):
    sender, fitter = _exchange(build)

    response = post_lead(client, build.headers(sender), lead_body())

    assert response.status_code == 201
    lead = response.get_json()
    assert lead["status"] == "routed"
    assert lead["reasons"] == []
    [handoff] = lead["handoffs"]
    assert handoff["partner"] == {"id": fitter.id, "name": "Fitters Co"}
    assert handoff["status"] == "sent"
    assert 0 < handoff["score"]["total"] <= 1


def test_the_receiver_hears_of_the_new_handoff_by_webhook_with_the_contact(client, build, session):
    sender, fitter = _exchange(build)
    build.endpoint(fitter)

    post_lead(client, build.headers(sender), lead_body())

    [delivery] = session.scalars(select(Delivery)).all()
    assert delivery.partner_id == fitter.id
    assert delivery.event_type == "handoff.created"
    assert delivery.payload["data"]["contact"]["email"] == "ada@example.test"
    assert delivery.payload["data"]["version"] == 1


def _statements_of_a_routed_lead(client, build, session) -> list[str]:
    """The SQL a lead routed to a partner listening by webhook sends, from a fresh session."""
    sender, fitter = _exchange(build)
    build.endpoint(fitter)
    headers = build.headers(sender)
    session.close()

    with recorded_statements() as sent:
        response = post_lead(client, headers, lead_body())

    assert response.status_code == 201
    return [sql for _, sql in sent]


def test_a_routed_lead_reads_everything_before_its_first_write(client, build, session):
    """Reads first, then writes: on SQLite the write lock is held only while writing, and a read
    the ORM would make lazily (the receiver's name for the webhook, say) shows up as a late SELECT."""
    statements = [sql.lstrip().upper() for sql in _statements_of_a_routed_lead(client, build, session)]

    first_write = next(i for i, sql in enumerate(statements) if sql.startswith("INSERT"))
    assert all(sql.startswith(("SELECT", "WITH")) for sql in statements[:first_write])
    assert all(sql.startswith("INSERT") for sql in statements[first_write:])


@pytest.mark.postgres_only
def test_every_statement_of_a_routed_lead_is_short_enough_for_psycopg_to_cache(client, build, session):
    """psycopg converts a query's placeholders once and caches the result, up to a length; a
    longer query is parsed again on every execution, as the candidates query once was for
    every lead routed."""
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

    statements = _statements_of_a_routed_lead(client, build, session)

    too_long = [sql[:40] for sql in statements if len(sql.encode()) > MAX_CACHED_STATEMENT_LENGTH]
    assert too_long == []


def test_posting_without_an_idempotency_key_is_400(client, build):
    sender, _ = _exchange(build)

    response = client.post("/api/v1/leads", json=lead_body(), headers=build.headers(sender))

    assert response.status_code == 400
    assert "Idempotency-Key" in response.get_json()["detail"]


def test_the_same_key_and_body_replay_the_first_response(client, build, session):
    sender, _ = _exchange(build)
    headers = build.headers(sender)

    first = post_lead(client, headers, lead_body())
    again = post_lead(client, headers, lead_body())

    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert session.scalar(select(func.count()).select_from(Lead)) == 1


def test_the_same_key_with_another_body_is_422(client, build):
    sender, _ = _exchange(build)
    headers = build.headers(sender)
    post_lead(client, headers, lead_body())

    response = post_lead(client, headers, lead_body(region="DE-BY"))

    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["errors"]


@pytest.mark.postgres_only
def test_the_same_key_while_the_first_request_runs_is_409(client, build, session):
    from sqlalchemy.orm import Session

    from partnerhub.exchange.intake import check_idempotency_key, request_fingerprint

    sender, _ = _exchange(build)
    headers = build.headers(sender)
    body = lead_body()
    # What the first request holds while it is still working: the key's lock, nothing committed.
    with Session(session.get_bind()) as first:
        check_idempotency_key(
            first,
            partner_id=sender.id,
            key="key-1",
            fingerprint=request_fingerprint(client.application.json.dumps(body).encode()),
        )

        response = post_lead(client, headers, body)

    assert response.status_code == 409
    assert "still being processed" in response.get_json()["detail"]


def test_a_key_is_free_again_after_24_hours(client, build, session):
    from datetime import timedelta

    from partnerhub.core.db import utcnow

    sender, _ = _exchange(build)
    headers = build.headers(sender)
    post_lead(client, headers, lead_body())
    session.execute(IdempotencyKey.__table__.update().values(created_at=utcnow() - timedelta(hours=25)))
    session.commit()

    response = post_lead(client, headers, lead_body(external_id="crm-9000"))

    assert response.status_code == 201
    assert response.get_json()["external_id"] == "crm-9000"


def test_a_failed_request_frees_its_key_for_a_corrected_retry(client, build):
    sender, _ = _exchange(build)
    headers = build.headers(sender)

    bad = post_lead(client, headers, lead_body(need={"category": "no-such-thing"}))
    fixed = post_lead(client, headers, lead_body())

    assert bad.status_code == 422
    assert bad.get_json()["errors"] == {"need.category": ["unknown category 'no-such-thing'"]}
    assert fixed.status_code == 201


def test_the_same_external_id_twice_is_409_with_the_existing_lead(client, build):
    sender, _ = _exchange(build)
    headers = build.headers(sender)
    first = post_lead(client, headers, lead_body(), key="a")

    again = post_lead(client, headers, lead_body(contact={"email": "other@example.test"}), key="b")

    assert again.status_code == 409
    assert again.get_json()["lead_id"] == first.get_json()["id"]


def test_the_same_external_id_stored_by_a_request_running_alongside_is_409_with_its_lead(
    client, build, session, monkeypatch
):
    """A request alongside may store the external_id while this one is deciding where to route it."""
    from sqlalchemy.orm import Session

    from partnerhub.exchange import routing

    sender, _ = _exchange(build)
    headers, sender_id = build.headers(sender), sender.id
    session.close()
    route_lead, theirs = routing.route_lead, {}

    def the_other_request_stores_it_first(session, **kwargs):
        with Session(db.engine) as other:
            other.add(Lead(partner_id=sender_id, external_id="crm-8812", contact_name="Ada", consent=True))
            other.commit()
            theirs["id"] = other.scalar(select(Lead.id).where(Lead.external_id == "crm-8812"))
        return route_lead(session, **kwargs)

    monkeypatch.setattr(routing, "route_lead", the_other_request_stores_it_first)
    response = post_lead(client, headers, lead_body())

    assert response.status_code == 409
    assert response.get_json()["lead_id"] == theirs["id"]
    assert session.scalar(select(func.count()).select_from(Lead)) == 1


def test_the_same_external_id_on_an_unqualified_lead_is_409_too(client, build):
    sender, _ = _exchange(build)
    headers = build.headers(sender)
    first = post_lead(client, headers, lead_body(consent=False), key="a")

    again = post_lead(client, headers, lead_body(consent=False), key="b")

    assert first.get_json()["status"] == "not_qualified"
    assert again.status_code == 409
    assert again.get_json()["lead_id"] == first.get_json()["id"]


def test_another_partner_may_reuse_an_external_id(client, build):
    sender, fitter = _exchange(build)
    post_lead(client, build.headers(sender), lead_body(), key="a")

    response = post_lead(client, build.headers(fitter), lead_body(need={"category": "windows"}), key="a")

    assert response.status_code == 201


def test_a_lead_without_consent_or_contact_is_kept_as_not_qualified(client, build):
    sender, _ = _exchange(build)

    response = post_lead(client, build.headers(sender), lead_body(consent=False, contact={"name": "Anon"}))

    assert response.status_code == 201
    lead = response.get_json()
    assert lead["status"] == "not_qualified"
    assert lead["reasons"] == [
        "no reachable contact: give an email or a phone number",
        "no consent to be contacted by a partner",
    ]
    assert lead["handoffs"] == []


def test_an_unroutable_lead_is_unrouted_with_its_reason_and_the_sender_hears_of_it(client, build, session):
    sender = build.partner("Windows Co", lines=["windows"])
    build.category(NEED)
    build.endpoint(sender)

    response = post_lead(client, build.headers(sender), lead_body())

    assert response.get_json()["status"] == "unrouted"
    assert "No active partnership" in response.get_json()["reasons"][0]
    [delivery] = session.scalars(select(Delivery)).all()
    assert (delivery.partner_id, delivery.event_type) == (sender.id, "lead.unrouted")


def test_unknown_fields_are_refused(client, build):
    sender, _ = _exchange(build)

    response = post_lead(client, build.headers(sender), lead_body(colour="red"))

    assert response.status_code == 422
    assert "colour" in response.get_json()["errors"]


@pytest.mark.parametrize("consent", ["yes", "no", 1, "true"])
def test_consent_is_a_json_boolean_not_a_guess(client, build, session, consent):
    sender, _ = _exchange(build)

    response = post_lead(client, build.headers(sender), lead_body(consent=consent))

    assert response.status_code == 422
    assert response.get_json()["errors"] == {"consent": ["Not a valid boolean."]}
    assert session.scalar(select(func.count()).select_from(Lead)) == 0


def test_a_body_that_is_not_json_is_400_saying_where_it_breaks(client, build):
    sender, _ = _exchange(build)
    headers = {**build.headers(sender), "Idempotency-Key": "k", "Content-Type": "application/json"}

    response = client.post("/api/v1/leads", data=b'{"contact": {"name": "Ada"', headers=headers)

    assert response.status_code == 400
    assert response.get_json()["detail"].startswith("The request body is not valid JSON: Expecting")
    assert "line 1 column" in response.get_json()["detail"]


def test_a_partner_lists_and_reads_only_its_own_leads(client, build):
    sender, fitter = _exchange(build)
    mine = post_lead(client, build.headers(sender), lead_body()).get_json()
    theirs = post_lead(client, build.headers(fitter), lead_body(need={"category": "windows"})).get_json()

    listed = client.get("/api/v1/leads", headers=build.headers(sender)).get_json()
    own = client.get(f"/api/v1/leads/{mine['id']}", headers=build.headers(sender))
    foreign = client.get(f"/api/v1/leads/{theirs['id']}", headers=build.headers(sender))
    foreign_handoff = client.post(
        f"/api/v1/leads/{theirs['id']}/handoffs", json={}, headers=build.headers(sender)
    )

    assert [lead["id"] for lead in listed["items"]] == [mine["id"]]
    assert own.status_code == 200
    assert foreign.status_code == 404
    assert foreign_handoff.status_code == 404


def test_a_rep_hands_an_unrouted_lead_to_a_chosen_partner_with_a_note(client, build):
    sender, fitter = _exchange(build)
    headers = build.headers(sender)
    stranger = build.partner("Later Co", lines=[NEED])
    lead = post_lead(client, headers, lead_body(region="FR")).get_json()
    build.partnership(sender, stranger)
    build.line(fitter, NEED, regions=["FR"])

    chosen = client.post(
        f"/api/v1/leads/{lead['id']}/handoffs",
        json={"partner_id": fitter.id, "note": "Call her today."},
        headers=headers,
    )
    again = client.post(f"/api/v1/leads/{lead['id']}/handoffs", json={}, headers=headers)

    assert lead["status"] == "unrouted"
    assert chosen.status_code == 201
    assert chosen.get_json()["to_partner"]["id"] == fitter.id
    assert chosen.get_json()["warmup_note"] == "Call her today."
    assert again.status_code == 409
    assert "already held by Fitters Co" in again.get_json()["detail"]


def test_handing_off_to_a_partner_that_cannot_take_the_lead_is_409_with_why(client, build):
    sender, _ = _exchange(build)
    headers = build.headers(sender)
    lead = post_lead(client, headers, lead_body(region="FR")).get_json()
    outsider = build.partner("Outsider", lines=[NEED])

    response = client.post(
        f"/api/v1/leads/{lead['id']}/handoffs", json={"partner_id": outsider.id}, headers=headers
    )

    assert response.status_code == 409
    assert "no active partnership" in response.get_json()["detail"]


def test_a_whitespace_contact_a_malformed_email_and_a_script_for_a_phone_are_422(client, build):
    sender, _fitter = _exchange(build)
    contact = {"name": "  ", "email": "not-an-email", "phone": "javascript:alert(1)", "company": "\t"}

    response = post_lead(client, build.headers(sender), lead_body(contact=contact))

    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "contact.name": ["must not be blank"],
        "contact.email": ["must be an email address such as name@example.com"],
        "contact.phone": ["must be a phone number"],
        "contact.company": ["must not be blank"],
    }


def test_a_conflict_from_another_senders_lead_names_neither_the_holder_nor_the_day(client, build):
    sender, fitter = _exchange(build)
    handed = utcnow() - timedelta(days=10)
    build.handoff(build.partner("Other Sender"), fitter, email="ada@example.test", sent_at=handed)

    response = post_lead(client, build.headers(sender), lead_body())

    body = response.get_json()
    assert response.status_code == 201
    assert body["status"] == "unrouted"
    assert body["reasons"] == ["The contact is already being worked by a partner"]
    assert "Fitters Co" not in str(body)
    assert handed.date().isoformat() not in str(body)


def test_a_conflict_from_another_senders_lead_is_unnamed_among_the_excluded_too(client, build):
    sender, fitter = _exchange(build)
    cleaner = build.partner("Cleaners Co", lines=[NEED])
    build.partnership(sender, cleaner)
    build.handoff(build.partner("Other Sender"), fitter, email="ada@example.test")

    lead = post_lead(client, build.headers(sender), lead_body()).get_json()
    shown = client.get(f"/api/v1/handoffs/{lead['handoffs'][0]['id']}", headers=build.headers(sender))

    assert lead["handoffs"][0]["partner"]["name"] == "Cleaners Co"
    assert shown.get_json()["excluded"] == [{"excluded": "the contact is already being worked by a partner"}]
    assert "Fitters Co" not in shown.text


def test_a_conflict_with_the_senders_own_earlier_handoff_names_the_holder_and_the_day(client, build):
    sender, fitter = _exchange(build)
    build.handoff(sender, fitter, email="ada@example.test")

    body = post_lead(client, build.headers(sender), lead_body()).get_json()

    assert body["reasons"] == [
        f"Fitters Co: conflict: the same contact was handed to Fitters Co on {utcnow().date().isoformat()} "
        "(within 90 days)"
    ]
