"""A partner's people through the API: list, invite, change role, deactivate, away."""

from sqlalchemy import select

from partnerhub.models import AuditEntry, Email, User


def test_a_partner_invites_a_person_who_is_listed_as_invited(client, build, session):
    partner = build.partner("Nordlicht")
    manager = build.user(partner, "manager")
    as_partner = build.headers(partner)

    created = client.post(
        "/api/v1/users",
        json={"email": "Ada@Nordlicht.test", "name": "Ada", "role": "manager"},
        headers=as_partner,
    )
    listed = client.get("/api/v1/users", headers=as_partner).get_json()

    assert created.status_code == 201
    body = created.get_json()
    assert {k: body[k] for k in ("email", "name", "role", "status", "away")} == {
        "email": "ada@nordlicht.test",
        "name": "Ada",
        "role": "manager",
        "status": "invited",
        "away": False,
    }
    assert [(u["email"], u["status"]) for u in listed["items"]] == [
        ("ada@nordlicht.test", "invited"),
        (manager.email, "active"),
    ]
    assert listed["next_cursor"] is None
    [email] = session.scalars(select(Email)).all()
    assert email.to_address == "ada@nordlicht.test"
    assert "/invitations/" in email.text_body
    entry = session.scalar(select(AuditEntry))
    assert (entry.action, entry.actor_type, entry.actor_client_id is not None) == (
        "team.invited",
        "client",
        True,
    )


def test_the_list_is_paged_with_a_cursor(client, build):
    partner = build.partner()
    people = [build.user(partner, "rep") for _ in range(3)]
    as_partner = build.headers(partner)

    first = client.get("/api/v1/users?limit=2", headers=as_partner).get_json()
    second = client.get(f"/api/v1/users?limit=2&cursor={first['next_cursor']}", headers=as_partner).get_json()

    assert [u["id"] for u in first["items"] + second["items"]] == [p.id for p in reversed(people)]
    assert second["next_cursor"] is None


def test_an_address_of_another_company_is_422_on_email(client, build):
    build.user(build.partner(), "rep", email="taken@example.test")

    response = client.post(
        "/api/v1/users",
        json={"email": "taken@example.test", "role": "rep"},
        headers=build.headers(build.partner()),
    )

    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "email": ["belongs to a person at another company; each person joins one company only"]
    }


def test_unknown_fields_and_unknown_roles_are_422(client, build):
    as_partner = build.headers(build.partner())

    unknown = client.post(
        "/api/v1/users", json={"email": "a@example.test", "admin": True}, headers=as_partner
    )
    role = client.post("/api/v1/users", json={"email": "a@example.test", "role": "admin"}, headers=as_partner)

    assert unknown.status_code == 422
    assert "admin" in unknown.get_json()["errors"]
    assert role.status_code == 422
    assert "role" in role.get_json()["errors"]


def test_patch_changes_role_and_away_and_deactivation_ends_every_session(client, build, session):
    partner = build.partner()
    build.user(partner, "manager")
    rep = build.user(partner, "rep")
    generation = rep.session_generation
    as_partner = build.headers(partner)

    promoted = client.patch(
        f"/api/v1/users/{rep.id}", json={"role": "manager", "away": True}, headers=as_partner
    )
    deactivated = client.patch(f"/api/v1/users/{rep.id}", json={"active": False}, headers=as_partner)

    assert (promoted.status_code, promoted.get_json()["role"], promoted.get_json()["away"]) == (
        200,
        "manager",
        True,
    )
    assert (deactivated.status_code, deactivated.get_json()["status"]) == (200, "deactivated")
    session.expire_all()
    assert session.get(User, rep.id).session_generation == generation + 1
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["team.role_changed", "team.away_changed", "team.deactivated"]


def test_the_last_active_manager_cannot_be_deactivated_or_demoted(client, build):
    partner = build.partner()
    manager = build.user(partner, "manager")
    as_partner = build.headers(partner)

    deactivated = client.patch(f"/api/v1/users/{manager.id}", json={"active": False}, headers=as_partner)
    demoted = client.patch(f"/api/v1/users/{manager.id}", json={"role": "rep"}, headers=as_partner)

    assert (deactivated.status_code, demoted.status_code) == (409, 409)
    assert "last active manager" in deactivated.get_json()["detail"]


def test_another_partners_person_is_404(client, build):
    stranger = build.user(build.partner(), "rep")
    as_partner = build.headers(build.partner())

    shown = client.get(f"/api/v1/users/{stranger.id}", headers=as_partner)
    patched = client.patch(f"/api/v1/users/{stranger.id}", json={"active": False}, headers=as_partner)

    assert (shown.status_code, patched.status_code) == (404, 404)
    assert shown.mimetype == "application/problem+json"


def test_writes_need_the_users_write_scope_and_reads_directory_read_or_users_write(client, build):
    partner = build.partner()
    rep = build.user(partner, "rep")
    reader = build.headers(partner, scopes=["directory:read"])
    writer = build.headers(partner, scopes=["users:write"])
    neither = build.headers(partner, scopes=["leads:write"])

    assert client.get("/api/v1/users", headers=reader).status_code == 200
    assert client.get("/api/v1/users", headers=writer).status_code == 200
    assert client.get("/api/v1/users", headers=neither).status_code == 403
    invite = client.post("/api/v1/users", json={"email": "b@example.test"}, headers=reader)
    patch = client.patch(f"/api/v1/users/{rep.id}", json={"away": True}, headers=reader)
    assert (invite.status_code, patch.status_code) == (403, 403)
    assert "users:write" in invite.get_json()["detail"]


def test_an_invited_person_is_withdrawn_on_the_team_page_not_deactivated(client, build):
    partner = build.partner()
    as_partner = build.headers(partner)
    invited = client.post("/api/v1/users", json={"email": "c@example.test"}, headers=as_partner).get_json()

    response = client.patch(f"/api/v1/users/{invited['id']}", json={"active": False}, headers=as_partner)

    assert response.status_code == 409
    assert "has not joined yet" in response.get_json()["detail"]


def test_the_openapi_document_describes_the_people_and_their_scopes(client):
    spec = client.get("/api/v1/openapi.json").get_json()

    users = spec["paths"]["/api/v1/users"]
    assert users["post"]["security"] == [{"bearerAuth": ["users:write"]}]
    assert users["get"]["security"] == [{"bearerAuth": ["directory:read", "users:write"]}]
    assert "201" in users["post"]["responses"]
    assert spec["paths"]["/api/v1/users/{user_id}"]["patch"]["security"] == [{"bearerAuth": ["users:write"]}]
    assert set(spec["components"]["schemas"]["UserPatch"]["properties"]) == {"role", "active", "away"}
