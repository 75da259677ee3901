"""Append-only audit trail: who, when, what, under a namespaced action name.

Each entry carries the hash of the one before, so changing, removing or reordering any
entry breaks the chain from that point on and `demandhub audit verify` shows where.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.audit.models import AuditEntry
from demandhub.clock import as_utc
from demandhub.db import lock_chain, queued_for_commit

GENESIS = "0" * 64


def entry_hash(*, seq: int, at: datetime, actor: str, action: str, entity_type: str,
               entity_id: str, details: dict, prev_hash: str) -> str:
    body = json.dumps(
        {
            "seq": seq,
            "at": as_utc(at).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "entity": [entity_type, entity_id],
            "details": details,
            "prev": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def append(session: Session, *, actor: str, action: str, entity_type: str, entity_id: object,
           at: datetime, details: dict | None = None) -> None:
    """Add an entry to the trail. It is linked into the chain and written just before the
    caller's transaction commits, so it commits with the change or not at all."""
    # Round-trip through JSON now so the hash covers exactly what the database will give back.
    entry = {"at": as_utc(at), "actor": actor, "action": action, "entity_type": entity_type,
             "entity_id": str(entity_id), "details": json.loads(json.dumps(details or {}, default=str))}
    queued_for_commit(session, "audit", _write_chain).append(entry)


def _write_chain(session: Session, entries: list[dict]) -> None:
    lock_chain(session)  # held from here to the commit: read the last link, add ours, commit
    last = session.execute(
        sa.select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    for entry in entries:
        seq += 1
        entry.update(seq=seq, prev_hash=prev)
        prev = entry["hash"] = entry_hash(**entry)
    session.connection().execute(sa.insert(AuditEntry.__table__), entries)  # Core: no ORM bookkeeping


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None


def verify(session: Session, *, batch: int = 5000) -> Verification:
    expected_seq, prev, count = 1, GENESIS, 0
    stmt = sa.select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    for entry in session.scalars(stmt):
        if entry.seq != expected_seq:
            return Verification(False, count, expected_seq, f"entry {expected_seq} is missing (next is {entry.seq})")
        if entry.prev_hash != prev:
            return Verification(False, count, entry.seq, f"entry {entry.seq} does not follow entry {entry.seq - 1}")
        recomputed = entry_hash(seq=entry.seq, at=entry.at, actor=entry.actor, action=entry.action,
                                entity_type=entry.entity_type, entity_id=entry.entity_id,
                                details=entry.details, prev_hash=entry.prev_hash)
        if recomputed != entry.hash:
            return Verification(False, count, entry.seq, f"entry {entry.seq} was altered after it was written")
        prev, expected_seq, count = entry.hash, expected_seq + 1, count + 1
    return Verification(True, count)


def entries_for(session: Session, *, entity_type: str, entity_id: object, limit: int = 200) -> list[AuditEntry]:
    stmt = (sa.select(AuditEntry)
            .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == str(entity_id))
            .order_by(AuditEntry.seq).limit(limit))
    return list(session.scalars(stmt))
