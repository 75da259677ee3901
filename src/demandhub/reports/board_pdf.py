"""The board report as a PDF, drawn with reportlab's platypus: a title page, the headline
table, each part's commentary and charts (the same reportlab Drawings the HTML shows as
SVG) with their figures beside them, the quality review results and the demand charts.

Only the PDF base fonts (Helvetica) are used: nothing to embed, nothing fetched, and every
PDF reader has them. They cover Western European text (Windows-1252); a character outside
it (from the commentary, say) is shown as "?" rather than as an invisible glyph.
"""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    ListFlowable,
    ListItem,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from demandhub.reports import board_charts
from demandhub.reports.board import MET, NOT_MET, BoardReport, Breakdown, Trend
from demandhub.reports.board_commentary import SLOT_TITLES

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
INK, MUTED, LINE, SHADE = colors.HexColor("#0b0c0c"), colors.HexColor("#505a5f"), colors.HexColor("#b1b4b6"), \
    colors.HexColor("#f3f2f1")
STATUS_COLOUR = {MET: colors.HexColor("#005a30"), NOT_MET: colors.HexColor("#942514")}


def _plain(text: str) -> str:
    """Within what the base fonts can show (Windows-1252)."""
    return text.encode("cp1252", "replace").decode("cp1252")


def _safe(text: str) -> str:
    """Escaped for a Paragraph's markup."""
    return escape(_plain(text))


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName="Helvetica", fontSize=9.5, leading=12.5)
    return {
        "title": ParagraphStyle("title", parent=body, fontName="Helvetica-Bold", fontSize=26, leading=31,
                                spaceAfter=8),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=14, leading=18, spaceAfter=18),
        "h1": ParagraphStyle("h1", parent=body, fontName="Helvetica-Bold", fontSize=16, leading=20, spaceBefore=4,
                             spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=body, fontName="Helvetica-Bold", fontSize=11.5, leading=14, spaceBefore=8,
                             spaceAfter=4),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10),
        "smallb": ParagraphStyle("smallb", parent=body, fontName="Helvetica-Bold", fontSize=8, leading=10),
        "num": ParagraphStyle("num", parent=body, fontSize=8, leading=10, alignment=TA_RIGHT),
        "muted": ParagraphStyle("muted", parent=body, textColor=MUTED, fontSize=8.5, leading=11),
        "todo": ParagraphStyle("todo", parent=body, fontName="Helvetica-Bold"),
    }


S = _styles()


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(_safe(text), S[style])


def _grid(rows, widths, *, header_rows: int = 1, extra=()) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=header_rows, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE),
        ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 1.2, INK),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        *extra]))
    return table


