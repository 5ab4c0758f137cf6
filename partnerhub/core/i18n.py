"""The languages people read PartnerHub in: catalogs, plural forms, and local numbers, money and dates.

Babel, not Flask: the worker renders emails without a request, and the domain builds flag and
suggestion sentences, so the domain needs translations of its own. A `Translator` is one
language's catalog with its formats. The domain never guesses whose language: a sentence is a
`Phrase` (a template with named placeholders and the values to fill in), and whoever shows it
renders it with the reader's Translator (the pages with the request's language, an email with
its recipient's). `str()` of a Phrase is its English, the language of the API, the CSV files and
the stored history.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_timedelta
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import Translations
from markupsafe import Markup

# English is the source: its catalog is the templates' own text.
LANGUAGES = {"en": "English", "de": "Deutsch", "ru": "Русский"}
DEFAULT_LANGUAGE = "en"
CATALOGS = Path(__file__).parent / "translations"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a message for the catalogs where it is defined; it is translated where it is shown."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with its plural for the catalogs (extracted as Nn_:1,2)."""
    return singular, plural


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Number:
    """A number shown with `decimals` places (None: as it is)."""

    value: float | Decimal
    decimals: int | None = None


@dataclass(frozen=True)
class Percent:
    part: float | Decimal
    whole: float | Decimal


@dataclass(frozen=True)
class ListOf:
    """Values said as the language lists them: "a, b and c", "a, b und c"."""

    items: tuple


@dataclass(frozen=True)
class Lines:
    """Values said one a line (a digest's rows)."""

    items: tuple


@dataclass(frozen=True)
class Phrase:
    """A sentence in the reader's language: `singular` (and `plural`, chosen by the number named
    `count`) is a catalog message with %(name)s placeholders, filled in with `params` formatted
    for the reader: ints and floats as local numbers, Money with its currency, Percent, dates,
    nested Phrases, ListOf and Lines of any of these."""

    singular: str
    params: Mapping[str, object] = field(default_factory=dict)
    plural: str | None = None
    count: str = "num"

    def __str__(self) -> str:
        return translator(DEFAULT_LANGUAGE).phrase(self)


def phrase(message: str, **params: object) -> Phrase:
    """A sentence from catalog message `message` (extracted as `phrase`) and its placeholders' values."""
    return Phrase(message, params)


def nphrase(singular: str, plural: str, count: str, **params: object) -> Phrase:
    """A sentence whose form follows the number `params[count]` (extracted as `nphrase:1,2`)."""
    return Phrase(singular, params, plural, count)


def phrase_to_json(phrase: Phrase) -> dict:
    """A Phrase as JSON a row can keep (a flag's sentence), to be read later in any language."""
    return {
        "message": phrase.singular,
        "plural": phrase.plural,
        "count": phrase.count,
        "params": {name: _value_to_json(value) for name, value in phrase.params.items()},
    }


def phrase_from_json(data: dict) -> Phrase:
    params = {name: _value_from_json(value) for name, value in data["params"].items()}
    return Phrase(data["message"], params, data.get("plural"), data.get("count", "num"))


def parts_to_json(**parts: "Phrase | str") -> dict | None:
    """The parts of a message (a subject, a body) given as Phrases, as JSON a row keeps beside their
    English; None when none is (a body a person wrote is kept as written)."""
    return {name: phrase_to_json(value) for name, value in parts.items() if isinstance(value, Phrase)} or None


def part_from_json(words: dict | None, name: str) -> Phrase | None:
    """Part `name` of what `parts_to_json` kept; None on rows older than it, or a part given as text."""
    stored = (words or {}).get(name)
    return phrase_from_json(stored) if stored else None


