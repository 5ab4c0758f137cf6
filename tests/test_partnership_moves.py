"""Which partnership moves each side has, and who may propose at all."""

import pytest

from partnerhub import partnerships
from partnerhub.errors import NotAllowed


def test_only_the_invited_side_may_accept_while_either_side_may_end_a_proposal(build):
    proposer, invited = build.partner(), build.partner()
    partnership = build.partnership(proposer, invited, status="proposed")

    by_proposer = partnerships.moves_open_to(partnership, partner_id=proposer.id)
    by_invited = partnerships.moves_open_to(partnership, partner_id=invited.id)

    assert by_proposer == ["end"]
    assert by_invited == ["accept", "decline", "end"]


def test_a_pending_partner_cannot_propose_a_partnership(build, session):
    pending, active = build.partner(status="pending"), build.partner()

    with pytest.raises(NotAllowed):
        partnerships.propose_partnership(session, proposer=pending, partner_id=active.id, terms={})
