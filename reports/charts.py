"""SVG charts of the statistics, shared by the staff page and the PDF.

Pure functions: figures in, markup out. Charts are inline SVG so that they need nothing from
the network and render the same in a browser and in WeasyPrint. The pages' Content Security
Policy forbids inline styles and scripts, so the markup carries neither: colours and sizes are
SVG presentation attributes (`fill="..."`, `width="..."`), which are not style attributes.
Every piece of text, including numbers, goes through `escape`. Each chart is `role="img"`
with a `<title>` and a `<desc>` that reads out every value, and the page puts the same numbers
in a table beside it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.statistics import BREAKDOWNS, SHARES, SMALL, SMALL_CELL_THRESHOLD

FONT = "Source Sans Pro Web, Helvetica Neue, Helvetica, Roboto, Arial, sans-serif"
BAR_COLOUR = "#005ea2"  # USWDS primary; 7:1 against white
TEXT_COLOUR = "#1b1b1b"
MUTED_COLOUR = "#565c65"
LABEL_MAX_CHARS = 26


@dataclass(frozen=True)
class Bar:
    """One bar: `value` sets its length (None draws none: a hidden count), `text` is what is
    written at its end, and `lines` label it (one line for bars, up to two under a column)."""

    label: str
    value: float | None
    text: str
    lines: tuple[str, ...] = ()


def _num(value: float) -> str:
    return escape(f"{value:.1f}".removesuffix(".0"))


def _clip(text: str, limit: int = LABEL_MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _description(summary: str, bars: Sequence[Bar]) -> str:
    if not bars:
        return summary + " " + _("No data.")
    return summary + " " + "; ".join(f"{bar.label}: {bar.text}" for bar in bars) + "."


def _open_svg(chart_id: str, width: float, height: float, title: str, desc: str,
              kind: str) -> list[str]:
    ident = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="rd-chart rd-chart--{escape(kind)}" '
        f'id="{ident}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" font-family="{escape(FONT)}" font-size="12" '
        f'fill="{TEXT_COLOUR}">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
    ]


def _scale(bars: Sequence[Bar], max_value: float | None) -> float:
    top = max_value or max((bar.value or 0 for bar in bars), default=0)
    return top if top > 0 else 1


def bar_chart(
    *, chart_id: str, title: str, summary: str, bars: Sequence[Bar],
    max_value: float | None = None,
) -> SafeString:
    """A horizontal bar chart: labels on the left, bars scaled to `max_value` (or the
    largest value), each value written at the end of its bar."""
    label_width, bar_left, bar_span, row, bar_height, pad = 200.0, 208.0, 180.0, 24.0, 15.0, 6.0
    width = bar_left + bar_span + 48
    height = pad * 2 + max(len(bars), 1) * row
    top = _scale(bars, max_value)
    parts = _open_svg(chart_id, width, height, title, _description(summary, bars), "bars")
    if not bars:
        parts.append(
            f'<text x="{_num(pad)}" y="{_num(pad + row / 2 + 4)}" fill="{MUTED_COLOUR}">'
            f'{escape(_("Nothing to show for these filters."))}</text>'
        )
    for index, bar in enumerate(bars):
        y = pad + index * row
        middle = y + row / 2 + 4.5
        length = 0.0 if bar.value is None else bar_span * bar.value / top
        parts.append(f'<g class="rd-chart__row"><title>{escape(bar.label)}: '
                     f'{escape(bar.text)}</title>')
        parts.append(
            f'<text class="rd-chart__label" x="{_num(label_width)}" y="{_num(middle)}" '
            f'text-anchor="end">{escape(_clip(bar.label))}</text>'
        )
        if length > 0:
            parts.append(
                f'<rect class="rd-chart__bar" x="{_num(bar_left)}" '
                f'y="{_num(y + (row - bar_height) / 2)}" width="{_num(max(length, 1.0))}" '
                f'height="{_num(bar_height)}" fill="{BAR_COLOUR}"/>'
            )
        colour = MUTED_COLOUR if bar.value is None else TEXT_COLOUR
        parts.append(
            f'<text class="rd-chart__value" x="{_num(bar_left + length + 6)}" '
            f'y="{_num(middle)}" fill="{colour}">{escape(bar.text)}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated value is escaped above


def column_chart(
    *, chart_id: str, title: str, summary: str, bars: Sequence[Bar]
) -> SafeString:
    """A column chart (months along the bottom), each value written above its column."""
    left, column, gap, plot, top_pad, label_space = 12.0, 40.0, 14.0, 160.0, 22.0, 40.0
    # At least eight columns' room, so that two months are not drawn as wide as the page.
    width = left * 2 + max(len(bars), 8) * (column + gap)
    height = top_pad + plot + label_space
    baseline = top_pad + plot
    top = _scale(bars, None)
    parts = _open_svg(chart_id, width, height, title, _description(summary, bars), "columns")
    parts.append(
        f'<line x1="{_num(left)}" y1="{_num(baseline)}" x2="{_num(width - left)}" '
        f'y2="{_num(baseline)}" stroke="{MUTED_COLOUR}" stroke-width="1"/>'
    )
    if not bars:
        parts.append(
            f'<text x="{_num(left)}" y="{_num(baseline - 8)}" fill="{MUTED_COLOUR}">'
            f'{escape(_("Nothing to show for these filters."))}</text>'
        )
    for index, bar in enumerate(bars):
        x = left + index * (column + gap) + gap / 2
        centre = x + column / 2
        size = 0.0 if bar.value is None else plot * bar.value / top
        parts.append(f'<g class="rd-chart__column"><title>{escape(bar.label)}: '
                     f'{escape(bar.text)}</title>')
        if size > 0:
            parts.append(
                f'<rect class="rd-chart__bar" x="{_num(x)}" y="{_num(baseline - size)}" '
                f'width="{_num(column)}" height="{_num(max(size, 1.0))}" fill="{BAR_COLOUR}"/>'
            )
        colour = MUTED_COLOUR if bar.value is None else TEXT_COLOUR
        parts.append(
            f'<text class="rd-chart__value" x="{_num(centre)}" y="{_num(baseline - size - 5)}" '
            f'text-anchor="middle" fill="{colour}">{escape(bar.text)}</text>'
        )
        for line, text in enumerate((bar.lines or (bar.label,))[:2]):
            parts.append(
                f'<text class="rd-chart__label" x="{_num(centre)}" '
                f'y="{_num(baseline + 15 + line * 14)}" text-anchor="middle" '
                f'font-size="11">{escape(_clip(text, 9))}</text>'
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
    key, label = entry["key"], entry["label"]
    if key is None:
        return (_("Date"), _("unknown"))
    month_name, _sep, year = label.rpartition(" ")
    return (month_name[:3], year)


def figure_panels(figures: dict[str, Any]) -> list[Panel]:
    """A panel for each breakdown and one for the shares, from (suppressed or exact) figures."""
    threshold = figures.get("suppression", {}).get("threshold", SMALL_CELL_THRESHOLD)
    units = {"reports": _("Reports"), "cases": _("Cases")}
    panels: list[Panel] = []
    for breakdown in BREAKDOWNS:
        entries = figures.get(breakdown.name, [])
        bars = [
            Bar(
                label=entry["label"],
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
                svg=chart(chart_id=f"chart-{breakdown.name}", title=title, summary=summary,
                          bars=bars),
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
            svg=bar_chart(chart_id="chart-shares", title=title,
                          summary=_("Percent of all matching reports, as a chart."),
                          bars=share_bars, max_value=100),
            rows=share_rows,
        )
    )
    return panels