def _value_to_json(value: object) -> object:
    if isinstance(value, Phrase):
        return {"phrase": phrase_to_json(value)}
    if isinstance(value, ListOf):
        return {"list_of": [_value_to_json(item) for item in value.items]}
    if isinstance(value, Lines):
        return {"lines": [_value_to_json(item) for item in value.items]}
    if isinstance(value, Money):
        return {"money": [str(value.amount), value.currency]}
    if isinstance(value, Percent):
        return {"percent": [str(value.part), str(value.whole)]}
    if isinstance(value, Number):
        return {"number": str(value.value), "decimals": value.decimals}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _value_from_json(value: object) -> object:
    if not isinstance(value, dict):
        return value
    if "phrase" in value:
        return phrase_from_json(value["phrase"])
    if "list_of" in value:
        return ListOf(tuple(_value_from_json(item) for item in value["list_of"]))
    if "lines" in value:
        return Lines(tuple(_value_from_json(item) for item in value["lines"]))
    if "money" in value:
        return Money(Decimal(value["money"][0]), value["money"][1])
    if "percent" in value:
        return Percent(Decimal(value["percent"][0]), Decimal(value["percent"][1]))
    if "number" in value:
        return Number(Decimal(value["number"]), value["decimals"])
    if "decimal" in value:
        return Decimal(value["decimal"])
    if "datetime" in value:
        return datetime.fromisoformat(value["datetime"])
    return date.fromisoformat(value["date"])


def supported(language: str | None) -> str | None:
    """`language` if PartnerHub speaks it ("de", "de-AT" -> "de"), else None."""
    if not language:
        return None
    code = language.replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else None


# A moment in time, named apart from Translator.datetime, which would hide the type inside the class.
Moment = datetime


class Translator:
    """One language: its catalog and how it writes numbers, money, dates and times."""

    def __init__(self, language: str):
        self.language = language
        self.locale = Locale.parse(language)
        self.translations = Translations.load(str(CATALOGS), [language], DOMAIN)
        # Phrases said before, by their `_key`: pages and the API say the same flags' sentences on
        # every request, and Babel's number formats cost 20 µs each (8 ms for /flags' 26 actions).
        self._said: dict[tuple, str] = {}

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        return self.translations.ngettext(singular, plural, number)

    def number(self, value: float | Decimal | None, decimals: int | None = None) -> str:
        """A number with the language's grouping and decimal mark; `decimals` fixes the places."""
        if value is None:
            return "—"
        if decimals is None:
            pattern = "#,##0.0" if isinstance(value, float) and not value.is_integer() else None
            if isinstance(value, float) and value.is_integer():
                value = int(value)
        else:
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def money(self, amount: Decimal | float | None, currency: str) -> str:
        """ "€1,234.50", "1.234,50 €", "1 234,50 ₽"."""
        if amount is None:
            return "—"
        return format_currency(amount, currency, locale=self.locale)

    def percent(self, part: float | Decimal, whole: float | Decimal = 1) -> str:
        return format_percent(Decimal(str(part)) / Decimal(str(whole)), "#,##0%", locale=self.locale)

    def date(self, value: date | datetime | None, form: str = "medium") -> str:
        if value is None:
            return "—"
        return format_date(value, form, locale=self.locale)

    def datetime(self, value: Moment | None, form: str = "medium") -> str:
        if value is None:
            return "—"
        return format_datetime(value, form, locale=self.locale)

    def duration(self, delta: timedelta, *, direction: bool = False) -> str:
        """ "3 hours", or with direction "in 3 hours" / "3 hours ago"."""
        return format_timedelta(
            delta, threshold=1.5, add_direction=direction, format="long", locale=self.locale
        )

    def month(self, month: str, *, short: bool = False) -> str:
        """A month given as "2026-11" in words: "November 2026", short "Nov 2026"."""
        pattern = "LLL yyyy" if short else "LLLL yyyy"
        return format_date(date.fromisoformat(month + "-01"), pattern, locale=self.locale)

    def list_of(self, items) -> str:
        """ "7, 14, 30 and 60", "7, 14, 30 и 60": the values joined as the language lists them."""
        return format_list([self.value(item) for item in items], locale=self.locale)

    def relative(self, moment: Moment, now: Moment) -> str:
        """ "in 3 hours", "2 days ago"."""
        return self.duration(moment - now, direction=True)

    def value(self, value: object) -> str:
        """A placeholder's value in this language."""
        if isinstance(value, Phrase):
            return self.phrase(value)
        if isinstance(value, ListOf):
            return self.list_of(value.items)
        if isinstance(value, Lines):
            return "\n".join(self.value(item) for item in value.items)
        if isinstance(value, Money):
            return self.money(value.amount, value.currency)
        if isinstance(value, Percent):
            return self.percent(value.part, value.whole)
        if isinstance(value, Number):
            return self.number(value.value, value.decimals)
        if isinstance(value, bool | str):
            return str(value)
        if isinstance(value, int | float):
            return self.number(value)
        if isinstance(value, Decimal):
            return self.number(value, 2)
        if isinstance(value, datetime):
            return self.datetime(value)
        if isinstance(value, date):
            return self.date(value)
        return str(value)

    def phrase(self, phrase: Phrase) -> str:
        try:
            key = _key(phrase)
        except TypeError:  # a value that cannot be a key (a list): said afresh
            return self._say(phrase)
        said = self._said.get(key)
        if said is None:
            if len(self._said) >= SAID_LIMIT:
                self._said.clear()
            said = self._said[key] = self._say(phrase)
        return said

    def _say(self, phrase: Phrase) -> str:
        if phrase.plural is None:
            template = self.gettext(phrase.singular)
        else:
            count = phrase.params[phrase.count]
            assert isinstance(count, int | float | Decimal), "a plural Phrase counts with a number"
            template = self.ngettext(phrase.singular, phrase.plural, int(count))
        return template % {name: self.value(value) for name, value in phrase.params.items()}

    def jinja_callables(self) -> dict:
        """`_`, `gettext` and `ngettext` saying this language (see `jinja_callables`), and `i18n`."""
        return {**jinja_callables(lambda: self), "i18n": self}


