"""SVG charts of the statistics, shared by the staff page and the PDF.

Pure functions: figures in, markup out. Charts are inline SVG so that they need nothing from
the network and render the same in a browser and in WeasyPrint. The pages' Content Security
Policy forbids inline styles and scripts, so the markup carries neither: colours and sizes are
SVG presentation attributes (`fill="..."`, `width="..."`), which are not style attributes.
Every piece of text, including numbers, goes through `escape`. Each chart is `role="img"`
with a `<title>` and a `<desc>` that reads out every value, and the page puts the same numbers
in a table beside it.

Each chart has a fixed `viewBox` and is drawn at the width of its box (`width="100%"`), so it
grows with the page. Labels are never clipped: a long one (an agency's full name, a kind of
encounter, a city) is wrapped onto as many lines as it needs, and the chart reserves the room
for them. The room is measured with `text_width`, an estimate that is never narrower than the
text as drawn in any of the fonts a chart may be drawn in, so wrapped text always fits.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from cases.models import Case
from intake.public_labels import perceived_basis_label_for
from intake.staff_labels import agency_name_for, kind_label_for
from reports.statistics.breakdowns import (
    BREAKDOWNS,
    SHARES,
    UNKNOWN_CITY_LABEL,
    UNKNOWN_MONTH_LABEL,
)
from reports.statistics.suppression import SMALL, SMALL_CELL_THRESHOLD

FONT = "Source Sans Pro Web, Helvetica Neue, Helvetica, Roboto, Arial, sans-serif"
BAR_COLOUR = "#005ea2"  # USWDS primary; 7:1 against white
TEXT_COLOUR = "#1b1b1b"
MUTED_COLOUR = "#565c65"

# The width every chart is drawn to, in viewBox units; on the page one unit is about one CSS
# pixel when two charts share a row of a laptop screen, and in the PDF a chart fills the page.
CHART_WIDTH = 640.0
FONT_SIZE = 13.0  # labels and values of bar charts
SMALL_FONT_SIZE = 11.0  # labels and values under and above columns
LINE_HEIGHT = 1.25  # times the font size

# --- Measuring text ----------------------------------------------------------------------------

# Advance widths as a share of the font size, each rounded up from the widest of the fonts a
# chart may be drawn in: Source Sans Pro and Arial on the page, DejaVu Sans in WeasyPrint (the
# widest of them; its "m" is 0.97, its "W" 0.99, its capitals up to 0.79 and its other
# lower-case letters and digits up to 0.64).
_NARROW = frozenset(" !'(),./:;I[]fijlrt|")
_WIDE = frozenset("%@MWmw—…")
_NARROW_EM, _LOWER_EM, _UPPER_EM, _WIDE_EM = 0.45, 0.68, 0.8, 1.0


def _char_em(char: str) -> float:
    if char in _NARROW:
        return _NARROW_EM
    if char in _WIDE:
        return _WIDE_EM
    if char.isupper():
        return _UPPER_EM
    if char.isascii():
        return _LOWER_EM
    # Accented Latin letters are as wide as their base letter; anything else (other scripts,
    # symbols) is given a full em.
    base = unicodedata.normalize("NFD", char)[:1]
    if base.isascii() and base.isalpha():
        return _char_em(base)
    return _WIDE_EM


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """A width no narrower than `text` as drawn at `font_size` (in the same units)."""
    return sum(_char_em(char) for char in text) * font_size


def _break_word(word: str, width: float, font_size: float) -> list[str]:
    """A word too long for a line, cut into pieces that each fit (a web address, a long
    compound): never dropped and never clipped."""
    pieces, piece = [], ""
    for char in word:
        if piece and text_width(piece + char, font_size) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    return [*pieces, piece] if piece else pieces


def wrap_label(text: str, width: float, font_size: float = FONT_SIZE) -> tuple[str, ...]:
    """`text` on as many lines as it needs so that no line is wider than `width`: words stay
    whole where they fit on a line of their own. Nothing is cut off: the lines hold every
    word of the text, in order."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, font_size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        pieces = (
            [word] if text_width(word, font_size) <= width else _break_word(word, width, font_size)
        )
        lines.extend(pieces[:-1])
        line = pieces[-1]
    if line:
        lines.append(line)
    return tuple(lines) or ("",)


