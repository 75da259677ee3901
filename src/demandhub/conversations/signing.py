"""Signed webhooks: a messaging platform or SMS gateway proves a request is theirs with an
HMAC-SHA256 of "<timestamp>.<raw body>" under a secret both sides hold. The timestamp is
inside what is signed and must be within a few minutes of our clock, so a captured request
cannot be replayed later; replays inside the window are caught by the message id."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

SIGNATURE_HEADER = "x-signature-256"  # "sha256=<hex>"
TIMESTAMP_HEADER = "x-timestamp"  # seconds since 1970 (UTC)
WINDOW = timedelta(minutes=5)


class BadSignature(Exception):
    """The request is not provably from the holder of the secret (answered 401, nothing written)."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_headers(secret: str, body: bytes, *, now: datetime) -> dict[str, str]:
    """Headers for a request we send (replies to a platform), signed the way we check theirs."""
    timestamp = str(int(now.timestamp()))
    return {"X-Timestamp": timestamp, "X-Signature-256": signature(secret, timestamp, body)}


def verify(secret: str, headers, body: bytes, *, now: datetime) -> None:
    """Raise BadSignature unless the headers carry a fresh, correct signature of `body`."""
    supplied = headers.get(SIGNATURE_HEADER)
    timestamp = headers.get(TIMESTAMP_HEADER)
    if not supplied or not timestamp:
        raise BadSignature(f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER} header")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise BadSignature(f"{TIMESTAMP_HEADER} must be whole seconds since 1970")
    if abs(now.timestamp() - int(timestamp)) > WINDOW.total_seconds():
        raise BadSignature(f"{TIMESTAMP_HEADER} is more than {int(WINDOW.total_seconds() // 60)} minutes "
                           "from our clock: stale or replayed")
    expected = signature(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), supplied.strip().encode("utf-8", "replace")):
        raise BadSignature("signature does not match the body")
