"""The board report on the web: the same self-contained HTML the command writes, with a link
to the same PDF, for whoever reads the measures (MEASURES_READ)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from demandhub.auth.deps import require_page
from demandhub.auth.roles import Actor, Permission
from demandhub.errors import Invalid
from demandhub.http import now, reading, settings
from demandhub.measures.definitions import Standards
from demandhub.reports import board, board_html, board_pdf

router = APIRouter(include_in_schema=False)


def last_quarter(today: date) -> tuple[date, date]:
    """The latest whole calendar quarter before today: what a board usually asks about."""
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return board.add_months(first, -3), first


def _paper(request: Request, start: date | None, end: date | None) -> board.BoardReport:
    s = settings(request)
    if (start is None) != (end is None):
        raise Invalid("give both from and to, or neither (the last whole quarter)",
                      problems=[{"field": "from" if start is None else "to", "message": "required with the other"}])
    if start is None:
        start, end = last_quarter(now(request).astimezone(ZoneInfo(s.timezone)).date())
    board.check_period(start, end)  # Invalid: 422 naming the field
    state = request.app.state
    standards = Standards.for_force(state.dispatch_rules, s)
    with reading(request) as session:
        return board.assemble(session, start=start, end=end, now=now(request), force=s.force_name,
                              grades=state.policy.grade_codes, standards=standards, checklist=state.quality_checklist)


From = Annotated[date | None, Query(alias="from", description="First local day, included.")]
To = Annotated[date | None, Query(alias="to", description="Local day the period ends, not included.")]


@router.get("/reports/board", response_class=HTMLResponse)
async def board_page(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.MEASURES_READ))],
                     start: From = None, end: To = None):
    paper = await run_in_threadpool(_paper, request, start, end)
    pdf = f"/reports/board.pdf?from={paper.start.isoformat()}&to={paper.end.isoformat()}"
    return HTMLResponse(board_html.render(paper, pdf_href=pdf))


@router.get("/reports/board.pdf")
async def board_pdf_download(request: Request,
                             actor: Annotated[Actor, Depends(require_page(Permission.MEASURES_READ))],
                             start: From = None, end: To = None):
    paper = await run_in_threadpool(_paper, request, start, end)
    data = await run_in_threadpool(board_pdf.render, paper)
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{paper.basename}.pdf"'})
