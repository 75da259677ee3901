"""Use cases for contacts. Each runs inside the caller's unit of work and never commits itself."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, make_transient_to_detached

from demandhub.audit import service as audit
from demandhub.auth.roles import Actor
from demandhub.contacts import phone
from demandhub.contacts.models import Contact
from demandhub.contacts.schemas import ContactCreate
from demandhub.db import dialect_insert
from demandhub.errors import Conflict, FieldProblem, Invalid, NotFound


@dataclass(frozen=True)
class Created:
    contact: Contact
    replayed: bool  # True when an earlier request with the same idempotency key made it


def _fingerprint(data: ContactCreate) -> str:
    return hashlib.sha256(data.model_dump_json().encode()).hexdigest()


def _check_times(data: ContactCreate, presented: datetime) -> list[FieldProblem]:
    problems = []
    if data.abandoned and data.answered_at is not None:
        problems.append(FieldProblem("answered_at", "an abandoned contact was never answered: leave answered_at empty"))
    if data.answered_at and data.answered_at < presented:
        problems.append(FieldProblem("answered_at", "answered_at is before presented_at"))
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
    fingerprint = fingerprint or _fingerprint(data)
    presented = data.presented_at or now
    problems = _check_times(data, presented)
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
        location_text=(data.location_text or "").strip() or None, description=data.description.strip(),
        presented_at=presented, answered_at=data.answered_at, ended_at=data.ended_at,
        abandoned=data.abandoned, created_at=now, created_by=actor.id,
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
    audit.append(session, actor=actor.username, action="contact.created", entity_type="contact",
                 entity_id=contact.id, at=now,
                 details={"channel": contact.channel, "abandoned": contact.abandoned})
    return Created(contact, replayed=False)


def get_contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"contact {contact_id} not found")
    return contact


def end_contact(session: Session, *, contact_id: int, ended_at: datetime | None, actor: Actor,
                now: datetime) -> Contact:
    contact = get_contact(session, contact_id)
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


def contacts_by_id(session: Session, ids: list[int]) -> dict[int, Contact]:
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(sa.select(Contact).where(Contact.id.in_(ids)))}
