"""Server-drawn charts: the same drawing as accessible inline SVG and in a PDF."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree
from reportlab.graphics import renderPDF

from demandhub.web.charts import Series, bar_chart, line_chart, to_svg

SVG = "{http://www.w3.org/2000/svg}"


def _chart():
    return bar_chart(title="999 answered within 10 s", categories=["Oct", "Nov", "Dec"],
                     series=[Series("Ours", [88.2, 91.0, None]), Series("Force B", [70, 72.5, 75])], unit="%",
                     target=90)


def test_the_text_alternative_says_every_value_and_the_target():
    assert _chart().description == ("999 answered within 10 s. Ours: Oct: 88.2%; Nov: 91%; Dec: no data. "
                                    "Force B: Oct: 70%; Nov: 72.5%; Dec: 75%. Target: 90%.")


def test_the_svg_is_well_formed_and_named_for_screen_readers():
    svg = to_svg(_chart())
    root = ElementTree.fromstring(svg)  # duplicate attributes or a stray prologue would not parse
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "999 answered within 10 s" and "Dec: no data" in desc.text
    assert "Helvetica-Bold" not in svg and "target 90%" in svg and "Force B" in svg
    assert to_svg(_chart()) == svg  # the same chart always draws the same markup


def test_a_line_chart_of_a_day_labels_at_most_a_dozen_half_hours():
    labels = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)]
    chart = line_chart(title="Contacts per half hour", x_labels=labels,
                       series=[Series("Forecast", [float(i % 20) for i in range(48)])], unit="contacts")
    shown = [t.text for t in ElementTree.fromstring(to_svg(chart)).iter(f"{SVG}text")]
    along_the_bottom = [t for t in shown if t in labels]
    assert along_the_bottom == labels[::4]  # every second hour: twelve labels


def test_the_same_drawing_goes_into_a_pdf():
    assert renderPDF.drawToString(_chart().drawing).startswith(b"%PDF")


def test_values_must_match_the_labels():
    with pytest.raises(ValueError, match="3 labels"):
        bar_chart(title="x", categories=["a", "b", "c"], series=[Series("s", [1.0])])
    with pytest.raises(ValueError):
        line_chart(title="x", x_labels=["a"], series=[])
