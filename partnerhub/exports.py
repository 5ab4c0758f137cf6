"""Handoffs of a period, read in batches for a streamed export."""

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from partnerhub.models import Handoff
from partnerhub.models.handoff import HANDOFF_STATUSES

STEP_TIMESTAMPS = tuple(f"{status}_at" for status in HANDOFF_STATUSES)
BATCH = 500


def handoffs_for_export(session: Session, *, partner_id: int, since: datetime) -> Iterator[Handoff]:
    """Every handoff the partner sent or received since `since`, oldest first, fetched `BATCH` at a time."""
    stmt = (
        select(Handoff)
        .where(
            or_(Handoff.from_partner_id == partner_id, Handoff.to_partner_id == partner_id),
            Handoff.sent_at >= since,
        )
        .order_by(Handoff.sent_at, Handoff.id)
        .execution_options(yield_per=BATCH)
    )
    yield from session.scalars(stmt)
