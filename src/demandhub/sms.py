"""Text messages to the public (share-the-scene links, replies to emergency SMS) go through an
SMS gateway. `app.state.sms` is one of these, chosen by settings (`gateway_from_settings`): the
demo and the tests use the logging one, which sends nothing and keeps what it would have sent so
the screens can show it; a force sends through Twilio Programmable Messaging."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import quote

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
    provider_id: str = ""


class LoggingSmsGateway:
    """Sends nothing: logs each message and keeps the last few (the demo shows them)."""

    name = "logging"

    def __init__(self, clock, *, keep: int = 200):
        self._clock = clock
        self._keep = keep
        self._lock = threading.Lock()
        self._count = 0
        self.sent: list[LoggedSms] = []

    def send(self, *, to: str, body: str) -> SmsResult:
        with self._lock:
            self._count += 1
            provider_id = f"logged-{self._count}"  # unique for the process, even once old ones are dropped
            self.sent.append(LoggedSms(to=to, body=body, at=self._clock(), provider_id=provider_id))
            del self.sent[:-self._keep]
        log.info("SMS (not sent, logging gateway) to %s: %s", to, body)
        return SmsResult(accepted=True, provider_id=provider_id, status="logged")

    def find(self, provider_id: str) -> LoggedSms | None:
        """The message this gateway logged under `provider_id`, while it is still kept."""
        with self._lock:
            return next((m for m in reversed(self.sent) if m.provider_id == provider_id), None)

    def last_to(self, to: str) -> LoggedSms | None:
        with self._lock:
            return next((m for m in reversed(self.sent) if m.to == to), None)


class TwilioSmsGateway:
    """Twilio Programmable Messaging: one form POST to the Messages resource of the account
    (basic auth: Account SID and auth token), with a short timeout.

    A refusal (Twilio's error JSON: code, message, more_info, status), an unreadable answer, a
    timeout or an unreachable server all come back as `SmsResult(accepted=False, ...)` naming
    the problem: a text that could not be sent must never fail the handler's request.
    """

    name = "twilio"
    API_VERSION = "2010-04-01"

    def __init__(self, *, account_sid: str, auth_token: str, from_number: str,
                 base_url: str = "https://api.twilio.com", timeout_s: float = 5.0, transport=None):
        import httpx  # only a force that sends through Twilio needs it

        self._httpx = httpx
        self._from = from_number
        self._timeout_s = timeout_s
        self.url = f"{base_url.rstrip('/')}/{self.API_VERSION}/Accounts/{quote(account_sid, safe='')}/Messages.json"
        self._client = httpx.Client(auth=(account_sid, auth_token), timeout=timeout_s, follow_redirects=False,
                                    transport=transport, headers={"Accept": "application/json"})

    def send(self, *, to: str, body: str) -> SmsResult:
        httpx = self._httpx
        try:
            response = self._client.post(self.url, data={"To": to, "From": self._from, "Body": body})
        except httpx.TimeoutException:
            return self._failed(f"the SMS gateway did not answer within {self._timeout_s:g} s")
        except httpx.HTTPError as exc:
            return self._failed(f"could not reach the SMS gateway ({type(exc).__name__})")
        payload = _json_object(response)
        if response.status_code in (200, 201) and isinstance(payload.get("sid"), str):
            status = str(payload.get("status") or "queued")
            if status in ("failed", "undelivered", "canceled") or payload.get("error_code"):
                return SmsResult(accepted=False, provider_id=payload["sid"], status=status,
                                 detail=f"Twilio error {payload.get('error_code')}: {payload.get('error_message')}")
            log.info("SMS to %s accepted by Twilio as %s (%s)", to, payload["sid"], status)
            return SmsResult(accepted=True, provider_id=payload["sid"], status=status)
        if "code" in payload or "message" in payload:
            detail = f"Twilio error {payload.get('code')}: {payload.get('message')} (HTTP {response.status_code})"
        else:
            detail = f"the SMS gateway answered HTTP {response.status_code} without a readable reason"
        return self._failed(detail, status="refused")

    def _failed(self, detail: str, *, status: str = "failed") -> SmsResult:
        log.warning("SMS not sent: %s", detail)
        return SmsResult(accepted=False, provider_id=None, status=status, detail=detail[:500])

    def close(self) -> None:
        self._client.close()


def _json_object(response) -> dict:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def gateway_from_settings(settings, clock) -> SmsGateway:
    """The gateway the force configured; a Twilio gateway missing its account is refused at start."""
    if settings.sms_gateway == "twilio":
        missing = [name for name in ("twilio_account_sid", "twilio_auth_token", "twilio_from_number")
                   if not getattr(settings, name)]
        if missing:
            raise ValueError(f"sms_gateway is 'twilio' but {', '.join(missing)} not set")
        return TwilioSmsGateway(account_sid=settings.twilio_account_sid, auth_token=settings.twilio_auth_token,
                                from_number=settings.twilio_from_number, base_url=settings.twilio_base_url,
                                timeout_s=settings.sms_timeout_s)
    return LoggingSmsGateway(clock)
