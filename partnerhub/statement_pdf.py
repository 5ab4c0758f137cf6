"""A payout statement as a PDF an accountant can file: heading, one row per won deal, totals, page numbers.

Made with fpdf2. The text face is DejaVu Sans where the system has it (any
name prints); elsewhere the PDF core font Helvetica, which prints Latin-1 and
shows other characters as "?".
"""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

from partnerhub.statements import Line, Statement

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# (heading, width in mm, right-aligned): A4 landscape leaves 277 mm between the margins.
COLUMNS = (
    ("Won on", 20, False),
    ("Handoff", 17, False),
    ("Buyer", 40, False),
    ("Sent by", 38, False),
    ("Rep", 32, False),
    ("Status", 24, False),
    ("Currency", 15, False),
    ("Deal value", 25, True),
    ("Reward", 22, True),
    ("Rep share", 20, True),
    ("Paid on", 24, False),
)
ROW_HEIGHT = 5
# A cell's text is cut to what its column holds at 7.5 pt, about 1.6 mm a character.
MM_PER_CHAR = 1.6
STATUS_WORDS = {
    "won": "won",
    "reward_invoiced": "invoiced",
    "reward_paid": "reward paid",
    "rep_paid": "rep paid",
}


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else ""


class _Document(FPDF):
    def __init__(self, title: str, subtitle: str):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.title_text, self.subtitle = title, subtitle
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
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    def table_head(self):
        self.set_font(self.face, "B", 7.5)
        self.set_fill_color(235, 235, 235)
        for heading, width, right in COLUMNS:
            self.cell(width, 6, heading, border="B", align="R" if right else "L", fill=True)
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


def render(statement: Statement, lines: Iterable[Line], *, prepared_at: datetime) -> bytes:
    """The statement as PDF bytes. Reads `lines` once; the totals come from the statement as they do."""
    month = statement.month
    if statement.partnership is not None:
        assert statement.other is not None, "a partnership's statement names its other side"
        title = f"Payout statement, {month.title}: {statement.partner.name} and {statement.other.name}"
        terms = statement.partnership
        reward = (
            f"{terms.reward_value:g}% of the deal value"
            if terms.reward_type == "percent"
            else f"{money(terms.reward_value)} {terms.currency} per won deal"
        )
        subtitle = (
            f"Partnership {terms.id}; terms now: reward {reward}, rep's share {terms.rep_share_percent:g}% "
            f"of the reward. Deals won {month.start:%Y-%m-%d} to {month.end:%Y-%m-%d} (UTC, end excluded); "
            f"each line keeps the reward fixed when it was won. Prepared for {statement.partner.name} "
            f"on {prepared_at:%Y-%m-%d %H:%M} UTC."
        )
    else:
        assert statement.rep is not None, "a statement with no partnership is a rep's"
        title = f"Rep's statement, {month.title}: {statement.rep.name or statement.rep.email}"
        subtitle = (
            f"{statement.partner.name}. Deals won {month.start:%Y-%m-%d} to {month.end:%Y-%m-%d} (UTC, end "
            f"excluded) from the leads this rep passed, with the rep's share of each reward. "
            f"Prepared on {prepared_at:%Y-%m-%d %H:%M} UTC."
        )
    pdf = _Document(title, subtitle)
    pdf.add_page()
    pdf.table_head()
    count = 0
    for line in lines:
        count += 1
        pdf.row(
            [
                _day(line.won_at),
                str(line.handoff_id),
                line.buyer,
                line.sent_by,
                line.rep,
                STATUS_WORDS.get(line.status, line.status),
                line.currency,
                money(line.deal_value),
                money(line.reward),
                money(line.rep_share),
                _day(line.reward_paid_at or line.rep_paid_at),
            ]
        )
    if not count:
        pdf.cell(0, 6, "No deal was won in this month.", new_x="LMARGIN", new_y="NEXT")
    _totals(pdf, statement)
    return bytes(pdf.output())


def _totals(pdf: _Document, statement: Statement) -> None:
    pdf.ln(4)
    pdf.set_font(pdf.face, "B", 9)
    pdf.cell(0, 6, "Totals", new_x="LMARGIN", new_y="NEXT")
    names = {statement.partner.id: statement.partner.name}
    if statement.other is not None:
        names[statement.other.id] = statement.other.name
    for (sender_id, currency), t in sorted(
        statement.totals.items(), key=lambda item: (item[0][1], item[0][0])
    ):
        pdf.set_font(pdf.face, "B", 8)
        pdf.cell(
            0,
            5,
            pdf.text_of(f"Leads of {names.get(sender_id, sender_id)}, {currency}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font(pdf.face, "", 8)
        for label, value in (
            ("Deals won", str(t.won)),
            ("Deal value", money(t.deal_value)),
            ("Rewards due", money(t.rewards)),
            ("Rewards invoiced", money(t.rewards_invoiced)),
            ("Rewards paid", money(t.rewards_paid)),
            ("Rewards unpaid", money(t.rewards_unpaid)),
            ("Rep shares", money(t.rep_shares)),
            ("Rep shares paid", money(t.rep_shares_paid)),
        ):
            pdf.cell(45, 4.5, label)
            pdf.cell(35, 4.5, value, align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
