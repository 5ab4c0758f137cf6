"""A manager acknowledges a flag with a note: it shows as seen until its numbers change or the snooze ends."""

from datetime import UTC, datetime, timedelta

import pytest

from partnerhub.reports import flags

NOW = datetime(2027, 6, 30, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def _one_sided(build, partnership, sender, count, *, at=NOW - 5 * DAY):
    for _ in range(count):
        build.handoff_through(partnership, sender, [("sent", at)], commit=False)
    build.session.commit()


def _shown(session, partner, now=NOW):
    return {
        s.flag.kind: s
        for s in flags.flags_for_period(session, partner_id=partner.id, now=now, period_days=90)
    }


def test_an_acknowledged_flag_is_seen_until_it_is_raised_again_with_other_numbers(build, session):
    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    partnership = build.partnership(northwind, acme)
    _one_sided(build, partnership, northwind, 10)
    flag = _shown(session, acme)["one_sided"].flag

    flags.acknowledge_flag(
        session,
        partner_id=acme.id,
        flag_id=flag.id,
        note="Asked Northwind to slow down",
        snooze_days=None,
        user_id=None,
        now=NOW,
    )
    seen_by_acme = _shown(session, acme)["one_sided"]
    seen_by_northwind = _shown(session, northwind)["one_sided"]
    _one_sided(build, partnership, northwind, 2, at=NOW - DAY)
    after_more_leads = _shown(session, acme)["one_sided"]
    _, history = flags.flag_history(session, partner_id=acme.id, flag_id=flag.id)
    session.commit()

    assert seen_by_acme.seen
    assert seen_by_acme.acknowledgement.note == "Asked Northwind to slow down"
    assert not seen_by_northwind.seen
    assert after_more_leads.flag.id == flag.id
    assert not after_more_leads.seen
    assert after_more_leads.flag.sentence == "Northwind sent 12 leads to Acme in 90 days, Acme sent 0 back."
    assert [e.action for e in history] == ["raised", "acknowledged", "changed"]
    assert history[1].sentence == "Northwind sent 10 leads to Acme in 90 days, Acme sent 0 back."


def test_a_snoozed_flag_comes_back_when_the_snooze_ends(build, session):
    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    _one_sided(build, build.partnership(northwind, acme), northwind, 10)
    flag = _shown(session, acme)["one_sided"].flag

    flags.acknowledge_flag(
        session, partner_id=acme.id, flag_id=flag.id, note="", snooze_days=7, user_id=None, now=NOW
    )

    assert _shown(session, acme, NOW + 6 * DAY)["one_sided"].seen
    assert not _shown(session, acme, NOW + 7 * DAY)["one_sided"].seen


def test_a_flag_is_acknowledged_through_the_api_and_its_history_read_back(client, build, session):
    northwind, acme, globex = build.partner("Northwind"), build.partner("Acme"), build.partner("Globex")
    partnership = build.partnership(northwind, acme)
    now = datetime.now(UTC)
    _one_sided(build, partnership, northwind, 10, at=now - DAY)
    headers = build.headers(acme)
    [flag] = [
        f
        for f in client.get("/api/v1/flags", headers=headers).get_json()["items"]
        if f["kind"] == "one_sided"
    ]

    done = client.post(
        f"/api/v1/flags/{flag['id']}/acknowledge",
        json={"note": "Called them", "snooze_days": 30},
        headers=headers,
    )
    listed = client.get("/api/v1/flags", headers=headers).get_json()["items"]
    history = client.get(f"/api/v1/flags/{flag['id']}/history", headers=headers).get_json()
    not_theirs = client.post(
        f"/api/v1/flags/{flag['id']}/acknowledge", json={}, headers=build.headers(globex)
    )
    too_long = client.post(
        f"/api/v1/flags/{flag['id']}/acknowledge", json={"snooze_days": 400}, headers=headers
    )

    assert done.status_code == 200
    assert done.get_json()["note"] == "Called them"
    [again] = [f for f in listed if f["id"] == flag["id"]]
    assert again["seen"] is True
    assert again["acknowledgement"]["note"] == "Called them"
    assert [e["action"] for e in history["items"]] == ["raised", "acknowledged"]
    assert not_theirs.status_code == 404
    assert too_long.status_code == 422
    assert "snooze_days" in too_long.get_json()["errors"]


def test_a_cleared_flag_cannot_be_acknowledged(build, session):
    from partnerhub.core.errors import Conflict

    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    partnership = build.partnership(northwind, acme)
    _one_sided(build, partnership, northwind, 10)
    flag = _shown(session, acme)["one_sided"].flag
    partnership.status = "ended"
    _shown(session, acme)

    with pytest.raises(Conflict, match="cleared"):
        flags.acknowledge_flag(
            session, partner_id=acme.id, flag_id=flag.id, note="", snooze_days=None, user_id=None, now=NOW
        )


def test_a_flag_another_request_raised_first_is_used_not_raised_twice(build, session):
    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    _one_sided(build, build.partnership(northwind, acme), northwind, 10)
    [finding] = [
        f for f in flags.compute_flags(session, now=NOW, partner_id=acme.id) if f.kind == "one_sided"
    ]
    first = flags._raise_all(session, [finding], now=NOW, period_days=90)
    session.commit()

    again = flags._raise_all(session, [finding], now=NOW + DAY, period_days=90)

    assert [f.id for f in again] == [f.id for f in first]
