"""A conversation is the written exchange behind one digital contact (webchat, a social media
direct message thread, emergency SMS): who is on the other end, which handler holds it, and
every message each way. The contact carries the clock (presented, first response, ended);
the conversation carries the words."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from demandhub.db import Base, BigId, UTCDateTime


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts.id"), nullable=False, unique=True)
    channel: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    # The other end. Webchat: a secret the browser keeps, stored here only as its SHA-256.
    token_sha256: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    platform: Mapped[str | None] = mapped_column(sa.String(40))  # social media: which platform...
    sender_id: Mapped[str | None] = mapped_column(sa.String(200))  # ...and the sender's id on it
    phone: Mapped[str | None] = mapped_column(sa.String(20))  # emergency SMS: E.164
    party_name: Mapped[str | None] = mapped_column(sa.String(200))
    handler_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # who holds it now
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The member of the public pressed "end chat": the contact stays with the handler until they end it.
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.Index("ix_conversations_sender", "platform", "sender_id"),
        sa.Index("ix_conversations_phone", "phone"),
        sa.Index("ix_conversations_handler_id", "handler_id"),
    )


class Message(Base):
    __tablename__ = "conversation_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversations.id"), nullable=False, index=True)
    direction: Mapped[str] = mapped_column(sa.String(3), nullable=False)  # "in" from the public, "out" from staff
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # staff, for outgoing
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Outgoing through an adapter: pending, sent, failed or not_delivered, with the provider's word.
    delivery: Mapped[str | None] = mapped_column(sa.String(20))
    delivery_detail: Mapped[str | None] = mapped_column(sa.String(300))
    provider_id: Mapped[str | None] = mapped_column(sa.String(200))
    # Incoming from a platform or gateway: "<source>:<their message id>", so a redelivery is seen as one.
    external_id: Mapped[str | None] = mapped_column(sa.String(300), unique=True)
