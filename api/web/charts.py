"""Geometry for the dashboard's inline SVG charts: bars scaled to the widest, drawn by the templates."""

from dataclasses import dataclass

# Drawing units of the viewBox; about a phone's width, so text stays legible when it scales down.
WIDTH = 360
BAR_AREA = 250


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    width: float
    y: float


def _width(value: int, most: int) -> float:
    return round(BAR_AREA * value / most, 1) if most else 0.0


def paired_bars(pairs: list[tuple[str, int, int]], *, row_height: int = 52) -> tuple[list[tuple], int]:
    """(label, sent bar, received bar) rows for the balance chart, and the chart's height."""
    most = max((max(a, b) for _, a, b in pairs), default=0)
    rows = []
    for i, (label, sent, received) in enumerate(pairs):
        y = 28 + i * row_height
        rows.append(
            (
                label,
                Bar("sent", sent, _width(sent, most), y + 6),
                Bar("received", received, _width(received, most), y + 22),
            )
        )
    return rows, 28 + len(pairs) * row_height


def funnel_bars(links, *, row_height: int = 26) -> tuple[list[Bar], int]:
    """One bar per link of the chain of doubt, scaled to the first, and the chart's height."""
    most = max((link.count for link in links), default=0)
    bars = [
        Bar(link.stage, link.count, _width(link.count, most), 4 + i * row_height)
        for i, link in enumerate(links)
    ]
    return bars, 8 + len(bars) * row_height
