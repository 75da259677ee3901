"""Caller positions from the network (Advanced Mobile Location): received by number, shown
while the call is live, and joined to the contact by number and time.

AML arrives within seconds of a 999 call, often before the handler has typed anything, so a
position is kept by the caller's number and joined to the contact recorded from that number
around that time: the handler sees "AML, 14 m, 20 s ago" as soon as the number is in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.audit import service as audit
from demandhub.auth.roles import Actor
from demandhub.contacts import phone
from demandhub.contacts.models import CallerLocation, Contact
from demandhub.errors import Invalid
from demandhub.events import service as events
from demandhub.geo.aml import AmlMessage

# A position belongs to a contact from the same number presented this close to it: AML is
# sent when the call starts and again while it lasts; an hour apart is another call.
JOIN_WINDOW = timedelta(minutes=30)


def receive_aml(session: Session, *, message: AmlMessage, number: str, source: str, region: str, actor: Actor,
                now: datetime) -> CallerLocation:
    try:
        e164 = phone.normalise(number, region=region)
    except phone.BadNumber as exc:
        raise Invalid(f"the sender's number: {exc}", problems=[{"field": "sender", "message": str(exc)}]) from None
    fix = message.fix
    row = CallerLocation(caller_number=e164, source=source, located=fix is not None,
                         latitude=fix.latitude if fix else None, longitude=fix.longitude if fix else None,
                         uncertainty_m=fix.uncertainty_m if fix else None, observed_at=message.observed_at,
                         received_at=now, method=message.positioning_method,
                         details={k: v for k, v in message.details.items() if isinstance(v, (str, int, float))},
                         contact_id=_contact_for(session, e164, now))  # received, not the handset's clock
    session.add(row)
    session.flush()
    audit.append(session, actor=actor.username, action="location.received", entity_type="caller_location",
                 entity_id=row.id, at=now, details={"source": source, "located": row.located,
                                                    "contact_id": row.contact_id})
    events.publish(session, topic="locations", kind="location.received", at=now,
                   payload={"id": row.id, "contact_id": row.contact_id})
    return row


def _contact_for(session: Session, number: str, at: datetime) -> int | None:
    """The emergency contact from this number presented nearest `at`, within the window."""
    found = session.execute(sa.select(Contact.id, Contact.presented_at).where(
        Contact.caller_number == number, Contact.presented_at >= at - JOIN_WINDOW,
        Contact.presented_at <= at + JOIN_WINDOW)).all()
    return min(found, key=lambda r: abs((r.presented_at - at).total_seconds())).id if found else None


def join_to_contact(session: Session, contact: Contact) -> int:
    """Positions from this contact's number received around its time, not yet joined: now its."""
    if not contact.caller_number:
        return 0
    result = session.execute(sa.update(CallerLocation).where(
        CallerLocation.caller_number == contact.caller_number, CallerLocation.contact_id.is_(None),
        CallerLocation.received_at >= contact.presented_at - JOIN_WINDOW,
        CallerLocation.received_at <= contact.presented_at + JOIN_WINDOW).values(contact_id=contact.id))
    return result.rowcount or 0


def recent_for_number(session: Session, *, number: str, now: datetime, within: timedelta = JOIN_WINDOW,
                      limit: int = 10) -> list[CallerLocation]:
    return list(session.scalars(sa.select(CallerLocation).where(
        CallerLocation.caller_number == number, CallerLocation.received_at >= now - within)
        .order_by(CallerLocation.received_at.desc(), CallerLocation.id.desc()).limit(limit)))


def for_contacts(session: Session, contact_ids: list[int]) -> list[CallerLocation]:
    if not contact_ids:
        return []
    return list(session.scalars(sa.select(CallerLocation).where(CallerLocation.contact_id.in_(contact_ids))
                                .order_by(CallerLocation.received_at, CallerLocation.id)))


def latest_positions(session: Session, *, now: datetime, within: timedelta = JOIN_WINDOW,
                     limit: int = 200) -> list[CallerLocation]:
    """The newest position of each number that sent one recently (for the live map)."""
    newest = (sa.select(CallerLocation.caller_number, sa.func.max(CallerLocation.id).label("id"))
              .where(CallerLocation.received_at >= now - within, CallerLocation.located.is_(True))
              .group_by(CallerLocation.caller_number).subquery())
    return list(session.scalars(sa.select(CallerLocation).join(newest, newest.c.id == CallerLocation.id)
                                .order_by(CallerLocation.received_at.desc()).limit(limit)))
