"""What the screens show: the one digital queue (every open digital contact, with its wait),
its header figures, and what a member of the public sees of their own chat."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.assessment.cues import CueLexicon, find_cues
from demandhub.auth.models import User
from demandhub.auth.roles import Actor, Role
from demandhub.contacts import digital
from demandhub.contacts.channels import Channel
from demandhub.contacts.models import Contact
from demandhub.contacts.service import may_see
from demandhub.conversations.models import Conversation, Message
from demandhub.conversations.service import IN, queue_order, is_open, messages

SUMMARY_CHARS = 160


@dataclass(frozen=True)
class Row:
    contact: Contact
    conversation: Conversation | None  # None for an online report
    holder: str | None  # who holds it (or first responded to it)
    cues: list[str]
    summary: str
    answered: bool
    wait: timedelta  # so far while unanswered; time to first response once answered
    last_in: datetime | None  # the latest message from the public

    @property
    def emergency(self) -> bool:
        return Channel(self.contact.channel).is_emergency

    @property
    def label(self) -> str:
        return Channel(self.contact.channel).label

    @property
    def href(self) -> str:
        if self.contact.channel == Channel.ONLINE.value:
            return f"/digital/reports/{self.contact.id}"
        return f"/digital/conversations/{self.contact.id}"


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all())


def rows(session: Session, *, actor: Actor, now: datetime, lexicon: CueLexicon) -> list[Row]:
    """Every open digital contact, in queue order: emergency channels, then urgent, then oldest."""
    contacts = digital.waiting(session)
    ids = [c.id for c in contacts]
    conversations = {c.contact_id: c for c in session.scalars(
        sa.select(Conversation).where(Conversation.contact_id.in_(ids)))} if ids else {}
    words: dict[int, list[tuple[int, str, datetime]]] = {}
    if conversations:
        by_conv = {c.id: c.contact_id for c in conversations.values()}
        for conv_id, body, at, mid in session.execute(
                sa.select(Message.conversation_id, Message.body, Message.sent_at, Message.id)
                .where(Message.conversation_id.in_(list(by_conv)), Message.direction == IN)):
            words.setdefault(by_conv[conv_id], []).append((mid, body, at))
    names = _names(session, {c.handler_id for c in conversations.values() if c.handler_id}
                   | {c.answered_by for c in contacts if c.answered_by})
    out = []
    for contact in sorted(contacts, key=queue_order):
        conversation = conversations.get(contact.id)
        said = sorted(words.get(contact.id, []))
        visible = may_see(actor, restricted=contact.restricted, taken_by=contact.created_by)
        text = " ".join([contact.description] + [b for _, b, _ in said[1:]]) if visible else ""
        holder_id = conversation.handler_id if conversation else contact.answered_by
        summary = contact.description if visible else "Restricted: open to view (audited)"
        out.append(Row(
            contact=contact, conversation=conversation, holder=names.get(holder_id) if holder_id else None,
            cues=sorted({c.label for c in find_cues(text, lexicon)}) if visible else [],
            summary=summary if len(summary) <= SUMMARY_CHARS else summary[:SUMMARY_CHARS - 1] + "…",
            answered=contact.answered_at is not None,
            wait=(contact.answered_at or now) - contact.presented_at,
            last_in=said[-1][2] if said else None))
    return out


@dataclass(frozen=True)
class Figures:
    waiting: int  # open and not yet answered
    longest_wait: timedelta | None
    median_first_response: timedelta | None  # today (local day), over digital contacts answered today
    answered_today: int


def figures(session: Session, queue: list[Row], *, now: datetime, tz: str) -> Figures:
    unanswered = [r for r in queue if not r.answered]
    local = now.astimezone(ZoneInfo(tz))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    times = [(answered - presented).total_seconds() for presented, answered in session.execute(
        sa.select(Contact.presented_at, Contact.answered_at)
        .where(Contact.channel.in_([c.value for c in digital.DIGITAL_CHANNELS]),
               Contact.answered_at >= start, Contact.answered_at <= now))]
    return Figures(waiting=len(unanswered), longest_wait=max((r.wait for r in unanswered), default=None),
                   median_first_response=timedelta(seconds=statistics.median(times)) if times else None,
                   answered_today=len(times))


def duration(value: timedelta | None) -> str:
    """3 h 02 m, 4 m 05 s, 12 s: a wait as a handler reads it."""
    if value is None:
        return "–"
    total = max(0, int(value.total_seconds()))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} m"
    if minutes:
        return f"{minutes} m {seconds:02d} s"
    return f"{seconds} s"


# --- what the public see -------------------------------------------------------------------

@dataclass(frozen=True)
class ChatLine:
    id: int
    mine: bool  # from the member of the public
    body: str
    at: datetime
    who: str


@dataclass(frozen=True)
class ChatState:
    reference: str
    status: str  # waiting, answered, ended, left
    position: int | None  # while waiting: 1 = next to be answered
    handler: str | None  # "Sam, call handler"
    lines: list[ChatLine]
    last_id: int


def handler_label(display_name: str, role: Role) -> str:
    """What the public are told of who answers: a first name and the role, never the full name."""
    first = display_name.split()[0] if display_name.split() else ""
    label = role.label
    return label if not first or display_name.lower() == label.lower() else f"{first}, {label.lower()}"


def position(session: Session, conversation: Conversation, contact: Contact) -> int | None:
    """Where an unanswered conversation stands among those waiting for their first answer."""
    if contact.answered_at is not None or conversation.handler_id is not None or not is_open(conversation, contact):
        return None
    rows = session.execute(
        sa.select(Contact).join(Conversation, Conversation.contact_id == Contact.id)
        .where(Conversation.closed_at.is_(None), Conversation.left_at.is_(None), Conversation.handler_id.is_(None),
               Contact.ended_at.is_(None), Contact.answered_at.is_(None))).scalars().all()
    mine = queue_order(contact)
    return 1 + sum(1 for other in rows if other.id != contact.id and queue_order(other) < mine)


def chat_state(session: Session, conversation: Conversation, *, after: int = 0) -> ChatState:
    contact = session.get(Contact, conversation.contact_id)
    handler = session.get(User, conversation.handler_id) if conversation.handler_id else None
    if contact.answered_by and handler is None:
        handler = session.get(User, contact.answered_by)
    label = handler_label(handler.display_name, Role(handler.role)) if handler else None
    authors: dict[int, str] = {}
    lines = []
    for m in messages(session, conversation.id, after=after):
        if m.direction == IN:
            lines.append(ChatLine(m.id, True, m.body, m.sent_at, "You"))
            continue
        if m.author_id not in authors:
            user = session.get(User, m.author_id)
            authors[m.author_id] = handler_label(user.display_name, Role(user.role)) if user else "Police"
        lines.append(ChatLine(m.id, False, m.body, m.sent_at, authors[m.author_id]))
    if conversation.left_at is not None:
        status = "left"
    elif not is_open(conversation, contact):
        status = "ended"
    elif contact.answered_at is not None or conversation.handler_id is not None:
        status = "answered"
    else:
        status = "waiting"
    last = session.scalar(sa.select(sa.func.max(Message.id)).where(Message.conversation_id == conversation.id)) or 0
    return ChatState(reference=contact.reference or "", status=status,
                     position=position(session, conversation, contact) if status == "waiting" else None,
                     handler=label, lines=lines, last_id=last)
