"""Sending a recorded reply out through its channel, after the reply is committed: a slow or
failing platform must not hold a database transaction open, and a reply the handler wrote is
kept whatever becomes of the sending. What happened is recorded on the message and shown."""

from __future__ import annotations

from fastapi import Request

from demandhub.contacts.channels import Channel
from demandhub.contacts.models import Contact
from demandhub.conversations import service
from demandhub.conversations.adapters import Outbound
from demandhub.conversations.models import Conversation, Message
from demandhub.http import now, reading, transaction


def deliver(request: Request, message_id: int) -> Outbound | None:
    """Send a pending outgoing message (social media through the adapter, SMS through the
    gateway); webchat needs nothing: the public page reads it from the database."""
    with reading(request) as session:
        message = session.get(Message, message_id)
        if message is None or message.delivery != "pending":
            return None
        conversation = session.get(Conversation, message.conversation_id)
        reference = session.get(Contact, conversation.contact_id).reference or ""
        body, channel = message.body, conversation.channel
        platform, sender_id, phone = conversation.platform, conversation.sender_id, conversation.phone
    if channel == Channel.SOCIAL_MEDIA.value:
        result = request.app.state.social.send(recipient_id=sender_id, platform=platform, text=body,
                                               reference=reference, now=now(request))
    elif channel == Channel.EMERGENCY_SMS.value:
        result = _sms(request, phone, body)
    else:
        return None
    with transaction(request) as session:
        service.record_delivery(session, message_id=message_id, status=result.status,
                                provider_id=result.provider_id, detail=result.detail, now=now(request))
    return result


def _sms(request: Request, phone: str | None, body: str) -> Outbound:
    if not phone:
        return Outbound("not_delivered", detail="not delivered: no number to reply to")
    try:
        sent = request.app.state.sms.send(to=phone, body=body)
    except Exception as exc:  # a gateway client should not raise; if it does, the reply is still kept
        return Outbound("failed", detail=f"failed: SMS gateway error {type(exc).__name__}")
    if sent.accepted:
        return Outbound("sent", provider_id=sent.provider_id, detail=f"SMS gateway: {sent.status}")
    return Outbound("failed", provider_id=sent.provider_id, detail=f"failed: SMS gateway {sent.status} {sent.detail}".strip())
