"""Publish after commit: events go into the outbox inside the use case's transaction.

Readers tail the outbox by id. Events are inserted at the very end of the transaction under
the chain lock (held to the commit), so ids become visible in order and a tailing reader
never skips an event that commits late.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub import chain
from demandhub.events.models import OutboxEvent

PENDING_FLAG = "demandhub.outbox_pending"


def publish(session: Session, *, topic: str, kind: str, payload: dict, at: datetime) -> None:
    """Queue an event; it is written just before the transaction commits (see demandhub.chain)."""
    chain.add_event(session, at=at, topic=topic, kind=kind, payload=payload)
    session.info[PENDING_FLAG] = True


def latest_id(session: Session) -> int:
    return session.scalar(sa.select(sa.func.max(OutboxEvent.id))) or 0


BATCH = 500


def events_after(session: Session, after_id: int, *, limit: int = BATCH) -> list[OutboxEvent]:
    stmt = sa.select(OutboxEvent).where(OutboxEvent.id > after_id).order_by(OutboxEvent.id).limit(limit)
    return list(session.scalars(stmt))
