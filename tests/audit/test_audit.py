"""The audit trail is append-only and tamper-evident."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from demandhub import chain, db
from demandhub.audit import service as audit
from demandhub.audit.models import AuditEntry
from tests.helpers import take_call


def _write(sessions, clock, n=3):
    with db.unit_of_work(sessions) as s:
        for i in range(n):
            audit.append(s, actor="call-handler", action="contact.created", entity_type="contact", entity_id=i,
                         at=clock(), details={"channel": "999", "n": i})


def test_each_entry_carries_the_hash_of_the_one_before(sessions, clock):
    _write(sessions, clock)
    with sessions() as s:
        rows = list(s.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq)))
        assert [r.seq for r in rows] == [1, 2, 3]
        assert rows[0].prev_hash == chain.GENESIS
        assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
        assert audit.verify(s) == audit.Verification(True, 3, last_hash=rows[2].hash)


@pytest.mark.parametrize("statement", ["UPDATE audit_entries SET actor = 'someone-else' WHERE seq = 2",
                                       "DELETE FROM audit_entries WHERE seq = 2"])
def test_the_database_refuses_to_change_or_remove_entries(sessions, clock, statement):
    _write(sessions, clock)
    with pytest.raises(DatabaseError):
        with db.unit_of_work(sessions) as s:
            s.execute(sa.text(statement))


def _tamper(engine, statement):
    """Someone with the database's own powers switches the guard off and edits the trail."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
            conn.execute(sa.text(statement))
            conn.execute(sa.text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_entries_no_update"))
            conn.execute(sa.text("DROP TRIGGER audit_entries_no_delete"))
            conn.execute(sa.text(statement))


@pytest.mark.parametrize("statement,where,why", [
    ("UPDATE audit_entries SET actor = 'someone-else' WHERE seq = 2", 2, "altered"),
    ("DELETE FROM audit_entries WHERE seq = 2", 2, "missing"),
    ("DELETE FROM audit_entries WHERE seq = 3", None, None),  # cutting the tail leaves a valid prefix...
])
def test_tampering_shows_where_it_happened(engine, sessions, clock, statement, where, why):
    _write(sessions, clock)
    _tamper(engine, statement)
    with sessions() as s:
        result = audit.verify(s)
    if where is None:
        assert result.ok and result.entries == 2  # ...which is why the count is reported too
    else:
        assert not result.ok and result.first_bad_seq == where and why in result.problem


def test_every_write_in_a_journey_is_audited(client, handler, sessions):
    take_call(client, handler)
    with sessions() as s:
        actions = list(s.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert [a for a in actions if not a.startswith(("user.", "auth."))] == [
        "contact.created", "assessment.recorded", "incident.created", "incident.graded"]


def test_the_chain_survives_awkward_content(sessions, clock):
    """PostgreSQL links entries in SQL, SQLite in Python: both must agree with verify()."""
    with db.unit_of_work(sessions) as s:
        for details in ({"name": "Zoë Ní Bhriain 🚓", "quote": "\"'\\"}, {"big": 1e20, "small": 0.1, "n": -7},
                        {"nested": {"b": [1, {"a": None}], "a": True}}, {}):
            audit.append(s, actor="call-handler", action="contact.created", entity_type="contact",
                         entity_id="7", at=clock(), details=details)
    with sessions() as s:
        result = audit.verify(s)
        assert (result.ok, result.entries) == (True, 4)


def test_entries_written_in_separate_transactions_chain_on(sessions, clock):
    for _ in range(3):
        _write(sessions, clock, n=2)
    with sessions() as s:
        result = audit.verify(s)
        assert (result.ok, result.entries) == (True, 6)
