from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=4000, description="The reply, as the public will read it.")


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    direction: str = Field(description="in: from the public; out: from staff")
    body: str
    author_id: int | None
    sent_at: datetime
    delivery: str | None = Field(description="outgoing: pending, sent, failed or not_delivered")
    delivery_detail: str | None
    provider_id: str | None


class ConversationRead(BaseModel):
    contact_id: int
    reference: str | None
    channel: str
    party_name: str | None
    platform: str | None
    sender_id: str | None
    phone: str | None
    handler_id: int | None
    presented_at: datetime
    answered_at: datetime | None = Field(description="First human response (time to first response is from presented_at).")
    urgent: bool
    left: bool = Field(description="The member of the public ended the chat.")
    open: bool
    messages: list[MessageRead]


class QueueRowRead(BaseModel):
    contact_id: int
    reference: str | None
    channel: str
    emergency: bool
    urgent: bool
    cues: list[str]
    presented_at: datetime
    answered_at: datetime | None
    wait_s: float = Field(description="Seconds waiting so far, or to the first response once answered.")
    holder: str | None
    summary: str
    href: str


class QueueRead(BaseModel):
    waiting: int
    longest_wait_s: float | None
    median_first_response_today_s: float | None
    answered_today: int
    rows: list[QueueRowRead]


class Received(BaseModel):
    status: str = Field(description="accepted, or duplicate (this message id was received before)")
    contact_id: int
    reference: str | None
