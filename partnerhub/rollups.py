"""Rollups of handoff moves: the indexed aggregates reports read are maintained here."""

from datetime import datetime

from sqlalchemy.orm import Session

from partnerhub.models import Handoff


def record_move(
    session: Session, *, handoff: Handoff, from_status: str | None, to_status: str, at: datetime
) -> None:
    """Count one handoff move into the rollups (implemented by the balance work; a no-op here)."""
