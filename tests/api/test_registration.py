"""Registration through the API: one answer whether or not an address has a login; the password rule."""

from sqlalchemy import func, select

from partnerhub.models import Email, Partner, User
from tests.api.test_partners import REGISTRATION


def _register(client, name: str, email: str, password: str = "a long and rare phrase"):
    manager = {"email": email, "name": "Mia Manager", "password": password}
    return client.post("/api/v1/partners", json={**REGISTRATION, "name": name, "manager": manager})


def test_registering_with_an_address_that_has_a_login_answers_exactly_as_with_a_new_one(
    client, build, session
):
    build.user(build.partner("Existing GmbH"), "rep", email="taken@example.test")

    new = _register(client, "Fresh Fenster", "new@example.test")
    taken = _register(client, "Other Fenster", "Taken@Example.test")

    assert new.status_code == taken.status_code == 201
    assert new.get_json().keys() == taken.get_json().keys()
    assert new.get_json()["status"] == taken.get_json()["status"] == "pending"
    # No second login: the existing one is untouched, and the new company has no manager yet.
    assert (
        session.scalar(select(func.count()).select_from(User).where(User.email == "taken@example.test")) == 1
    )
    assert (
        session.scalar(select(User.partner_id).where(User.email == "taken@example.test"))
        != taken.get_json()["id"]
    )


def test_each_address_learns_by_email_what_became_of_the_registration(client, build, session):
    build.user(build.partner("Existing GmbH"), "rep", email="taken@example.test")

    _register(client, "Fresh Fenster", "new@example.test")
    _register(client, "Other Fenster", "taken@example.test")

    emails = {e.to_address: e for e in session.scalars(select(Email))}
    assert emails["new@example.test"].kind == "registration_received"
    assert "Fresh Fenster is registered and waits for approval" in emails["new@example.test"].subject
    assert emails["taken@example.test"].kind == "registration_address_taken"
    assert "already has a PartnerHub login" in emails["taken@example.test"].text_body
    assert "http://" in emails["taken@example.test"].text_body


def test_a_password_under_ten_characters_is_422_on_the_managers_password(client, session):
    response = _register(client, "Fresh Fenster", "new@example.test", password="nine-char")

    assert response.status_code == 422
    assert response.get_json()["errors"] == {"manager.password": ["must be at least 10 characters"]}
    assert session.scalar(select(func.count()).select_from(Partner)) == 0


def test_a_password_among_the_most_common_is_refused_whatever_its_length(client):
    for common in ("1234567890", "qwertyuiop", "Password123", "aaaaaaaaaaaa"):
        response = _register(client, "Fresh Fenster", "new@example.test", password=common)

        assert response.status_code == 422, common
        assert "most common passwords" in response.get_json()["errors"]["manager.password"][0]


def test_the_operator_command_holds_an_admins_password_to_the_same_rule(runner):
    result = runner.invoke(
        args=["partnerhub", "create-admin", "ops@example.test", "--password", "password1234", "--json"]
    )

    assert result.exit_code != 0
    assert "most common passwords" in result.output
