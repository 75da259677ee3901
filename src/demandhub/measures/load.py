"""Frames from the database for one period: a few set-based SELECTs, never one per row.

Contacts are those presented in [start, end), incidents those created in it, appointments
those whose slot starts in it (docs/measures.md, "Which period a record belongs to"). The
result is what the database held when it was read (`as_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from demandhub.assessment.models import IMPORTED_POLICY_PREFIX, Assessment, GradingDecision
from demandhub.contacts.models import Contact
from demandhub.dispatch.models import Assignment
from demandhub.geo.areas import Area, AreaMap
from demandhub.geo.models import ForceArea
from demandhub.imports.models import ImportedCall
from demandhub.incidents.models import Incident, IncidentContact, TimelineEntry
from demandhub.measures.definitions import FORCE_INITIATED_CHANNELS, NOT_REPEAT_CHANNELS, Standards
from demandhub.measures.frames import (
    APPOINTMENT_STATUSES,
    CHANNELS,
    CLOSING_CODES,
    AppointmentFrame,
    ContactFrame,
    Frames,
    IncidentFrame,
    mark_repeats,
)
from demandhub.resolution.models import Appointment, AppointmentSlot, CallbackAttempt
from demandhub.vulnerability.models import SafeguardingAction

NAN = float("nan")


def _ts(value: datetime | None) -> float:
    return NAN if value is None else value.timestamp()


def force_areas(session: Session) -> AreaMap:
    rows = session.scalars(sa.select(ForceArea).order_by(ForceArea.id))
    return AreaMap([Area(r.kind, r.name, r.geometry) for r in rows])


def load_frames(session: Session, *, start: datetime, end: datetime, as_of: datetime, grades: Sequence[str],
                standards: Standards | None = None, areas: AreaMap | None = None) -> Frames:
    """`grades`: the grading policy's codes, most urgent first (a code met in the data and not
    in the policy is added after them). `areas`: urban or rural (the force's, if not given)."""
    s = standards or Standards()
    grade_list = list(grades)
    contacts = _contacts(session, start=start, end=end, s=s)
    incidents = _incidents(session, start=start, end=end, s=s, grade_list=grade_list,
                           areas=areas if areas is not None else force_areas(session))
    appointments = _appointments(session, start=start, end=end)
    return Frames(contacts=contacts, incidents=incidents, appointments=appointments, start=start.timestamp(),
                  end=end.timestamp(), as_of=as_of.timestamp(), grades=tuple(grade_list),
                  repeat_window_s=s.repeat_window_s)


# Imported records' placeholder assessments and decisions (the source graded them, not THRIVE+)
# say nothing about risk assessment, vulnerability or overrides: those measures leave them out.
def _assessed_here():
    return sa.not_(Assessment.policy_name.startswith(IMPORTED_POLICY_PREFIX, autoescape=True))


def _contacts(session: Session, *, start: datetime, end: datetime, s: Standards) -> ContactFrame:
    in_period = sa.and_(Contact.presented_at >= start, Contact.presented_at < end)
    rows = session.execute(
        sa.select(Contact.id, Contact.channel, Contact.presented_at, Contact.answered_at, Contact.ended_at,
                  Contact.abandoned, Contact.caller_number, IncidentContact.incident_id)
        .outerjoin(IncidentContact, IncidentContact.contact_id == Contact.id)
        .where(in_period).order_by(Contact.id)).all()
    if not rows:
        return ContactFrame.empty()
    position = {r.id: k for k, r in enumerate(rows)}
    n = len(rows)

    latest: dict[int, tuple[int, list]] = {}  # contact -> (version, vulnerabilities) of its latest assessment
    for contact_id, version, vulnerabilities in session.execute(
            sa.select(Assessment.contact_id, Assessment.version, Assessment.vulnerabilities)
            .join(Contact, Contact.id == Assessment.contact_id).where(in_period, _assessed_here())):
        if contact_id not in latest or version > latest[contact_id][0]:
            latest[contact_id] = (version, vulnerabilities or [])
    assessed, vulnerable = np.zeros(n, bool), np.zeros(n, bool)
    for contact_id, (_, vulnerabilities) in latest.items():
        assessed[position[contact_id]] = True
        vulnerable[position[contact_id]] = len(vulnerabilities) > 0

    graded, overridden = np.zeros(n, bool), np.zeros(n, bool)
    for contact_id, was_overridden in session.execute(
            sa.select(Assessment.contact_id, GradingDecision.overridden)
            .join(Assessment, Assessment.id == GradingDecision.assessment_id)
            .join(Contact, Contact.id == Assessment.contact_id).where(in_period, _assessed_here())):
        graded[position[contact_id]] = True
        overridden[position[contact_id]] |= bool(was_overridden)

    safeguarded_incidents = set(session.scalars(
        sa.select(SafeguardingAction.incident_id).distinct()
        .join(IncidentContact, IncidentContact.incident_id == SafeguardingAction.incident_id)
        .join(Contact, Contact.id == IncidentContact.contact_id).where(in_period)))

    # Repeat callers: earlier contacts from the same number, looking back before the period too.
    # Only the numbers that called in the period can make one of its contacts a repeat: a day's
    # figures read those numbers' last 28 days, not everyone's.
    window = timedelta(seconds=s.repeat_window_s)
    in_period_contact = aliased(Contact)
    callers_in_period = (sa.select(in_period_contact.caller_number)
                         .where(in_period_contact.presented_at >= start, in_period_contact.presented_at < end,
                                in_period_contact.caller_number.is_not(None)))
    history = session.execute(
        sa.select(Contact.id, Contact.caller_number, Contact.presented_at)
        .where(Contact.presented_at >= start - window, Contact.presented_at < end,
               Contact.caller_number.in_(callers_in_period), Contact.channel.not_in(NOT_REPEAT_CHANNELS))).all()
    keys: dict[str, int] = {}
    caller = np.fromiter((keys.setdefault(h.caller_number, len(keys)) for h in history), np.int64, len(history))
    repeats = mark_repeats(caller, np.fromiter((h.presented_at.timestamp() for h in history), np.float64,
                                               len(history)), s.repeat_window_s)
    repeat = np.zeros(n, bool)
    for h, is_repeat in zip(history, repeats):
        if is_repeat and h.id in position:
            repeat[position[h.id]] = True

    channel_code = {name: k for k, name in enumerate(CHANNELS)}
    incident = np.array([-1 if r.incident_id is None else r.incident_id for r in rows], np.int64)
    return ContactFrame(
        id=[r.id for r in rows], channel=[channel_code[r.channel] for r in rows],
        presented=[_ts(r.presented_at) for r in rows], answered=[_ts(r.answered_at) for r in rows],
        ended=[_ts(r.ended_at) for r in rows], abandoned=[bool(r.abandoned) for r in rows],
        caller_known=[r.caller_number is not None for r in rows], repeat=repeat, assessed=assessed,
        vulnerable=vulnerable, safeguarded=np.isin(incident, list(safeguarded_incidents)) & (incident >= 0),
        graded=graded, overridden=overridden, incident=incident)


def _grade(code: str | None, grade_list: list[str]) -> int:
    if code is None:
        return -1
    if code not in grade_list:
        grade_list.append(code)
    return grade_list.index(code)


def _incidents(session: Session, *, start: datetime, end: datetime, s: Standards, grade_list: list[str],
               areas: AreaMap) -> IncidentFrame:
    in_period = sa.and_(Incident.created_at >= start, Incident.created_at < end)
    rows = session.execute(
        sa.select(Incident.id, Incident.grade, Incident.created_at, Incident.latitude, Incident.longitude,
                  Incident.closed_at, Incident.closing_code).where(in_period).order_by(Incident.id)).all()
    if not rows:
        return IncidentFrame.empty()
    position = {r.id: k for k, r in enumerate(rows)}
    n = len(rows)

    # The timeline is the incident's own record of every grading and status change.
    first_grade: dict[int, str] = {}
    callback_from, callback_until = np.full(n, NAN), np.full(n, NAN)
    reopened = np.zeros(n, bool)
    for incident_id, at, kind, data in session.execute(
            sa.select(TimelineEntry.incident_id, TimelineEntry.at, TimelineEntry.kind, TimelineEntry.data)
            .join(Incident, Incident.id == TimelineEntry.incident_id)
            .where(in_period, TimelineEntry.kind.in_(("graded", "status")))
            .order_by(TimelineEntry.incident_id, TimelineEntry.at, TimelineEntry.id)):
        k, data = position[incident_id], data or {}
        if kind == "status":
            reopened[k] |= data.get("from") == "closed"
            continue
        grade = data.get("grade")
        first_grade.setdefault(incident_id, grade)
        if grade == s.resolution_grade and np.isnan(callback_from[k]):
            callback_from[k] = at.timestamp()
        elif grade != s.resolution_grade and not np.isnan(callback_from[k]) and np.isnan(callback_until[k]):
            callback_until[k] = at.timestamp()

    first_assigned, first_at_scene = np.full(n, NAN), np.full(n, NAN)
    for incident_id, assigned, at_scene in session.execute(
            sa.select(Assignment.incident_id, sa.func.min(Assignment.assigned_at), sa.func.min(Assignment.at_scene_at))
            .join(Incident, Incident.id == Assignment.incident_id).where(in_period)
            .group_by(Assignment.incident_id)):
        first_assigned[position[incident_id]] = _ts(assigned)
        first_at_scene[position[incident_id]] = _ts(at_scene)

    # The first callback: an attempt recorded by the desk, or a callback contact (an escalation).
    first_callback = np.full(n, NAN)
    attempts = (sa.select(CallbackAttempt.incident_id, sa.func.min(CallbackAttempt.at))
                .join(Incident, Incident.id == CallbackAttempt.incident_id).where(in_period)
                .group_by(CallbackAttempt.incident_id))
    calls = (sa.select(IncidentContact.incident_id, sa.func.min(Contact.presented_at))
             .join(Contact, Contact.id == IncidentContact.contact_id)
             .join(Incident, Incident.id == IncidentContact.incident_id)
             .where(in_period, Contact.channel.in_(FORCE_INITIATED_CHANNELS)).group_by(IncidentContact.incident_id))
    for query in (attempts, calls):  # min() keeps the column's type: aware UTC datetimes
        for incident_id, at in session.execute(query):
            k = position[incident_id]
            first_callback[k] = np.fmin(first_callback[k], _ts(at))

    # An imported call's area is what its source's mapping declared; the polygons decide the rest.
    declared = dict(session.execute(
        sa.select(ImportedCall.incident_id, ImportedCall.area).join(Incident, Incident.id == ImportedCall.incident_id)
        .where(in_period, ImportedCall.area.is_not(None))).all())

    def rural(r) -> bool:
        if r.id in declared:
            return declared[r.id] == "rural"
        return r.latitude is not None and areas.classify(r.latitude, r.longitude) == "rural"

    closing = {code: k for k, code in enumerate(CLOSING_CODES)}
    return IncidentFrame(
        id=[r.id for r in rows], created=[_ts(r.created_at) for r in rows],
        first_grade=[_grade(first_grade.get(r.id, r.grade), grade_list) for r in rows],
        final_grade=[_grade(r.grade, grade_list) for r in rows],
        rural=[rural(r) for r in rows],
        first_assigned=first_assigned, first_at_scene=first_at_scene, closed=[_ts(r.closed_at) for r in rows],
        closing_code=[closing.get(r.closing_code, -1) for r in rows], reopened=reopened,
        callback_from=callback_from, callback_until=callback_until, first_callback=first_callback)


def _appointments(session: Session, *, start: datetime, end: datetime) -> AppointmentFrame:
    rows = session.execute(
        sa.select(Appointment.incident_id, AppointmentSlot.starts_at, Appointment.status)
        .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
        .where(AppointmentSlot.starts_at >= start, AppointmentSlot.starts_at < end)).all()
    if not rows:
        return AppointmentFrame.empty()
    status = {name: k for k, name in enumerate(APPOINTMENT_STATUSES)}
    return AppointmentFrame(incident=[r.incident_id for r in rows], starts=[_ts(r.starts_at) for r in rows],
                            status=[status[r.status] for r in rows])
