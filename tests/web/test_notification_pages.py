"""The notifications pages through the test client: the bell's count, the list, marking read, settings."""

from partnerhub.people import notifications
from tests.web.conftest import csrf_token


def _tell(session, user, n, **kwargs):
    notifications.notify_person(
        session,
        user=user,
        kind="proposal_waiting",
        occasion=f"partnership {n}",
        subject=f"Partner {n} proposes a partnership",
        link=f"/partnerships/{n}",
        **kwargs,
    )
    session.commit()


def test_the_bell_counts_the_persons_unread_notifications_on_every_page(session, build, client, sign_in):
    acme = build.partner("Acme")
    manager, colleague = build.user(acme, "manager"), build.user(acme, "manager")
    for n in (1, 2, 3):
        _tell(session, manager, n)
    _tell(session, colleague, 4)
    sign_in(manager)

    home = client.get("/").text

    assert 'aria-label="Notifications, 3 unread"' in home


def test_the_list_shows_the_newest_first_in_words_and_pages_by_twenty(session, build, client, sign_in):
    acme = build.partner("Acme")
    manager = build.user(acme, "manager")
    for n in range(1, 23):
        _tell(session, manager, n)
    sign_in(manager)

    first = client.get("/notifications").text
    second = client.get("/notifications?page=2").text

    assert first.index("Partner 22 proposes") < first.index("Partner 21 proposes")
    assert "Partner 2 proposes" not in first
    assert "A partnership proposal waits for us" in first
    assert "proposal_waiting" not in first
    assert "Partner 2 proposes" in second
    assert "Partner 1 proposes" in second


def test_opening_a_notification_marks_it_read_and_goes_to_what_it_is_about(session, build, client, sign_in):
    acme = build.partner("Acme")
    manager = build.user(acme, "manager")
    _tell(session, manager, 7)
    _tell(session, manager, 8)
    sign_in(manager)
    [_newest, older] = session.scalars(notifications.notifications_of(manager.id)).all()
    token = csrf_token(client.get("/notifications").text)

    opened = client.post(f"/notifications/{older.id}/open", data={"csrf_token": token})

    assert opened.status_code == 303
    assert opened.headers["Location"] == "/partnerships/7"
    assert 'aria-label="Notifications, 1 unread"' in client.get("/notifications").text

    client.post("/notifications/read-all", data={"csrf_token": token})

    assert 'aria-label="Notifications, 0 unread"' in client.get("/notifications").text


def test_another_persons_notification_cannot_be_read_or_opened(session, build, client, sign_in):
    acme = build.partner("Acme")
    manager, colleague = build.user(acme, "manager"), build.user(acme, "manager")
    _tell(session, colleague, 1)
    [theirs] = session.scalars(notifications.notifications_of(colleague.id)).all()
    sign_in(manager)
    token = csrf_token(client.get("/notifications").text)

    opened = client.post(f"/notifications/{theirs.id}/open", data={"csrf_token": token})
    read = client.post(f"/notifications/{theirs.id}/read", data={"csrf_token": token})
    everything = client.post("/notifications/read-all", data={"csrf_token": token})

    assert (opened.status_code, read.status_code, everything.status_code) == (404, 404, 303)
    assert notifications.unread_count(session, colleague.id) == 1


def test_the_settings_keep_each_kind_per_channel_and_the_digest_choice(session, build, client, sign_in):
    acme = build.partner("Acme")
    rep = build.user(acme, "rep")
    sign_in(rep)
    page = client.get("/account/notifications").text
    assert "A lead is assigned to me" in page
    assert "A flag is raised on us" not in page

    client.post(
        "/account/notifications",
        data={
            "csrf_token": csrf_token(page),
            "on": ["lead_assigned:in_app", "lead_assigned:email", "lead_expiring:email"],
            "delivery": "digest",
        },
    )

    chosen = notifications.settings_of(session, rep.id)
    assert chosen.daily_digest is True
    assert sorted(chosen.off) == [
        "follow_up_due:email",
        "follow_up_due:in_app",
        "handoff_comment:email",
        "handoff_comment:in_app",
        "lead_expiring:in_app",
        "sla_half_passed:email",
        "sla_half_passed:in_app",
    ]
    again = client.get("/account/notifications").text
    assert 'value="digest" id="delivery-digest" checked' in again
