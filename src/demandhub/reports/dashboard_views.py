"""The supervisor's live dashboard: the page, one fragment per panel (each redrawn on its own
live topics), and the same figures as JSON for wallboards."""

from __future__ import annotations

import threading
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from demandhub.auth.deps import require, require_page
from demandhub.auth.roles import Actor, Permission
from demandhub.errors import NotFound
from demandhub.http import now, reading
from demandhub.measures.definitions import DEFINITIONS_VERSION, Standards
from demandhub.measures.load import force_areas
from demandhub.reports import dashboard as d
from demandhub.web.charts import to_svg
from demandhub.web.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["measures"])

# Panel -> (template, live topics). "tick" is the page's own clock (dashboard.js): waits grow and
# targets pass with no event at all, so the time-dependent panels are also re-read every 15 s.
PANELS: dict[str, tuple[str, str]] = {
    "incidents": ("dashboard_incidents.html", "incidents units tick"),
    "digital": ("dashboard_digital.html", "digital tick"),
    "desk": ("dashboard_desk.html", "resolution appointments incidents tick"),
    "advice": ("dashboard_advice.html", "advice tick"),
    "units": ("dashboard_units.html", "units"),
    "measures": ("dashboard_measures.html", "incidents units digital resolution appointments tick"),
    "charts": ("dashboard_charts.html", "incidents units digital tick"),
}

_cache_lock = threading.Lock()


def force_of(request: Request) -> d.Force:
    state = request.app.state
    s, policy, rules = state.settings, state.policy, state.dispatch_rules
    codes = tuple(policy.grade_codes)
    return d.Force(timezone=s.timezone, grades=codes, grade_labels={g: policy.grade(g).label for g in codes},
                   rules=rules, standards=Standards.for_force(rules, s),
                   callback_target=timedelta(hours=s.callback_target_h))


def pack_cache(request: Request) -> d.PackCache:
    """One per application (a test's app, the server's): made on first use."""
    state = request.app.state
    with _cache_lock:
        cache = getattr(state, "dashboard_pack_cache", None)
        if cache is None:
            cache = state.dashboard_pack_cache = d.PackCache()
        return cache


def _pack(request: Request, session: Session, force: d.Force, at, areas=None):
    return d.today_pack(session, force=force, now=at, areas=areas, cache=pack_cache(request))


def _panel(name: str, request: Request, session: Session, force: d.Force, at) -> dict:
    """What one panel shows: only what it needs is read (the queue panels never compute the pack)."""
    start, end = d.local_day(at, force.timezone)
    if name == "incidents":
        return {"queue": d.incidents_waiting(session, force=force, areas=force_areas(session), now=at)}
    if name == "digital":
        return {"digital": d.digital_queue(session, now=at)}
    if name == "desk":
        return {"desk": d.resolution_desk(session, force=force, now=at, day_end=end),
                "appointments": d.appointments_today(session, now=at, day=(start, end))}
    if name == "advice":
        return {"advice": d.advice_waiting(session, now=at)}
    if name == "units":
        rows, total = d.units_by_kind(session)
        return {"units": rows, "units_total": total}
    pack = _pack(request, session, force, at)
    pack_as_of = datetime.fromtimestamp(pack.as_of, UTC)  # in a burst, a moment before `at` (PackCache)
    if name == "measures":
        return {"headline": d.headline(pack), "attendance": d.attendance(pack, force), "pack_as_of": pack_as_of}
    if name == "charts":
        demand = d.demand_by_hour(session, pack, now=at, timezone=force.timezone)
        return {"demand": demand, "demand_svg": to_svg(d.demand_chart(demand)),
                "attendance_svg": to_svg(d.attendance_chart(d.attendance(pack, force)))}
    raise NotFound(f"no dashboard panel {name!r}")


def _base(at, force: d.Force) -> dict:
    return {"as_of": at, "fmt": d.duration_text, "by_grade": d.by_grade,
            "day_start": d.local_day(at, force.timezone)[0]}


@router.get("/dashboard")
def dashboard_page(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.MEASURES_READ))]):
    force, at = force_of(request), now(request)
    context = {"active": "dashboard", "panels": PANELS, "version": DEFINITIONS_VERSION, **_base(at, force)}
    with reading(request) as session:
        for name in PANELS:
            context.update(_panel(name, request, session, force, at))
    return render(request, "dashboard.html", context, actor=actor)


@router.get("/dashboard/panels/{name}")
def dashboard_panel(name: str, request: Request,
                    actor: Annotated[Actor, Depends(require_page(Permission.MEASURES_READ))]):
    if name not in PANELS:
        raise NotFound(f"no dashboard panel {name!r}: one of {', '.join(PANELS)}")
    force, at = force_of(request), now(request)
    with reading(request) as session:
        context = {**_base(at, force), **_panel(name, request, session, force, at)}
    return render(request, PANELS[name][0], context, actor=actor)


@api_router.get("/dashboard")
def dashboard_json(request: Request, actor: Annotated[Actor, Depends(require(Permission.MEASURES_READ))]) -> dict:
    """Everything the page shows, for a wallboard: waits in seconds, shares as fractions (0-1),
    null where there is no data yet."""
    force, at = force_of(request), now(request)
    start, end = d.local_day(at, force.timezone)
    with reading(request) as session:
        areas = force_areas(session)
        queue = d.incidents_waiting(session, force=force, areas=areas, now=at)
        units, units_total = d.units_by_kind(session)
        pack = _pack(request, session, force, at, areas)
        demand = d.demand_by_hour(session, pack, now=at, timezone=force.timezone)
        body = {
            "as_of": at.isoformat(), "measures_as_of": datetime.fromtimestamp(pack.as_of, UTC).isoformat(),
            "day": f"{start.astimezone(ZoneInfo(force.timezone)):%Y-%m-%d}", "timezone": force.timezone,
            "definitions_version": DEFINITIONS_VERSION,
            "incidents_waiting": {"grades": [asdict(g) | {"breaching": g.breaching} for g in queue.grades],
                                  "longest": [asdict(w) for w in queue.longest], "past_target": queue.past_target},
            "digital": asdict(d.digital_queue(session, now=at)),
            "resolution_desk": asdict(d.resolution_desk(session, force=force, now=at, day_end=end)),
            "appointments_today": _iso(asdict(d.appointments_today(session, now=at, day=(start, end)))),
            "advice": [asdict(a) for a in d.advice_waiting(session, now=at)],
            "units": {"by_kind": [asdict(u) for u in units], "total": asdict(units_total)},
            "measures": {"headline": [_figure(f) for f in d.headline(pack)],
                         "attendance": [asdict(r) | {"share": _figure(r.share)} for r in d.attendance(pack, force)]},
            "demand_by_hour": asdict(demand),
        }
    return body


def _figure(f: d.Figure) -> dict:
    return asdict(f) | {"state_text": f.state_text}


def _iso(values: dict) -> dict:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}
