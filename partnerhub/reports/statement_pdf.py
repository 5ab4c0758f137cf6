"""A payout statement as a PDF an accountant can file: heading, one row per won deal, totals, page numbers.

Made with fpdf2, in the reader's language (a Translator; English without one): labels, sentences,
amounts and dates as the pages write them. The text face is DejaVu Sans (Debian's fonts-dejavu-core,
which make install puts in place), so any name and Cyrillic print; where it is missing, the PDF core
font Helvetica, which prints Latin-1 and shows other characters as "?".
"""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

from partnerhub.core.i18n import DEFAULT_LANGUAGE, N_, Money, Percent, Translator, phrase, translator
from partnerhub.reports.statements import Line, Statement

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# (heading, width in mm, right-aligned): A4 landscape leaves 277 mm between the margins.
COLUMNS = (
    (N_("Won on"), 20, False),
    (N_("Handoff"), 17, False),
    (N_("Buyer"), 40, False),
    (N_("Sent by"), 38, False),
    (N_("Rep"), 32, False),
    (N_("Status"), 24, False),
    (N_("Currency"), 15, False),
    (N_("Deal value"), 25, True),
    (N_("Reward"), 22, True),
    (N_("Rep share"), 20, True),
    (N_("Paid on"), 24, False),
)
ROW_HEIGHT = 5
# A cell's text is cut to what its column holds at 7.5 pt, about 1.6 mm a character.
MM_PER_CHAR = 1.6
STATUS_WORDS = {
    "won": N_("won"),
    "reward_invoiced": N_("invoiced"),
    "reward_paid": N_("reward paid"),
    "rep_paid": N_("rep paid"),
}
TOTALS = (
    (N_("Deals won"), "won"),
    (N_("Deal value"), "deal_value"),
    (N_("Rewards due"), "rewards"),
    (N_("Rewards invoiced"), "rewards_invoiced"),
    (N_("Rewards paid"), "rewards_paid"),
    (N_("Rewards unpaid"), "rewards_unpaid"),
    (N_("Rep shares"), "rep_shares"),
    (N_("Rep shares paid"), "rep_shares_paid"),
)


def money(amount: Decimal, tr: Translator | None = None) -> str:
    """An amount with two places, grouped as the reader's language groups it (its currency has a column)."""
    return (tr or translator(DEFAULT_LANGUAGE)).number(amount, 2)


def _day(moment: datetime | None, tr: Translator) -> str:
    return tr.date(moment, "short") if moment else ""


