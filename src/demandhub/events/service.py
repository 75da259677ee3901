"""Publish after commit: events go into the outbox inside the use case's transaction.

Readers tail the outbox by id. Writers insert at the very end of the transaction under the
chain lock (held to the commit), so ids become visible in order and a tailing reader never
skips an event that commits late.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.db import lock_chain, queued_for_commit
from demandhub.events.models import OutboxEvent

PENDING_FLAG = "demandhub.outbox_pending"


def publish(session: Session, *, topic: str, kind: str, payload: dict, at: datetime) -> None:
    """Queue an event; it is written just before the transaction commits, under the chain lock."""
    queued_for_commit(session, "outbox", _write_outbox).append(
        {"topic": topic, "kind": kind, "payload": payload, "at": at})


def _write_outbox(session: Session, events: list[dict]) -> None:
    lock_chain(session)
    session.connection().execute(sa.insert(OutboxEvent.__table__), events)  # Core: no ORM bookkeeping
    session.info[PENDING_FLAG] = True


def latest_id(session: Session) -> int:
    return session.scalar(sa.select(sa.func.max(OutboxEvent.id))) or 0


def events_after(session: Session, after_id: int, *, limit: int = 500) -> list[OutboxEvent]:
    stmt = sa.select(OutboxEvent).where(OutboxEvent.id > after_id).order_by(OutboxEvent.id).limit(limit)
    return list(session.scalars(stmt))
