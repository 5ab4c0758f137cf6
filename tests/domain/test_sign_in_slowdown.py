"""Wrong passwords to one account slow it down, growing, with one notice per burst, never for good."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from partnerhub.core.db import utcnow
from partnerhub.core.errors import InvalidCredentials, SignInPaused
from partnerhub.models import Email, UnknownSignIn, User
from partnerhub.people import accounts, credentials
from tests.builders import TEST_PASSWORD


def _guess(session, user, at, password="wrong guess here"):
    with pytest.raises(InvalidCredentials) as refused:
        credentials.authenticate_user(session, email=user.email, password=password, now=at)
    session.commit()
    return refused.value


def _notices(session, user) -> int:
    return len(
        session.scalars(
            select(Email).where(Email.to_address == user.email, Email.kind == "sign_in_paused")
        ).all()
    )


def test_four_wrong_passwords_do_not_pause_the_fifth_does_for_a_minute(session, build):
    user = build.user(build.partner(), "rep")
    start = utcnow()

    first_four = [_guess(session, user, start + timedelta(seconds=i)) for i in range(4)]
    fifth = _guess(session, user, start + timedelta(seconds=4))

    assert not any(isinstance(refusal, SignInPaused) for refusal in first_four)
    assert isinstance(fifth, SignInPaused)
    assert fifth.until == start + timedelta(seconds=4, minutes=1)


def test_while_paused_even_the_right_password_is_refused_and_afterwards_it_works(session, build):
    user = build.user(build.partner(), "rep")
    start = utcnow()
    for i in range(5):
        _guess(session, user, start + timedelta(seconds=i))

    during = _guess(session, user, start + timedelta(seconds=30), password=TEST_PASSWORD)
    after = credentials.authenticate_user(
        session, email=user.email, password=TEST_PASSWORD, now=start + timedelta(minutes=2)
    )

    assert isinstance(during, SignInPaused)
    assert after.id == user.id
    assert (after.failed_logins, after.login_paused_until) == (0, None)


def test_each_wrong_password_after_a_pause_doubles_the_next_up_to_an_hour(session, build):
    user = build.user(build.partner(), "rep")
    at = utcnow()
    for i in range(5):
        _guess(session, user, at + timedelta(seconds=i))
    pauses = []
    for _ in range(8):
        at = user.login_paused_until + timedelta(seconds=1)
        pauses.append(_guess(session, user, at).until - at)

    assert pauses == [timedelta(minutes=m) for m in (2, 4, 8, 16, 32, 60, 60, 60)]


def test_the_person_gets_one_notice_per_burst(session, build):
    user = build.user(build.partner(), "rep")
    at = utcnow()
    for i in range(5):
        _guess(session, user, at + timedelta(seconds=i))
    for _ in range(3):
        _guess(session, user, user.login_paused_until + timedelta(seconds=1))
    in_first_burst = _notices(session, user)
    # A quarter of an hour of quiet after the last pause ends the burst; the next one is news again.
    at = user.login_paused_until + timedelta(minutes=16)
    for i in range(5):
        _guess(session, user, at + timedelta(seconds=i))

    assert in_first_burst == 1
    assert _notices(session, user) == 2
    notice = session.scalars(select(Email).where(Email.kind == "sign_in_paused")).first()
    assert "/password-reset" in notice.text_body


def test_wrong_passwords_spread_over_more_than_a_quarter_hour_never_pause(session, build):
    user = build.user(build.partner(), "rep")
    start = utcnow()

    refusals = [_guess(session, user, start + timedelta(minutes=16 * i)) for i in range(10)]

    assert not any(isinstance(refusal, SignInPaused) for refusal in refusals)


def test_a_password_reset_lifts_the_pause_at_once(session, build):
    user = build.user(build.partner(), "rep")
    for _ in range(5):
        _guess(session, user, utcnow())
    accounts.request_password_reset(session, email=user.email, base_url="http://hub.example")
    link = session.scalar(select(Email.text_body).where(Email.kind == "password_reset"))
    token = link.split("/password-reset/")[1].split()[0]

    accounts.reset_password(session, token=token, password="a brand new passphrase")
    session.commit()

    assert (
        credentials.authenticate_user(session, email=user.email, password="a brand new passphrase").id
        == user.id
    )


def test_an_address_with_no_login_is_slowed_down_alike_so_a_pause_tells_nothing(session, build):
    user = build.user(build.partner(), "rep", email="someone@example.test")
    nobody = User(email="Nobody@Example.test")
    start = utcnow()

    def refusals(person):
        return [
            (type(refusal).__name__, refusal.message, getattr(refusal, "until", start) - start)
            for refusal in (_guess(session, person, start + timedelta(seconds=i)) for i in range(7))
        ]

    assert refusals(user) == refusals(nobody)
    stored = session.scalars(select(UnknownSignIn)).one()
    assert "nobody" not in stored.email_hash
    assert stored.failed_logins == 5


def test_an_unknown_address_is_forgotten_once_its_burst_is_over(session):
    nobody, other = User(email="nobody@example.test"), User(email="other@example.test")
    start = utcnow()
    _guess(session, nobody, start)

    _guess(session, other, start + timedelta(minutes=16))

    assert session.scalars(select(UnknownSignIn.failed_logins)).all() == [1]