class _Document(FPDF):
    def __init__(self, title: str, subtitle: str, tr: Translator):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.title_text, self.subtitle, self.tr = title, subtitle, tr
        if (FONT_DIR / "DejaVuSans.ttf").exists():
            self.add_font("Text", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("Text", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
            self.face, self.unicode = "Text", True
        else:
            self.face, self.unicode = "Helvetica", False
        self.set_auto_page_break(auto=True, margin=15)
        self._widths: dict[float, dict[str, float]] = {}
        self.alias_nb_pages()
        self.set_title(title)
        self.set_creator("PartnerHub")

    def text_of(self, value: str) -> str:
        return value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")

    def header(self):
        self.set_font(self.face, "B", 13)
        self.cell(0, 7, self.text_of(self.title_text), new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.face, "", 8.5)
        self.cell(0, 5, self.text_of(self.subtitle), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        if self.page_no() > 1:
            self.table_head()

    def footer(self):
        self.set_y(-12)
        self.set_font(self.face, "", 7.5)
        page = self.tr.phrase(phrase("Page %(page)s of %(pages)s", page=str(self.page_no()), pages="{nb}"))
        self.cell(0, 5, self.text_of(page), align="R")

    def table_head(self):
        self.set_font(self.face, "B", 7.5)
        self.set_fill_color(235, 235, 235)
        for heading, width, right in COLUMNS:
            text = self.text_of(self.tr.gettext(heading))[: int(width / MM_PER_CHAR)]
            self.cell(width, 6, text, border="B", align="R" if right else "L", fill=True)
        self.ln()
        self.set_font(self.face, "", 7.5)

    def row(self, values: list[str]):
        # text() at computed places, not cell(): a month of 10,000 lines must render in seconds,
        # and cell() costs four times as much. Right-aligned cells are amounts, measured by their digits.
        if self.will_page_break(ROW_HEIGHT):
            self.add_page()
        x, baseline = self.l_margin, self.get_y() + 3.6
        for (_heading, width, right), value in zip(COLUMNS, values, strict=True):
            text = self.text_of(value)[: int(width / MM_PER_CHAR)]
            if right:
                self.text(x + width - 1 - self._digits_width(text), baseline, text)
            else:
                self.text(x + 1, baseline, text)
            x += width
        self.set_y(self.get_y() + ROW_HEIGHT)

    def _digits_width(self, text: str) -> float:
        widths = self._widths.get(self.font_size_pt)
        if widths is None:
            widths = self._widths[self.font_size_pt] = {c: self.get_string_width(c) for c in "0123456789,.-"}
        return sum(widths.get(c) or self.get_string_width(c) for c in text)


def render(
    statement: Statement, lines: Iterable[Line], *, prepared_at: datetime, tr: Translator | None = None
) -> bytes:
    """The statement as PDF bytes in `tr`'s language (English without one). Reads `lines` once; the
    totals come from the statement as they do."""
    tr = tr or translator(DEFAULT_LANGUAGE)
    month = statement.month
    title_month = tr.month(str(month))
    period = {"start": month.start.date(), "end": month.end.date(), "prepared": prepared_at}
    if statement.partnership is not None:
        assert statement.other is not None, "a partnership's statement names its other side"
        terms = statement.partnership
        if terms.reward_type == "percent":
            reward = phrase("%(share)s of the deal value", share=Percent(terms.reward_value, 100))
        else:
            reward = phrase("%(reward)s per won deal", reward=Money(terms.reward_value, terms.currency))
        title = phrase(
            "Payout statement, %(month)s: %(partner)s and %(other)s",
            month=title_month,
            partner=statement.partner.name,
            other=statement.other.name,
        )
        subtitle = phrase(
            "Partnership %(id)s; terms now: reward %(reward)s, rep's share %(share)s of the reward. "
            "Deals won %(start)s to %(end)s (UTC, end excluded); each line keeps the reward fixed "
            "when it was won. Prepared for %(partner)s on %(prepared)s UTC.",
            id=str(terms.id),
            reward=reward,
            share=Percent(terms.rep_share_percent, 100),
            partner=statement.partner.name,
            **period,
        )
    else:
        assert statement.rep is not None, "a statement with no partnership is a rep's"
        title = phrase(
            "Rep's statement, %(month)s: %(rep)s",
            month=title_month,
            rep=statement.rep.name or statement.rep.email,
        )
        subtitle = phrase(
            "%(partner)s. Deals won %(start)s to %(end)s (UTC, end excluded) from the leads this rep passed, "
            "with the rep's share of each reward. Prepared on %(prepared)s UTC.",
            partner=statement.partner.name,
            **period,
        )
    pdf = _Document(tr.phrase(title), tr.phrase(subtitle), tr)
    pdf.add_page()
    pdf.table_head()
    count = 0
    for line in lines:
        count += 1
        pdf.row(
            [
                _day(line.won_at, tr),
                str(line.handoff_id),
                line.buyer,
                line.sent_by,
                line.rep,
                tr.gettext(STATUS_WORDS[line.status]) if line.status in STATUS_WORDS else line.status,
                line.currency,
                money(line.deal_value, tr),
                money(line.reward, tr),
                money(line.rep_share, tr),
                _day(line.reward_paid_at or line.rep_paid_at, tr),
            ]
        )
    if not count:
        pdf.cell(
            0, 6, pdf.text_of(tr.gettext(N_("No deal was won in this month."))), new_x="LMARGIN", new_y="NEXT"
        )
    _totals(pdf, statement, tr)
    return bytes(pdf.output())


def _totals(pdf: _Document, statement: Statement, tr: Translator) -> None:
    pdf.ln(4)
    pdf.set_font(pdf.face, "B", 9)
    pdf.cell(0, 6, pdf.text_of(tr.gettext(N_("Totals"))), new_x="LMARGIN", new_y="NEXT")
    names = {statement.partner.id: statement.partner.name}
    if statement.other is not None:
        names[statement.other.id] = statement.other.name
    for (sender_id, currency), t in sorted(
        statement.totals.items(), key=lambda item: (item[0][1], item[0][0])
    ):
        pdf.set_font(pdf.face, "B", 8)
        heading = phrase(
            "Leads of %(name)s, %(currency)s", name=str(names.get(sender_id, sender_id)), currency=currency
        )
        pdf.cell(0, 5, pdf.text_of(tr.phrase(heading)), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(pdf.face, "", 8)
        for label, name in TOTALS:
            value = getattr(t, name)
            pdf.cell(45, 4.5, pdf.text_of(tr.gettext(label)))
            shown = tr.number(value) if name == "won" else money(value, tr)
            pdf.cell(35, 4.5, pdf.text_of(shown), align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
