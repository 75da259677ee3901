"""Messaging platforms behind one small interface, so a force can add a platform without
touching the queue: an adapter turns a platform's request into an `Inbound` message and
sends our replies, saying what became of each (`Outbound`); it never raises for a refusal.

One adapter ships: a generic signed webhook. The platform (or the force's integration
service in front of it) POSTs JSON signed as in `signing`; replies go back as signed JSON
POSTed to a configured address.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from demandhub.conversations import signing
from demandhub.errors import Invalid

MAX_TEXT = 4000


@dataclass(frozen=True)
class Inbound:
    """A message from the public, whatever platform brought it."""

    platform: str
    message_id: str
    sender_id: str
    sender_name: str | None
    text: str
    sent_at: datetime | None


@dataclass(frozen=True)
class Outbound:
    """What became of one reply: sent (the platform took it), failed, or not_delivered (nowhere to send)."""

    status: str
    provider_id: str | None = None
    detail: str = ""


class MessagingAdapter(Protocol):
    name: str
    configured: bool  # False: inbound requests are answered 404 "not configured"

    def receive(self, *, headers, body: bytes, now: datetime) -> Inbound:
        """Check the request is the platform's (signing.BadSignature) and read it (errors.Invalid)."""

    def send(self, *, recipient_id: str, platform: str, text: str, reference: str, now: datetime) -> Outbound:
        """Send a reply to the sender; never raises for a failure, reports it."""


_TOKEN = re.compile(r"^[A-Za-z0-9._:@+\-]{1,40}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable_id(value: str, what: str, limit: int = 200) -> str:
    value = value.strip()
    if not value or len(value) > limit or _CONTROL.search(value) or any(c.isspace() for c in value):
        raise ValueError(f"{what} must be 1-{limit} printable characters without spaces")
    return value


class WebhookMessage(BaseModel):
    """The generic webhook's body. Unknown fields are ignored: platforms add their own."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    platform: str = Field(min_length=1, max_length=40, description="e.g. facebook, x, instagram, whatsapp")
    message_id: str = Field(min_length=1, max_length=200, description="The platform's id: a redelivery is ignored.")
    sender_id: str = Field(min_length=1, max_length=200, description="The sender's id on the platform.")
    sender_name: str | None = Field(default=None, max_length=200)
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    sent_at: AwareDatetime | None = None

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str) -> str:
        if not _TOKEN.match(value):
            raise ValueError("platform must be letters, digits or . _ : @ + -")
        return value.lower()

    @field_validator("message_id", "sender_id")
    @classmethod
    def _ids(cls, value: str, info) -> str:
        return _printable_id(value, info.field_name)

    @field_validator("sender_name", "text")
    @classmethod
    def _no_control(cls, value: str | None, info) -> str | None:
        if value is not None and _CONTROL.search(value):
            raise ValueError(f"{info.field_name} contains control characters")
        return (value or None) if info.field_name == "sender_name" else value


def problems_of(exc: ValidationError) -> list[dict]:
    return [{"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]} for e in exc.errors()]


def parse_webhook(body: bytes) -> Inbound:
    """The webhook's JSON as an Inbound message, or Invalid naming each problem."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Invalid("the body is not JSON") from None
    if not isinstance(data, dict):
        raise Invalid("the body must be a JSON object")
    try:
        m = WebhookMessage.model_validate(data)
    except ValidationError as exc:
        problems = problems_of(exc)
        raise Invalid("; ".join(f"{p['field']}: {p['message']}" for p in problems), problems=problems) from None
    return Inbound(platform=m.platform, message_id=m.message_id, sender_id=m.sender_id,
                   sender_name=m.sender_name, text=m.text, sent_at=m.sent_at)


class GenericWebhookAdapter:
    """Inbound: signed JSON to /api/channels/social/webhook. Outbound: signed JSON POSTed to `outbound_url`."""

    name = "webhook"

    def __init__(self, *, secret: str | None, outbound_url: str | None, timeout_s: float = 5.0,
                 transport: httpx.BaseTransport | None = None):
        self.secret = secret or None
        self.outbound_url = outbound_url or None
        self.timeout_s = timeout_s
        self._transport = transport

    @property
    def configured(self) -> bool:
        return self.secret is not None

    def receive(self, *, headers, body: bytes, now: datetime) -> Inbound:
        if self.secret is None:
            raise signing.BadSignature("no webhook secret configured")
        signing.verify(self.secret, headers, body, now=now)
        return parse_webhook(body)

    def send(self, *, recipient_id: str, platform: str, text: str, reference: str, now: datetime) -> Outbound:
        if self.outbound_url is None or self.secret is None:
            return Outbound("not_delivered", detail="not delivered: no outbound configured")
        body = json.dumps({"platform": platform, "recipient_id": recipient_id, "text": text,
                           "reference": reference}).encode()
        headers = {"Content-Type": "application/json", **signing.signed_headers(self.secret, body, now=now)}
        try:
            with httpx.Client(timeout=self.timeout_s, transport=self._transport) as client:
                response = client.post(self.outbound_url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Outbound("failed", detail=f"failed: the platform did not answer within {self.timeout_s:g} s")
        except httpx.HTTPError as exc:
            return Outbound("failed", detail=f"failed: {type(exc).__name__}: {str(exc)[:200]}")
        if not response.is_success:
            return Outbound("failed", detail=f"failed: the platform answered HTTP {response.status_code}")
        return Outbound("sent", provider_id=_provider_id(response), detail="accepted by the platform")


def _provider_id(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    value = (data.get("id") or data.get("message_id")) if isinstance(data, dict) else None
    return str(value)[:200] if value is not None else None


class SmsInbound(BaseModel):
    """The SMS gateway's body for a text to the emergency SMS number (signed like the webhook)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    message_id: str = Field(min_length=1, max_length=200, description="The gateway's id: a redelivery is ignored.")
    sender: str = Field(min_length=3, max_length=40, alias="from", description="The sender's number.")
    text: str = Field(min_length=1, max_length=MAX_TEXT)

    @field_validator("message_id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _printable_id(value, "message_id")

    @field_validator("text", "sender")
    @classmethod
    def _no_control(cls, value: str, info) -> str:
        if _CONTROL.search(value):
            raise ValueError(f"{info.field_name} contains control characters")
        return value


def parse_sms(body: bytes) -> SmsInbound:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Invalid("the body is not JSON") from None
    if not isinstance(data, dict):
        raise Invalid("the body must be a JSON object")
    try:
        return SmsInbound.model_validate(data)
    except ValidationError as exc:
        problems = problems_of(exc)
        raise Invalid("; ".join(f"{p['field']}: {p['message']}" for p in problems), problems=problems) from None
