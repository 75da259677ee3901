"""Making a link and texting it: the one flow behind the incident page's form and the API.

Three steps, so no lock is held while the SMS gateway answers (it may take seconds): the link
is made and committed, the text is sent, and what the gateway said is recorded.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request

from demandhub.auth.roles import Actor
from demandhub.http import settings
from demandhub.scene import links
from demandhub.scene.guard import change
from demandhub.scene.models import ShareLink
from demandhub.sms import SmsResult


def share_url(request: Request, token: str) -> str:
    base = settings(request).scene_link_base_url or str(request.base_url)
    return f"{base.rstrip('/')}/s/{token}"


def send_link(request: Request, actor: Actor, incident_id: int, to: str) -> ShareLink:
    s = settings(request)
    lifetime = timedelta(minutes=s.scene_link_minutes)
    made = change(request, actor, incident_id, links.create_link, to=to, region=s.default_region, lifetime=lifetime)
    gateway = request.app.state.sms
    body = links.message_text(force_name=s.force_name, reference=made.reference, url=share_url(request, made.token),
                              minutes=round(s.scene_link_minutes))
    try:
        result = gateway.send(to=made.link.to_number, body=body)
    except Exception as exc:  # a gateway must not raise; if one does, the link is recorded as not sent
        result = SmsResult(accepted=False, provider_id=None, status="failed",
                           detail=f"the SMS gateway failed ({type(exc).__name__})")

    def record(session, *, incident_id, actor, now):
        return links.record_sms(session, link_id=made.link.id, result=result, gateway=gateway.name, actor=actor,
                                now=now)

    return change(request, actor, incident_id, record)


def demo_url_of(request: Request):
    """For the demo (logging) gateway only: the address it logged for a link, so a demo user can
    open it. A real gateway sent it to the caller's phone and the force keeps no copy."""
    gateway = request.app.state.sms
    if getattr(gateway, "name", None) != "logging" or not hasattr(gateway, "find"):
        return None

    def url_of(link: ShareLink) -> str | None:
        logged = gateway.find(link.sms_provider_id) if link.sms_provider_id else None
        if logged is None:
            return None
        return next((word for word in logged.body.split() if "/s/" in word), None)

    return url_of
