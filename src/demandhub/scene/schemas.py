"""What the scene API takes and gives. The token is never given: it goes only to the caller's phone."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from demandhub.scene.links import state
from demandhub.scene.models import ShareLink


class LinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=1, max_length=40, description="The caller's mobile number (any usual format).")


class LinkRead(BaseModel):
    id: int
    incident_id: int
    to: str
    created_at: datetime
    expires_at: datetime
    state: str = Field(description="waiting (not opened yet), sharing, withdrawn, expired (never opened), ended")
    sms_status: str
    sms_accepted: bool
    sms_detail: str | None
    opened_at: datetime | None
    share_until: datetime | None
    positions: int
    uploads: int


def read_of(link: ShareLink, now: datetime) -> LinkRead:
    return LinkRead(id=link.id, incident_id=link.incident_id, to=link.to_number, created_at=link.created_at,
                    expires_at=link.expires_at, state=state(link, now), sms_status=link.sms_status,
                    sms_accepted=link.sms_status not in ("pending", "failed", "refused", "undelivered", "canceled"),
                    sms_detail=link.sms_detail, opened_at=link.claimed_at, share_until=link.share_until,
                    positions=link.positions, uploads=link.uploads)
