"""Keeping and reading evidence from the public. Use cases run in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.audit import service as audit
from demandhub.auth.roles import Actor
from demandhub.contacts import service as contacts
from demandhub.errors import NotFound
from demandhub.evidence.checks import Limits, check_upload
from demandhub.evidence.models import EvidenceItem
from demandhub.evidence.store import EvidenceStore
from demandhub.incidents import service as incidents
from demandhub.incidents.models import IncidentContact

SOURCES = ("online_report", "scene_share")


def keep(session: Session, *, store: EvidenceStore, limits: Limits, data: bytes, original_name: str | None,
         source: str, actor: Actor, now: datetime, contact_id: int | None = None, incident_id: int | None = None,
         allowed: tuple[str, ...] | None = None, details: dict | None = None) -> EvidenceItem:
    """Check an upload (type from its bytes, size by kind), keep its bytes under their hash and
    record it against a contact and/or an incident. A transaction that then rolls back leaves
    the file behind unrecorded: harmless, as the same bytes always map to the same file."""
    if source not in SOURCES:
        raise ValueError(f"unknown evidence source {source!r}")
    if contact_id is None and incident_id is None:
        raise ValueError("evidence belongs to a contact or an incident")
    media_type = check_upload(data, limits=limits, **({"allowed": allowed} if allowed else {}))
    digest = store.put(data)
    name = (original_name or "").replace("\x00", "").strip()[:255] or None
    item = EvidenceItem(sha256=digest, media_type=media_type, size_bytes=len(data), original_name=name,
                        source=source, contact_id=contact_id, incident_id=incident_id, received_at=now,
                        received_by=actor.id, details=details or {})
    session.add(item)
    session.flush()
    audit.append(session, actor=actor.username, action="evidence.received", entity_type="evidence",
                 entity_id=item.id, at=now, details={"sha256": digest, "media_type": media_type,
                                                     "bytes": len(data), "source": source,
                                                     "contact_id": contact_id, "incident_id": incident_id})
    return item


def for_incident(session: Session, incident_id: int) -> list[EvidenceItem]:
    """Everything kept for the incident: sent from the scene, or with any contact linked to it."""
    linked = sa.select(IncidentContact.contact_id).where(IncidentContact.incident_id == incident_id)
    stmt = (sa.select(EvidenceItem)
            .where(sa.or_(EvidenceItem.incident_id == incident_id, EvidenceItem.contact_id.in_(linked)))
            .order_by(EvidenceItem.received_at, EvidenceItem.id))
    return list(session.scalars(stmt))


def for_contact(session: Session, contact_id: int) -> list[EvidenceItem]:
    stmt = sa.select(EvidenceItem).where(EvidenceItem.contact_id == contact_id).order_by(EvidenceItem.id)
    return list(session.scalars(stmt))


def get(session: Session, item_id: int) -> EvidenceItem:
    item = session.get(EvidenceItem, item_id)
    if item is None:
        raise NotFound(f"evidence {item_id} not found")
    return item


def may_view(session: Session, *, item: EvidenceItem, actor: Actor, now: datetime) -> bool:
    """The restricted-record rule of whatever the item belongs to; views of restricted ones are audited."""
    restricted, allowed = False, True
    if item.incident_id is not None:
        incident = incidents.get_incident(session, item.incident_id)
        restricted = incident.restricted
        allowed = incidents.may_see_details(actor, incident)
    if item.contact_id is not None:
        contact = contacts.get_contact(session, item.contact_id)
        if contact.restricted:
            restricted = True
            allowed = allowed and contacts.may_see(actor, restricted=True, taken_by=contact.created_by)
    if restricted:
        audit.append(session, actor=actor.username, action="evidence.viewed" if allowed else "evidence.view_refused",
                     entity_type="evidence", entity_id=item.id, at=now, details={"restricted": True})
    return allowed
