"""Use cases for contacts. Each runs inside the caller's unit of work and never commits itself."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.orm import Session, make_transient_to_detached

from demandhub.audit import service as audit
from demandhub.auth.roles import Actor, Permission
from demandhub.contacts import locations, phone
from demandhub.contacts.models import Contact
from demandhub.contacts.schemas import ContactCreate
from demandhub.db import dialect_insert, transaction_info
from demandhub.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound


@dataclass(frozen=True)
class Created:
    contact: Contact
    replayed: bool  # True when an earlier request with the same idempotency key made it


def fingerprint_of(request_body: BaseModel) -> str:
    """What makes two requests under one idempotency key "the same request"."""
    return hashlib.sha256(request_body.model_dump_json().encode()).hexdigest()


# Clocks differ a little between a browser or a telephony system and the server; more than
# this in the future is a mistake, not skew.
FUTURE_SKEW = timedelta(minutes=2)


def _check_times(data: ContactCreate, presented: datetime, now: datetime) -> list[FieldProblem]:
    problems = [FieldProblem(name, f"{name} is in the future")
                for name in ("presented_at", "answered_at", "ended_at")
                if getattr(data, name) and getattr(data, name) > now + FUTURE_SKEW]
    if data.abandoned and data.answered_at is not None:
        problems.append(FieldProblem("answered_at", "an abandoned contact was never answered: leave answered_at empty"))
    if data.answered_at and data.answered_at < presented:
        problems.append(FieldProblem("answered_at", "answered_at is before presented_at"))
    if (data.latitude is None) != (data.longitude is None):
        problems.append(FieldProblem("longitude" if data.longitude is None else "latitude",
                                     "give latitude and longitude together, or neither"))
    if data.ended_at:
        if data.ended_at < (data.answered_at or presented):
            problems.append(FieldProblem("ended_at", "ended_at is before the contact was presented or answered"))
    return problems


def _replay(session: Session, *, actor: Actor, key: str, fingerprint: str) -> Created:
    earlier = session.scalar(sa.select(Contact).where(Contact.created_by == actor.id, Contact.idempotency_key == key))
    if earlier.request_fingerprint != fingerprint:
        raise Conflict("Idempotency-Key was already used for a different contact; use a new key")
    return Created(earlier, replayed=True)


def create_contact(session: Session, *, data: ContactCreate, actor: Actor, now: datetime, region: str,
                   idempotency_key: str | None = None, fingerprint: str | None = None) -> Created:
    """Record a contact. With an idempotency key, a repeat of the same request (same
    `fingerprint`: by default a hash of `data`) returns the first contact instead."""
    fingerprint = fingerprint or fingerprint_of(data)
    presented = data.presented_at or now
    problems = _check_times(data, presented, now)
    number = None
    if data.caller_number and data.caller_number.strip():
        try:
            number = phone.normalise(data.caller_number, region=region)
        except phone.BadNumber as exc:
            problems.append(FieldProblem("caller_number", str(exc)))
    if problems:
        raise Invalid("; ".join(p.message for p in problems), problems=[p.as_dict() for p in problems])

    contact = Contact(
        channel=data.channel.value, caller_name=(data.caller_name or "").strip() or None,
        caller_number=number, caller_number_raw=(data.caller_number or "").strip() or None,
        location_text=(data.location_text or "").strip() or None, latitude=data.latitude, longitude=data.longitude,
        description=data.description.strip(),
        presented_at=presented, answered_at=data.answered_at, ended_at=data.ended_at,
        abandoned=data.abandoned, restricted=False, urgent=False, created_at=now, created_by=actor.id,
        idempotency_key=idempotency_key, request_fingerprint=fingerprint,
    )
    if idempotency_key is None:
        session.add(contact)
        session.flush()
    else:
        # Insert unless the key was used: one statement, and a retry racing the first request
        # waits on the unique key, then finds the winner's contact and is answered with it.
        table = Contact.__table__
        stmt = (dialect_insert(session, table)
                .values({c.key: getattr(contact, c.key) for c in table.columns if c.key != "id"})
                .on_conflict_do_nothing(index_elements=["created_by", "idempotency_key"])
                .returning(table.c.id))
        new_id = session.connection().execute(stmt).scalar()
        if new_id is None:
            return _replay(session, actor=actor, key=idempotency_key, fingerprint=fingerprint)
        contact.id = new_id
        make_transient_to_detached(contact)
        session.add(contact)
    transaction_info(session).setdefault(_LOCKED, set()).add(contact.id)  # unseen by others until we commit
    audit.append(session, actor=actor.username, action="contact.created", entity_type="contact",
                 entity_id=contact.id, at=now,
                 details={"channel": contact.channel, "abandoned": contact.abandoned})
    locations.join_to_contact(session, contact)  # AML that arrived while the call was being taken
    return Created(contact, replayed=False)


_LOCKED = "demandhub.locked_contacts"  # ids this session's transaction holds (or created)


def get_contact(session: Session, contact_id: int, *, for_update: bool = False) -> Contact:
    """The contact; `for_update` locks its row, so changes to one contact (assessing it,
    grading it, linking it) happen one at a time. A row already locked, or created, by this
    transaction is not asked for again."""
    locked = transaction_info(session).setdefault(_LOCKED, set())
    if for_update and contact_id in locked:
        for_update = False
    contact = session.get(Contact, contact_id, with_for_update=for_update or None)
    if contact is None:
        raise NotFound(f"contact {contact_id} not found")
    if for_update:
        locked.add(contact_id)
    return contact


def may_see(actor: Actor, *, restricted: bool, taken_by: int) -> bool:
    """The restricted-record rule: the roles allowed, and whoever took the contact."""
    return (not restricted) or actor.can(Permission.RESTRICTED_READ) or taken_by == actor.id


def may_see_contact(actor: Actor, contact: Contact) -> bool:
    """The restricted rule for one contact. Whoever first responded to it counts as having taken
    it: a digital contact's author is the public's channel account, never the handler."""
    return may_see(actor, restricted=contact.restricted, taken_by=contact.created_by) or (
        contact.answered_by is not None and contact.answered_by == actor.id)


def record_view(session: Session, *, contact: Contact, actor: Actor, now: datetime) -> bool:
    """Apply the restricted rule to a contact; every view or refused view of a restricted one
    is audited. The caller commits, then raises `refused(...)` when this returns False."""
    if not contact.restricted:
        return True
    allowed = may_see_contact(actor, contact)
    audit.append(session, actor=actor.username, action="contact.viewed" if allowed else "contact.view_refused",
                 entity_type="contact", entity_id=contact.id, at=now, details={"restricted": True})
    return allowed


def refused(contact: Contact, actor: Actor) -> Forbidden:
    return Forbidden(f"contact {contact.id} belongs to a restricted incident; role '{actor.role.value}' may not see it")


def end_contact(session: Session, *, contact_id: int, ended_at: datetime | None, actor: Actor,
                now: datetime) -> Contact:
    contact = get_contact(session, contact_id, for_update=True)
    if contact.ended_at is not None:
        raise Conflict(f"contact {contact_id} already ended at {contact.ended_at.isoformat()}")
    ended = ended_at or now
    if ended < (contact.answered_at or contact.presented_at):
        raise Invalid("ended_at is before the contact was presented or answered",
                      problems=[{"field": "ended_at", "message": "before presented/answered"}])
    contact.ended_at = ended
    audit.append(session, actor=actor.username, action="contact.ended", entity_type="contact",
                 entity_id=contact.id, at=now, details={"ended_at": ended.isoformat()})
    return contact
