"""Incident use cases: open from an assessed contact, link further contacts, regrade, move
through the lifecycle, close, and read with the restricted-incident rules.

Every change writes a timeline entry, an audit entry and an outbox event in the caller's
transaction, so the record, the chain of evidence and the live screens agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from demandhub import chain, classification
from demandhub.assessment import service as assessments
from demandhub.assessment.models import Assessment, GradingDecision
from demandhub.assessment.policy import GradingPolicy
from demandhub.assessment.schemas import AssessmentCreate, Decision
from demandhub.audit import service as audit
from demandhub.auth.roles import Actor, Permission
from demandhub.contacts import digital
from demandhub.contacts import service as contacts
from demandhub.contacts.channels import Channel
from demandhub.contacts.models import Contact
from demandhub.contacts.schemas import ContactCreate
from demandhub.errors import Conflict, Forbidden, Invalid, NotFound
from demandhub.events import service as events
from demandhub.incidents.lifecycle import ACTIVE, Status, can_move
from demandhub.incidents.models import (
    Incident,
    IncidentContact,
    TimelineEntry,
)

SUMMARY_CHARS = 280


@dataclass(frozen=True)
class Numbering:
    prefix: str
    tz: ZoneInfo


def _number_at_commit(session: Session, incident: Incident, *, numbering: Numbering, now: datetime) -> None:
    """Give the incident its reference (INC-20261128-0042: the 42nd incident of the local day)
    at commit, under the lock every write already takes there (see demandhub.chain).

    Taken earlier, the day's counter row would stay locked for the rest of the use case and
    become a second queue for every new incident; taken there, it costs no extra waiting.
    """
    day = now.astimezone(numbering.tz).strftime("%Y%m%d")
    chain.add_number(session, counter=day, prefix=f"{numbering.prefix}-{day}-", table="incidents",
                     column="reference", row_id=incident.id,
                     assigned=lambda value: set_committed_value(incident, "reference", value))


def trace(session: Session, incident: Incident, *, actor: Actor, now: datetime, action: str, kind: str,
           text: str, data: dict | None = None) -> TimelineEntry:
    """Timeline, audit and live event for one change to an incident."""
    data = data or {}
    incident.updated_at = now
    entry = TimelineEntry(incident_id=incident.id, at=now, actor=actor.username, kind=kind, text=text, data=data)
    session.add(entry)
    # A new incident gets its reference at commit, so entries name it by id.
    audit.append(session, actor=actor.username, action=action, entity_type="incident", entity_id=incident.id,
                 at=now, details=data)
    events.publish(session, topic="incidents", kind=action, at=now,
                   payload={"id": incident.id, "grade": incident.grade, "status": incident.status})
    return entry


def _grading_text(policy: GradingPolicy, decision: GradingDecision, assessment: Assessment) -> str:
    rules = ", ".join(r["id"] for r in assessment.recommendation.get("fired", [])) or "none (policy default)"
    label = policy.grade(decision.grade).label if decision.grade in policy.grade_codes else decision.grade
    text = (f"Recommended grade {decision.recommended_grade} by policy {decision.policy_name} "
            f"v{decision.policy_version} (rules fired: {rules}). ")
    if decision.overridden:
        return text + f"Overridden to grade {decision.grade} ({label}): {decision.override_rationale}"
    return text + f"Accepted: grade {decision.grade} ({label})."


def _decision_data(decision: GradingDecision) -> dict:
    return {"grade": decision.grade, "recommended_grade": decision.recommended_grade,
            "overridden": decision.overridden, "policy_version": decision.policy_version,
            "assessment_id": decision.assessment_id}


def _incident_of_contact(session: Session, contact_id: int) -> int | None:
    return session.scalar(sa.select(IncidentContact.incident_id).where(IncidentContact.contact_id == contact_id))


def _assessment_for(session: Session, contact: Contact, assessment_id: int | None) -> Assessment:
    if assessment_id is None:
        assessment = assessments.latest_assessment(session, contact.id)
        if assessment is None:
            raise Invalid(f"contact {contact.id} has no THRIVE+ assessment yet: assess it before grading",
                          problems=[{"field": "assessment_id", "message": "no assessment recorded"}])
        return assessment
    assessment = assessments.get_assessment(session, assessment_id)
    if assessment.contact_id != contact.id:
        raise Invalid(f"assessment {assessment_id} belongs to contact {assessment.contact_id}, not {contact.id}",
                      problems=[{"field": "assessment_id", "message": "belongs to another contact"}])
    return assessment


@dataclass(frozen=True)
class IncidentDetail:
    incident: Incident
    contacts: list[Contact]
    assessments: list[Assessment]
    decisions: list[GradingDecision]
    timeline: list[TimelineEntry]


def open_incident(session: Session, *, contact_id: int, assessment_id: int | None, decision: Decision,
                  policy: GradingPolicy, actor: Actor, now: datetime, numbering: Numbering) -> IncidentDetail:
    """Open an incident from an assessed contact with the handler's decision on the grade.

    Returns the new incident complete (its contact, the contact's assessments, the decision,
    the timeline so far), so nothing needs reading back after the commit.
    """
    contact = contacts.get_contact(session, contact_id, for_update=True)  # one incident per contact, even when raced
    if (existing := _incident_of_contact(session, contact_id)) is not None:
        raise Conflict(f"contact {contact_id} already belongs to incident {existing}")
    assessment = _assessment_for(session, contact, assessment_id)
    grading = assessments.decide(session, assessment=assessment, decision=decision, policy=policy,
                                 actor=actor, now=now)
    kind = classification.incident_type(assessment.incident_type)
    incident = Incident(
        category=kind.category,
        incident_type=kind.code, qualifiers=list(assessment.qualifiers), grade=grading.grade,
        status=Status.OPEN.value, restricted=kind.restricted,
        summary=contact.description[:SUMMARY_CHARS], location_text=contact.location_text,
        latitude=contact.latitude, longitude=contact.longitude,
        grading_decision_id=grading.id, created_at=now, created_by=actor.id, updated_at=now,
    )
    session.add(incident)
    session.flush()
    contact.restricted = kind.restricted
    _number_at_commit(session, incident, numbering=numbering, now=now)
    session.add(IncidentContact(contact_id=contact.id, incident_id=incident.id, linked_at=now, linked_by=actor.id))
    created = trace(session, incident, actor=actor, now=now, action="incident.created", kind="created",
           text=f"Opened from {contact.channel} contact {contact.id} as {kind.label}.",
           data={"contact_id": contact.id, "incident_type": kind.code})
    graded = trace(session, incident, actor=actor, now=now, action="incident.graded", kind="graded",
           text=_grading_text(policy, grading, assessment), data=_decision_data(grading))
    # Complete as it stands: a contact without an incident has no other decisions, and any
    # earlier assessments of it (versions before this one) are shown too.
    return IncidentDetail(incident, [contact], assessments.assessments_for(session, [contact.id]), [grading],
                          [created, graded])


@dataclass(frozen=True)
class TakenCall:
    incident: Incident
    detail: IncidentDetail | None  # what this call recorded; None when it was a replay
    replayed: bool  # an earlier request with the same idempotency key took this call


def _part(prefix: str, step):
    """Run one step of a composite use case, naming its part of the request in any problem."""
    try:
        return step()
    except Invalid as exc:
        raise Invalid(f"{prefix}: {exc.message}",
                      problems=[{**p, "field": f"{prefix}.{p['field']}"} for p in exc.problems]) from None


def _existing_contact(session: Session, contact_id: int, *, actor: Actor, now: datetime) -> contacts.Created:
    """A contact recorded earlier (an online report, a chat) now assessed like a call: once only."""
    contact = contacts.get_contact(session, contact_id, for_update=True)
    if not contacts.may_see(actor, restricted=contact.restricted, taken_by=contact.created_by):
        raise contacts.refused(contact, actor)
    incident = incident_for_contact(session, contact_id)
    if incident is not None:
        raise Conflict(f"contact {contact_id} is already part of incident {incident.reference}")
    if contact.ended_at is not None and contact.answered_at is None:
        raise Conflict(f"contact {contact_id} was closed without a response; it cannot be graded now")
    if Channel(contact.channel) in digital.DIGITAL_CHANNELS:
        digital.first_response(session, contact_id=contact_id, actor=actor, now=now)  # assessing it responds
    return contacts.Created(contact, replayed=False)


def take_call(session: Session, *, contact: ContactCreate | None, assessment: AssessmentCreate,
              decision: Decision | None, policy: GradingPolicy, actor: Actor, now: datetime, numbering: Numbering,
              region: str, idempotency_key: str | None, fingerprint: str, link_to: int | None = None,
              contact_id: int | None = None) -> TakenCall:
    """Contact, THRIVE+ assessment and graded incident in one transaction: all or nothing.
    With `link_to`, the call is a further report of that open incident and joins it instead.
    With `contact_id` instead of `contact`, a contact already recorded (a digital one, waiting
    in its queue) is assessed and graded the same way.

    This is what the call-taking screen submits. A retry with the same idempotency key and
    the same request returns the incident the first one opened.
    """
    if contact_id is not None:
        created = _existing_contact(session, contact_id, actor=actor, now=now)
    else:
        created = _part("contact", lambda: contacts.create_contact(
            session, data=contact, actor=actor, now=now, region=region, idempotency_key=idempotency_key,
            fingerprint=fingerprint))
    if created.replayed:
        incident = incident_for_contact(session, created.contact.id)
        if incident is None:
            raise Conflict("Idempotency-Key belongs to a contact without an incident; use a new key")
        return TakenCall(incident, detail=None, replayed=True)
    recorded = _part("assessment", lambda: assessments.assess(
        session, contact_id=created.contact.id, data=assessment, policy=policy, actor=actor, now=now))
    if link_to is not None:
        target = get_incident(session, link_to)
        if target.restricted and not may_see_details(actor, target):
            # Linking would show this handler the restricted record: take it as its own incident.
            raise Forbidden(f"incident {target.reference} is restricted: record this call as a new incident "
                            "and ask a supervisor to link them")
        joined = link_contact(session, incident_id=link_to, contact_id=created.contact.id, actor=actor, now=now)
        rank = {code: i for i, code in enumerate(policy.grade_codes)}
        if rank.get(recorded.recommended_grade, len(rank)) < rank.get(joined.grade, len(rank)):
            trace(session, joined, actor=actor, now=now, action="incident.grade_check", kind="grade_check",
                  text=f"This further call's assessment recommends grade {recorded.recommended_grade}, more urgent "
                       f"than the incident's grade {joined.grade}: regrade if the new information warrants it.",
                  data={"contact_id": created.contact.id, "recommended_grade": recorded.recommended_grade})
        return TakenCall(joined, detail=detail(session, joined), replayed=False)
    opened = _part("decision", lambda: open_incident(
        session, contact_id=created.contact.id, assessment_id=recorded.id, decision=decision, policy=policy,
        actor=actor, now=now, numbering=numbering))
    return TakenCall(opened.incident, detail=opened, replayed=False)


def get_incident(session: Session, incident_id: int, *, for_update: bool = False) -> Incident:
    stmt = sa.select(Incident).where(Incident.id == incident_id)
    if for_update:
        stmt = stmt.with_for_update()
    incident = session.scalar(stmt)
    if incident is None:
        raise NotFound(f"incident {incident_id} not found")
    return incident


def find_by_reference(session: Session, reference: str) -> Incident:
    incident = session.scalar(sa.select(Incident).where(Incident.reference == reference))
    if incident is None:
        raise NotFound(f"incident {reference} not found")
    return incident


def _require_active(incident: Incident) -> None:
    if incident.status == Status.CLOSED:
        raise Conflict(f"incident {incident.reference} is closed; a supervisor can reopen it")


def link_contact(session: Session, *, incident_id: int, contact_id: int, actor: Actor, now: datetime) -> Incident:
    incident = get_incident(session, incident_id, for_update=True)
    _require_active(incident)
    contact = contacts.get_contact(session, contact_id, for_update=True)
    if (existing := _incident_of_contact(session, contact_id)) is not None:
        raise Conflict(f"contact {contact_id} already belongs to incident {existing}")
    latest = assessments.latest_assessment(session, contact.id)
    if latest is not None and classification.incident_type(latest.incident_type).restricted and not incident.restricted:
        # The further report says what the first did not: the whole incident is restricted now.
        _restrict(session, incident, actor=actor, now=now, why=f"a further contact was assessed as "
                  f"{classification.incident_type(latest.incident_type).label}")
    contact.restricted = contact.restricted or incident.restricted
    session.add(IncidentContact(contact_id=contact.id, incident_id=incident.id, linked_at=now, linked_by=actor.id))
    placed = ""
    if incident.latitude is None and contact.latitude is not None:
        incident.latitude, incident.longitude = contact.latitude, contact.longitude
        placed = " Its position is now the incident's."
    trace(session, incident, actor=actor, now=now, action="incident.contact_linked", kind="contact_linked",
          text=f"Further {contact.channel} contact {contact.id} linked: {contact.description[:120]}{placed}",
          data={"contact_id": contact.id})
    return incident


def set_location(session: Session, *, incident_id: int, latitude: float, longitude: float,
                 location_text: str | None, actor: Actor, now: datetime) -> Incident:
    """Place the incident (or move it): where units are sent and the attendance area is judged."""
    incident = get_incident(session, incident_id, for_update=True)
    _require_active(incident)
    before = (incident.latitude, incident.longitude, incident.location_text)
    incident.latitude, incident.longitude = latitude, longitude
    if location_text and location_text.strip():
        incident.location_text = location_text.strip()
    trace(session, incident, actor=actor, now=now, action="incident.located", kind="located",
          text=f"Located at {latitude:.5f}, {longitude:.5f}" + (f" ({incident.location_text})"
                                                               if incident.location_text else "") + ".",
          data={"before": list(before), "latitude": latitude, "longitude": longitude})
    return incident


def unlink_contact(session: Session, *, incident_id: int, contact_id: int, reason: str, actor: Actor,
                   now: datetime) -> Incident:
    """Undo a link: the contact was not about this event after all. The contact that opened
    the incident stays (close the incident as a duplicate instead). The contact keeps any
    restriction it had: lifting one is a decision for a person, not a side effect."""
    incident = get_incident(session, incident_id, for_update=True)
    _require_active(incident)
    links = list(session.scalars(sa.select(IncidentContact).where(IncidentContact.incident_id == incident_id)
                                 .order_by(IncidentContact.linked_at, IncidentContact.contact_id)))
    link = next((lk for lk in links if lk.contact_id == contact_id), None)
    if link is None:
        raise NotFound(f"contact {contact_id} is not linked to {incident.reference}")
    if link is links[0]:
        raise Conflict(f"contact {contact_id} opened {incident.reference}; close the incident as a duplicate instead")
    session.delete(link)
    trace(session, incident, actor=actor, now=now, action="incident.contact_unlinked", kind="contact_unlinked",
          text=f"Contact {contact_id} unlinked: {reason}", data={"contact_id": contact_id, "reason": reason})
    return incident


def regrade(session: Session, *, incident_id: int, assessment_id: int, decision: Decision,
            policy: GradingPolicy, actor: Actor, now: datetime) -> Incident:
    incident = get_incident(session, incident_id, for_update=True)
    _require_active(incident)
    assessment = assessments.get_assessment(session, assessment_id)
    if _incident_of_contact(session, assessment.contact_id) != incident.id:
        raise Invalid(f"assessment {assessment_id} is of a contact not linked to {incident.reference}",
                      problems=[{"field": "assessment_id", "message": "contact not linked to this incident"}])
    grading = assessments.decide(session, assessment=assessment, decision=decision, policy=policy,
                                 actor=actor, now=now)
    before = incident.grade
    incident.grade = grading.grade
    incident.grading_decision_id = grading.id
    if classification.incident_type(assessment.incident_type).restricted and not incident.restricted:
        _restrict(session, incident, actor=actor, now=now,
                  why=f"reassessed as {classification.incident_type(assessment.incident_type).label}")
    trace(session, incident, actor=actor, now=now, action="incident.regraded", kind="graded",
           text=f"Reassessed (version {assessment.version}); grade {before} -> {grading.grade}. "
                + _grading_text(policy, grading, assessment),
           data={"previous_grade": before, **_decision_data(grading)})
    return incident


def _restrict(session: Session, incident: Incident, *, actor: Actor, now: datetime, why: str) -> None:
    """Restrict an incident and all its contacts. Never undone automatically: lifting a
    restriction is a decision for a person, not a side effect of a regrade."""
    incident.restricted = True
    for contact in session.scalars(sa.select(Contact).join(IncidentContact, IncidentContact.contact_id == Contact.id)
                                   .where(IncidentContact.incident_id == incident.id)):
        contact.restricted = True
    trace(session, incident, actor=actor, now=now, action="incident.restricted", kind="restricted",
           text=f"Restricted: {why}.")


def change_status(session: Session, *, incident_id: int, status: Status, note: str | None, actor: Actor,
                  now: datetime) -> Incident:
    incident = get_incident(session, incident_id, for_update=True)
    current = Status(incident.status)
    if status == Status.CLOSED:
        raise Invalid("close an incident with its closing code (POST .../close), not by status",
                      problems=[{"field": "status", "message": "use close"}])
    if status == current:
        raise Conflict(f"incident {incident.reference} is already {status.value}")
    if not can_move(current, status):
        raise Invalid(f"an incident that is {current.value} cannot become {status.value}",
                      problems=[{"field": "status", "message": f"not allowed from {current.value}"}])
    reopening = current == Status.CLOSED
    if reopening and not actor.can(Permission.INCIDENT_REOPEN):
        raise Forbidden(f"role '{actor.role.value}' may not reopen a closed incident")
    incident.status = status.value
    if reopening:
        incident.closed_at, incident.closing_code = None, None
    text = f"Reopened by {actor.display_name}" if reopening else f"Status {current.value} -> {status.value}"
    trace(session, incident, actor=actor, now=now, action="incident.reopened" if reopening else "incident.status_changed",
           kind="status", text=text + (f": {note}" if note else "."),
           data={"from": current.value, "to": status.value})
    return incident


def close(session: Session, *, incident_id: int, closing_code: str, note: str | None, actor: Actor,
          now: datetime) -> Incident:
    incident = get_incident(session, incident_id, for_update=True)
    _require_active(incident)
    if closing_code not in classification.CLOSING_CODES:
        raise Invalid(f"unknown closing code {closing_code!r}",
                      problems=[{"field": "closing_code", "message": "unknown; see GET /api/classification"}])
    label = classification.CLOSING_CODES[closing_code].label
    before = incident.status
    incident.status, incident.closed_at, incident.closing_code = Status.CLOSED.value, now, closing_code
    trace(session, incident, actor=actor, now=now, action="incident.closed", kind="closed",
           text=f"Closed: {label}" + (f". {note}" if note else "."),
           data={"from": before, "closing_code": closing_code})
    return incident


def add_note(session: Session, *, incident_id: int, text: str, actor: Actor, now: datetime) -> Incident:
    incident = get_incident(session, incident_id, for_update=True)
    trace(session, incident, actor=actor, now=now, action="incident.note_added", kind="note", text=text.strip())
    return incident


def may_see_details(actor: Actor, incident: Incident) -> bool:
    return contacts.may_see(actor, restricted=incident.restricted, taken_by=incident.created_by)


def record_view(session: Session, *, incident: Incident, actor: Actor, now: datetime) -> bool:
    """Apply the restricted-incident rule and audit every view, or refused view, of one.

    Returns whether the actor may go on. A refusal must still be committed (the attempt is
    evidence too), so the caller commits and then raises `refused(...)`.
    """
    if not incident.restricted:
        return True
    allowed = may_see_details(actor, incident)
    audit.append(session, actor=actor.username, action="incident.viewed" if allowed else "incident.view_refused",
                 entity_type="incident", entity_id=incident.id, at=now,
                 details={"reference": incident.reference, "restricted": True})
    return allowed


def refused(incident: Incident, actor: Actor) -> Forbidden:
    return Forbidden(f"incident {incident.reference} is restricted; role '{actor.role.value}' may not see it")


def detail(session: Session, incident: Incident) -> IncidentDetail:
    contacts = list(session.scalars(
        sa.select(Contact).join(IncidentContact, IncidentContact.contact_id == Contact.id)
        .where(IncidentContact.incident_id == incident.id).order_by(Contact.presented_at)))
    found = assessments.assessments_for(session, [c.id for c in contacts])
    decisions = list(session.scalars(sa.select(GradingDecision)
                                     .where(GradingDecision.assessment_id.in_([a.id for a in found]))
                                     .order_by(GradingDecision.decided_at))) if found else []
    timeline = list(session.scalars(sa.select(TimelineEntry).where(TimelineEntry.incident_id == incident.id)
                                    .order_by(TimelineEntry.at, TimelineEntry.id)))
    return IncidentDetail(incident, contacts, found, decisions, timeline)


def queue(session: Session, *, grade_order: list[str], limit: int = 500) -> list[Incident]:
    """Active incidents, most urgent grade first, then oldest first."""
    rank = sa.case({code: i for i, code in enumerate(grade_order)}, value=Incident.grade, else_=len(grade_order))
    stmt = (sa.select(Incident).where(Incident.status.in_([s.value for s in ACTIVE]))
            .order_by(rank, Incident.created_at, Incident.id).limit(limit))
    return list(session.scalars(stmt))


def incident_for_contact(session: Session, contact_id: int) -> Incident | None:
    incident_id = _incident_of_contact(session, contact_id)
    return session.get(Incident, incident_id) if incident_id else None
