from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from demandhub import classification
from demandhub.auth.deps import require
from demandhub.auth.roles import Actor, Permission
from demandhub.contacts import locations as caller_locations
from demandhub.dispatch import service
from demandhub.dispatch.recommend import Recommendation
from demandhub.dispatch.schemas import (
    MapCaller,
    AssignIn,
    AssignmentRead,
    AttendanceRead,
    CandidateRead,
    DispatchRead,
    LeftOutRead,
    MapIncident,
    MapState,
    NeedRead,
    RecommendationRead,
    UnitBrief,
    UnitStatusIn,
)
from demandhub.http import PathId, now, reading, transaction
from demandhub.incidents import service as incidents
from demandhub.resources import service as units
from demandhub.resources.schemas import UnitRead

router = APIRouter(prefix="/api", tags=["dispatch"])

# Major roads only on the map: every residential street of a county would bury the markers.
MAP_ROAD_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary")


def _brief(unit) -> UnitBrief:
    return UnitBrief(id=unit.id, call_sign=unit.call_sign, kind=unit.kind, skills=list(unit.skills),
                     status=unit.status, incident_reference=unit.incident_reference)


def recommendation_read(incident_id: int, rec: Recommendation) -> RecommendationRead:
    return RecommendationRead(
        incident_id=incident_id, method=rec.method, incident_off_road_m=rec.incident_off_road_m,
        needs=[NeedRead(skill=s, why=w) for s, w in rec.needs],
        candidates=[CandidateRead(unit=_brief(c.unit), eta_s=c.eta_s, distance_m=c.distance_m,
                                  diverts_from=c.diverts_from) for c in rec.candidates],
        further=[LeftOutRead(unit=_brief(x.unit), reason=x.reason) for x in rec.further],
        left_out=[LeftOutRead(unit=_brief(x.unit), reason=x.reason) for x in rec.left_out])


def road_graph(request: Request):
    with reading(request) as session:
        return request.app.state.geo.graph(session)


def ranking_inputs(request: Request, session) -> dict:
    """What ranking units needs from the running application."""
    state = request.app.state
    return {"rules": state.dispatch_rules, "graph": state.geo.graph(session), "grade_order": state.policy.grade_codes}


@router.get("/incidents/{incident_id}/recommendation", response_model=RecommendationRead)
def recommend(incident_id: PathId, request: Request, actor: Annotated[Actor, Depends(require(Permission.DISPATCH))]):
    """Suitable units, fastest over the roads first, and why the others were left out."""
    with reading(request) as session:
        rec = service.recommend(session, incident_id=incident_id, **ranking_inputs(request, session))
    return recommendation_read(incident_id, rec)


def dispatch_read(request: Request, session, incident_id: int) -> DispatchRead:
    incident = incidents.get_incident(session, incident_id)
    rows = service.assignments_for(session, incident_id)
    state = request.app.state
    clock = service.attendance_of(session, incident, rules=state.dispatch_rules, areas=state.geo.areas(session),
                                  now=now(request))
    return DispatchRead(
        incident_id=incident_id,
        assignments=[AssignmentRead(id=r.assignment.id, unit_id=r.assignment.unit_id, call_sign=r.call_sign,
                                    unit_status=r.unit_status, assigned_at=r.assignment.assigned_at,
                                    eta_s=r.assignment.eta_s, distance_m=r.assignment.distance_m,
                                    en_route_at=r.assignment.en_route_at, at_scene_at=r.assignment.at_scene_at,
                                    ended_at=r.assignment.ended_at, outcome=r.assignment.outcome) for r in rows],
        attendance=AttendanceRead(area=clock.area, target_s=clock.target_s, due_at=clock.due_at,
                                  to_assigned_s=clock.to_assigned_s, to_en_route_s=clock.to_en_route_s,
                                  to_arrival_s=clock.to_arrival_s, verdict=clock.verdict))


