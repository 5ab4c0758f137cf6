"""The numbers the flags compare against: DESIGN.md's defaults, tuned by admins in the settings table."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub.core import audit
from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.core.validation import Checks
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


# (lowest, highest, whether the lowest itself is refused) per threshold. Zero is never a
# threshold: a rate of 0 or a minimum of 0 handoffs would flag every pair.
_RATE = (0, 1, True)
_COUNT = (1, 1_000_000, False)
_RATIO = (1, 1_000, False)
BOUNDS: dict[str, tuple[float, float, bool]] = {
    "flags.period_days": (1, 730, False),
    "flags.size_mismatch.ratio": _RATIO,
    "flags.one_sided.min_handoffs": _COUNT,
    "flags.one_sided.ratio": _RATIO,
    "flags.overloaded.open_per_rep": (1, 10_000, False),
    "flags.overloaded.expiry_rate": _RATE,
    "flags.overloaded.min_handoffs": _COUNT,
    "flags.dormant.days": (1, 3_650, False),
    "flags.agent_like.share": _RATE,
    "flags.agent_like.min_won": _COUNT,
    "flags.leaky.accept_rate": _RATE,
    "flags.leaky.paid_rate": _RATE,
    "flags.leaky.min_handoffs": _COUNT,
    "flags.leaky.min_won": _COUNT,
}
LOWEST = min(low for low, _, _ in BOUNDS.values())
HIGHEST = max(high for _, high, _ in BOUNDS.values())


def _check(checks: Checks, key: str, value) -> None:
    low, high, above_low = BOUNDS[key]
    checks.number(key, value, low, high, above_low=above_low)


def _usable(key: str, value: float) -> bool:
    checks = Checks()
    _check(checks, key, value)
    return not checks.errors


def thresholds(session: Session) -> dict[str, float]:
    """Every threshold: the stored value where an admin set one, the default otherwise.

    A stored value outside its bounds (written before they existed, or by hand) counts as
    unset: the flags job then runs on the default instead of failing on it every time.
    """
    stored = dict(
        session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(DEFAULTS))).tuples().all()
    )
    return {
        key: float(stored[key]) if key in stored and _usable(key, stored[key]) else float(default)
        for key, default in DEFAULTS.items()
    }


def set_thresholds(
    session: Session, *, values: dict[str, float], actor: Actor, origin: str = ""
) -> dict[str, float]:
    """Store new values for known thresholds; refuse unknown keys and values outside their bounds."""
    checks = Checks()
    for key, value in values.items():
        if key not in DEFAULTS:
            checks.refuse(key, "not a flag threshold")
        else:
            _check(checks, key, value)
    checks.done()
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
