"""Charts drawn on the server: one reportlab `Drawing` per chart, rendered as inline SVG for the
pages and placed as is in the PDF of the board report, so both show the same picture.

Every chart carries a text alternative (`Chart.description`): its title plus each series'
values, read by screen readers from the SVG's <title> and <desc>.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from html import escape
from typing import Sequence

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

# GOV.UK-like colours with enough contrast on white, in the order series use them.
PALETTE = ("#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#505a5f", "#912b88", "#28a197", "#b58840")
FONT = "Helvetica"  # a PDF base font: no file to embed
CSS_FONT = "Helvetica, Arial, sans-serif"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # None: no data (drawn as a gap, said as "no data")


@dataclass(frozen=True)
class Chart:
    drawing: Drawing
    title: str
    description: str


def _fmt(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    text = f"{value:,.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    return f"{text}{'%' if unit == '%' else ' ' + unit if unit else ''}"


def _describe(title: str, labels: Sequence[str], series: Sequence[Series], unit: str, target: float | None) -> str:
    parts = [f"{title}."]
    for s in series:
        values = "; ".join(f"{label}: {_fmt(v, unit)}" for label, v in zip(labels, s.values))
        parts.append(f"{s.name}: {values}.")
    if target is not None:
        parts.append(f"Target: {_fmt(target, unit)}.")
    return " ".join(parts)


def _scale(series: Sequence[Series], target: float | None) -> tuple[float, float]:
    values = [v for s in series for v in s.values if v is not None and not math.isnan(v)]
    if target is not None:
        values.append(target)
    top = max(values, default=1.0) or 1.0
    magnitude = 10 ** math.floor(math.log10(top))
    step = next(m * magnitude for m in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10) if top / (m * magnitude) <= 6)
    return math.ceil(top / step) * step, step


def _plot(series: Sequence[Series]) -> list[list[float]]:
    # reportlab has no gaps in bar data: a missing value is drawn as nothing (0) and said in the text.
    return [[0.0 if v is None or math.isnan(v) else float(v) for v in s.values] for s in series]


def _frame(title: str, width: float, height: float) -> Drawing:
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 14, title, fontName=FONT + "-Bold", fontSize=11, fillColor=colors.black))
    return drawing


def _legend(drawing: Drawing, series: Sequence[Series], width: float, height: float) -> None:
    """A key under the title, one swatch and name per series (a single series needs none)."""
    if len(series) < 2:
        return
    x, y = 40.0, height - 30
    for i, s in enumerate(series):
        step = 24 + stringWidth(s.name, FONT, 8)
        if x > 40 and x + step > width:  # a new line of the key rather than off the edge
            x, y = 40.0, y - 12
        drawing.add(Rect(x, y, 9, 9, fillColor=colors.HexColor(PALETTE[i % len(PALETTE)]), strokeColor=None))
        drawing.add(String(x + 13, y + 1, s.name, fontName=FONT, fontSize=8, fillColor=colors.black))
        x += step


def _target_line(drawing: Drawing, chart, target: float | None, top: float, unit: str) -> None:
    if target is None:
        return
    y = chart.y + chart.height * target / top
    drawing.add(Line(chart.x, y, chart.x + chart.width, y, strokeColor=colors.black, strokeWidth=1,
                     strokeDashArray=[4, 3]))
    drawing.add(String(chart.x + chart.width + 3, y - 3, f"target {_fmt(target, unit)}", fontName=FONT,
                       fontSize=7, fillColor=colors.black))


def bar_chart(*, title: str, categories: Sequence[str], series: Sequence[Series], unit: str = "",
              target: float | None = None, width: float = 560, height: float = 240) -> Chart:
    """Bars per category (one per series), with a dashed target line where there is a target."""
    _check(categories, series)
    drawing = _frame(title, width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 40, width - 110, height - 88
    chart.data = _plot(series)
    top, step = _scale(series, target)
    _value_axis(chart, top, step, unit)
    chart.valueAxis.labels.fontSize = chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.categoryNames = [str(c) for c in categories]
    if len(categories) > 12:
        chart.categoryAxis.labels.angle, chart.categoryAxis.labels.boxAnchor = 45, "ne"
    for i in range(len(series)):
        chart.bars[i].fillColor = colors.HexColor(PALETTE[i % len(PALETTE)])
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    _target_line(drawing, chart, target, top, unit)
    _legend(drawing, series, width, height)
    return Chart(drawing, title, _describe(title, categories, series, unit, target))


def line_chart(*, title: str, x_labels: Sequence[str], series: Sequence[Series], unit: str = "",
               target: float | None = None, width: float = 560, height: float = 240) -> Chart:
    """A line per series over the labels (periods, half hours), with a dashed target line."""
    _check(x_labels, series)
    drawing = _frame(title, width, height)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 40, 40, width - 110, height - 88
    chart.data = [[None if v is None or math.isnan(v) else float(v) for v in s.values] for s in series]
    top, step = _scale(series, target)
    _value_axis(chart, top, step, unit)
    chart.valueAxis.labels.fontSize = chart.categoryAxis.labels.fontSize = 8
    every = max(1, math.ceil(len(x_labels) / 12))  # at most a dozen labels along the bottom
    chart.categoryAxis.categoryNames = [str(x) if i % every == 0 else "" for i, x in enumerate(x_labels)]
    for i in range(len(series)):
        chart.lines[i].strokeColor = colors.HexColor(PALETTE[i % len(PALETTE)])
        chart.lines[i].strokeWidth = 2
    drawing.add(chart)
    _target_line(drawing, chart, target, top, unit)
    _legend(drawing, series, width, height)
    return Chart(drawing, title, _describe(title, x_labels, series, unit, target))


def _value_axis(chart, top: float, step: float, unit: str) -> None:
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, top, step
    chart.valueAxis.labelTextFormat = "%g%%" if unit == "%" else "%g"
    chart.valueAxis.labels.fontName = chart.categoryAxis.labels.fontName = FONT


def _check(labels: Sequence[str], series: Sequence[Series]) -> None:
    if not series:
        raise ValueError("a chart needs at least one series")
    for s in series:
        if len(s.values) != len(labels):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(labels)} labels")


_PROLOGUE = re.compile(r"^.*?(<svg\b)", re.S)


def to_svg(chart: Chart) -> str:
    """The chart as an inline <svg> element: scalable, with its title and text alternative."""
    svg = renderSVG.drawToString(chart.drawing)
    svg = _PROLOGUE.sub(r"\1", svg, count=1)  # drop the XML declaration and doctype: it goes inside HTML
    # PDF font names are not CSS families: say what a browser should use instead.
    svg = (svg.replace(f"font-family: {FONT}-Bold", f"font-family: {CSS_FONT}; font-weight: bold")
              .replace(f"font-family: {FONT};", f"font-family: {CSS_FONT};"))
    key = "chart-" + hashlib.sha1(f"{chart.title}\n{chart.description}".encode()).hexdigest()[:10]
    accessible = f'<svg role="img" aria-labelledby="{key}-t {key}-d" class="chart" ' 
    svg = svg.replace("<svg ", accessible, 1)
    head = f'<title id="{key}-t">{escape(chart.title)}</title><desc id="{key}-d">{escape(chart.description)}</desc>'
    return re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1) + head, svg, count=1)
