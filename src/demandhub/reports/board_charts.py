"""The board report's charts, made once from its content and drawn in both outputs (inline
SVG in the HTML, the same reportlab Drawing in the PDF)."""

from __future__ import annotations

from demandhub.reports.board import CHART_UNITS, Breakdown, Trend
from demandhub.web.charts import Chart, Series, bar_chart, line_chart

WIDTH, HEIGHT = 330, 200


def _scaled(values, shown: str) -> list[float | None]:
    _, divisor = CHART_UNITS[shown]
    return [None if v is None else v / divisor for v in values]


def trend_chart(t: Trend, *, width: float = WIDTH, height: float = HEIGHT) -> Chart:
    """This period's months (or weeks, or days) beside the previous period's."""
    unit, divisor = CHART_UNITS[t.shown]
    labels = [p.label for p in t.current]
    previous = [p.value for p in t.previous][:len(labels)]
    previous += [None] * (len(labels) - len(previous))
    series = [Series("This period", _scaled([p.value for p in t.current], t.shown)),
              Series("Previous period", _scaled(previous, t.shown))]
    target = None if t.target is None else t.target / divisor
    draw = line_chart if len(labels) > 6 else bar_chart
    kwargs = {"x_labels": labels} if draw is line_chart else {"categories": labels}
    title = t.title if unit in ("", "%") else f"{t.title} ({unit})"  # the axis says %, not seconds
    return draw(title=title, series=series, unit=unit, target=target, width=width, height=height, **kwargs)


def breakdown_chart(b: Breakdown, *, width: float = 500, height: float = 220) -> Chart:
    unit, _ = CHART_UNITS[b.shown]
    return bar_chart(title=b.title, categories=b.labels, unit=unit, width=width, height=height,
                     series=[Series("This period", _scaled(b.current, b.shown)),
                             Series("Previous period", _scaled(b.previous, b.shown))])
