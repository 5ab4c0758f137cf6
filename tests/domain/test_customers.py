"""Customer lists: one contact written many ways is one hash, and a receiver's "already our customer"
is checked against its list as it stood before the lead came."""

import string
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.customers import lists as customers
from partnerhub.exchange import rerouting

LABEL = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
SPACE = st.sampled_from(["", " ", "  ", "\t"])


def _cased(draw, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if flip else c for c, flip in zip(text, flips, strict=True))


def _hash(column: str, value: str, country: str = "DE") -> list[int]:
    digests, errors = customers.customer_digests({column: value}, country)
    assert not errors, errors
    return digests


@settings(max_examples=100, deadline=None)
@given(st.data(), LABEL, LABEL, st.sampled_from(["de", "com", "example"]))
def test_an_email_in_any_case_and_with_spaces_around_is_one_customer(app, data, local, host, tld):
    email = f"{local}@{host}.{tld}"
    written = data.draw(SPACE) + _cased(data.draw, email) + data.draw(SPACE)

    assert _hash("email", written) == _hash("email", email)


@settings(max_examples=100, deadline=None)
@given(st.data(), st.lists(LABEL, min_size=1, max_size=3))
def test_a_domain_with_or_without_scheme_www_path_or_case_is_one_customer(app, data, labels):
    domain = ".".join([*labels, "example"])
    scheme = data.draw(st.sampled_from(["", "http://", "https://", "HTTPS://"]))
    www = data.draw(st.sampled_from(["", "www.", "WWW."]))
    path = data.draw(st.sampled_from(["", "/", "/about/us", "?q=1", ":8443/x"]))
    written = data.draw(SPACE) + scheme + www + _cased(data.draw, domain) + path

    assert _hash("domain", written) == _hash("domain", domain)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["30", "89", "40", "221", "6151"]),
    st.integers(1_000_000, 9_999_999),
    st.sampled_from(
        [
            "+49 {area} {number}",
            "+49{area}{number}",
            "0049 {area} {number}",
            "0{area} {number}",
            "(0{area}) {number}",
            "0{area}/{number}",
            "+49 (0){area} {number}",
            "+49-{area}-{number}",
            "0{area}.{number}",
        ]
    ),
)
def test_a_phone_number_with_or_without_country_code_in_any_format_is_one_customer(
    app, area, number, written
):
    e164 = f"+49{area}{number}"

    assert _hash("phone", written.format(area=area, number=number)) == _hash("phone", e164)


def test_a_number_without_country_code_is_read_in_the_partners_country(app):
    assert _hash("phone", "030 1234567", "DE") != _hash("phone", "030 1234567", "FR")
    assert _hash("phone", "01 42 68 53 00", "FR") == _hash("phone", "+33 1 42 68 53 00", "DE")


def test_an_email_and_a_domain_that_read_alike_never_match(app):
    assert customers.digest("email", "acme.example") != customers.digest("domain", "acme.example")


def test_the_hash_is_keyed_not_a_plain_hash_anyone_could_recompute(app):
    first = customers.digest("email", "a@b.example")
    customers.use_hash_key("another key")
    try:
        assert customers.digest("email", "a@b.example") != first
    finally:
        customers.use_hash_key(app.config["CUSTOMER_HASH_KEY"])


def _receiver(build, partner):
    client = build.api_client(partner)
    return Actor.client(partner_id=partner.id, client_id=client.id)


def _declined_as_customer(session, build, *, listed_at):
    sender = build.partner("Sender")
    receiver = build.partner("Receiver")
    partnership = build.partnership(sender, receiver)
    sent_at = utcnow() - timedelta(days=1)
    handoff = build.handoff_through(partnership, sender, [("sent", sent_at)])
    handoff.lead.contact_email = "buyer@acme.example"
    session.commit()
    build.customers(receiver, [{"email": "BUYER@acme.example"}], at=listed_at(sent_at))
    return rerouting.move_handoff(
        session,
        handoff=handoff,
        to="declined",
        reason="existing_customer",
        actor=_receiver(build, receiver),
    )


def test_a_claim_is_confirmed_when_the_list_held_the_customer_before_the_handoff(session, build):
    handoff = _declined_as_customer(session, build, listed_at=lambda sent: sent - timedelta(days=3))

    assert handoff.customer_claim == "confirmed"


def test_a_claim_is_not_confirmed_by_a_list_uploaded_after_the_handoff(session, build):
    handoff = _declined_as_customer(session, build, listed_at=lambda sent: sent + timedelta(hours=1))

    assert handoff.customer_claim == "not_confirmed"


@pytest.mark.parametrize("reason", ["too far away", "Already a customer"])
def test_other_decline_reasons_claim_nothing(session, build, reason):
    sender, receiver = build.partner(), build.partner()
    handoff = build.handoff_through(build.partnership(sender, receiver), sender, [("sent", utcnow())])

    rerouting.move_handoff(
        session, handoff=handoff, to="declined", reason=reason, actor=_receiver(build, receiver)
    )

    assert handoff.customer_claim is None
