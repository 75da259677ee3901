"""What the caller's phone sends through a claimed link: positions from the browser's GPS, and
photos, clips and live camera segments kept as evidence. Use cases run in the caller's transaction.

Positions are kept as caller locations (source "scene_gps"), joined to the incident's contact,
so they show wherever network (AML) positions show, with their source and uncertainty.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from demandhub.audit import service as audit
from demandhub.auth.roles import Actor
from demandhub.contacts.models import CallerLocation
from demandhub.errors import Invalid
from demandhub.events import service as events
from demandhub.evidence import service as evidence
from demandhub.evidence.checks import IMAGE_TYPES, VIDEO_TYPES, Limits
from demandhub.evidence.models import EvidenceItem
from demandhub.evidence.store import EvidenceStore
from demandhub.incidents import service as incidents
from demandhub.scene.links import announce
from demandhub.scene.models import ScenePosition, SceneUpload, ShareLink

SOURCE = "scene_gps"
# A browser's fix carries the time it was taken. Older than this is not "where they are";
# later than this ahead of our clock is a wrong clock, not a position.
MAX_AGE = timedelta(hours=1)
MAX_AHEAD = timedelta(minutes=5)
MAX_ACCURACY_M = 100_000.0  # worse than this is no position at all


def _problem(field: str, message: str) -> Invalid:
    return Invalid(f"{field}: {message}", problems=[{"field": field, "message": message}])


def fix_time(timestamp_ms: float, *, now: datetime) -> datetime:
    """The browser's position timestamp (milliseconds since 1970, as the Geolocation API gives it)."""
    try:
        at = datetime.fromtimestamp(timestamp_ms / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise _problem("timestamp", "not a time") from None
    if at > now + MAX_AHEAD:
        raise _problem("timestamp", "in the future (check the phone's clock)")
    if at < now - MAX_AGE:
        raise _problem("timestamp", "more than an hour old")
    return at


def receive_position(session: Session, *, link: ShareLink, latitude: float, longitude: float, accuracy_m: float,
                     timestamp_ms: float, actor: Actor, now: datetime) -> CallerLocation:
    for name, value, low, high in (("latitude", latitude, -90, 90), ("longitude", longitude, -180, 180),
                                   ("accuracy", accuracy_m, 0, MAX_ACCURACY_M)):
        if not (low <= value <= high):  # also refuses NaN
            raise _problem(name, f"must be between {low} and {high}")
    observed = fix_time(timestamp_ms, now=now)
    row = CallerLocation(caller_number=link.to_number, contact_id=link.contact_id, source=SOURCE, located=True,
                         latitude=latitude, longitude=longitude, uncertainty_m=accuracy_m, observed_at=observed,
                         received_at=now, method="browser",
                         details={"share_link_id": link.id, "incident_id": link.incident_id})
    session.add(row)
    session.flush()
    session.add(ScenePosition(link_id=link.id, incident_id=link.incident_id, location_id=row.id))
    link.positions += 1
    link.last_seen_at = now
    audit.append(session, actor=actor.username, action="scene.position_received", entity_type="caller_location",
                 entity_id=row.id, at=now, details={"share_link_id": link.id, "incident_id": link.incident_id,
                                                    "uncertainty_m": accuracy_m})
    if link.positions == 1:  # the first position goes in the log; the rest are on the panel and audited
        incident = incidents.get_incident(session, link.incident_id, for_update=True)
        incidents.trace(session, incident, actor=actor, now=now, action="scene.first_position", kind="scene",
                        text=f"The caller's phone shared its position: {latitude:.5f}, {longitude:.5f} "
                             f"(within {accuracy_m:.0f} m).", data={"link_id": link.id, "location_id": row.id})
    announce(session, link, kind="scene.position", now=now)
    events.publish(session, topic="locations", kind="location.received", at=now,
                   payload={"id": row.id, "contact_id": row.contact_id})
    return row


def receive_upload(session: Session, *, link: ShareLink, store: EvidenceStore, limits: Limits, data: bytes,
                   original_name: str | None, live: bool, actor: Actor, now: datetime) -> EvidenceItem:
    """A photo or clip (or, `live`, one segment of the live camera) kept as evidence of the incident."""
    item = evidence.keep(session, store=store, limits=limits, data=data, original_name=original_name,
                         source="scene_share", actor=actor, now=now, contact_id=link.contact_id,
                         incident_id=link.incident_id, allowed=VIDEO_TYPES if live else IMAGE_TYPES + VIDEO_TYPES,
                         details={"share_link_id": link.id, "live": live})
    session.add(SceneUpload(link_id=link.id, incident_id=link.incident_id, evidence_id=item.id, live=live,
                            received_at=now))
    link.uploads += 1
    link.last_seen_at = now
    first_live = live and link.live_started_at is None
    if first_live:
        link.live_started_at = now
    if first_live or not live:  # every photo and clip in the log; a live stream once, when it starts
        incident = incidents.get_incident(session, link.incident_id, for_update=True)
        what = ("started a live camera stream" if live
                else f"sent a {'photo' if item.media_type.startswith('image/') else 'video clip'}")
        incidents.trace(session, incident, actor=actor, now=now, action="scene.evidence_received", kind="scene",
                        text=f"The caller {what} from the scene ({item.media_type}, {item.size_bytes:,} bytes, "
                             f"SHA-256 {item.sha256[:12]}…); kept as evidence {item.id}.",
                        data={"link_id": link.id, "evidence_id": item.id, "sha256": item.sha256, "live": live})
    announce(session, link, kind="scene.live_segment" if live else "scene.evidence", now=now)
    return item