# --- Charts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar: `value` sets its length (None draws none: a hidden count), `text` is what is
    written at its end, and `lines` label it under a column (each line wrapped further if it
    must be; the label itself when none are given)."""

    label: str
    value: float | None
    text: str
    lines: tuple[str, ...] = ()


def _num(value: float) -> str:
    return escape(f"{value:.1f}".removesuffix(".0"))


def _description(summary: str, bars: Sequence[Bar]) -> str:
    if not bars:
        return summary + " " + _("No data.")
    return summary + " " + "; ".join(f"{bar.label}: {bar.text}" for bar in bars) + "."


def _open_svg(
    chart_id: str, width: float, height: float, title: str, desc: str, kind: str
) -> list[str]:
    ident = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="rd-chart rd-chart--{escape(kind)}" '
        f'id="{ident}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" font-family="{escape(FONT)}" '
        f'font-size="{_num(FONT_SIZE)}" fill="{TEXT_COLOUR}">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
    ]


def _lines(x: float, first_baseline: float, lines: Sequence[str], line_height: float) -> str:
    """`<tspan>`s of a multi-line `<text>`, one per line, all starting at `x`."""
    return "".join(
        f'<tspan x="{_num(x)}" y="{_num(first_baseline + index * line_height)}">'
        f"{escape(line)}</tspan>"
        for index, line in enumerate(lines)
    )


def _scale(bars: Sequence[Bar], max_value: float | None) -> float:
    top = max_value or max((bar.value or 0 for bar in bars), default=0)
    return top if top > 0 else 1


def bar_chart(
    *,
    chart_id: str,
    title: str,
    summary: str,
    bars: Sequence[Bar],
    max_value: float | None = None,
) -> SafeString:
    """A horizontal bar chart: labels on the left (wrapped onto as many lines as they need,
    the row as tall as its label), bars scaled to `max_value` (or the largest value), each
    value written at the end of its bar."""
    pad, gap, bar_height, min_row = 8.0, 8.0, 16.0, 28.0
    line_height = FONT_SIZE * LINE_HEIGHT
    width = CHART_WIDTH
    label_width = round(width * 0.38)
    bar_left = pad + label_width + gap
    value_room = max((text_width(bar.text) for bar in bars), default=0.0) + gap
    bar_span = width - bar_left - value_room - pad
    labels = [wrap_label(bar.label, label_width) for bar in bars]
    rows = [max(min_row, len(lines) * line_height + 10) for lines in labels]
    height = pad * 2 + (sum(rows) if bars else min_row)
    top = _scale(bars, max_value)
    parts = _open_svg(chart_id, width, height, title, _description(summary, bars), "bars")
    if not bars:
        parts.append(
            f'<text x="{_num(pad)}" y="{_num(pad + min_row / 2 + 4)}" fill="{MUTED_COLOUR}">'
            f"{escape(_('Nothing to show for these filters.'))}</text>"
        )
    y = pad
    for bar, lines, row in zip(bars, labels, rows, strict=True):
        middle = y + row / 2
        # Baselines sit a third of the font size below the middle of a line.
        first = middle - (len(lines) - 1) * line_height / 2 + FONT_SIZE / 3
        length = 0.0 if bar.value is None else bar_span * bar.value / top
        parts.append(
            f'<g class="rd-chart__row"><title>{escape(bar.label)}: {escape(bar.text)}</title>'
        )
        parts.append(
            f'<text class="rd-chart__label" text-anchor="end">'
            f"{_lines(pad + label_width, first, lines, line_height)}</text>"
        )
        if length > 0:
            parts.append(
                f'<rect class="rd-chart__bar" x="{_num(bar_left)}" '
                f'y="{_num(middle - bar_height / 2)}" width="{_num(max(length, 1.0))}" '
                f'height="{_num(bar_height)}" fill="{BAR_COLOUR}"/>'
            )
        colour = MUTED_COLOUR if bar.value is None else TEXT_COLOUR
        parts.append(
            f'<text class="rd-chart__value" x="{_num(bar_left + length + gap / 2)}" '
            f'y="{_num(middle + FONT_SIZE / 3)}" fill="{colour}">{escape(bar.text)}</text></g>'
        )
        y += row
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated value is escaped above


# Under this many columns the columns keep the width they would have with this many, so that
# two months are not drawn as wide as the page.
_MIN_COLUMN_SLOTS = 8
# The narrowest column pitch at which angled labels do not run into each other.
_MIN_PITCH = SMALL_FONT_SIZE * LINE_HEIGHT * 1.5
_ROOT_HALF = 0.7072  # sin 45°, rounded up


def column_chart(*, chart_id: str, title: str, summary: str, bars: Sequence[Bar]) -> SafeString:
    """A column chart (months along the bottom), each value written above its column.

    A label goes under its column on one or more lines where each of its words fits the
    column's width; where one does not (many months in a narrow chart), every label is written
    on one line at 45°, and the chart reserves the height and the left margin they need."""
    side, top_pad, plot, font = 12.0, 22.0, 170.0, SMALL_FONT_SIZE
    line_height = font * LINE_HEIGHT
    texts = [bar.lines or (bar.label,) for bar in bars]
    slots = max(len(bars), _MIN_COLUMN_SLOTS)
    pitch = (CHART_WIDTH - side * 2) / slots
    words = [word for lines in texts for line in lines for word in line.split()]
    upright = all(text_width(word, font) <= pitch - 4 for word in words)
    left = side
    if upright:
        labels = [
            tuple(out for line in lines for out in wrap_label(line, pitch - 4, font))
            for lines in texts
        ]
        label_space = max((len(lines) for lines in labels), default=1) * line_height + 8
    else:
        labels = [(" ".join(lines),) for lines in texts]
        reach = max(text_width(lines[0], font) for lines in labels) * _ROOT_HALF
        label_space = reach + font * 2 + 6
        pitch = max(_MIN_PITCH, (CHART_WIDTH - side * 2) / slots)
        # The first label reaches down and to the left of its column's centre.
        left = max(side, reach + font - pitch / 2)
        pitch = max(_MIN_PITCH, (CHART_WIDTH - left - side) / slots)
    column = pitch * 0.72
    width = max(CHART_WIDTH, left + slots * pitch + side)
    height = top_pad + plot + label_space
    baseline = top_pad + plot
    top = _scale(bars, None)
    parts = _open_svg(chart_id, width, height, title, _description(summary, bars), "columns")
    parts.append(
        f'<line x1="{_num(left)}" y1="{_num(baseline)}" x2="{_num(width - side)}" '
        f'y2="{_num(baseline)}" stroke="{MUTED_COLOUR}" stroke-width="1"/>'
    )
    if not bars:
        parts.append(
            f'<text x="{_num(left)}" y="{_num(baseline - 8)}" fill="{MUTED_COLOUR}">'
            f"{escape(_('Nothing to show for these filters.'))}</text>"
        )
    for index, (bar, lines) in enumerate(zip(bars, labels, strict=True)):
        centre = left + index * pitch + pitch / 2
        size = 0.0 if bar.value is None else plot * bar.value / top
        parts.append(
            f'<g class="rd-chart__column"><title>{escape(bar.label)}: {escape(bar.text)}</title>'
        )
        if size > 0:
            parts.append(
                f'<rect class="rd-chart__bar" x="{_num(centre - column / 2)}" '
                f'y="{_num(baseline - size)}" width="{_num(column)}" '
                f'height="{_num(max(size, 1.0))}" fill="{BAR_COLOUR}"/>'
            )
        colour = MUTED_COLOUR if bar.value is None else TEXT_COLOUR
        # A value wider than its column ("hidden" over a narrow one) stays inside the chart.
        half = text_width(bar.text, font) / 2 + 2
        value_x = min(max(centre, half), width - half)
        parts.append(
            f'<text class="rd-chart__value" x="{_num(value_x)}" y="{_num(baseline - size - 5)}" '
            f'text-anchor="middle" font-size="{_num(font)}" fill="{colour}">'
            f"{escape(bar.text)}</text>"
        )
        if upright:
            parts.append(
                f'<text class="rd-chart__label" text-anchor="middle" font-size="{_num(font)}">'
                f"{_lines(centre, baseline + font + 4, lines, line_height)}</text>"
            )
        else:
            anchor_y = baseline + font
            parts.append(
                f'<text class="rd-chart__label" x="{_num(centre)}" y="{_num(anchor_y)}" '
                f'text-anchor="end" font-size="{_num(font)}" '
                f'transform="rotate(-45 {_num(centre)} {_num(anchor_y)})">'
                f"{escape(lines[0])}</text>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated value is escaped above


# --- From figures to panels ---------------------------------------------------------------------


def count_text(
    count: int | None, threshold: int = SMALL_CELL_THRESHOLD, reason: str | None = SMALL
) -> str:
    """A count as shown: grouped digits; "<5" for a small one hidden; "hidden" for one
    hidden only because it would give a small one away."""
    if count is not None:
        return number_format(count, force_grouping=True)
    return f"<{threshold}" if reason == SMALL else _("hidden")


def share_text(share: float | None) -> str:
    if share is None:
        return _("hidden")
    return number_format(round(share * 100, 1), decimal_pos=1) + "%"


@dataclass(frozen=True)
class Row:
    label: str
    count: str
    share: str = ""
    total: str = ""


@dataclass(frozen=True)
class Panel:
    """One figure as the page and the PDF show it: a chart and the table of its numbers."""

    name: str
    title: str
    category: str
    unit: str
    svg: SafeString
    rows: list[Row]


def _month_lines(entry: dict[str, Any]) -> tuple[str, ...]:
    key, label = entry["key"], _shown_label("reports_by_month", entry)
    if key is None:
        return (_("Date"), _("unknown"))
    month_name, _sep, year = label.rpartition(" ")
    return (month_name[:3], year)


# Figures are computed and stored in English (reports/statistics/figures.py); their keys
# (codes, statuses, priorities, months) give each label back in the reader's language.
def _shown_label(breakdown: str, entry: dict[str, Any]) -> str:
    key, label = entry["key"], entry["label"]
    if key is None:
        unknown = {"reports_by_month": UNKNOWN_MONTH_LABEL, "reports_by_city": UNKNOWN_CITY_LABEL}
        return str(unknown.get(breakdown, label))
    if breakdown == "cases_by_status" and key in Case.Status.values:
        return str(Case.Status(key).label)
    if breakdown == "cases_by_priority" and key.isdigit() and int(key) in Case.Priority.values:
        return str(Case.Priority(int(key)).label)
    if breakdown == "reports_by_kind":
        return kind_label_for(key, label)
    if breakdown == "reports_by_agency":
        return agency_name_for(key, label)
    if breakdown == "reports_by_basis":
        return perceived_basis_label_for(key, label)
    if breakdown == "reports_by_month" and re.fullmatch(r"\d{4}-\d{2}", key):
        return capfirst(date_format(date(int(key[:4]), int(key[5:]), 1), "F Y"))
    return str(label)


def figure_panels(figures: dict[str, Any]) -> list[Panel]:
    """A panel for each breakdown and one for the shares, from (suppressed or exact) figures."""
    threshold = figures.get("suppression", {}).get("threshold", SMALL_CELL_THRESHOLD)
    units = {"reports": _("Reports"), "cases": _("Cases")}
    panels: list[Panel] = []
    for breakdown in BREAKDOWNS:
        entries = figures.get(breakdown.name, [])
        bars = [
            Bar(
                label=_shown_label(breakdown.name, entry),
                value=entry["count"],
                text=count_text(entry["count"], threshold, entry["suppressed"]),
                lines=_month_lines(entry) if breakdown.chart == "columns" else (),
            )
            for entry in entries
        ]
        title = str(breakdown.title)
        chart = column_chart if breakdown.chart == "columns" else bar_chart
        summary = _("%(title)s, as a chart.") % {"title": title}
        panels.append(
            Panel(
                name=breakdown.name,
                title=title,
                category=str(breakdown.category),
                unit=str(units[breakdown.unit]),
                svg=chart(
                    chart_id=f"chart-{breakdown.name}", title=title, summary=summary, bars=bars
                ),
                rows=[Row(label=bar.label, count=bar.text) for bar in bars],
            )
        )
    shares = figures.get("shares", {})
    share_bars, share_rows = [], []
    for share in SHARES:
        data = shares.get(share.name)
        if data is None:
            continue
        label = str(share.title)
        value = None if data["share"] is None else data["share"] * 100
        share_bars.append(Bar(label=label, value=value, text=share_text(data["share"])))
        share_rows.append(
            Row(
                label=label,
                count=count_text(data["count"], threshold),
                total=count_text(data["total"], threshold),
                share=share_text(data["share"]),
            )
        )
    title = _("Share of reports")
    panels.append(
        Panel(
            name="shares",
            title=title,
            category=_("Reports"),
            unit=_("Reports"),
            svg=bar_chart(
                chart_id="chart-shares",
                title=title,
                summary=_("Percent of all matching reports, as a chart."),
                bars=share_bars,
                max_value=100,
            ),
            rows=share_rows,
        )
    )
    return panels