def jinja_callables(words: Callable[[], Translator]) -> dict:
    """`_`, `gettext` and `ngettext` for a Jinja template rendered with the i18n extension in its
    new style (as Flask-Babel installs it): placeholders by name, escaped where HTML is, in the
    language `words()` gives when each is said.

    Jinja's own new-style wrappers cost 12 µs a message, most of it formatting a message that has
    no placeholder; the inbox says some 600 messages a page.
    """
    from jinja2 import pass_context

    def fill(context, text: str, variables: dict) -> str:
        if context.eval_ctx.autoescape:
            text = Markup(text)
        # A message without placeholders is still formatted once it holds a "%": "%%" says "%".
        return text % variables if variables or "%" in text else text

    @pass_context
    def gettext(context, message: str, **variables) -> str:
        return fill(context, words().gettext(message), variables)

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        return fill(context, words().ngettext(singular, plural, num), variables)

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


# Phrases a Translator remembers having said; past it, it starts again (a few MB at most).
SAID_LIMIT = 10_000


def _key(phrase: Phrase) -> tuple:
    """What says a Phrase the same in every language: its messages and its values with their types
    (True and 1 are equal in Python, but said "True" and "1"). TypeError for a value not hashable."""
    values = tuple((name, _value_key(value)) for name, value in sorted(phrase.params.items()))
    hash(values)
    return (phrase.singular, phrase.plural, phrase.count, values)


def _value_key(value: object) -> object:
    if isinstance(value, Phrase):
        return _key(value)
    if isinstance(value, ListOf | Lines):
        return (type(value), tuple(_value_key(item) for item in value.items))
    return (type(value), value)


@cache
def translator(language: str | None) -> Translator:
    """The Translator of `language`, English when PartnerHub does not speak it."""
    return Translator(supported(language) or DEFAULT_LANGUAGE)
