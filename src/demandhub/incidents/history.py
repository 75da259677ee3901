"""What the force already knows about a caller's number and about a place: earlier contacts,
their incidents, grades and vulnerability flags, and how often they have called lately.
Also the open incidents near a new contact that may be the same event (see duplicates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.assessment.models import Assessment
from demandhub.contacts.models import Contact
from demandhub.geo.points import box_around, haversine_m
from demandhub.incidents import duplicates
from demandhub.incidents.lifecycle import ACTIVE
from demandhub.incidents.models import Incident, IncidentContact

HISTORY_LIMIT = 50  # the most recent; older ones are counted, not listed


@dataclass(frozen=True)
class PastContact:
    contact_id: int
    presented_at: datetime
    channel: str
    restricted: bool
    description: str | None  # None when restricted
    location_text: str | None
    incident_reference: str | None
    incident_type: str | None
    grade: str | None
    vulnerabilities: list[str]
    distance_m: float | None = None


@dataclass(frozen=True)
class History:
    items: list[PastContact]  # newest first, at most HISTORY_LIMIT
    in_window: int  # contacts within the repeat window
    window_days: float
    total: int


def _latest_vulnerabilities(session: Session, contact_ids: list[int]) -> dict[int, list[str]]:
    """Each contact's vulnerability flags from its latest assessment."""
    if not contact_ids:
        return {}
    found: dict[int, tuple[int, list[str]]] = {}
    for contact_id, version, flags in session.execute(
            sa.select(Assessment.contact_id, Assessment.version, Assessment.vulnerabilities)
            .where(Assessment.contact_id.in_(contact_ids))):
        if contact_id not in found or version > found[contact_id][0]:
            found[contact_id] = (version, list(flags))
    return {k: v[1] for k, v in found.items()}


def _history(session: Session, where, *, now: datetime, window_days: float,
             distance=None) -> History:
    """Earlier contacts matching `where`; with `distance`, only those it gives a distance for
    (the exact circle inside a bounding box), which a place's few rows afford to check here."""
    since = now - timedelta(days=window_days)
    stmt = (sa.select(Contact, Incident.reference, Incident.incident_type, Incident.grade)
            .outerjoin(IncidentContact, IncidentContact.contact_id == Contact.id)
            .outerjoin(Incident, Incident.id == IncidentContact.incident_id)
            .where(where).order_by(Contact.presented_at.desc(), Contact.id.desc()))
    if distance is None:  # a number: count in the database, list the latest
        total, in_window = session.execute(sa.select(
            sa.func.count(), sa.func.count().filter(Contact.presented_at >= since)).where(where)).one()
        rows = session.execute(stmt.limit(HISTORY_LIMIT)).all()
    else:
        rows = [r for r in session.execute(stmt).all() if distance(r[0]) is not None]
        total, in_window = len(rows), sum(1 for r in rows if r[0].presented_at >= since)
    shown = rows[:HISTORY_LIMIT]
    flags = _latest_vulnerabilities(session, [r[0].id for r in shown])
    items = [PastContact(contact_id=c.id, presented_at=c.presented_at, channel=c.channel, restricted=c.restricted,
                         description=None if c.restricted else c.description[:200],
                         location_text=None if c.restricted else c.location_text,
                         incident_reference=ref, incident_type=None if c.restricted else kind, grade=grade,
                         vulnerabilities=[] if c.restricted else flags.get(c.id, []),
                         distance_m=distance(c) if distance is not None else None)
             for c, ref, kind, grade in shown]
    return History(items, in_window, window_days, total)


def caller_history(session: Session, *, number: str, now: datetime, window_days: float) -> History:
    """Earlier contacts from this number (E.164)."""
    return _history(session, Contact.caller_number == number, now=now, window_days=window_days)


def place_history(session: Session, *, latitude: float, longitude: float, radius_m: float, now: datetime,
                  window_days: float) -> History:
    """Earlier contacts about a place: within radius_m of it."""
    min_lat, min_lon, max_lat, max_lon = box_around(latitude, longitude, radius_m)

    def distance(contact: Contact) -> float | None:
        d = haversine_m(latitude, longitude, contact.latitude, contact.longitude)
        return d if d <= radius_m else None

    return _history(session, sa.and_(Contact.latitude.between(min_lat, max_lat),
                                     Contact.longitude.between(min_lon, max_lon)),
                    now=now, window_days=window_days, distance=distance)


def possible_duplicates(session: Session, *, latitude: float, longitude: float, incident_type: str | None,
                        now: datetime, radius_m: float, window_min: float) -> list[duplicates.Suggestion]:
    min_lat, min_lon, max_lat, max_lon = box_around(latitude, longitude, radius_m)
    found = session.scalars(sa.select(Incident).where(
        Incident.status.in_([s.value for s in ACTIVE]), Incident.created_at >= now - timedelta(minutes=window_min),
        Incident.latitude.between(min_lat, max_lat), Incident.longitude.between(min_lon, max_lon)))
    candidates = [duplicates.Nearby(id=i.id, reference=i.reference, incident_type=i.incident_type, grade=i.grade,
                                    status=i.status, restricted=i.restricted,
                                    summary=None if i.restricted else i.summary,
                                    location_text=None if i.restricted else i.location_text,
                                    created_at=i.created_at, latitude=i.latitude, longitude=i.longitude)
                  for i in found]
    return duplicates.rank(latitude=latitude, longitude=longitude, at=now, incident_type=incident_type,
                           candidates=candidates, radius_m=radius_m, window_min=window_min)
