"""The numbers the flags compare against: DESIGN.md's defaults, tuned by admins in the settings table."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub import audit
from partnerhub.actors import Actor
from partnerhub.db import utcnow
from partnerhub.errors import InvalidInput
from partnerhub.models import Setting

DEFAULTS: dict[str, float] = {
    # The window every period-based flag looks at.
    "flags.period_days": 90,
    "flags.size_mismatch.ratio": 5,
    "flags.one_sided.min_handoffs": 10,
    "flags.one_sided.ratio": 3,
    "flags.overloaded.open_per_rep": 15,
    "flags.overloaded.expiry_rate": 0.30,
    # Fewer received handoffs than this say nothing about an expiry rate.
    "flags.overloaded.min_handoffs": 10,
    "flags.dormant.days": 30,
    "flags.agent_like.share": 0.50,
    # One won deal is 100% from one partner; wait for a few before calling anyone an agent.
    "flags.agent_like.min_won": 3,
    "flags.leaky.accept_rate": 0.50,
    "flags.leaky.paid_rate": 0.50,
    "flags.leaky.min_handoffs": 10,
    "flags.leaky.min_won": 3,
}


def thresholds(session: Session) -> dict[str, float]:
    """Every threshold: the stored value where an admin set one, the default otherwise."""
    stored = dict(session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(DEFAULTS))).all())
    return {key: float(stored.get(key, default)) for key, default in DEFAULTS.items()}


def set_thresholds(
    session: Session, *, values: dict[str, float], actor: Actor, origin: str = ""
) -> dict[str, float]:
    """Store new values for known thresholds; refuse unknown keys and negative numbers."""
    errors = {key: ["not a flag threshold"] for key in values if key not in DEFAULTS}
    errors |= {key: ["must be zero or more"] for key, value in values.items() if value < 0}
    if errors:
        raise InvalidInput(errors)
    before = thresholds(session)
    changed = {
        key: f"{before[key]:g} to {float(value):g}" for key, value in values.items() if before[key] != value
    }
    if changed:
        audit.record(
            session, actor=actor, action="thresholds.changed", partner_id=None, details=changed, origin=origin
        )
    for key, value in values.items():
        setting = session.get(Setting, key)
        if setting is None:
            session.add(Setting(key=key, value=float(value)))
        else:
            setting.value = float(value)
            setting.updated_at = utcnow()
    session.flush()
    return thresholds(session)
