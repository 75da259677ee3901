"""The scene over the API: send a caller a share link, list an incident's links, withdraw one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from demandhub.auth.deps import require
from demandhub.auth.roles import Actor, Permission
from demandhub.http import PathId, now, reading
from demandhub.incidents import service as incidents
from demandhub.scene import links
from demandhub.scene.guard import change, may_read
from demandhub.scene.schemas import LinkCreate, LinkRead, read_of
from demandhub.scene.sending import send_link

router = APIRouter(prefix="/api", tags=["scene"])


@router.post("/incidents/{incident_id}/scene-links", status_code=status.HTTP_201_CREATED, response_model=LinkRead)
def create_link(incident_id: PathId, body: LinkCreate, request: Request,
                actor: Annotated[Actor, Depends(require(Permission.INCIDENT_UPDATE))]):
    """Text the caller a one-time link to share their position, photos and video. A text the
    gateway refused comes back with `sms_accepted: false` and the link already withdrawn."""
    link = send_link(request, actor, incident_id, body.to)
    return read_of(link, now(request))


@router.get("/incidents/{incident_id}/scene-links", response_model=list[LinkRead])
def list_links(incident_id: PathId, request: Request,
               actor: Annotated[Actor, Depends(require(Permission.CONTACT_READ))]):
    with reading(request) as session:
        incident = incidents.get_incident(session, incident_id)
    if not may_read(request, actor, incident):
        raise incidents.refused(incident, actor)
    with reading(request) as session:
        return [read_of(link, now(request)) for link in links.links_for(session, incident_id)]


@router.post("/incidents/{incident_id}/scene-links/{link_id}/revoke", response_model=LinkRead)
def revoke_link(incident_id: PathId, link_id: PathId, request: Request,
                actor: Annotated[Actor, Depends(require(Permission.INCIDENT_UPDATE))]):
    """Withdraw a link: it no longer opens, and a phone that opened it can send nothing more."""
    link = change(request, actor, incident_id, links.revoke, link_id=link_id)
    return read_of(link, now(request))
