"""Digital contact: what the public send in writing (online reports, webchat, social media
messages, emergency SMS). Each is a contact with a reference the sender was given, waiting
in one queue until a member of staff first responds: `answered_at` is that moment, so the
digital time to first response is answered_at - presented_at, as for a call.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.audit import service as audit
from demandhub.auth.roles import Actor
from demandhub.contacts.channels import Channel
from demandhub.contacts.models import Contact
from demandhub.contacts.service import get_contact
from demandhub.errors import Conflict, Invalid
from demandhub.events import service as events

DIGITAL_CHANNELS = (Channel.ONLINE, Channel.WEBCHAT, Channel.SOCIAL_MEDIA, Channel.EMERGENCY_SMS)
TOPIC = "digital"  # live event topic: the digital queue and the chat consoles listen to it

# Letters and digits a person can read out over the phone without confusion (no 0/O, 1/I/L).
_READABLE = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_PREFIX = {Channel.ONLINE: "WEB", Channel.WEBCHAT: "CHT", Channel.SOCIAL_MEDIA: "SOC", Channel.EMERGENCY_SMS: "SMS"}


def new_reference(channel: Channel, now: datetime) -> str:
    """A reference to give the sender, e.g. WEB-20261128-K7Q2MX: which channel and day, and six
    random characters, so one reference cannot be guessed from another."""
    if channel not in _PREFIX:
        raise ValueError(f"{channel} is not a digital channel")
    tail = "".join(secrets.choice(_READABLE) for _ in range(6))
    return f"{_PREFIX[channel]}-{now:%Y%m%d}-{tail}"


def normalise_reference(text: str) -> str:
    return text.strip().upper().replace(" ", "")


def by_reference(session: Session, reference: str) -> Contact | None:
    return session.scalar(sa.select(Contact).where(Contact.reference == normalise_reference(reference)))


def first_response(session: Session, *, contact_id: int, actor: Actor, now: datetime) -> Contact:
    """A member of staff responds to a digital contact (takes the report, sends the first
    reply). The first time stops its clock; later calls change nothing."""
    contact = get_contact(session, contact_id, for_update=True)
    if Channel(contact.channel) not in DIGITAL_CHANNELS:
        raise Invalid(f"contact {contact_id} came by {contact.channel}, not a digital channel")
    if contact.answered_at is None:
        if contact.ended_at is not None:
            raise Conflict(f"contact {contact_id} ended before anyone responded")
        contact.answered_at = max(now, contact.presented_at)
        contact.answered_by = actor.id
        audit.append(session, actor=actor.username, action="contact.first_response", entity_type="contact",
                     entity_id=contact.id, at=now,
                     details={"waited_s": round((contact.answered_at - contact.presented_at).total_seconds(), 1)})
        events.publish(session, topic=TOPIC, kind="contact.first_response", at=now,
                       payload={"contact_id": contact.id, "channel": contact.channel})
    return contact


def mark_urgent(session: Session, contact: Contact, *, reasons: list[str], actor: Actor, now: datetime) -> None:
    """Put a digital contact at the head of the queue: its words carry risk cues (`reasons`)."""
    if not contact.urgent:
        contact.urgent = True
        audit.append(session, actor=actor.username, action="contact.marked_urgent", entity_type="contact",
                     entity_id=contact.id, at=now, details={"reasons": reasons})


def announce(session: Session, contact: Contact, *, kind: str, now: datetime, **payload) -> None:
    """Tell the digital queue and consoles something changed on a digital contact."""
    events.publish(session, topic=TOPIC, kind=kind, at=now,
                   payload={"contact_id": contact.id, "channel": contact.channel, **payload})


def waiting(session: Session, *, limit: int = 500) -> list[Contact]:
    """Digital contacts still open (not ended), oldest first, whether or not anyone has responded
    yet. A contact stays here, even once graded into an incident, until staff end it as dealt with."""
    stmt = (sa.select(Contact)
            .where(Contact.channel.in_([c.value for c in DIGITAL_CHANNELS]), Contact.ended_at.is_(None))
            .order_by(Contact.presented_at, Contact.id).limit(limit))  # the page orders by urgency
    return list(session.scalars(stmt))
