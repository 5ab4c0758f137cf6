"""The rules every door's input meets: names, emails, phones, websites and numbers in their bounds.

The API's schemas check types and lengths; what a value must look like to be kept
is decided here, once, so a page, the API, the CLI and a job refuse the same
input with the same reasons (InvalidInput: field -> reasons).
"""

import math
import re
from decimal import Decimal
from urllib.parse import urlsplit

from partnerhub.core.errors import InvalidInput
from partnerhub.core.i18n import Phrase, phrase

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{3,50}$")
MAX_EMAIL = 320
MAX_WEBSITE = 500
NOT_TEXT = "contains a character that is not text (NUL or a lone UTF-16 surrogate)"


def is_text(value: str) -> bool:
    """Whether a string can be stored as text: SQLite's UTF-8 and PostgreSQL's text hold no NUL
    and no lone surrogate."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Checks:
    """Reasons gathered field by field, then raised together as one InvalidInput."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str | Phrase]] = {}

    def refuse(self, field: str, reason: str | Phrase) -> None:
        self.errors.setdefault(field, []).append(reason)

    def done(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)

    def text(self, field: str, value: str | None) -> bool:
        """Whether `value` (None included) can be stored; refuse it on `field` when not."""
        if value is not None and not is_text(value):
            self.refuse(field, NOT_TEXT)
            return False
        return True

    def name(self, field: str, value: str | None, *, required: bool = True) -> str | None:
        """A name with its surrounding spaces removed; blank is refused (or None when not required)."""
        if not self.text(field, value):
            return None
        stripped = (value or "").strip()
        if not stripped and (required or value):
            self.refuse(field, "must not be blank")
        return stripped or None

    def email(self, field: str, value: str | None) -> str | None:
        """An email address such as name@example.com, or None."""
        value = self._trimmed(field, value)
        if value is not None and (len(value) > MAX_EMAIL or not EMAIL.match(value)):
            self.refuse(field, "must be an email address such as name@example.com")
        return value

    def phone(self, field: str, value: str | None) -> str | None:
        """A phone number of digits, spaces and + ( ) . / -, or None."""
        value = self._trimmed(field, value)
        if value is not None and not PHONE.match(value):
            self.refuse(field, "must be a phone number")
        return value

    def website(self, field: str, value: str | None) -> str | None:
        """An http(s) address with a host, or None: anything else could run as a link on a page."""
        value = self._trimmed(field, value)
        if value is None:
            return None
        parts = urlsplit(value)
        if (
            len(value) > MAX_WEBSITE
            or parts.scheme.lower() not in ("http", "https")
            or not parts.hostname
            or any(c.isspace() for c in value)
        ):
            self.refuse(field, "must be a web address starting with http:// or https://")
        return value

    def _trimmed(self, field: str, value: str | None) -> str | None:
        # Empty means not given; text that cannot be stored is refused and judged no further.
        return (value or "").strip() or None if self.text(field, value) else None

    def number(self, field: str, value, low, high, *, above_low: bool = False):
        """A finite number from `low` (or, `above_low`, more than it) to `high`; None passes."""
        if value is None:
            return None
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite or value < low or (above_low and value == low) or value > high:
            # The bounds as the API has always written them (10000000, 0.5), in every language.
            bounds = {"low": _shown(low), "high": _shown(high)}
            if above_low:
                self.refuse(field, phrase("must be a number more than %(low)s to %(high)s", **bounds))
            else:
                self.refuse(field, phrase("must be a number from %(low)s to %(high)s", **bounds))
        return value


def _shown(bound) -> str:
    # 10000000, not 1e+07; 0.5, not 0.50.
    return str(int(bound)) if bound == int(bound) else str(bound)


def in_whole_cents(amount: Decimal) -> bool:
    """Whether `amount` is a finite number with at most two decimal places.

    Amounts with a fraction of a cent are refused, never rounded: rewards are computed from
    them, and a partner should learn that it sent one instead of finding another amount stored.
    """
    exponent = amount.normalize().as_tuple().exponent
    # A finite amount's exponent is a number; an infinity's or a NaN's is a letter.
    return isinstance(exponent, int) and exponent >= -2
