"""Dispatch use cases: recommend units for an incident, assign and divert them, follow each
unit's status through to arrival and clearing, and read the attendance clock.

Every change writes the unit's status history, the incident's timeline, the audit trail and
live events in the caller's transaction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.auth.roles import Actor
from demandhub.dispatch import attendance as clock
from demandhub.dispatch import recommend as ranking
from demandhub.dispatch.models import Assignment
from demandhub.dispatch.rules import DispatchRules
from demandhub.errors import Conflict, Invalid
from demandhub.geo.areas import AreaMap
from demandhub.geo.roadgraph import RoadGraph
from demandhub.incidents import service as incidents
from demandhub.incidents.lifecycle import ACTIVE, Status
from demandhub.incidents.models import Incident
from demandhub.resources import service as units
from demandhub.resources.models import Unit
from demandhub.resources.status import ON_INCIDENT, UnitStatus, can_move


def _minutes(seconds: float | None) -> str:
    return "?" if seconds is None else f"{seconds / 60:.0f} min"


def units_with_jobs(session: Session) -> list[tuple[Unit, str | None, str | None]]:
    """Every unit, with the reference and grade of the job it is on (closed or not)."""
    return [tuple(row) for row in session.execute(
        sa.select(Unit, Incident.reference, Incident.grade).outerjoin(Incident, Incident.id == Unit.incident_id)
        .order_by(Unit.call_sign))]


def _unit_views(session: Session) -> list[ranking.UnitView]:
    return [ranking.UnitView(id=u.id, call_sign=u.call_sign, kind=u.kind, skills=tuple(u.skills), status=u.status,
                             status_note=u.status_note, latitude=u.latitude, longitude=u.longitude,
                             incident_id=u.incident_id, incident_reference=ref, incident_grade=grade)
            for u, ref, grade in units_with_jobs(session)]


def recommend(session: Session, *, incident_id: int, rules: DispatchRules, graph: RoadGraph | None,
              grade_order: list[str]) -> ranking.Recommendation:
    incident = incidents.get_incident(session, incident_id)
    if incident.latitude is None or incident.longitude is None:
        raise Invalid(f"incident {incident.reference} has no position yet: set its location to rank units by travel time",
                      problems=[{"field": "location", "message": "no latitude/longitude"}])
    view = ranking.IncidentView(id=incident.id, grade=incident.grade, latitude=incident.latitude,
                                longitude=incident.longitude,
                                needs=tuple(rules.needed_skills(incident.incident_type, incident.qualifiers)))
    return ranking.recommend(incident=view, units=_unit_views(session), graph=graph, grade_order=grade_order,
                             divert_for=rules.divert_for_grades, want=rules.recommend_units)


def _open_assignment(session: Session, unit_id: int) -> Assignment | None:
    return session.scalar(sa.select(Assignment).where(Assignment.unit_id == unit_id, Assignment.ended_at.is_(None)))


def _estimate(graph: RoadGraph | None, incident: Incident, unit: Unit) -> tuple[float | None, float | None]:
    """The server's own estimate for this unit, recorded with the assignment (never the client's)."""
    if None in (incident.latitude, unit.latitude):
        return None, None
    timed, _off_road = ranking.travel(graph, to=(incident.latitude, incident.longitude),
                                      sources=[(unit.latitude, unit.longitude)])
    seconds, metres = timed[0]
    return (seconds, metres) if math.isfinite(seconds) else (None, None)


def assign(session: Session, *, incident_id: int, unit_id: int, actor: Actor, now: datetime,
           divert: bool = False, graph: RoadGraph | None = None) -> Assignment:
    """Send a unit. A unit already on another job goes only when the dispatcher says divert.
    `graph` gives the estimate recorded with it (straight-line without one)."""
    incident = incidents.get_incident(session, incident_id, for_update=True)
    if incident.status == Status.CLOSED:
        raise Conflict(f"incident {incident.reference} is closed")
    unit = units.get_unit(session, unit_id, for_update=True)
    status = UnitStatus(unit.status)
    if unit.incident_id == incident.id:
        raise Conflict(f"{unit.call_sign} is already assigned to {incident.reference}")
    if status == UnitStatus.OFF_DUTY:
        raise Conflict(f"{unit.call_sign} is off duty")
    if status in ON_INCIDENT:
        if not divert:
            raise Conflict(f"{unit.call_sign} is {status.value} on another incident: divert it explicitly "
                           "(divert: true) if this one needs it more")
        _end(session, unit, outcome="diverted", actor=actor, now=now, why=f"diverted to {incident.reference}")
    eta_s, distance_m = _estimate(graph, incident, unit)
    job = Assignment(incident_id=incident.id, unit_id=unit.id, assigned_at=now, assigned_by=actor.id,
                     eta_s=eta_s, distance_m=distance_m)
    session.add(job)
    session.flush()
    units.apply_status(session, unit, status=UnitStatus.ASSIGNED, incident_id=incident.id, actor=actor, now=now,
                       note=f"to {incident.reference}")
    estimate = f", estimated {_minutes(eta_s)} and {distance_m / 1000:.1f} km away" \
        if eta_s is not None and distance_m is not None else ""
    diverted = " (diverted from another job)" if status in ON_INCIDENT else ""
    incidents.trace(session, incident, actor=actor, now=now, action="unit.assigned", kind="dispatch",
                    text=f"{unit.call_sign} assigned{estimate}{diverted}.",
                    data={"unit_id": unit.id, "call_sign": unit.call_sign, "eta_s": eta_s, "assignment_id": job.id})
    if incident.status == Status.OPEN:
        incidents.change_status(session, incident_id=incident.id, status=Status.IN_PROGRESS,
                                note=f"{unit.call_sign} assigned", actor=actor, now=now)
    return job


def _end(session: Session, unit: Unit, *, outcome: str, actor: Actor, now: datetime, why: str) -> None:
    job = _open_assignment(session, unit.id)
    if job is None:
        return
    job.ended_at, job.outcome = now, outcome
    incident = incidents.get_incident(session, job.incident_id, for_update=True)
    incidents.trace(session, incident, actor=actor, now=now, action=f"unit.{outcome}", kind="dispatch",
                    text=f"{unit.call_sign} {why}.",
                    data={"unit_id": unit.id, "call_sign": unit.call_sign, "outcome": outcome, "assignment_id": job.id})


def change_unit_status(session: Session, *, unit_id: int | None = None, unit: Unit | None = None,
                       status: UnitStatus, actor: Actor, now: datetime, note: str | None = None) -> Unit:
    """Any status change, from the dispatcher's screen or the unit's own terminal.

    en_route and at_scene belong to the unit's current job; available from a job clears it
    (cancelled if the unit never arrived); committed from the scene clears it too (the unit
    is tied up with what it found: a prisoner, statements).
    """
    # Incident before unit, as assign() locks them: opposite orders could deadlock.
    unit_id = unit.id if unit is not None else unit_id
    on_job = session.scalar(sa.select(Unit.incident_id).where(Unit.id == unit_id))
    incident = incidents.get_incident(session, on_job, for_update=True) if on_job is not None else None
    unit = units.get_unit(session, unit_id, for_update=True)
    if unit.incident_id != on_job:
        raise Conflict(f"{unit.call_sign} was moved to another job meanwhile; reload and try again")
    current = UnitStatus(unit.status)
    if current not in ON_INCIDENT:
        units.set_status(session, unit, status=status, actor=actor, now=now, note=note)
        return unit
    if status == current:
        raise Conflict(f"{unit.call_sign} is already {status.value}")
    if not can_move(current, status):
        raise Invalid(f"a unit that is {current.value} cannot become {status.value}",
                      problems=[{"field": "status", "message": f"not allowed from {current.value}"}])
    job = _open_assignment(session, unit.id)
    if status in (UnitStatus.EN_ROUTE, UnitStatus.AT_SCENE) and incident.status == Status.CLOSED:
        raise Conflict(f"{incident.reference} is closed: clear {unit.call_sign} instead")
    if status in (UnitStatus.EN_ROUTE, UnitStatus.AT_SCENE):
        if status == UnitStatus.EN_ROUTE:
            job.en_route_at = now
        else:
            job.at_scene_at = now
        units.apply_status(session, unit, status=status, incident_id=incident.id, actor=actor, now=now, note=note)
        since = (now - incident.created_at).total_seconds()
        label = "en route" if status == UnitStatus.EN_ROUTE else "at scene"
        incidents.trace(session, incident, actor=actor, now=now, action=f"unit.{status.value}", kind="dispatch",
                        text=f"{unit.call_sign} {label} ({_minutes(since)} after the incident was opened)."
                             + (f" {note}" if note else ""),
                        data={"unit_id": unit.id, "call_sign": unit.call_sign, "status": status.value})
        return unit
    arrived = job is not None and job.at_scene_at is not None
    _end(session, unit, outcome="cleared" if arrived else "cancelled", actor=actor, now=now,
         why=("cleared" if arrived else "stood down before arriving") + (f": {note}" if note else ""))
    units.apply_status(session, unit, status=status, incident_id=None, actor=actor, now=now, note=note)
    return unit


@dataclass(frozen=True)
class AssignmentRow:
    assignment: Assignment
    call_sign: str
    unit_status: str


def assignments_for(session: Session, incident_id: int) -> list[AssignmentRow]:
    rows = session.execute(sa.select(Assignment, Unit.call_sign, Unit.status).join(Unit, Unit.id == Assignment.unit_id)
                           .where(Assignment.incident_id == incident_id)
                           .order_by(Assignment.assigned_at, Assignment.id)).all()
    return [AssignmentRow(a, sign, status) for a, sign, status in rows]


def attendance_of(session: Session, incident: Incident, *, rules: DispatchRules, areas: AreaMap,
                  now: datetime) -> clock.Attendance:
    area = areas.classify(incident.latitude, incident.longitude) if incident.latitude is not None else "urban"
    legs = [clock.Leg(row.assignment.assigned_at, row.assignment.en_route_at, row.assignment.at_scene_at)
            for row in assignments_for(session, incident.id)]
    return clock.attendance(created_at=incident.created_at, legs=legs, target_s=rules.target_s(incident.grade, area),
                            area=area, now=now, closed_at=incident.closed_at)


def map_incidents(session: Session) -> list[tuple[Incident, list[str]]]:
    """Active incidents with a position, each with the call signs of the units on it."""
    found = list(session.scalars(sa.select(Incident).where(Incident.status.in_([s.value for s in ACTIVE]),
                                                           Incident.latitude.is_not(None))))
    on_job: dict[int, list[str]] = {}
    for incident_id, sign in session.execute(sa.select(Unit.incident_id, Unit.call_sign)
                                             .where(Unit.incident_id.is_not(None)).order_by(Unit.call_sign)):
        on_job.setdefault(incident_id, []).append(sign)
    return [(i, on_job.get(i.id, [])) for i in found]
