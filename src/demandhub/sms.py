"""Text messages to the public (share-the-scene links, replies to emergency SMS) go through an
SMS gateway. `app.state.sms` is one of these; the demo and the tests use the logging one, which
sends nothing and keeps what it would have sent so the screens can show it."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

log = logging.getLogger("demandhub.sms")


@dataclass(frozen=True)
class SmsResult:
    accepted: bool  # the gateway took the message for delivery
    provider_id: str | None  # the gateway's id for the message
    status: str  # the gateway's word for the state ("queued", "logged", "failed"...)
    detail: str = ""  # why not, when not accepted


class SmsGateway(Protocol):
    name: str

    def send(self, *, to: str, body: str) -> SmsResult:
        """Send `body` to the E.164 number `to`. Never raises for a refusal: says so in the result."""


@dataclass(frozen=True)
class LoggedSms:
    to: str
    body: str
    at: datetime


class LoggingSmsGateway:
    """Sends nothing: logs each message and keeps the last few (the demo shows them)."""

    name = "logging"

    def __init__(self, clock, *, keep: int = 200):
        self._clock = clock
        self._keep = keep
        self._lock = threading.Lock()
        self.sent: list[LoggedSms] = []

    def send(self, *, to: str, body: str) -> SmsResult:
        with self._lock:
            self.sent.append(LoggedSms(to=to, body=body, at=self._clock()))
            del self.sent[:-self._keep]
            number = len(self.sent)
        log.info("SMS (not sent, logging gateway) to %s: %s", to, body)
        return SmsResult(accepted=True, provider_id=f"logged-{number}", status="logged")

    def last_to(self, to: str) -> LoggedSms | None:
        with self._lock:
            return next((m for m in reversed(self.sent) if m.to == to), None)
