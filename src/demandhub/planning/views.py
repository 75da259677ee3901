"""The staffing plan page: forecast contacts and handlers needed per half hour, a day at a time."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request

from demandhub.auth.deps import require_page
from demandhub.auth.roles import Actor, Permission
from demandhub.errors import Invalid
from demandhub.http import now, reading, settings
from demandhub.planning.plan import MAX_DAYS, MAX_WEEKS, check_start, make_plan, weekday_name
from demandhub.planning.standards import PlanningStandards, PlanningStandardsError, load_standards
from demandhub.web.charts import Series, line_chart, to_svg
from demandhub.web.templating import render

router = APIRouter(include_in_schema=False)


def standards(request: Request) -> PlanningStandards:
    """Read on each request (a small file), so a corrected file is used without a restart; a
    broken one is a clear refusal naming the file and the place, not a server error."""
    try:
        return load_standards(settings(request).planning_file)
    except PlanningStandardsError as exc:
        raise Invalid(f"The planning standards file was refused: {exc}") from None


@router.get("/planning")
def planning_page(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.MEASURES_READ))],
                  start: Annotated[date | None, Query(description="First day planned (local).")] = None,
                  days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = 7,
                  weeks: Annotated[int, Query(ge=1, le=MAX_WEEKS)] = 8,
                  channel: Annotated[str | None, Query(max_length=30)] = None,
                  day: Annotated[date | None, Query(description="The day shown half hour by half hour.")] = None):
    tz = settings(request).timezone
    today = now(request).astimezone(ZoneInfo(tz)).date()
    first = start or today + timedelta(days=1)
    check_start(first, today)
    shown = day or first
    if not first <= shown < first + timedelta(days=days):
        raise Invalid("the day shown must be one of the days planned", problems=[{"field": "day", "message":
                                                                                  "outside the plan"}])
    chosen = standards(request)
    with reading(request) as session:
        plan = make_plan(session, first=first, days=days, weeks_history=weeks, timezone=tz, standards=chosen,
                         channels=[channel] if channel else None, history_until=today)
    rows = plan.by_time(shown)
    return render(request, "planning.html", {
        "active": "planning", "plan": plan, "shown": shown, "weekday": weekday_name, "channel": channel or "",
        "weeks": weeks, "summaries": {d: plan.day_summary(d) for d in plan.dates()},
        "rows": rows, "charts": _day_charts(plan, rows, shown)}, actor=actor)


def _day_charts(plan, rows, shown: date) -> list[str]:
    """The shown day at a glance: contacts forecast, and handlers rostered, per half hour by channel."""
    times = [t for t, _at, _per in rows]
    day = f"{weekday_name(shown)} {shown:%d %B %Y}"

    def series(channels, value) -> list[Series]:
        return [Series(c.label, [value(per.get(c.channel)) for _t, _at, per in rows]) for c in channels]

    # Channels with nothing forecast that day would only add flat lines at zero (the table shows them).
    busy = [c for c in plan.channels if any((per.get(c.channel) and per[c.channel].forecast) for _t, _a, per in rows)]
    if not busy:
        return []
    charts = [line_chart(title=f"Contacts forecast per half hour, {day}", x_labels=times, unit="contacts",
                         series=series(busy, lambda r: r.forecast if r else None))]
    staffed = [c for c in busy if c.standard]
    if staffed:
        charts.append(line_chart(title=f"Handlers rostered per half hour, {day}", x_labels=times, unit="handlers",
                                 series=series(staffed, lambda r: r.rostered if r else None)))
    return [to_svg(chart) for chart in charts]
