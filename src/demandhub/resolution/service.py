"""The resolution desk's use cases: its queue of grade 4 incidents, callback attempts, and the
three ways out (resolve, record a crime, refer: a closing code each) or up (escalate to a
deployable grade on a fresh THRIVE+ assessment of the callback).

Each change goes on the incident's timeline with its audit entry (incidents.service.trace) and
a "resolution" live event, in the caller's transaction. Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub import classification
from demandhub.assessment import service as assessments
from demandhub.assessment.models import GradingDecision
from demandhub.assessment.policy import GradingPolicy
from demandhub.assessment.schemas import AssessmentCreate, Decision
from demandhub.audit import service as audit
from demandhub.auth.roles import Actor
from demandhub.contacts import service as contacts
from demandhub.contacts.channels import Channel
from demandhub.contacts.models import Contact
from demandhub.contacts.schemas import ContactCreate
from demandhub.errors import Conflict, Invalid
from demandhub.events import service as events
from demandhub.incidents import service as incidents
from demandhub.incidents.lifecycle import ACTIVE, Status
from demandhub.incidents.models import Incident, IncidentContact
from demandhub.resolution import rules
from demandhub.resolution.models import CallbackAttempt
from demandhub.resolution.rules import CALLBACK_TARGET, AttemptOutcome, Outcome

# A callback is a contact the force starts. contacts/channels.py has no "callback" channel yet
# (asked for with this issue); "officer_generated" (contacts that start inside the force) is
# the closest, and keeps callbacks out of the 101 line's inbound demand figures.
CALLBACK_CHANNEL = Channel.CALLBACK

OUTCOME_LABELS = {Outcome.RESOLVED: "Resolved by the resolution desk",
                  Outcome.CRIME_RECORDED: "Crime recorded by the resolution desk",
                  Outcome.REFERRED: "Referred by the resolution desk"}


def _publish(session: Session, *, kind: str, incident: Incident, now: datetime) -> None:
    events.publish(session, topic="resolution", kind=kind, at=now,
                   payload={"id": incident.id, "grade": incident.grade, "status": incident.status})


@dataclass(frozen=True)
class QueueRow:
    incident: Incident
    due: rules.Due
    attempts: int
    failed_since_spoken: int
    last_attempt_at: datetime | None
    may_see: bool  # whether this reader may see the summary (restricted incidents)


def _outcomes_by_incident(session: Session, incident_ids: list[int]) -> dict[int, list[CallbackAttempt]]:
    found: dict[int, list[CallbackAttempt]] = {i: [] for i in incident_ids}
    if incident_ids:
        for attempt in session.scalars(sa.select(CallbackAttempt).where(CallbackAttempt.incident_id.in_(incident_ids))
                                       .order_by(CallbackAttempt.at, CallbackAttempt.id)):
            found[attempt.incident_id].append(attempt)
    return found


def queue(session: Session, *, actor: Actor, now: datetime, target: timedelta = CALLBACK_TARGET,
          limit: int = 500) -> list[QueueRow]:
    """Active grade 4 incidents, soonest due first: overdue ones come first because they fell
    due earliest. The due time is when the incident was graded 4 (opened, or regraded to it)
    plus the callback target: a regraded incident does not arrive already overdue."""
    stmt = (sa.select(Incident, GradingDecision.decided_at)
            .join(GradingDecision, GradingDecision.id == Incident.grading_decision_id)
            .where(Incident.status.in_([s.value for s in ACTIVE]), Incident.grade == rules.RESOLUTION_GRADE)
            .order_by(GradingDecision.decided_at, Incident.id).limit(limit))
    found = session.execute(stmt).all()
    attempts = _outcomes_by_incident(session, [i.id for i, _ in found])
    rows = []
    for incident, graded_at in found:
        mine = attempts[incident.id]
        rows.append(QueueRow(
            incident=incident, due=rules.due_of(graded_at, now, target), attempts=len(mine),
            failed_since_spoken=rules.failed_since_spoken([a.outcome for a in mine]),
            last_attempt_at=mine[-1].at if mine else None, may_see=incidents.may_see_details(actor, incident)))
    # Sorted here as well as in SQL: a per-incident target (later, by type) must not break the order.
    rows.sort(key=lambda r: (r.due.due_at, r.incident.id))
    return rows


def graded_at(session: Session, incident: Incident) -> datetime:
    """When the incident got its current grade: the start of the desk's callback clock."""
    return session.scalar(sa.select(GradingDecision.decided_at).where(GradingDecision.id == incident.grading_decision_id))


def attempts_for(session: Session, incident_id: int) -> list[CallbackAttempt]:
    return _outcomes_by_incident(session, [incident_id])[incident_id]


def _on_desk(session: Session, incident_id: int) -> Incident:
    """The incident, locked, if the desk may work it: active and graded for resolution."""
    incident = incidents.get_incident(session, incident_id, for_update=True)
    if incident.status == Status.CLOSED:
        raise Conflict(f"incident {incident.reference} is closed", problems=[{"field": "incident_id",
                                                                             "message": "closed"}])
    if incident.grade != rules.RESOLUTION_GRADE:
        raise Conflict(f"incident {incident.reference} is grade {incident.grade}, not on the resolution desk "
                       f"(grade {rules.RESOLUTION_GRADE})", problems=[{"field": "incident_id", "message": "not grade 4"}])
    return incident


