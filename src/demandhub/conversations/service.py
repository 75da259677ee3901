"""Use cases for conversations with the public. Each runs inside the caller's transaction and
never commits. The contact keeps the clock: digital.first_response on the first reply is the
time to first human response; ending the conversation ends the contact."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.assessment.cues import CueLexicon, find_cues
from demandhub.audit import service as audit
from demandhub.auth.models import User
from demandhub.auth.roles import Actor
from demandhub.contacts import digital
from demandhub.contacts.channels import Channel
from demandhub.contacts.models import Contact
from demandhub.contacts.schemas import ContactCreate
from demandhub.contacts.service import create_contact, end_contact, get_contact, may_see_contact, refused
from demandhub.conversations.models import Conversation, Message
from demandhub.errors import Conflict, Invalid, NotFound

CONVERSATION_CHANNELS = (Channel.WEBCHAT, Channel.SOCIAL_MEDIA, Channel.EMERGENCY_SMS)
MAX_MESSAGE = 4000
IN, OUT = "in", "out"


# --- the other end ---------------------------------------------------------------------------

def new_token() -> str:
    """The webchat's secret: the browser keeps it in its signed session cookie; we keep its hash."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def by_token(session: Session, token: str | None) -> Conversation | None:
    if not token:
        return None
    return session.scalar(sa.select(Conversation).where(Conversation.token_sha256 == token_hash(token)))


def for_contact(session: Session, contact_id: int) -> Conversation:
    conversation = session.scalar(sa.select(Conversation).where(Conversation.contact_id == contact_id))
    if conversation is None:
        raise NotFound(f"contact {contact_id} has no conversation (only webchat, social media and SMS contacts do)")
    return conversation


def is_open(conversation: Conversation, contact: Contact) -> bool:
    # Ending the contact anywhere (the call screen, the API) ends its conversation too.
    return conversation.closed_at is None and contact.ended_at is None


def messages(session: Session, conversation_id: int, *, after: int = 0, limit: int = 1000) -> list[Message]:
    stmt = (sa.select(Message).where(Message.conversation_id == conversation_id, Message.id > after)
            .order_by(Message.id).limit(limit))
    return list(session.scalars(stmt))


def clean_text(text: str, what: str = "message", limit: int = MAX_MESSAGE) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid(f"write a {what}", problems=[{"field": what, "message": "required"}])
    if len(text) > limit:
        raise Invalid(f"the {what} is too long ({len(text)} characters; at most {limit})",
                      problems=[{"field": what, "message": f"at most {limit} characters"}])
    return text


# --- messages from the public ----------------------------------------------------------------

def _open_contact(session: Session, *, channel: Channel, description: str, name: str | None, number: str | None,
                  actor: Actor, now: datetime, region: str) -> Contact:
    created = create_contact(session, data=ContactCreate(channel=channel, description=description,
                                                         caller_name=name, caller_number=number),
                             actor=actor, now=now, region=region)
    created.contact.reference = digital.new_reference(channel, now)
    return created.contact


def _incoming(session: Session, conversation: Conversation, contact: Contact, *, text: str, external_id: str | None,
              actor: Actor, now: datetime, lexicon: CueLexicon) -> Message:
    message = Message(conversation_id=conversation.id, direction=IN, body=text, sent_at=now, external_id=external_id)
    session.add(message)
    session.flush()
    cues = find_cues(text, lexicon)
    if cues:
        digital.mark_urgent(session, contact, reasons=[c.label for c in cues], actor=actor, now=now)
    digital.announce(session, contact, kind="conversation.message", now=now, direction=IN)
    return message


def start_webchat(session: Session, *, name: str | None, about: str, token: str, actor: Actor, now: datetime,
                  region: str, lexicon: CueLexicon) -> Conversation:
    """A member of the public starts a chat: a new contact (with a reference), its conversation,
    and what they said it is about as the first message."""
    about = clean_text(about, "about")
    name = (name or "").strip()[:200] or None
    contact = _open_contact(session, channel=Channel.WEBCHAT, description=about, name=name, number=None,
                            actor=actor, now=now, region=region)
    conversation = Conversation(contact_id=contact.id, channel=Channel.WEBCHAT.value, token_sha256=token_hash(token),
                                party_name=name, opened_at=now)
    session.add(conversation)
    session.flush()
    _incoming(session, conversation, contact, text=about, external_id=None, actor=actor, now=now, lexicon=lexicon)
    return conversation


def webchat_says(session: Session, *, conversation: Conversation, text: str, actor: Actor, now: datetime,
                 lexicon: CueLexicon) -> Message:
    contact = get_contact(session, conversation.contact_id, for_update=True)
    if not is_open(conversation, contact) or conversation.left_at is not None:
        raise Conflict("this chat has ended; start a new chat")
    return _incoming(session, conversation, contact, text=clean_text(text), external_id=None, actor=actor, now=now,
                     lexicon=lexicon)


