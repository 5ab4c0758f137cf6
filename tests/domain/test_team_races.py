"""The last manager under concurrency: two managers demoting each other at once leave one manager."""

from sqlalchemy import select

from partnerhub.core.actors import Actor
from partnerhub.models import User
from partnerhub.people import team
from tests.domain.test_races import _race, pytestmark  # noqa: F401  (PostgreSQL only, as those races)


def test_two_managers_demoting_each_other_at_once_leave_one_manager(app, session, build):
    partner = build.partner()
    managers = [build.user(partner, "manager"), build.user(partner, "manager")]
    ids = [m.id for m in managers]

    def demote_the_other(s, i):
        me, other = ids[i], ids[1 - i]
        team.change_person(
            s, person=s.get(User, other), actor=Actor.user(partner_id=partner.id, user_id=me), role="rep"
        )

    outcomes = _race(app, demote_the_other)

    session.expire_all()
    roles = sorted(session.scalars(select(User.role).where(User.partner_id == partner.id)))
    assert sorted(outcomes) == ["Conflict", "won"]
    assert roles == ["manager", "rep"]
