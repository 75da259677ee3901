"""The dispatcher's screens: the live map, the units board, and the dispatch panel of an
incident page (recommendation, assignments, attendance clock)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from demandhub import classification
from demandhub.auth.deps import check_csrf, require_page
from demandhub.auth.roles import Actor, Permission
from demandhub.dispatch import service
from demandhub.dispatch.api import ranking_inputs, road_graph
from demandhub.errors import DomainError, Invalid
from demandhub.http import MAX_ID, PathId, now, reading, transaction
from demandhub.incidents import service as incidents
from demandhub.resources import service as units
from demandhub.resources.schemas import UnitCreate
from demandhub.resources.status import UnitKind, UnitStatus, moves_from
from demandhub.web.pages import safe_next
from demandhub.web.templating import render

router = APIRouter(include_in_schema=False)

def _units_context(request: Request) -> dict:
    with reading(request) as session:
        found = service.units_with_jobs(session)
    return {"units": found, "moves": moves_from, "statuses": UnitStatus, "kinds": list(UnitKind)}


@router.get("/map")
def map_page(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.UNIT_READ))]):
    s = request.app.state.settings
    return render(request, "map.html", {"active": "map", "tiles": s.map_tiles_url or "",
                                        "attribution": s.map_tiles_attribution}, actor=actor)


@router.get("/units")
def units_page(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.UNIT_READ))]):
    return render(request, "units.html", {"active": "units", **_units_context(request)}, actor=actor)


@router.get("/units/rows")
def units_rows(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.UNIT_READ))]):
    return render(request, "units_rows.html", _units_context(request), actor=actor)


def _codes(text: str) -> list[str]:
    return [part.strip().lower().replace(" ", "_") for part in text.split(",") if part.strip()]


@router.post("/units")
def add_unit_form(request: Request, call_sign: Annotated[str, Form(max_length=20)], kind: Annotated[str, Form()],
                  station: Annotated[str, Form(max_length=80)],
                  actor: Annotated[Actor, Depends(require_page(Permission.UNIT_MANAGE))],
                  skills: Annotated[str, Form(max_length=600)] = "", equipment: Annotated[str, Form(max_length=600)] = "",
                  shift_start: Annotated[str, Form(max_length=5)] = "", shift_end: Annotated[str, Form(max_length=5)] = "",
                  csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    try:
        data = UnitCreate(call_sign=call_sign, kind=kind, station=station, skills=_codes(skills),
                          equipment=_codes(equipment), shift_start=shift_start or None, shift_end=shift_end or None)
    except ValidationError as exc:  # shown on the error page, naming each field
        raise Invalid("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
    with transaction(request) as session:
        units.create_unit(session, data=data, actor=actor, now=now(request))
    return RedirectResponse("/units", status_code=303)


@router.post("/units/{unit_id}/status")
def unit_status_form(unit_id: PathId, request: Request, status: Annotated[UnitStatus, Form()],
                     actor: Annotated[Actor, Depends(require_page(Permission.DISPATCH))],
                     note: Annotated[str, Form(max_length=200)] = "", next: Annotated[str, Form(max_length=300)] = "",
                     csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    with transaction(request) as session:
        service.change_unit_status(session, unit_id=unit_id, status=status, note=note.strip() or None, actor=actor,
                                   now=now(request))
    return RedirectResponse(safe_next(next) or "/units", status_code=303)  # back to our own pages only


@router.get("/incidents/{reference}/dispatch")
def incident_dispatch_page(reference: str, request: Request,
                           actor: Annotated[Actor, Depends(require_page(Permission.UNIT_READ))]):
    """Dispatching an incident without its details: what a dispatcher sees of a restricted one."""
    with reading(request) as session:
        incident = incidents.find_by_reference(session, reference)
    return render(request, "incident_dispatch.html", {
        "active": "queue", "i": incident, "type_label": classification.incident_type(incident.incident_type).label},
        actor=actor)


@router.get("/incidents/{reference}/dispatch-panel")
def dispatch_panel(reference: str, request: Request,
                   actor: Annotated[Actor, Depends(require_page(Permission.UNIT_READ))]):
    """The incident page's dispatch part, re-read live as units move."""
    state = request.app.state
    with reading(request) as session:
        incident = incidents.find_by_reference(session, reference)
        rows = service.assignments_for(session, incident.id)
        clock = service.attendance_of(session, incident, rules=state.dispatch_rules, areas=state.geo.areas(session),
                                      now=now(request))
        rec, problem = None, None
        if actor.can(Permission.DISPATCH) and incident.status != "closed":
            try:
                rec = service.recommend(session, incident_id=incident.id, **ranking_inputs(request, session))
            except DomainError as exc:
                problem = exc.message
    return render(request, "dispatch_panel.html", {
        "i": incident, "rows": rows, "clock": clock, "rec": rec, "problem": problem,
        "moves": moves_from, "statuses": UnitStatus}, actor=actor)


@router.post("/incidents/{reference}/assign")
def assign_form(reference: str, request: Request, unit_id: Annotated[int, Form(ge=1, le=MAX_ID)],
                actor: Annotated[Actor, Depends(require_page(Permission.DISPATCH))],
                divert: Annotated[bool, Form()] = False, csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    graph = road_graph(request)
    with transaction(request) as session:
        incident = incidents.find_by_reference(session, reference)
        service.assign(session, incident_id=incident.id, unit_id=unit_id, divert=divert, actor=actor,
                       now=now(request), graph=graph)
    return RedirectResponse(f"/incidents/{reference}", status_code=303)  # a restricted one goes on to /dispatch
