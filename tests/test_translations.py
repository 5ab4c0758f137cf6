"""Every word a person reads is marked for translation and translated into German and Russian.

The catalog check extracts the messages afresh (scripts/catalogs.py), so a page changed without
its translations fails here. Text a template shows without marking it is found by reading the
templates: what is left outside Jinja's tags, {% trans %} blocks and _() must be no words.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from scripts.catalogs import problems

ROOT = Path(__file__).parent.parent
TEMPLATES = sorted(
    [*(ROOT / "api/web/templates").rglob("*.html"), *(ROOT / "partnerhub/core/emails").glob("*.*")]
)
# Names and abbreviations read the same in every language.
NOT_WORDS = {"PartnerHub", "API", "CSV", "PDF", "JSON", "URL", "ID", "UTC", "SLA", "h", "x"}
# Attributes whose values a person reads (or hears, from a screen reader).
READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "summary"}

TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
COMMENT = re.compile(r"{#.*?#}", re.S)
TAG = re.compile(r"{{.*?}}|{%.*?%}", re.S)
MARKED = re.compile(r"""\b(?:_|gettext|ngettext|count_of)\(\s*(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
LITERAL = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""")


def _is_words(text: str) -> bool:
    tokens = re.findall(r"[^\W\d_]+", text)
    return any(token not in NOT_WORDS for token in tokens)


def _looks_like_text(literal: str) -> bool:
    """A string literal inside a tag that reads as words to a person: capitalised, or several plain
    words. Keys ('won'), endpoints ('web.leads.index'), classes ('button button-primary'), class
    names ('BooleanField') and date formats are not."""
    if not _is_words(literal) or re.fullmatch(r"(?:[A-Z][a-z]+){2,}", literal):
        return False
    if literal[:1].isupper():
        return True
    words = literal.split()
    return len(words) > 1 and all(re.fullmatch(r"[^\W\d_]+[',.?!:;]?", word) for word in words)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and _is_words(value):
                self.found.append(f'{name}="{value}"')

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and _is_words(data):
            self.found.append(" ".join(data.split()))


def unmarked(source: str, *, html: bool) -> list[str]:
    """The text of a template a person would read that no gettext call or trans block holds."""
    source = COMMENT.sub("", TRANS_BLOCK.sub("", source))
    found = []
    for tag in TAG.findall(source):
        for literal in LITERAL.finditer(MARKED.sub("", tag)):
            text = literal.group(1) if literal.group(1) is not None else literal.group(2)
            if _looks_like_text(text):
                found.append(f"in a tag: {text!r}")
    text = TAG.sub(" ", source)
    if not html:
        return found + ([" ".join(text.split())] if _is_words(text) else [])
    parser = _Text()
    parser.feed(text)
    return found + parser.found


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_template_shows_no_words_outside_gettext(template):
    assert unmarked(template.read_text(), html=template.suffix == ".html") == []


def test_every_marked_message_has_a_german_and_a_russian_translation_that_is_not_fuzzy():
    assert problems() == []


def test_the_template_scan_finds_text_left_unmarked():
    page = '<p>Hello {{ name }}</p><p>{{ _("Marked") }}</p>{% trans %}Also {{ x }}{% endtrans %}'
    assert unmarked(page, html=True) == ["Hello"]
    assert unmarked('<button aria-label="Close it">+</button>', html=True) == ['aria-label="Close it"']
    assert unmarked("{{ confirmed(url, 'Revoke', 'Revoke it?') }}", html=True) == [
        "in a tag: 'Revoke'",
        "in a tag: 'Revoke it?'",
    ]
    assert unmarked("<p>PartnerHub · 42 · {{ 'web.leads.index' }} {{ x == 'won' }}</p>", html=True) == []
