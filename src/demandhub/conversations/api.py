"""The conversations API (staff, by permission) and the inbound webhooks of the messaging
platform and the SMS gateway (public routes, proven by their HMAC signature)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse

from demandhub.auth import service as accounts
from demandhub.auth.deps import require
from demandhub.auth.roles import Actor, Permission
from demandhub.contacts import phone
from demandhub.contacts.channels import Channel
from demandhub.contacts.service import get_contact, record_view, refused
from demandhub.conversations import queue, service, signing
from demandhub.conversations.adapters import parse_sms
from demandhub.conversations.delivery import deliver
from demandhub.conversations.models import Message
from demandhub.conversations.schemas import (ConversationRead, MessageRead, QueueRead, QueueRowRead, Received,
                                             Reply)
from demandhub.errors import Invalid
from demandhub.http import PathId, now, reading, settings, transaction
from demandhub.web.public import public

router = APIRouter(prefix="/api", tags=["conversations"])


async def raw_body(request: Request) -> bytes:
    """The body exactly as sent: the signature is over these bytes."""
    return await request.body()


def _unauthorised(exc: signing.BadSignature) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, f"signature refused: {exc}")


def _not_configured(what: str, setting: str) -> HTTPException:
    # 404, not 503: the channel is not switched on here, which no retry will change.
    return HTTPException(status.HTTP_404_NOT_FOUND,
                         f"{what} not configured: set DEMANDHUB_{setting.upper()} to the shared secret")


def _received(result: service.Received) -> JSONResponse:
    body = Received(status="duplicate" if result.duplicate else "accepted", contact_id=result.contact.id,
                    reference=result.contact.reference)
    return JSONResponse(body.model_dump(), status_code=status.HTTP_200_OK if result.duplicate else 202)


@router.post("/channels/social/webhook", dependencies=[Depends(public("webhook"))], response_model=Received,
             status_code=202)
def social_webhook(request: Request, body: Annotated[bytes, Depends(raw_body)]):
    """A direct message from a social media platform through the generic webhook adapter. Signed:
    X-Timestamp (seconds) and X-Signature-256: sha256=HMAC-SHA256(secret, "<timestamp>.<body>").
    A message id seen before is answered 200 "duplicate" and written once."""
    adapter = request.app.state.social
    if not adapter.configured:
        raise _not_configured("social media webhook", "social_webhook_secret")
    try:
        inbound = adapter.receive(headers=request.headers, body=body, now=now(request))
    except signing.BadSignature as exc:
        raise _unauthorised(exc) from None
    with transaction(request) as session:
        account = accounts.channel_account(session, channel=Channel.SOCIAL_MEDIA.value, now=now(request))
        result = service.receive(session, channel=Channel.SOCIAL_MEDIA, external_id=f"social:{inbound.platform}:"
                                 f"{inbound.message_id}", text=inbound.text, name=inbound.sender_name, actor=account,
                                 now=now(request), region=settings(request).default_region,
                                 lexicon=request.app.state.policy.cue_lexicon, platform=inbound.platform,
                                 sender_id=inbound.sender_id)
        return _received(result)


@router.post("/channels/sms/inbound", dependencies=[Depends(public("webhook"))], response_model=Received,
             status_code=202)
def sms_inbound(request: Request, body: Annotated[bytes, Depends(raw_body)]):
    """A text to the emergency SMS number, from the SMS gateway: JSON {message_id, from, text},
    signed like the social webhook with the SMS secret. An emergency channel: top of the queue."""
    secret = settings(request).sms_webhook_secret
    if not secret:
        raise _not_configured("emergency SMS inbound", "sms_webhook_secret")
    try:
        signing.verify(secret, request.headers, body, now=now(request))
    except signing.BadSignature as exc:
        raise _unauthorised(exc) from None
    sms = parse_sms(body)
    try:
        number = phone.normalise(sms.sender, region=settings(request).default_region)
    except phone.BadNumber as exc:
        raise Invalid(str(exc), problems=[{"field": "from", "message": str(exc)}]) from None
    with transaction(request) as session:
        account = accounts.channel_account(session, channel=Channel.EMERGENCY_SMS.value, now=now(request))
        result = service.receive(session, channel=Channel.EMERGENCY_SMS, external_id=f"sms:{sms.message_id}",
                                 text=sms.text, name=None, actor=account, now=now(request),
                                 region=settings(request).default_region,
                                 lexicon=request.app.state.policy.cue_lexicon, phone=number)
        return _received(result)


# --- staff ------------------------------------------------------------------------------------

READ = Depends(require(Permission.CONTACT_READ))
ACT = Depends(require(Permission.CONTACT_CREATE))


@router.get("/conversations/queue", response_model=QueueRead)
def digital_queue(request: Request, actor: Annotated[Actor, READ]):
    """The one digital queue: every open digital contact, emergency channels first, then urgent, then oldest."""
    with reading(request) as session:
        rows = queue.rows(session, actor=actor, now=now(request), lexicon=request.app.state.policy.cue_lexicon)
        figures = queue.figures(session, rows, now=now(request), tz=settings(request).timezone)
    return QueueRead(
        waiting=figures.waiting, answered_today=figures.answered_today,
        longest_wait_s=figures.longest_wait.total_seconds() if figures.longest_wait is not None else None,
        median_first_response_today_s=(figures.median_first_response.total_seconds()
                                       if figures.median_first_response is not None else None),
        rows=[QueueRowRead(contact_id=r.contact.id, reference=r.contact.reference, channel=r.contact.channel,
                           emergency=r.emergency, urgent=r.contact.urgent, cues=r.cues,
                           presented_at=r.contact.presented_at, answered_at=r.contact.answered_at,
                           wait_s=r.wait.total_seconds(), holder=r.holder, summary=r.summary, href=r.href)
              for r in rows])


def read_conversation(request: Request, actor: Actor, contact_id: int) -> ConversationRead:
    """One conversation with its messages, under the restricted-record rule (views audited)."""
    with reading(request) as session:
        contact = get_contact(session, contact_id)
        restricted = contact.restricted
    if restricted:
        with transaction(request) as session:
            contact = get_contact(session, contact_id)
            allowed = record_view(session, contact=contact, actor=actor, now=now(request))
        if not allowed:
            raise refused(contact, actor)
    with reading(request) as session:
        contact = get_contact(session, contact_id)
        conversation = service.for_contact(session, contact_id)
        return ConversationRead(
            contact_id=contact.id, reference=contact.reference, channel=conversation.channel,
            party_name=conversation.party_name, platform=conversation.platform, sender_id=conversation.sender_id,
            phone=conversation.phone, handler_id=conversation.handler_id, presented_at=contact.presented_at,
            answered_at=contact.answered_at, urgent=contact.urgent, left=conversation.left_at is not None,
            open=service.is_open(conversation, contact),
            messages=[MessageRead.model_validate(m) for m in service.messages(session, conversation.id)])


@router.get("/conversations/mine", response_model=list[ConversationRead])
def mine(request: Request, actor: Annotated[Actor, READ]):
    """The conversations this handler holds (the console's panes)."""
    with reading(request) as session:
        ids = [contact.id for _, contact in service.held_by(session, actor)]
    return [read_conversation(request, actor, i) for i in ids]


@router.post("/conversations/next", response_model=ConversationRead)
def take_next(request: Request, actor: Annotated[Actor, ACT]):
    """Take the next waiting conversation (emergency, then urgent, then longest waiting); 404 when none."""
    with transaction(request) as session:
        contact_id = service.take_next(session, actor=actor, now=now(request)).contact_id
    return read_conversation(request, actor, contact_id)


@router.get("/conversations/{contact_id}", response_model=ConversationRead)
def get_conversation(contact_id: PathId, request: Request, actor: Annotated[Actor, READ]):
    return read_conversation(request, actor, contact_id)


@router.post("/conversations/{contact_id}/take", response_model=ConversationRead)
def take(contact_id: PathId, request: Request, actor: Annotated[Actor, ACT]):
    with transaction(request) as session:
        service.take(session, contact_id=contact_id, actor=actor, now=now(request))
    return read_conversation(request, actor, contact_id)


@router.post("/conversations/{contact_id}/release", response_model=ConversationRead)
def release(contact_id: PathId, request: Request, actor: Annotated[Actor, ACT]):
    with transaction(request) as session:
        service.release(session, contact_id=contact_id, actor=actor, now=now(request))
    return read_conversation(request, actor, contact_id)


@router.post("/conversations/{contact_id}/messages", response_model=MessageRead, status_code=201)
def send_reply(contact_id: PathId, body: Reply, request: Request, actor: Annotated[Actor, ACT]):
    """Reply: webchat shows it on the public's page; social media goes through the adapter, SMS
    through the gateway, after the reply is saved. `delivery` says what became of it."""
    with transaction(request) as session:
        message_id = service.reply(session, contact_id=contact_id, text=body.body, actor=actor,
                                   now=now(request)).id
    deliver(request, message_id)
    with reading(request) as session:
        return MessageRead.model_validate(session.get(Message, message_id))


@router.post("/conversations/{contact_id}/end", response_model=ConversationRead)
def end(contact_id: PathId, request: Request, actor: Annotated[Actor, ACT]):
    """End the conversation and its contact: it leaves the digital queue."""
    with transaction(request) as session:
        service.end(session, contact_id=contact_id, actor=actor, now=now(request))
    return read_conversation(request, actor, contact_id)
