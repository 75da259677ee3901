"""Login, logout, the front door, and the live event stream every screen listens to."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, StreamingResponse

from demandhub.audit import service as audit
from demandhub.auth import service
from demandhub.auth.deps import api_actor, check_csrf, page_actor
from demandhub.auth.roles import Actor, Permission, Role
from demandhub.http import now, reading, transaction
from demandhub.web.templating import render

router = APIRouter(include_in_schema=False)

# Where each role starts its shift.
HOME = {Role.CALL_HANDLER: "/calls/new", Role.RESOLUTION_OFFICER: "/resolution",
        Role.MENTAL_HEALTH_PRACTITIONER: "/advice", Role.PVP_ADVISER: "/advice", Role.QUALITY_REVIEWER: "/quality",
        Role.SUPERVISOR: "/dashboard", Role.ANALYST: "/dashboard"}


def safe_next(target: str | None) -> str | None:
    # Only same-site paths: never bounce a fresh login to another host.
    if not target or not target.startswith("/") or target.startswith("//") or urlparse(target).netloc:
        return None
    return target


@router.get("/")
def home(actor: Annotated[Actor, Depends(page_actor)]):
    if actor.can(Permission.INCIDENT_READ):
        return RedirectResponse(HOME.get(actor.role, "/queue"), status_code=303)
    return RedirectResponse("/account", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None):
    return render(request, "login.html", {"next": safe_next(next) or "", "error": None})


@router.post("/login")
def login(request: Request, username: Annotated[str, Form(max_length=60)], password: Annotated[str, Form(max_length=200)],
          csrf: Annotated[str, Form()] = "", next: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    with reading(request) as session:  # the deliberately slow hash runs outside any write lock
        user = service.authenticate(session, username=username, password=password)
    with transaction(request) as session:
        if user is None:
            service.record_failed_login(session, username=username, now=now(request), via="page")
        else:
            audit.append(session, actor=user.username, action="auth.login", entity_type="user",
                         entity_id=user.id, at=now(request))
    if user is None:
        return render(request, "login.html", {"next": safe_next(next) or "", "error": "Wrong username or password.",
                                              "username": username}, status_code=401)
    request.session.clear()
    request.session.update({"uid": user.id, "issued": now(request).timestamp()})
    return RedirectResponse(safe_next(next) or "/", status_code=303)


@router.post("/logout")
def logout(request: Request, actor: Annotated[Actor, Depends(page_actor)], csrf: Annotated[str, Form()] = ""):
    """Log out everywhere: this and every other page session of the user stop working."""
    check_csrf(request, csrf)
    with transaction(request) as session:
        service.end_page_sessions(session, actor=actor, now=now(request))
    request.session.clear()
    request.app.state.actors.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/account")
def account(request: Request, actor: Annotated[Actor, Depends(page_actor)]):
    return render(request, "account.html", actor=actor)


@router.get("/live")
async def live(request: Request, actor: Annotated[Actor, Depends(api_actor)]):
    """Server-sent events: one message per committed change. Screens re-read what they show."""
    feed = request.app.state.feed
    queue = await feed.subscribe()

    async def stream():
        try:
            yield "retry: 2000\n\n"
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), timeout=15)
                except asyncio.TimeoutError:
                    yield ": keep-alive\n\n"  # proxies close silent connections
                    continue
                data = json.dumps({"kind": item.kind, **item.payload})
                yield f"id: {item.id}\nevent: {item.topic}\ndata: {data}\n\n"
        finally:
            feed.unsubscribe(queue)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