@router.get("/incidents/{incident_id}/dispatch", response_model=DispatchRead)
def get_dispatch(incident_id: PathId, request: Request,
                 actor: Annotated[Actor, Depends(require(Permission.UNIT_READ))]):
    """The units sent, each one's times, and the attendance clock against the grade's target."""
    with reading(request) as session:
        return dispatch_read(request, session, incident_id)


@router.post("/incidents/{incident_id}/assignments", response_model=DispatchRead)
def assign(incident_id: PathId, body: AssignIn, request: Request,
           actor: Annotated[Actor, Depends(require(Permission.DISPATCH))]):
    """Send a unit. The estimate recorded is the server's own, for that unit at this moment."""
    graph = road_graph(request)  # loaded (once per process) outside the write transaction
    with transaction(request) as session:
        service.assign(session, incident_id=incident_id, unit_id=body.unit_id, divert=body.divert, actor=actor,
                       now=now(request), graph=graph)
    with reading(request) as session:
        return dispatch_read(request, session, incident_id)


@router.post("/units/{unit_id}/status", response_model=UnitRead)
def change_unit_status(unit_id: PathId, body: UnitStatusIn, request: Request,
                       actor: Annotated[Actor, Depends(require(Permission.DISPATCH))]):
    """From the dispatcher's screen: en route, at scene, clear, committed, on or off duty."""
    with transaction(request) as session:
        unit = service.change_unit_status(session, unit_id=unit_id, status=body.status, note=body.note,
                                          actor=actor, now=now(request))
        return UnitRead.model_validate(unit)


@router.post("/terminal/status", response_model=UnitRead)
def report_own_status(body: UnitStatusIn, request: Request,
                      actor: Annotated[Actor, Depends(require(Permission.UNIT_REPORT))]):
    """From the unit's own terminal: the same changes, for its own unit only."""
    with transaction(request) as session:
        unit = units.unit_of_terminal(session, actor, for_update=True)
        unit = service.change_unit_status(session, unit=unit, status=body.status, note=body.note, actor=actor,
                                          now=now(request))
        return UnitRead.model_validate(unit)


@router.get("/map", response_model=MapState)
def map_state(request: Request, actor: Annotated[Actor, Depends(require(Permission.UNIT_READ))]):
    """Active incidents with a position, and every unit. Restricted incidents show where, how
    urgent and their type, as in the queue (units must still be sent), but no summary."""
    with reading(request) as session:
        rows = service.map_incidents(session)
        return MapState(
            incidents=[MapIncident(id=i.id, reference=i.reference, grade=i.grade, status=i.status,
                                   label=classification.incident_type(i.incident_type).label
                                   + (" (restricted)" if i.restricted else ""),
                                   latitude=i.latitude, longitude=i.longitude, units=signs)
                       for i, signs in rows],
            units=[UnitRead.model_validate(u) for u in units.list_units(session)],
            callers=[_caller_on_map(session, fix) for fix in
                     caller_locations.latest_positions(session, now=now(request))])


def _caller_on_map(session, fix) -> MapCaller:
    # The caller's number stays off the map: position, accuracy, source and the incident suffice.
    incident = incidents.incident_for_contact(session, fix.contact_id) if fix.contact_id else None
    return MapCaller(latitude=fix.latitude, longitude=fix.longitude, uncertainty_m=fix.uncertainty_m,
                     source=fix.source, received_at=fix.received_at,
                     incident_reference=incident.reference if incident else None)


@router.get("/map/layers")
def map_layers(request: Request, actor: Annotated[Actor, Depends(require(Permission.UNIT_READ))]) -> dict:
    """What the map draws without any tile server: the force boundary, urban areas, major roads."""
    geo = request.app.state.geo
    with reading(request) as session:
        areas, graph = geo.areas(session), geo.graph(session)
        roads = geo.lines(session, MAP_ROAD_CLASSES)
    return {
        "areas": {"type": "FeatureCollection",
                  "features": [{"type": "Feature", "properties": {"kind": a.kind, "name": a.name},
                                "geometry": a.geometry} for a in areas.areas]},
        "roads": roads,
        "bounds": graph.bounds() if graph is not None else None,
    }
