"""Use cases for online reports. Each runs in the caller's transaction and never commits.

A report is a digital contact (channel online) with a reference for the sender, its photos
kept as evidence, and an `online_reports` row for what only the form asks. Staff take it (the
digital clock of first response stops), grade it into an incident through the call-taking
screen, or close it without one, for a reason from a short list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.assessment.cues import CueLexicon, find_cues
from demandhub.audit import service as audit
from demandhub.auth import service as accounts
from demandhub.auth.models import User
from demandhub.auth.roles import Actor
from demandhub.contacts import digital
from demandhub.contacts import service as contacts
from demandhub.contacts.channels import Channel
from demandhub.contacts.models import Contact
from demandhub.contacts.schemas import ContactCreate
from demandhub.errors import Conflict, FieldProblem, Invalid, NotFound
from demandhub.evidence import service as evidence
from demandhub.evidence.checks import IMAGE_TYPES, Limits
from demandhub.evidence.models import EvidenceItem
from demandhub.evidence.store import EvidenceStore
from demandhub.incidents.models import Incident, IncidentContact
from demandhub.online.form import Report
from demandhub.online.models import OnlineReport

# Why a handler may close a report without an incident. Some reasons need a note to make sense.
CLOSE_REASONS = {
    "information_recorded": "Information recorded",
    "no_police_matter": "Not a police matter (advice given)",
    "referred": "Passed to another agency",
    "duplicate": "Duplicate of another report",
    "other": "Other reason",
}
NOTE_NEEDED = {"duplicate": "Give the reference of the report it duplicates",
               "referred": "Say which agency it was passed to",
               "other": "Say why it is closed"}
MAX_NOTE = 2000


@dataclass(frozen=True)
class Received:
    contact_id: int
    reference: str
    urgent: bool


def receive(session: Session, report: Report, *, store: EvidenceStore, limits: Limits, lexicon: CueLexicon,
            now: datetime, region: str) -> Received:
    """Record a report from the public: the contact (authored by the online channel's account),
    its reference, the report row, its photos, and the risk cues that put it first in the queue."""
    actor = accounts.channel_account(session, channel=Channel.ONLINE.value, now=now)
    position = report.position
    where_text = report.address or report.what3words or report.postcode
    contact = contacts.create_contact(session, data=ContactCreate(
        channel=Channel.ONLINE, description=report.what_happened, caller_name=report.name,
        caller_number=report.phone_raw, location_text=where_text,
        latitude=position.latitude if position else None, longitude=position.longitude if position else None,
        presented_at=now), actor=actor, now=now, region=region).contact
    contact.reference = digital.new_reference(Channel.ONLINE, now)
    cues = [{"flag": m.flag, "label": m.label, "matches": list(m.matches)}
            for m in find_cues(report.what_happened, lexicon)]
    session.add(OnlineReport(
        contact_id=contact.id, kind=report.kind, subject=report.subject.code,
        incident_type=report.subject.incident_type, happening_now=report.happening_now,
        occurred_on=report.occurred_on, occurred_at=report.occurred_at, occurred_text=report.occurred_text,
        email=report.email, contact_by=report.contact_by,
        location_source=position.source if position else None,
        location_uncertainty_m=position.uncertainty_m if position else None,
        what3words=report.what3words, postcode=report.postcode,
        positions=[p.as_dict() for p in report.positions]
        + ([{"source": "w3w", "label": report.what3words, "checked": False}]
           if report.what3words and not report.what3words_checked else []),
        cues=cues, received_at=now))
    for photo in report.photos:
        evidence.keep(session, store=store, limits=limits, data=photo.data, original_name=photo.name,
                      source="online_report", actor=actor, now=now, contact_id=contact.id, allowed=IMAGE_TYPES)
    audit.append(session, actor=actor.username, action="online_report.received", entity_type="contact",
                 entity_id=contact.id, at=now,
                 details={"reference": contact.reference, "kind": report.kind, "subject": report.subject.code,
                          "photos": len(report.photos), "cues": [c["flag"] for c in cues]})
    if cues:
        digital.mark_urgent(session, contact, reasons=[c["label"] for c in cues], actor=actor, now=now)
    session.flush()
    digital.announce(session, contact, kind="online.report_received", now=now, urgent=contact.urgent,
                     reference=contact.reference, happening_now=report.happening_now)
    return Received(contact.id, contact.reference, contact.urgent)


def report_of(session: Session, contact_id: int) -> OnlineReport:
    found = session.scalar(sa.select(OnlineReport).where(OnlineReport.contact_id == contact_id))
    if found is None:
        raise NotFound(f"contact {contact_id} is not an online report")
    return found


@dataclass(frozen=True)
class ReportView:
    """Everything the handler's view and the API show about one report."""

    contact: Contact
    report: OnlineReport
    photos: list[EvidenceItem]
    answered_by: str | None  # display name
    incident_reference: str | None  # when graded into an incident


def view(session: Session, contact_id: int) -> ReportView:
    contact = contacts.get_contact(session, contact_id)
    report = report_of(session, contact_id)
    answered_by = session.scalar(sa.select(User.display_name).where(User.id == contact.answered_by)) \
        if contact.answered_by else None
    incident_reference = session.scalar(
        sa.select(Incident.reference).join(IncidentContact, IncidentContact.incident_id == Incident.id)
        .where(IncidentContact.contact_id == contact_id))
    return ReportView(contact, report, evidence.for_contact(session, contact_id), answered_by, incident_reference)


def take(session: Session, *, contact_id: int, actor: Actor, now: datetime) -> Contact:
    """A handler takes the report: the first time stops the digital clock (later ones change nothing)."""
    report_of(session, contact_id)
    return digital.first_response(session, contact_id=contact_id, actor=actor, now=now)


def close(session: Session, *, contact_id: int, reason: str, note: str, actor: Actor, now: datetime) -> Contact:
    """End the report without an incident. Closing it is a response too: if nobody had taken
    it yet, this stops its first-response clock first."""
    report = report_of(session, contact_id)
    note = (note or "").strip()
    problems = []
    if reason not in CLOSE_REASONS:
        problems.append(FieldProblem("reason", "choose why the report is closed"))
    elif reason in NOTE_NEEDED and not note:
        problems.append(FieldProblem("note", NOTE_NEEDED[reason]))
    if len(note) > MAX_NOTE or "\x00" in note:
        problems.append(FieldProblem("note", f"the note must be plain text of {MAX_NOTE} characters or fewer"))
    if problems:
        raise Invalid("; ".join(p.message for p in problems), problems=[p.as_dict() for p in problems])
    contact = contacts.get_contact(session, contact_id, for_update=True)
    if contact.ended_at is not None:
        raise Conflict(f"report {contact.reference} was already closed")
    incident = session.scalar(sa.select(Incident.reference).join(IncidentContact,
                                                                 IncidentContact.incident_id == Incident.id)
                              .where(IncidentContact.contact_id == contact_id))
    if incident is not None:
        raise Conflict(f"report {contact.reference} is part of incident {incident}: close the incident instead")
    digital.first_response(session, contact_id=contact_id, actor=actor, now=now)
    contacts.end_contact(session, contact_id=contact_id, ended_at=None, actor=actor, now=now)
    report.closed_reason, report.closed_note = reason, note or None
    audit.append(session, actor=actor.username, action="online_report.closed", entity_type="contact",
                 entity_id=contact_id, at=now, details={"reason": reason, "note": note})
    digital.announce(session, contact, kind="online.report_closed", now=now, reference=contact.reference,
                     reason=reason)
    return contact
