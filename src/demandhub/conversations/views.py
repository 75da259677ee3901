"""The control room's side: the one digital queue (live), the conversation page, and the
handler's console where they hold several conversations at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse

from demandhub.auth.deps import check_csrf, require_page
from demandhub.auth.models import User
from demandhub.auth.roles import Actor, Permission
from demandhub.contacts.channels import Channel
from demandhub.contacts.service import get_contact, record_view, refused
from demandhub.conversations import queue, service
from demandhub.conversations.delivery import deliver
from demandhub.errors import Forbidden, NotFound
from demandhub.http import PathId, now, reading, settings, transaction
from demandhub.web.templating import render

router = APIRouter(include_in_schema=False)

ACT = Depends(require_page(Permission.CONTACT_CREATE))
READ = Depends(require_page(Permission.CONTACT_READ))


def _queue_context(request: Request, actor: Actor) -> dict:
    with reading(request) as session:
        rows = queue.rows(session, actor=actor, now=now(request), lexicon=request.app.state.policy.cue_lexicon)
        figures = queue.figures(session, rows, now=now(request), tz=settings(request).timezone)
    oldest = min((r.contact.presented_at for r in rows if not r.answered), default=None)
    return {"rows": rows, "figures": figures, "oldest": oldest, "duration": queue.duration, "now": now(request)}


@router.get("/digital")
def queue_page(request: Request, actor: Annotated[Actor, ACT]):
    return render(request, "digital_queue.html", {"active": "digital", **_queue_context(request, actor)}, actor=actor)


@router.get("/digital/rows")
def queue_rows(request: Request, actor: Annotated[Actor, ACT]):
    """The queue's figures and rows, re-read by the page whenever the live stream reports a change."""
    return render(request, "digital_rows.html", _queue_context(request, actor), actor=actor)


def _pane(session, conversation, contact) -> dict:
    said = service.messages(session, conversation.id)
    names = {}
    for m in said:
        if m.author_id and m.author_id not in names:
            user = session.get(User, m.author_id)
            names[m.author_id] = user.display_name if user else "?"
    holder = session.get(User, conversation.handler_id) if conversation.handler_id else None
    return {"c": conversation, "k": contact, "messages": said,
            "names": names, "holder": holder, "open": service.is_open(conversation, contact),
            "label": Channel(contact.channel).label}


def _seen(request: Request, actor: Actor, contact_id: int) -> None:
    """The restricted-record rule for a conversation's words (views of restricted ones audited)."""
    with reading(request) as session:
        restricted = get_contact(session, contact_id).restricted
    if restricted:
        with transaction(request) as session:
            contact = get_contact(session, contact_id)
            allowed = record_view(session, contact=contact, actor=actor, now=now(request))
        if not allowed:
            raise refused(contact, actor)


def _waiting(request: Request) -> list:
    with reading(request) as session:
        return [{"c": c, "k": k, "label": Channel(k.channel).label, "wait": now(request) - k.presented_at}
                for c, k in service.waiting_conversations(session)]


@router.get("/digital/console")
def console(request: Request, actor: Annotated[Actor, ACT]):
    with reading(request) as session:
        held = [k.id for _, k in service.held_by(session, actor)]
    panes, withheld = [], 0
    for contact_id in held:
        try:
            _seen(request, actor, contact_id)
        except Forbidden:  # one restricted conversation must not take the others off the screen
            withheld += 1
            continue
        with reading(request) as session:
            contact = get_contact(session, contact_id)
            panes.append(_pane(session, service.for_contact(session, contact_id), contact))
    return render(request, "console.html", {
        "active": "console", "panes": panes, "waiting": _waiting(request), "duration": queue.duration,
        "now": now(request), "notice": request.query_params.get("notice", "")[:200], "withheld": withheld},
        actor=actor)


@router.get("/digital/console/waiting")
def console_waiting(request: Request, actor: Annotated[Actor, ACT]):
    return render(request, "console_waiting.html", {"waiting": _waiting(request), "duration": queue.duration,
                                                    "now": now(request)}, actor=actor)


@router.get("/digital/conversations/{contact_id}")
def conversation_page(contact_id: PathId, request: Request, actor: Annotated[Actor, READ]):
    _seen(request, actor, contact_id)
    with reading(request) as session:
        contact = get_contact(session, contact_id)
        pane = _pane(session, service.for_contact(session, contact_id), contact)
    return render(request, "conversation.html", {"active": "digital", "p": pane, "duration": queue.duration,
                                                 "now": now(request)}, actor=actor)


@router.get("/digital/conversations/{contact_id}/history")
def history(contact_id: PathId, request: Request, actor: Annotated[Actor, READ]):
    """One conversation's messages alone: the console re-reads it when the conversation changes."""
    _seen(request, actor, contact_id)
    with reading(request) as session:
        contact = get_contact(session, contact_id)
        pane = _pane(session, service.for_contact(session, contact_id), contact)
    return render(request, "history.html", {"p": pane}, actor=actor)


def _back(request: Request, default: str, *, anchor: str = "", notice: str = "") -> RedirectResponse:
    target = request.headers.get("referer", "")
    path = "/digital/console" if "/digital/console" in target else default
    query = f"?notice={notice}" if notice else ""
    return RedirectResponse(f"{path}{query}{anchor}", status_code=303)


@router.post("/digital/conversations/{contact_id}/take")
def take_form(contact_id: PathId, request: Request, actor: Annotated[Actor, ACT], csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    with transaction(request) as session:
        service.take(session, contact_id=contact_id, actor=actor, now=now(request))
    return RedirectResponse(f"/digital/console#pane-{contact_id}", status_code=303)


@router.post("/digital/console/next")
def take_next_form(request: Request, actor: Annotated[Actor, ACT], csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    try:
        with transaction(request) as session:
            contact_id = service.take_next(session, actor=actor, now=now(request)).contact_id
    except NotFound:
        return RedirectResponse("/digital/console?notice=nobody-waiting", status_code=303)
    return RedirectResponse(f"/digital/console#pane-{contact_id}", status_code=303)


@router.post("/digital/conversations/{contact_id}/reply")
def reply_form(contact_id: PathId, request: Request, actor: Annotated[Actor, ACT],
               body: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    with transaction(request) as session:
        message_id = service.reply(session, contact_id=contact_id, text=body, actor=actor, now=now(request)).id
    result = deliver(request, message_id)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"ok": True, "message_id": message_id,
                             "delivery": result.status if result else "sent",
                             "detail": result.detail if result else "shown in the chat"})
    return _back(request, f"/digital/conversations/{contact_id}", anchor=f"#pane-{contact_id}")


@router.post("/digital/conversations/{contact_id}/release")
def release_form(contact_id: PathId, request: Request, actor: Annotated[Actor, ACT],
                 csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    with transaction(request) as session:
        service.release(session, contact_id=contact_id, actor=actor, now=now(request))
    return _back(request, "/digital")


@router.post("/digital/conversations/{contact_id}/end")
def end_form(contact_id: PathId, request: Request, actor: Annotated[Actor, ACT], csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    with transaction(request) as session:
        service.end(session, contact_id=contact_id, actor=actor, now=now(request))
    return _back(request, "/digital")
