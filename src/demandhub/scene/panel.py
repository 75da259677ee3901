"""What the handler's scene panel shows for one incident: links sent, positions, photos, clips
and the latest live camera segment, each with its times and (for evidence) its hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.contacts.models import CallerLocation
from demandhub.evidence.models import EvidenceItem
from demandhub.scene.links import incident_numbers, links_for, state
from demandhub.scene.models import ScenePosition, SceneUpload, ShareLink

SHOWN_POSITIONS = 5
LIVE_FRESH = timedelta(seconds=20)  # a stream whose latest segment is older than this has stopped


@dataclass(frozen=True)
class LinkRow:
    link: ShareLink
    state: str  # waiting | sharing | withdrawn | expired | ended
    demo_url: str | None  # the logging gateway's copy of the link, while it can still be opened


@dataclass(frozen=True)
class SceneView:
    links: list[LinkRow]
    numbers: list[str]  # the incident's callers' numbers, to prefill the send form
    positions: list[CallerLocation]  # newest first
    photos: list[EvidenceItem]  # newest first
    clips: list[EvidenceItem]
    live: EvidenceItem | None  # the latest live segment
    live_now: bool  # ... received recently enough to call the stream live


def age_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min ago"


def scene_for(session: Session, incident_id: int, *, now: datetime, demo_url_of=None) -> SceneView:
    """`demo_url_of(link)` gives the address the demo gateway logged for a link (None otherwise)."""
    links = []
    for link in links_for(session, incident_id):
        shown_state = state(link, now)
        url = demo_url_of(link) if demo_url_of and shown_state == "waiting" else None
        links.append(LinkRow(link, shown_state, url))
    positions = list(session.scalars(
        sa.select(CallerLocation).join(ScenePosition, ScenePosition.location_id == CallerLocation.id)
        .where(ScenePosition.incident_id == incident_id)
        .order_by(CallerLocation.received_at.desc(), CallerLocation.id.desc()).limit(SHOWN_POSITIONS)))
    def sent(live: bool, limit: int | None = None):
        stmt = (sa.select(EvidenceItem).join(SceneUpload, SceneUpload.evidence_id == EvidenceItem.id)
                .where(SceneUpload.incident_id == incident_id, SceneUpload.live == live)
                .order_by(SceneUpload.received_at.desc(), SceneUpload.id.desc()))
        return list(session.scalars(stmt.limit(limit) if limit else stmt))

    kept = sent(False)
    latest = next(iter(sent(True, 1)), None)
    numbers = list(dict.fromkeys(n for _, n in incident_numbers(session, incident_id)))
    return SceneView(links=links, numbers=numbers, positions=positions,
                     photos=[i for i in kept if i.media_type.startswith("image/")],
                     clips=[i for i in kept if i.media_type.startswith("video/")], live=latest,
                     live_now=latest is not None and now - latest.received_at <= LIVE_FRESH)