@dataclass(frozen=True)
class Received:
    conversation: Conversation
    contact: Contact
    message: Message | None
    duplicate: bool  # the platform sent this message before: nothing new was written


def receive(session: Session, *, channel: Channel, external_id: str, text: str, name: str | None, actor: Actor,
            now: datetime, region: str, lexicon: CueLexicon, platform: str | None = None,
            sender_id: str | None = None, phone: str | None = None) -> Received:
    """A message through an adapter (social media) or the SMS gateway. It joins the sender's open
    conversation; after that conversation ended, it starts a new contact and conversation."""
    earlier = session.scalar(sa.select(Message).where(Message.external_id == external_id))
    if earlier is not None:
        conversation = session.get(Conversation, earlier.conversation_id)
        return Received(conversation, session.get(Contact, conversation.contact_id), earlier, duplicate=True)
    text = clean_text(text)
    party = (Conversation.phone == phone) if phone else sa.and_(Conversation.platform == platform,
                                                                 Conversation.sender_id == sender_id)
    conversation = session.scalar(
        sa.select(Conversation).join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.channel == channel.value, party, Conversation.closed_at.is_(None),
               Contact.ended_at.is_(None))
        .order_by(Conversation.id.desc()).limit(1))
    if conversation is None:
        contact = _open_contact(session, channel=channel, description=text, name=name, number=phone, actor=actor,
                                now=now, region=region)
        conversation = Conversation(contact_id=contact.id, channel=channel.value, platform=platform,
                                    sender_id=sender_id, phone=contact.caller_number, party_name=contact.caller_name,
                                    opened_at=now)
        session.add(conversation)
        session.flush()
    else:
        contact = get_contact(session, conversation.contact_id, for_update=True)
    message = _incoming(session, conversation, contact, text=text, external_id=external_id, actor=actor, now=now,
                        lexicon=lexicon)
    return Received(conversation, contact, message, duplicate=False)


def public_leave(session: Session, *, conversation: Conversation, actor: Actor, now: datetime) -> None:
    """The member of the public ends the chat. Unanswered and without risk cues, it ends as
    abandoned (like a call hung up in the queue); otherwise it stays with the handler, marked."""
    contact = get_contact(session, conversation.contact_id, for_update=True)
    if not is_open(conversation, contact) or conversation.left_at is not None:
        return
    conversation.left_at = now
    if contact.answered_at is None and conversation.handler_id is None and not contact.urgent:
        end_contact(session, contact_id=contact.id, ended_at=None, actor=actor, now=now)
        contact.abandoned = True
        conversation.closed_at = now
    audit.append(session, actor=actor.username, action="conversation.left", entity_type="contact",
                 entity_id=contact.id, at=now, details={"abandoned": contact.abandoned})
    digital.announce(session, contact, kind="conversation.left", now=now)


# --- staff -----------------------------------------------------------------------------------

def _allowed(contact: Contact, actor: Actor) -> None:
    """Staff act only on conversations they may read (the restricted-record rule)."""
    if not may_see_contact(actor, contact):
        raise refused(contact, actor)


def _held(session: Session, contact_id: int, actor: Actor) -> tuple[Contact, Conversation]:
    contact = get_contact(session, contact_id, for_update=True)
    _allowed(contact, actor)
    conversation = for_contact(session, contact_id)
    if not is_open(conversation, contact):
        raise Conflict(f"the conversation of contact {contact_id} has ended")
    return contact, conversation


def _name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id else None
    return user.display_name if user else "someone else"


def _take(session: Session, contact: Contact, conversation: Conversation, *, actor: Actor, now: datetime) -> None:
    conversation.handler_id = actor.id
    conversation.taken_at = now
    audit.append(session, actor=actor.username, action="conversation.taken", entity_type="contact",
                 entity_id=contact.id, at=now, details={"channel": contact.channel})
    digital.announce(session, contact, kind="conversation.taken", now=now, handler_id=actor.id)


def take(session: Session, *, contact_id: int, actor: Actor, now: datetime) -> Conversation:
    """The handler takes a conversation from the queue; they may hold several at once."""
    contact, conversation = _held(session, contact_id, actor)
    if conversation.handler_id == actor.id:
        return conversation
    if conversation.handler_id is not None:
        raise Conflict(f"{_name(session, conversation.handler_id)} already holds this conversation")
    _take(session, contact, conversation, actor=actor, now=now)
    return conversation


def queue_order(contact: Contact) -> tuple:
    """Emergency channels first (emergency SMS), then those with risk cues, then the longest waiting."""
    return (not Channel(contact.channel).is_emergency, not contact.urgent, contact.presented_at, contact.id)


