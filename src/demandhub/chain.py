"""The writes that must happen in commit order: audit entries (each linked to the one before
by a hash), outbox events (read by id, so ids must become visible in order) and per-day
incident numbers.

Use cases queue them as they go; they are written just before the commit under one lock,
held only from there to the commit. On PostgreSQL that is one round trip (the
`demandhub_seal` function, migration 0002) so the lock is never held while Python waits
for the GIL; on SQLite, where every write transaction already holds the database lock, the
same steps run here in Python. Both compute links the same way (`link_hash`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.clock import as_utc
from demandhub.db import UTCDateTime, queued_for_commit

GENESIS = "0" * 64
CHAIN_LOCK_KEY = 0x44454D48  # "DEMH": the advisory lock demandhub_seal takes on PostgreSQL
NUMBER_WIDTH = 4

# The tables as this module writes them (their models live in audit/, events/, incidents/).
# JSON goes in as text, exactly as hashed; times through UTCDateTime, as the models store them.
_audit = sa.table("audit_entries", sa.column("at", UTCDateTime()), *(sa.column(c) for c in (
    "seq", "actor", "action", "entity_type", "entity_id", "details", "prev_hash", "hash")))
_outbox = sa.table("outbox_events", sa.column("at", UTCDateTime()), sa.column("topic"), sa.column("kind"),
                   sa.column("payload"))


def content_hash(*, at: datetime, actor: str, action: str, entity_type: str, entity_id: str, details: dict) -> str:
    """What an audit entry says, hashed: any change to a stored field changes it."""
    body = json.dumps({"at": as_utc(at).isoformat(timespec="microseconds"), "actor": actor, "action": action,
                       "entity": [entity_type, entity_id], "details": details},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def link_hash(seq: int, prev_hash: str, content: str) -> str:
    """An entry's link: its place, the link before it and its content. (demandhub_seal computes the same.)"""
    return hashlib.sha256(f"{seq}:{prev_hash}:{content}".encode()).hexdigest()


def add_audit(session: Session, *, at: datetime, actor: str, action: str, entity_type: str, entity_id: str,
              details: dict) -> None:
    # Round-trip details through JSON now, so the hash covers exactly what the database gives back.
    details = json.loads(json.dumps(details, default=str))
    entry = {"at": as_utc(at), "actor": actor, "action": action, "entity_type": entity_type,
             "entity_id": entity_id, "details": details}
    _queue(session).append(("audit", {**entry, "content_hash": content_hash(**entry)}))


def add_event(session: Session, *, at: datetime, topic: str, kind: str, payload: dict) -> None:
    _queue(session).append(("event", {"at": as_utc(at), "topic": topic, "kind": kind, "payload": payload}))


def add_number(session: Session, *, counter: str, prefix: str, table: str, column: str, row_id: int,
               assigned: Callable[[str], None]) -> None:
    """Number a row from a counter at commit: `{prefix}{n:04d}` into table.column, then `assigned(value)`."""
    _queue(session).append(("number", {"counter": counter, "prefix": prefix, "table": table, "column": column,
                                       "row_id": row_id, "assigned": assigned}))


def _queue(session: Session) -> list:
    return queued_for_commit(session, "chain", _seal)


def _seal(session: Session, items: list[tuple[str, dict]]) -> None:
    audit = [row for kind, row in items if kind == "audit"]
    events = [row for kind, row in items if kind == "event"]
    numbers = [row for kind, row in items if kind == "number"]
    if session.get_bind().dialect.name == "postgresql":
        values = _seal_postgresql(session, audit, events, numbers)
    else:
        values = _seal_here(session, audit, events, numbers)
    for number, value in zip(numbers, values):
        number["assigned"](value)


def _seal_postgresql(session: Session, audit, events, numbers) -> list[str]:
    def js(rows, keys):
        return json.dumps([{k: (r[k].isoformat() if isinstance(r[k], datetime) else r[k]) for k in keys} for r in rows],
                          ensure_ascii=False, default=str)

    # details travel as text: the json column then keeps them exactly as hashed.
    audit_rows = [{**r, "details": json.dumps(r["details"], ensure_ascii=False)} for r in audit]
    result = session.execute(sa.text("SELECT demandhub_seal(CAST(:a AS jsonb), CAST(:e AS jsonb), CAST(:n AS jsonb))"), {
        "a": js(audit_rows, ("at", "actor", "action", "entity_type", "entity_id", "details", "content_hash")),
        "e": js(events, ("at", "topic", "kind", "payload")),
        "n": js(numbers, ("counter", "prefix", "table", "column", "row_id")),
    }).scalar_one()
    return list(result or [])


def _seal_here(session: Session, audit, events, numbers) -> list[str]:
    # SQLite: this write transaction began with BEGIN IMMEDIATE and holds the database lock.
    conn = session.connection()
    if audit:
        last = conn.execute(sa.select(_audit.c.seq, _audit.c.hash).order_by(_audit.c.seq.desc()).limit(1)).first()
        seq, prev = (last[0], last[1]) if last else (0, GENESIS)
        rows = []
        for entry in audit:
            seq += 1
            link = link_hash(seq, prev, entry["content_hash"])
            rows.append({**{k: v for k, v in entry.items() if k != "content_hash"},
                         "details": json.dumps(entry["details"], ensure_ascii=False),
                         "seq": seq, "prev_hash": prev, "hash": link})
            prev = link
        conn.execute(sa.insert(_audit), rows)
    if events:
        conn.execute(sa.insert(_outbox), [{**e, "payload": json.dumps(e["payload"], default=str)} for e in events])
    values = []
    for n in numbers:
        stmt = sa.text("INSERT INTO reference_counters (day, last) VALUES (:c, 1) ON CONFLICT (day) "
                       "DO UPDATE SET last = reference_counters.last + 1 RETURNING last")
        value = f"{n['prefix']}{conn.execute(stmt, {'c': n['counter']}).scalar_one():0{NUMBER_WIDTH}d}"
        target = sa.table(n["table"], sa.column("id"), sa.column(n["column"]))
        conn.execute(sa.update(target).where(target.c.id == n["row_id"]).values({n["column"]: value}))
        values.append(value)
    return values
