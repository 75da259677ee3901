"""The handler's side of seeing the scene: the incident page's scene panel (re-read live, topic
"scene"), and its forms to text the caller a link and to withdraw one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from demandhub.auth.deps import check_csrf, require_page
from demandhub.auth.roles import Actor, Permission
from demandhub.http import PathId, now, reading, settings
from demandhub.incidents import service as incidents
from demandhub.scene import caller, links, panel
from demandhub.scene.guard import change, may_read
from demandhub.scene.sending import demo_url_of, send_link
from demandhub.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(caller.router)

RESTRICTED = ('<h2 id="scene-h">See the scene</h2><p class="notice">This incident is restricted: what the caller '
              'shared is open only to the roles allowed and the handler who took the call.</p>')


@router.get("/incidents/{reference}/scene-panel")
def scene_panel(reference: str, request: Request,
                actor: Annotated[Actor, Depends(require_page(Permission.CONTACT_READ))]):
    """The incident page's scene part: links sent, positions, photos, clips and live video."""
    with reading(request) as session:
        incident = incidents.find_by_reference(session, reference)
    if not may_read(request, actor, incident):
        return HTMLResponse(RESTRICTED)
    at = now(request)
    with reading(request) as session:
        view = panel.scene_for(session, incident.id, now=at, demo_url_of=demo_url_of(request))
    return render(request, "scene_panel.html", {
        "i": incident, "v": view, "now": at, "age": lambda t: panel.age_text((at - t).total_seconds()),
        "gateway": request.app.state.sms.name, "minutes": round(settings(request).scene_link_minutes),
        "active": incident.status != "closed"}, actor=actor)


def _incident_id(request: Request, reference: str) -> int:
    with reading(request) as session:
        return incidents.find_by_reference(session, reference).id


def _back(reference: str) -> RedirectResponse:
    return RedirectResponse(f"/incidents/{reference}#scene", status_code=303)


@router.post("/incidents/{reference}/scene-links")
def send_form(reference: str, request: Request, to: Annotated[str, Form(min_length=1, max_length=40)],
              actor: Annotated[Actor, Depends(require_page(Permission.INCIDENT_UPDATE))],
              csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    send_link(request, actor, _incident_id(request, reference), to)
    return _back(reference)


@router.post("/incidents/{reference}/scene-links/{link_id}/revoke")
def revoke_form(reference: str, link_id: PathId, request: Request,
                actor: Annotated[Actor, Depends(require_page(Permission.INCIDENT_UPDATE))],
                csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    change(request, actor, _incident_id(request, reference), links.revoke, link_id=link_id)
    return _back(reference)