def waiting_conversations(session: Session) -> list[tuple[Conversation, Contact]]:
    """Open conversations nobody holds, in queue order."""
    rows = session.execute(
        sa.select(Conversation, Contact).join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.closed_at.is_(None), Conversation.handler_id.is_(None), Contact.ended_at.is_(None))
    ).all()
    return sorted(((c, k) for c, k in rows), key=lambda pair: queue_order(pair[1]))


def take_next(session: Session, *, actor: Actor, now: datetime) -> Conversation:
    """The next conversation in queue order; one another handler took meanwhile is skipped."""
    for conversation, contact in waiting_conversations(session):
        locked = get_contact(session, contact.id, for_update=True)
        session.refresh(conversation)
        if conversation.handler_id is None and is_open(conversation, locked) and may_see_contact(actor, locked):
            _take(session, locked, conversation, actor=actor, now=now)
            return conversation
    raise NotFound("no conversation is waiting")


def release(session: Session, *, contact_id: int, actor: Actor, now: datetime) -> Conversation:
    """Hand a conversation back to the queue (end of shift, a break) for someone else to take."""
    contact, conversation = _held(session, contact_id, actor)
    if conversation.handler_id != actor.id:
        raise Conflict("only the handler holding a conversation can hand it back")
    conversation.handler_id = None
    conversation.taken_at = None
    audit.append(session, actor=actor.username, action="conversation.released", entity_type="contact",
                 entity_id=contact.id, at=now)
    digital.announce(session, contact, kind="conversation.released", now=now)
    return conversation


def reply(session: Session, *, contact_id: int, text: str, actor: Actor, now: datetime) -> Message:
    """Record a reply (taking the conversation if nobody holds it). The first reply is the first
    human response. Sending through a platform or SMS happens after the commit (see delivery)."""
    text = clean_text(text)
    contact, conversation = _held(session, contact_id, actor)
    if conversation.handler_id is None:
        _take(session, contact, conversation, actor=actor, now=now)
    elif conversation.handler_id != actor.id:
        raise Conflict(f"{_name(session, conversation.handler_id)} holds this conversation")
    if conversation.left_at is not None and conversation.channel == Channel.WEBCHAT.value:
        raise Conflict("they ended the chat, so they will not see a reply; end the conversation")
    webchat = conversation.channel == Channel.WEBCHAT.value
    message = Message(conversation_id=conversation.id, direction=OUT, body=text, author_id=actor.id, sent_at=now,
                      delivery="sent" if webchat else "pending",
                      delivery_detail="shown in the chat" if webchat else None)
    session.add(message)
    session.flush()
    digital.first_response(session, contact_id=contact.id, actor=actor, now=now)
    audit.append(session, actor=actor.username, action="conversation.replied", entity_type="contact",
                 entity_id=contact.id, at=now, details={"message_id": message.id, "channel": contact.channel})
    digital.announce(session, contact, kind="conversation.message", now=now, direction=OUT)
    return message


def record_delivery(session: Session, *, message_id: int, status: str, provider_id: str | None, detail: str,
                    now: datetime) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound(f"message {message_id} not found")
    message.delivery = status
    message.provider_id = provider_id
    message.delivery_detail = detail[:300] or None
    conversation = session.get(Conversation, message.conversation_id)
    contact = session.get(Contact, conversation.contact_id)
    audit.append(session, actor="system", action="conversation.delivery", entity_type="contact",
                 entity_id=contact.id, at=now, details={"message_id": message.id, "status": status})
    digital.announce(session, contact, kind="conversation.delivery", now=now, status=status)
    return message


def end(session: Session, *, contact_id: int, actor: Actor, now: datetime) -> Conversation:
    """The handler ends the conversation and with it the contact (it leaves the digital queue)."""
    contact = get_contact(session, contact_id, for_update=True)
    _allowed(contact, actor)
    conversation = for_contact(session, contact_id)
    if conversation.closed_at is not None:
        raise Conflict(f"the conversation of contact {contact_id} has already ended")
    if conversation.handler_id not in (None, actor.id):
        raise Conflict(f"{_name(session, conversation.handler_id)} holds this conversation")
    if contact.ended_at is None:
        end_contact(session, contact_id=contact_id, ended_at=None, actor=actor, now=now)
    conversation.closed_at = now
    audit.append(session, actor=actor.username, action="conversation.ended", entity_type="contact",
                 entity_id=contact.id, at=now)
    digital.announce(session, contact, kind="conversation.ended", now=now)
    return conversation


def held_by(session: Session, actor: Actor) -> list[tuple[Conversation, Contact]]:
    """The conversations a handler holds, oldest taken first (the console's panes)."""
    rows = session.execute(
        sa.select(Conversation, Contact).join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.handler_id == actor.id, Conversation.closed_at.is_(None), Contact.ended_at.is_(None))
        .order_by(Conversation.taken_at, Conversation.id)).all()
    return [(c, k) for c, k in rows]
