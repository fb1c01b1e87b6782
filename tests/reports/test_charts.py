"""The statistics charts keep every label whole and inside the chart: the width estimate is
never short of the text as a font draws it, long labels wrap onto lines that fit the room the
chart reserves, and angled month labels stay inside the chart."""

import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from reports import charts

SVG = "{http://www.w3.org/2000/svg}"


def _font_file(family: str) -> Path | None:
    """The file fontconfig (which WeasyPrint draws with) picks for `family`, if it has it."""
    if shutil.which("fc-match") is None:
        return None
    found = subprocess.run(  # noqa: S603 - a fixed command, no shell
        ["fc-match", "--format=%{family}\\n%{file}", family],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split("\n")
    return Path(found[1]) if len(found) == 2 and family in found[0] else None


DEJAVU = _font_file("DejaVu Sans")

LONG_LABELS = [
    "U.S. Immigration and Customs Enforcement",
    "ICE Enforcement and Removal Operations",
    "Hennepin County Sheriff's Office",
    "Recording interfered with (phone knocked away)",
    "Papers or citizenship demanded",
    "Agents did not identify themselves",
    "Minneapolis-Saint Paul International Airport",
    "Interrogado sobre su situación migratoria",
    "Saint Anthony Village WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW",
    "https://www.example.org/a/very/long/address/without/any/spaces/at/all",
    "MMMMMMMMMM mmmmmmmmmm WWWWWW",
]


def _dejavu_width(text: str, size: float) -> float:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    assert DEJAVU is not None
    font = TTFont(DEJAVU)
    cmap, metrics = font.getBestCmap(), font["hmtx"].metrics
    units = font["head"].unitsPerEm
    return sum(metrics[cmap[ord(char)]][0] for char in text) * size / units


@pytest.mark.skipif(DEJAVU is None, reason="fontconfig has no DejaVu Sans")
@pytest.mark.parametrize("text", [*LONG_LABELS, "0123456789 <5 hidden 38.5%", "ÁÉÍÓÚ ñ ü"])
def test_text_width_is_never_short_of_the_widest_font_the_charts_use(text):
    pytest.importorskip("fontTools")
    assert charts.text_width(text, 13) >= _dejavu_width(text, 13)


@pytest.mark.parametrize("text", LONG_LABELS)
@pytest.mark.parametrize("width", [60.0, 120.0, 243.0])
def test_a_long_label_wraps_onto_lines_that_never_exceed_their_width(text, width):
    lines = charts.wrap_label(text, width)
    assert all(charts.text_width(line) <= width for line in lines), lines
    # Nothing is cut: the lines hold every character of the label, in order.
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(line == line.strip() and line for line in lines)


def test_words_stay_whole_where_they_fit_a_line():
    assert charts.wrap_label("U.S. Immigration and Customs Enforcement", 243) == (
        "U.S. Immigration and Customs",
        "Enforcement",
    )
    assert charts.wrap_label("Injury", 243) == ("Injury",)


def _number(value: str | None) -> float:
    return float(value or 0)


def _view_box(svg: ET.Element) -> tuple[float, float]:
    _x, _y, width, height = map(float, svg.get("viewBox", "").split())
    return width, height


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - markup the charts under test made


def _text_boxes(svg: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """(text, left, right, top, bottom) of every line, from the estimate and the anchor."""
    boxes = []
    for text in svg.iter(f"{SVG}text"):
        size = _number(text.get("font-size")) or charts.FONT_SIZE
        anchor = text.get("text-anchor", "start")
        spans = list(text.iter(f"{SVG}tspan")) or [text]
        for span in spans:
            content = span.text or ""
            x, y = _number(span.get("x")), _number(span.get("y"))
            width = charts.text_width(content, size)
            left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
            boxes.append((content, left, left + width, y - size, y + size * 0.3))
    return boxes


@pytest.mark.parametrize("values", [[3, 12, 1], [1234567, 5, 0]])
def test_bar_chart_reserves_room_for_every_wrapped_label_and_value(values):
    bars = [
        charts.Bar(label=label, value=value, text=f"{value:,}")
        for label, value in zip(LONG_LABELS, values * 4, strict=False)
    ]
    svg = _parse(charts.bar_chart(chart_id="c", title="T", summary="S.", bars=bars))
    width, height = _view_box(svg)
    boxes = _text_boxes(svg)
    assert {text for text, *_ in boxes} >= {"U.S. Immigration and Customs", "Enforcement"}
    for text, left, right, top, bottom in boxes:
        assert left >= 0 and right <= width, text
        assert top >= 0 and bottom <= height, text
    # Rows do not overlap: each line's box starts below the one before it.
    label_tops = [top for _t, _l, _r, top, _b in boxes if _r <= width * 0.4 + 8]
    assert label_tops == sorted(label_tops)


def _rotated_box(text: ET.Element) -> tuple[float, float, float, float]:
    """The box of a label written at 45° ending at its anchor, widened by its font size."""
    size = _number(text.get("font-size"))
    x, y = _number(text.get("x")), _number(text.get("y"))
    reach = charts.text_width(text.text or "", size) * math.cos(math.radians(45))
    return x - reach - size, x + size, y - size, y + reach + size


@pytest.mark.parametrize("months", [2, 8, 14, 36, 120])
def test_column_chart_labels_fit_upright_or_at_an_angle_inside_the_chart(months):
    names = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    bars = [
        charts.Bar(
            label=f"{names[m % 12]} {2020 + m // 12}",
            value=m + 1,
            text=str(m + 1),
            lines=(names[m % 12][:3], str(2020 + m // 12)),
        )
        for m in range(months)
    ] + [charts.Bar(label="Date not known", value=None, text="hidden", lines=("Date", "unknown"))]
    markup = charts.column_chart(chart_id="m", title="T", summary="S.", bars=bars)
    svg = _parse(markup)
    width, height = _view_box(svg)
    labels = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "rd-chart__label"]
    assert len(labels) == months + 1
    rotated = [t for t in labels if "rotate" in (t.get("transform") or "")]
    values = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "rd-chart__value"]
    for value in values:
        size, x = _number(value.get("font-size")), _number(value.get("x"))
        half = charts.text_width(value.text or "", size) / 2
        assert x - half >= 0 and x + half <= width, value.text
    if rotated:
        assert len(rotated) == len(labels)
        for element in rotated:
            left, right, top, bottom = _rotated_box(element)
            assert left >= 0 and right <= width and top >= 0 and bottom <= height, element.text
    else:
        for text, left, right, top, bottom in _text_boxes(svg):
            assert left >= 0 and right <= width and top >= 0 and bottom <= height, text
    assert re.search(r"\bDate\b", markup)


def test_charts_have_no_fixed_pixel_size_and_scale_with_their_box():
    svg = _parse(
        charts.bar_chart(
            chart_id="c", title="T", summary="S.", bars=[charts.Bar(label="A", value=1, text="1")]
        )
    )
    assert svg.get("width") == "100%"
    assert svg.get("height") is None
    assert _view_box(svg)[0] == charts.CHART_WIDTH
