"""The pages' language: the person's choice, else the sign-in page's cookie, else the browser's, else English.

Flask-Babel translates the templates ({{ _() }}, {% trans %}) from the catalogs in
partnerhub/core/translations; numbers, money, dates and the domain's sentences are formatted by the
same partnerhub.core.i18n.Translator the emails use, through the filters registered here.
"""

from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

from flask import Blueprint, Flask, g, redirect, request, url_for
from flask_babel import Babel, get_locale, refresh
from markupsafe import Markup

from api.web.session import current_user
from partnerhub.core import i18n, words
from partnerhub.core.db import utcnow
from partnerhub.delivery import notices
from partnerhub.people import notifications
from partnerhub.reports import flags

COOKIE = "language"
# A year: the choice of someone who has no account to keep it on.
COOKIE_AGE = 365 * 24 * 3600

bp = Blueprint("language", __name__)
# The status badge; `%` escapes what fills it, and costs less than Markup.format.
_BADGE = Markup('<span class="badge badge-%s">%s</span>')


@cache
def _badge(language: str, status: str) -> Markup:
    """A status's badge in `language`: the same few a page shows again on each of its lines, made
    once (the catalogs are read once per process too)."""
    return _BADGE % (status, words.word_for(status, i18n.translator(language)))


def select_language() -> str:
    user = current_user()
    chosen = user.language if user is not None else None
    return (
        i18n.supported(chosen)
        or i18n.supported(request.cookies.get(COOKIE))
        or request.accept_languages.best_match(list(i18n.LANGUAGES))
        or i18n.DEFAULT_LANGUAGE
    )


def reader() -> i18n.Translator:
    """The Translator of this request's language.

    Kept on the request once found: the inbox asks some 800 times a page, and asking Flask-Babel
    for the Locale each time cost 3 ms of it. `language_changed` forgets it.
    """
    found = g.get("reader")
    if found is None:
        found = g.reader = i18n.translator(str(get_locale()))
    return found


def language_changed() -> None:
    """The person chose another language in this request: what is said from now on says it."""
    refresh()
    g.pop("reader", None)


def sentence(words: i18n.Phrase | str) -> str:
    """The domain's words in the reader's language: a Phrase filled in, a message marked for the
    catalogs translated, any other text as it is."""
    return reader().value(words) if isinstance(words, i18n.Phrase) else reader().gettext(words)


def _local_path(target: str | None) -> str:
    parts = urlsplit(target or "")
    if target and target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return url_for("web.account.login")


@bp.get("/language/<code>")
def choose(code: str):
    """Read the pages in language `code` from now on in this browser (the sign-in page's switcher)."""
    response = redirect(_local_path(request.args.get("next")), 303)
    language = i18n.supported(code)
    if language:
        response.set_cookie(COOKIE, language, max_age=COOKIE_AGE, httponly=True, samesite="Lax")
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(i18n.CATALOGS))
    Babel(app, locale_selector=select_language)
    # The templates' _() and ngettext() straight from the request's Translator: the inbox says
    # some 600 of them per page, and Flask-Babel's own look the catalog up again on each one.
    app.jinja_env.newstyle_gettext = True  # type: ignore[attr-defined]
    app.jinja_env.globals.update(i18n.jinja_callables(reader))

    @app.template_filter("number")
    def number(value, decimals=None):
        return reader().number(value, decimals)

    @app.template_filter("money")
    def money(amount, currency):
        return reader().money(amount, currency)

    @app.template_filter("percent")
    def percent(part, whole=1):
        return reader().percent(part, whole) if whole else "—"

    @app.template_filter("date")
    def date(value, form="medium"):
        return reader().date(value, form)

    @app.template_filter("datetime")
    def date_time(value, form="medium"):
        return reader().datetime(value, form)

    @app.template_filter("relative")
    def relative(moment: datetime, now: datetime | None = None):
        return reader().relative(moment, now or utcnow())

    @app.template_filter("phrase")
    def phrase(value):
        return reader().value(value)

    # Keys become words in every template through one filter (partnerhub/core/words.py).
    @app.template_filter("words")
    def in_words(key):
        return words.word_for(key, reader())

    # A status as the pages show it, its word on a badge of its colour. A function rather than a
    # macro: the lists show one or two a row, and calling a Jinja macro costs twice the badge.
    @app.template_global()
    def status_badge(status):
        return _badge(reader().language, status)

    @app.template_filter("role")
    def role(key):
        return words.role_in_sentence(key, reader())

    @app.template_filter("count_of")
    def count_of(number, noun):
        return words.count_of(number, noun, reader())

    # Words from the domain (a lead's reasons, a refusal): in the reader's language where the domain
    # gave a Phrase or marked them for the catalogs, else as they are; escaped like any value.
    @app.template_filter("translated")
    def translated(text):
        return sentence(text) if text else text

    @app.template_filter("capitalize_first")
    def capitalize_first(text):
        """The first letter up, the rest as written (Jinja's capitalize lowers it)."""
        return text[:1].upper() + text[1:] if text else text

    @app.template_filter("flag_sentence")
    def flag_sentence(row):
        return reader().value(flags.sentence_of(row))

    @app.template_filter("notification_subject")
    def notification_subject(notification):
        return reader().value(notifications.subject_of(notification))

    @app.template_filter("notification_body")
    def notification_body(notification):
        return reader().value(notifications.body_of(notification))

    @app.template_filter("notice_subject")
    def notice_subject(notice):
        return reader().value(notices.subject_of(notice))

    @app.template_filter("notice_body")
    def notice_body(notice):
        return reader().value(notices.body_of(notice))

    @app.template_filter("month")
    def month(value, short=False):
        return reader().month(value, short=short)

    @app.template_filter("list_of")
    def list_of(items):
        return reader().list_of(items)

    @app.template_filter("added_from")
    def added_from(source, moment):
        return words.added_from(source, moment, reader())

    @app.context_processor
    def languages():
        return {"languages": i18n.LANGUAGES, "language": str(get_locale())}
