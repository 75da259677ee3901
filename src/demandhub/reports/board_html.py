"""The board report as one self-contained HTML file: inline CSS, inline SVG charts, no script
and nothing fetched, so it can be emailed, archived and printed as it is."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from demandhub.reports import board_charts
from demandhub.reports.board import MET, NO_DATA, NOT_MET, BoardReport
from demandhub.reports.board_commentary import SLOT_TITLES
from demandhub.web.charts import to_svg

TEMPLATE = "board_report.html"


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("demandhub.reports", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def _status_class(status: str) -> str:
    return {MET: "met", NOT_MET: "not-met", NO_DATA: "no-data"}.get(status, "info")


def _has_values(values) -> bool:
    return any(v for v in values)


def render(report: BoardReport, *, pdf_href: str | None = None) -> str:
    """The page. `pdf_href`: a link to the PDF (the web page offers one; the file written by
    the command sits beside its PDF and needs none)."""
    trend_svg = {t.key: Markup(to_svg(board_charts.trend_chart(t)))
                 for p in report.parts for t in p.trends if t.has_data}
    demand_svg = {b.key: Markup(to_svg(board_charts.breakdown_chart(b)))
                  for b in report.demand if b.labels and (_has_values(b.current) or _has_values(b.previous))}
    return _environment().get_template(TEMPLATE).render(
        r=report, trend_svg=trend_svg, demand_svg=demand_svg, slot_titles=SLOT_TITLES, status_class=_status_class,
        pdf_href=pdf_href)