def _commentary(report: BoardReport, slot: str) -> Table:
    blocks = report.commentary.get(slot)
    inside: list = [_p("Commentary", "h2")]
    if blocks:
        for b in blocks:
            if b.kind == "ul":
                inside.append(ListFlowable([ListItem(_p(item), leftIndent=12) for item in b.lines],
                                           bulletType="bullet", start="-", leftIndent=12))
            else:
                inside.append(_p(b.lines[0]))
            inside.append(Spacer(0, 3))
        box = ("BOX", (0, 0), (-1, -1), 1.2, INK)
        shade = ("BACKGROUND", (0, 0), (-1, -1), colors.white)
    else:
        inside += [_p("Commentary to be written", "todo"),
                   _p(f"Slot '{slot}' of the commentary file ({SLOT_TITLES[slot]}).", "muted")]
        box = ("BOX", (0, 0), (-1, -1), 1.2, MUTED, None, (4, 3))
        shade = ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f8f8f8"))
    table = Table([[inside]], colWidths=[WIDTH])
    table.setStyle(TableStyle([box, shade, ("LEFTPADDING", (0, 0), (-1, -1), 8),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 4),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    return table


def _title_page(report: BoardReport) -> list:
    facts = [("Period", f"{report.period_text} (local days, {report.timezone})"),
             ("Compared with", f"{report.previous_text}, the previous period of the same length"),
             ("Generated", f"{report.generated_text}; figures as the records stood then"),
             ("Definitions", f"version {report.definitions_version} (docs/measures.md)"),
             ("Trends", f"by {report.granularity}")]
    if report.commentary.source:
        facts.append(("Commentary", report.commentary.source))
    rows = [[_p(k, "smallb"), _p(v)] for k, v in facts]
    contents = ["Summary and headline measures"] + [p.title for p in report.parts]
    if report.comparison:
        contents.append("Comparison with other forces")
    return [Spacer(0, 40 * mm), _p(report.force, "title"),
            _p(f"Contact management performance: report to the board, {report.period_text}", "subtitle"),
            _grid(rows, [32 * mm, WIDTH - 32 * mm], header_rows=0), Spacer(0, 12 * mm), _p("Contents", "h2"),
            ListFlowable([ListItem(_p(c)) for c in contents], bulletType="1"), PageBreak()]


def _headline_table(report: BoardReport) -> Table:
    widths = [WIDTH * w for w in (0.30, 0.11, 0.14, 0.11, 0.22, 0.12)]
    rows = [[_p(h, "smallb") for h in ("Measure", "This period", "Over", "Previous period",
                                        "Standard or threshold", "Result")]]
    extra = []
    for part in report.parts:
        extra += [("SPAN", (0, len(rows)), (-1, len(rows))), ("BACKGROUND", (0, len(rows)), (-1, len(rows)), SHADE)]
        rows.append([_p(part.title, "smallb"), "", "", "", "", ""])
        for h in part.headlines:
            result = ParagraphStyle("r", parent=S["smallb" if h.status in STATUS_COLOUR else "small"],
                                    textColor=STATUS_COLOUR.get(h.status, MUTED))
            rows.append([_p(h.label, "small"), _p(h.text, "num"), _p(h.basis, "small"), _p(h.previous_text, "num"),
                         _p(h.standard, "small"), Paragraph(_safe(h.status), result)])
    return _grid(rows, widths, extra=extra)


def _trend(report: BoardReport, t: Trend) -> KeepTogether:
    chart_w = 265
    drawing = board_charts.trend_chart(t, width=chart_w, height=180).drawing
    rows = [[_p(h, "smallb") for h in ("This period", "Value", "Previous", "Value")]]
    n = max(len(t.current), len(t.previous))
    for i in range(n):
        c = t.current[i] if i < len(t.current) else None
        q = t.previous[i] if i < len(t.previous) else None
        rows.append([_p(c.label if c else "", "small"), _p(c.text if c else "", "num"),
                     _p(q.label if q else "", "small"), _p(q.text if q else "", "num")])
    rows.append([_p("Whole period", "smallb"), _p(t.current_total.text, "num"), _p("Whole period", "smallb"),
                 _p(t.previous_total.text, "num")])
    side = WIDTH - chart_w - 8
    table = _grid(rows, [side * 0.3, side * 0.2, side * 0.3, side * 0.2])
    both = Table([[drawing, table]], colWidths=[chart_w + 8, side])
    both.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([both, Spacer(0, 8)])


def _breakdown(b: Breakdown) -> list:
    out: list = [CondPageBreak(120 * mm)]
    if not (any(b.current) or any(b.previous)):
        return out + [_p(b.title, "h2"), _p("No contacts in either period.", "muted")]
    out += [Spacer(0, 6), board_charts.breakdown_chart(b, width=WIDTH, height=210).drawing]
    current, previous = b.text(b.current), b.text(b.previous)
    head = {"channel": "Channel", "hour": "Hour", "day": "Day"}[b.key]
    if len(b.labels) > 12:  # hours: two columns of twelve, side by side
        half = (len(b.labels) + 1) // 2
        rows = [[_p(x, "smallb") for x in (head, "This period", "Previous", head, "This period", "Previous")]]
        for i in range(half):
            j = i + half
            right = [_p(b.labels[j], "small"), _p(current[j], "num"), _p(previous[j], "num")] if j < len(b.labels) \
                else ["", "", ""]
            rows.append([_p(b.labels[i], "small"), _p(current[i], "num"), _p(previous[i], "num"), *right])
        table = _grid(rows, [WIDTH / 6] * 6)
    else:
        rows = [[_p(x, "smallb") for x in (head, "This period", "Previous period")]]
        rows += [[_p(label, "small"), _p(c, "num"), _p(p, "num")] for label, c, p in zip(b.labels, current, previous)]
        table = _grid(rows, [WIDTH * 0.4, WIDTH * 0.2, WIDTH * 0.2])
    return out + [_p(f"{b.title}: {b.unit_words}.", "muted"), table, Spacer(0, 6)]


def _quality(report: BoardReport) -> list:
    q = report.quality
    facts = [("Contacts reviewed", f"{q.done} review{'s' if q.done != 1 else ''} completed"
                                   + (f"; {q.open} still open" if q.open else "")),
             ("Double-marked pairs", str(q.pairs)), ("Checklist", q.checklist)]
    rows = [[_p(h, "smallb") for h in ("Checklist item", "Answered", "Yes", "Pairs", "Kappa", "Agreement")]]
    for i in q.items + [q.overall]:
        rows.append([_p(i.label, "small"), _p(str(i.answered), "num"), _p(i.yes_text, "num"), _p(str(i.pairs), "num"),
                     _p(i.kappa_text, "num"), _p(i.interpretation, "small")])
    widths = [WIDTH * w for w in (0.32, 0.1, 0.1, 0.08, 0.08, 0.32)]
    return [CondPageBreak(90 * mm), _p("Quality review results", "h2"),
            _grid([[_p(k, "smallb"), _p(v)] for k, v in facts], [40 * mm, WIDTH - 40 * mm], header_rows=0),
            Spacer(0, 6),
            _p("Share answered 'yes' per checklist item (among answers other than 'not applicable'), and agreement "
               "between the two reviewers of double-marked contacts as Cohen's kappa (1 perfect agreement, 0 no "
               "better than chance).", "muted"),
            _grid(rows, widths, extra=[("FONTNAME", (0, len(rows) - 1), (-1, len(rows) - 1), "Helvetica-Bold")]),
            _p("Kappa described on Landis and Koch's scale: up to 0.20 slight, 0.21 to 0.40 fair, 0.41 to 0.60 "
               "moderate, 0.61 to 0.80 substantial, above 0.80 almost perfect.", "muted")]


def _comparison(report: BoardReport) -> list:
    c = report.comparison
    out: list = [PageBreak(), _p("Comparison with other forces", "h1"), _p(c.intro)]
    if c.rows:
        n = len(c.forces)
        first = WIDTH * (0.4 if n <= 4 else 0.3)
        rows = [[_p("Measure", "smallb")] + [_p(f, "smallb") for f in c.forces]]
        rows += [[_p(r.label, "small")] + [_p(v, "num") for v in r.values] for r in c.rows]
        out += [Spacer(0, 4), _p(c.caption, "muted"), _grid(rows, [first] + [(WIDTH - first) / n] * n)]
    return out


def render(report: BoardReport) -> bytes:
    buffer = BytesIO()

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 10 * mm, _plain(f"{report.force} · Performance report to the board · "
                                                   f"{report.period_text}"))
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    doc = BaseDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                          bottomMargin=MARGIN, title=f"{report.force}: performance report to the board, "
                          f"{report.period_text}", author=report.force, subject="Contact management performance",
                          creator="Demand Hub")
    frame = Frame(MARGIN, MARGIN, WIDTH, A4[1] - 2 * MARGIN, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=footer)])

    story: list = _title_page(report)
    story += [_p("Summary and headline measures", "h1"), _commentary(report, "summary"), Spacer(0, 6)]
    for note in report.notes:
        story += [_p(f"Note: {note}", "muted"), Spacer(0, 3)]
    story += [_p(f"Each measure for {report.period_text} against its standard or target, beside "
                 f"{report.previous_text}. 'Met' and 'Not met' only where there is a target.", "muted"),
              _headline_table(report)]
    for part in report.parts:
        story += [CondPageBreak(120 * mm), Spacer(0, 8), _p(part.title, "h1"), _commentary(report, part.slot),
                  Spacer(0, 6)]
        empty = [t.title for t in part.trends if not t.has_data]
        story += [_trend(report, t) for t in part.trends if t.has_data]
        if empty:
            story.append(_p(f"No data in either period, so no chart: {'; '.join(empty)}.", "muted"))
        if part.slot == "quality":
            story += _quality(report)
        if part.slot == "demand":
            for b in report.demand:
                story += _breakdown(b)
    if report.comparison:
        story += _comparison(report)
    doc.build(story)
    return buffer.getvalue()
