"""The public webchat: start a chat, send messages, watch the answers arrive (server-sent
events), end it. No login: the browser keeps the chat's secret token in its signed session
cookie, and every route is public and rate-limited. It works without JavaScript (forms and
a reload); with it, the page follows the chat live."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse

from demandhub.auth import service as accounts
from demandhub.auth.deps import check_csrf
from demandhub.contacts.channels import Channel
from demandhub.contacts.models import Contact
from demandhub.contacts.service import get_contact
from demandhub.conversations import queue, service
from demandhub.conversations.models import Conversation
from demandhub.http import now, reading, settings, transaction
from demandhub.web.public import public
from demandhub.web.templating import render

router = APIRouter(include_in_schema=False)

SESSION_KEY = "chat"  # the chat's secret token, in the signed session cookie
MAX_NAME = 100
MAX_ABOUT = 2000
KEEP_ALIVE_S = 15


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _mine(request: Request, session):
    return service.by_token(session, request.session.get(SESSION_KEY))


def _form_problems(name: str, about: str) -> dict[str, str]:
    problems = {}
    if not about.strip():
        problems["about"] = "Tell us briefly what your chat is about"
    elif len(about.strip()) > MAX_ABOUT:
        problems["about"] = f"Keep this to {MAX_ABOUT} characters or fewer (you wrote {len(about.strip())})"
    if len(name.strip()) > MAX_NAME:
        problems["name"] = f"Your name must be {MAX_NAME} characters or fewer"
    return problems


@router.get("/chat", dependencies=[Depends(public("page"))])
def start_page(request: Request):
    with reading(request) as session:
        conversation = _mine(request, session)
        ongoing = conversation is not None and conversation.left_at is None and service.is_open(
            conversation, session.get(Contact, conversation.contact_id))
    return render(request, "chat_start.html", {"problems": {}, "values": {}, "ongoing": ongoing})


@router.post("/chat/start", dependencies=[Depends(public("chat_start"))])
def start(request: Request, about: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
          csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    problems = _form_problems(name, about)
    if problems:
        return render(request, "chat_start.html", {"problems": problems, "values": {"name": name, "about": about},
                                                   "ongoing": False}, status_code=422)
    token = service.new_token()
    with transaction(request) as session:
        account = accounts.channel_account(session, channel=Channel.WEBCHAT.value, now=now(request))
        service.start_webchat(session, name=name, about=about, token=token, actor=account, now=now(request),
                              region=settings(request).default_region, lexicon=request.app.state.policy.cue_lexicon)
    request.session[SESSION_KEY] = token
    return RedirectResponse("/chat/session", status_code=303)


def _session_page(request: Request, *, problem: str | None = None, draft: str = "", status_code: int = 200):
    with reading(request) as session:
        conversation = _mine(request, session)
        if conversation is None:
            return RedirectResponse("/chat", status_code=303)
        state = queue.chat_state(session, conversation)
    return render(request, "chat_session.html", {"s": state, "problem": problem, "draft": draft},
                  status_code=status_code)


@router.get("/chat/session", dependencies=[Depends(public("page"))])
def session_page(request: Request):
    return _session_page(request)


@router.post("/chat/send", dependencies=[Depends(public("chat"))])
def send(request: Request, body: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = ""):
    """A message from the public. To a chat that has ended, it starts a new chat (a new contact)."""
    check_csrf(request, csrf)
    text = body.strip()
    problem = None
    if not text:
        problem = "Write a message before sending"
    elif len(text) > service.MAX_MESSAGE:
        problem = f"Messages must be {service.MAX_MESSAGE} characters or fewer (yours has {len(text)})"
    with reading(request) as session:
        known = _mine(request, session) is not None
    if not known:
        if _wants_json(request):
            return JSONResponse({"detail": "no chat in progress in this browser; start a new chat"}, status_code=404)
        return RedirectResponse("/chat", status_code=303)
    if problem:
        if _wants_json(request):
            return JSONResponse({"detail": problem}, status_code=422)
        return _session_page(request, problem=problem, draft=body[:service.MAX_MESSAGE], status_code=422)
    lexicon = request.app.state.policy.cue_lexicon
    token = None
    with transaction(request) as session:
        account = accounts.channel_account(session, channel=Channel.WEBCHAT.value, now=now(request))
        conversation = _mine(request, session)
        contact = get_contact(session, conversation.contact_id, for_update=True)
        if conversation.left_at is not None or not service.is_open(conversation, contact):
            token = service.new_token()
            service.start_webchat(session, name=conversation.party_name, about=text, token=token, actor=account,
                                  now=now(request), region=settings(request).default_region, lexicon=lexicon)
        else:
            service.webchat_says(session, conversation=conversation, text=text, actor=account, now=now(request),
                                 lexicon=lexicon)
    if token:
        request.session[SESSION_KEY] = token
    if _wants_json(request):
        return JSONResponse({"ok": True, "new_chat": token is not None})
    return RedirectResponse("/chat/session#latest", status_code=303)


@router.post("/chat/end", dependencies=[Depends(public("chat"))])
def end(request: Request, csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    reference = None
    with transaction(request) as session:
        conversation = _mine(request, session)
        if conversation is not None:
            account = accounts.channel_account(session, channel=Channel.WEBCHAT.value, now=now(request))
            service.public_leave(session, conversation=conversation, actor=account, now=now(request))
            reference = session.get(Contact, conversation.contact_id).reference
    request.session.pop(SESSION_KEY, None)
    return render(request, "chat_ended.html", {"reference": reference})


def _event(state: queue.ChatState) -> str:
    data = {"status": state.status, "position": state.position, "handler": state.handler,
            "reference": state.reference,
            "messages": [{"id": line.id, "mine": line.mine, "who": line.who, "body": line.body,
                          "at": line.at.isoformat()} for line in state.lines]}
    return f"id: {state.last_id}\nevent: chat\ndata: {json.dumps(data)}\n\n"


def _last_event_id(request: Request) -> int:
    raw = request.headers.get("last-event-id") or request.query_params.get("after") or "0"
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else 0


@router.get("/chat/stream", dependencies=[Depends(public("chat"))])
async def stream(request: Request):
    """Server-sent events for this browser's chat only. Live events say only that something
    changed on a contact; this conversation's state is then re-read from the database, so
    nothing of any other chat can reach this page. While waiting, changes elsewhere in the
    queue may move its place, so the place (a number) is re-read then too."""
    token = request.session.get(SESSION_KEY)

    def lookup():
        with reading(request) as session:
            conversation = service.by_token(session, token)
            return (conversation.id, conversation.contact_id) if conversation else None

    found = await asyncio.to_thread(lookup)
    if found is None:
        return JSONResponse({"detail": "no chat in progress in this browser"}, status_code=404)
    conversation_id, contact_id = found
    after = _last_event_id(request)

    def read(since: int) -> queue.ChatState:
        with reading(request) as session:
            return queue.chat_state(session, session.get(Conversation, conversation_id), after=since)

    feed = request.app.state.feed
    subscription = await feed.subscribe()

    async def events():
        nonlocal after
        try:
            yield "retry: 3000\n\n"
            state = await asyncio.to_thread(read, after)
            yield _event(state)
            after = state.last_id
            while state.status in ("waiting", "answered"):
                try:
                    item = await asyncio.wait_for(subscription.get(), timeout=KEEP_ALIVE_S)
                except asyncio.TimeoutError:
                    yield ": keep-alive\n\n"  # proxies close silent connections
                    continue
                ours = item.topic == "digital" and item.payload.get("contact_id") == contact_id
                if not ours and not (item.topic == "digital" and state.status == "waiting"):
                    continue
                fresh = await asyncio.to_thread(read, after)
                if not ours and fresh.position == state.position and fresh.status == state.status:
                    continue
                state = fresh
                yield _event(state)
                after = state.last_id
        finally:
            feed.unsubscribe(subscription)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
