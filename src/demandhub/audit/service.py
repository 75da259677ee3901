"""Append-only audit trail: who, when, what, under a namespaced action name.

Each entry carries the hash of the one before, so changing, removing or reordering any
entry breaks the chain from that point on and `demandhub audit verify` shows where. Cutting
entries off the end leaves a valid shorter chain: verify reports the count and the last
link, to be compared with a copy kept elsewhere (a daily report, a second system).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub import chain
from demandhub.audit.models import AuditEntry


def append(session: Session, *, actor: str, action: str, entity_type: str, entity_id: object,
           at: datetime, details: dict | None = None) -> None:
    """Add an entry to the trail. It is linked into the chain and written just before the
    caller's transaction commits (see demandhub.chain), so it commits with the change or not at all."""
    chain.add_audit(session, at=at, actor=actor, action=action, entity_type=entity_type,
                    entity_id=str(entity_id), details=details or {})


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None
    last_hash: str | None = None  # the head of the chain, when it is intact


def verify(session: Session, *, batch: int = 5000) -> Verification:
    expected_seq, prev, count = 1, chain.GENESIS, 0
    stmt = sa.select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    for entry in session.scalars(stmt):
        if entry.seq != expected_seq:
            return Verification(False, count, expected_seq, f"entry {expected_seq} is missing (next is {entry.seq})")
        if entry.prev_hash != prev:
            return Verification(False, count, entry.seq, f"entry {entry.seq} does not follow entry {entry.seq - 1}")
        content = chain.content_hash(at=entry.at, actor=entry.actor, action=entry.action,
                                     entity_type=entry.entity_type, entity_id=entry.entity_id, details=entry.details)
        recomputed = chain.link_hash(entry.seq, entry.prev_hash, content)
        if recomputed != entry.hash:
            return Verification(False, count, entry.seq, f"entry {entry.seq} was altered after it was written")
        prev, expected_seq, count = entry.hash, expected_seq + 1, count + 1
    return Verification(True, count, last_hash=prev if count else None)