def record_attempt(session: Session, *, incident_id: int, outcome: AttemptOutcome, note: str | None, actor: Actor,
                   now: datetime, limit: int = rules.MAX_FAILED_ATTEMPTS) -> CallbackAttempt:
    incident = _on_desk(session, incident_id)
    note = (note or "").strip() or None
    attempt = CallbackAttempt(incident_id=incident.id, outcome=outcome.value, note=note, at=now, made_by=actor.id)
    session.add(attempt)
    session.flush()
    outcomes = [a.outcome for a in attempts_for(session, incident.id)]
    failed = rules.failed_since_spoken(outcomes)
    text = f"Callback attempt {len(outcomes)}: {outcome.label}" + (f". {note.rstrip('.')}." if note else ".")
    if failed >= limit:
        text += f" {failed} failed attempts since the caller was last spoken to."
    incidents.trace(session, incident, actor=actor, now=now, action="resolution.callback", kind="callback", text=text,
                    data={"attempt_id": attempt.id, "outcome": outcome.value, "failed_since_spoken": failed})
    _publish(session, kind="resolution.callback", incident=incident, now=now)
    return attempt


def resolve(session: Session, *, incident_id: int, outcome: Outcome, closing_code: str | None, note: str,
            partner: str | None, crime_reference: str | None, actor: Actor, now: datetime) -> Incident:
    """Close a desk incident as resolved, crime recorded or referred, with that outcome's closing code."""
    incident = _on_desk(session, incident_id)
    allowed = rules.CLOSING_CODES[outcome]
    code = closing_code or allowed[0]
    if code not in allowed:
        raise Invalid(f"closing code {code!r} does not fit the outcome {outcome.value}: use "
                      + " or ".join(allowed), problems=[{"field": "closing_code", "message": "not for this outcome"}])
    partner = (partner or "").strip() or None
    crime_reference = (crime_reference or "").strip() or None
    if outcome == Outcome.REFERRED and not partner:
        raise Invalid("a referral names the partner agency", problems=[{"field": "partner", "message": "required"}])
    parts = [OUTCOME_LABELS[outcome]]
    if partner:
        parts.append(f"to {partner}")
    if crime_reference:
        parts.append(f"(crime reference {crime_reference})")
    text = " ".join(parts) + f": {note.strip()}"
    audit.append(session, actor=actor.username, action="resolution.outcome", entity_type="incident",
                 entity_id=incident.id, at=now,
                 details={"outcome": outcome.value, "closing_code": code, "partner": partner,
                          "crime_reference": crime_reference})
    closed = incidents.close(session, incident_id=incident.id, closing_code=code, note=text, actor=actor, now=now)
    _publish(session, kind="resolution.closed", incident=closed, now=now)
    return closed


def _first_contact(session: Session, incident_id: int) -> Contact | None:
    return session.scalar(sa.select(Contact).join(IncidentContact, IncidentContact.contact_id == Contact.id)
                          .where(IncidentContact.incident_id == incident_id)
                          .order_by(IncidentContact.linked_at, Contact.id).limit(1))


def escalate(session: Session, *, incident_id: int, description: str, assessment: AssessmentCreate,
             decision: Decision, policy: GradingPolicy, actor: Actor, now: datetime, region: str) -> Incident:
    """The callback showed the incident needs someone to go: record the callback as a new
    contact of the incident, assess it afresh (THRIVE+) and regrade on that assessment to a
    deployable grade. All in the caller's transaction: nothing of it stays if any step fails."""
    incident = _on_desk(session, incident_id)
    caller = _first_contact(session, incident.id)
    made = contacts.create_contact(session, data=ContactCreate(
        channel=CALLBACK_CHANNEL, caller_name=caller.caller_name if caller else None,
        caller_number=caller.caller_number if caller else None, location_text=incident.location_text,
        latitude=incident.latitude, longitude=incident.longitude, description=description.strip() or "Callback",
        presented_at=now, answered_at=now), actor=actor, now=now, region=region).contact
    incidents.link_contact(session, incident_id=incident.id, contact_id=made.id, actor=actor, now=now)
    try:
        recorded = assessments.assess(session, contact_id=made.id, data=assessment, policy=policy, actor=actor,
                                      now=now)
    except Invalid as exc:
        raise Invalid(f"assessment: {exc.message}",
                      problems=[{**p, "field": f"assessment.{p['field']}"} for p in exc.problems]) from None
    if decision.decision == "override" and decision.grade == recorded.recommended_grade:
        # Choosing the grade the policy recommends is accepting it (a form cannot know it beforehand).
        decision = Decision(decision="accept")
    before = incident.grade
    regraded = incidents.regrade(session, incident_id=incident.id, assessment_id=recorded.id, decision=decision,
                                 policy=policy, actor=actor, now=now)
    if not rules.deployable(regraded.grade, policy.grade_codes):
        # Raised after the writes on purpose: the route's transaction rolls all of them back.
        raise Invalid(f"escalating needs a deployable grade (more urgent than {rules.RESOLUTION_GRADE}); the "
                      f"decision gives grade {regraded.grade}: override to the grade to send",
                      problems=[{"field": "decision.grade", "message": "not a deployable grade"}])
    label = policy.grade(regraded.grade).label
    incidents.trace(session, regraded, actor=actor, now=now, action="resolution.escalated", kind="escalated",
                    text=f"Escalated by the resolution desk after a callback: grade {before} -> {regraded.grade} "
                         f"({label}) on a new THRIVE+ assessment (contact {made.id}, version {recorded.version}).",
                    data={"contact_id": made.id, "assessment_id": recorded.id, "from": before,
                          "to": regraded.grade})
    _publish(session, kind="resolution.escalated", incident=regraded, now=now)
    return regraded


def closing_labels(outcome: Outcome) -> list[tuple[str, str]]:
    return [(c, classification.CLOSING_CODES[c].label) for c in rules.CLOSING_CODES[outcome]]
