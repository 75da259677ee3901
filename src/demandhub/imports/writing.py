"""Writing checked calls into the tables the live system writes, a chunk at a time, with
set-based inserts (one executemany per table per chunk, never an ORM object per row).

An imported call becomes what the call-taking screen would have left behind, so every
measure reads it unchanged: a contact (presented when the call came), a placeholder
assessment and grading decision (the incident needs one; they say they were imported and
carry no THRIVE+ dimensions, which the source never recorded), a closed incident with the
mapped grade, type and closing code, the link between them, one timeline entry, and where
the source timed a response, an assignment of the source's "imported" unit carrying the
dispatched, en-route and on-scene times the attendance clock reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub import classification
from demandhub.assessment.models import Assessment, GradingDecision
from demandhub.contacts.models import Contact
from demandhub.dispatch.models import Assignment
from demandhub.imports.models import ImportedCall
from demandhub.imports.rows import Call
from demandhub.incidents.lifecycle import Status
from demandhub.incidents.models import Incident, IncidentContact, TimelineEntry


def _plain(table: sa.Table) -> sa.TableClause:
    """The table with untyped columns: values go to the driver as given, with no per-value
    processing by SQLAlchemy (that processing cost more than the inserts). `_Encoder` prepares
    them exactly as the column types would (UTCDateTime, JSON)."""
    return sa.table(table.name, *(sa.column(c.name) for c in table.columns))


_contacts = _plain(Contact.__table__)
_assessments = _plain(Assessment.__table__)
_decisions = _plain(GradingDecision.__table__)
_incidents = _plain(Incident.__table__)
_links = _plain(IncidentContact.__table__)
_timeline = _plain(TimelineEntry.__table__)
_assignments = _plain(Assignment.__table__)
_imported = _plain(ImportedCall.__table__)


class _Encoder:
    """Times and JSON as UTCDateTime and sa.JSON would bind them on this database."""

    def __init__(self, dialect: str):
        self.sqlite = dialect == "sqlite"
        self.empty_list, self.empty_dict = self.json([]), self.json({})

    def time(self, value: datetime | None):
        if value is None:
            return None
        if self.sqlite:  # SQLAlchemy's SQLite DATETIME text form, in UTC
            return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")
        return value

    @staticmethod
    def json(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


@dataclass(frozen=True)
class Target:
    """Where a batch goes: who the records are by, under which batch and unit."""

    source: str
    reference_prefix: str
    policy_name: str  # "import:sandiego": what graded these calls was the source, not our policy
    policy_version: str
    account_id: int
    account_name: str
    batch_id: int
    unit_id: int | None  # the source's placeholder unit, when any call was attended


def _ids(session: Session, table: sa.TableClause, rows: list[dict]) -> list[int]:
    """Insert rows with ids taken beforehand, and return the ids in the order of the rows.

    Taking the ids first lets one plain executemany write the rows; INSERT .. RETURNING with
    the rows' order kept falls back to a statement per row on SQLite (no sentinel column).
    On PostgreSQL the ids come from the table's own sequence, so concurrent inserts elsewhere
    never collide; on SQLite this transaction holds the database's write lock (BEGIN
    IMMEDIATE, see demandhub.db), so nobody else can take the ids after the current largest.
    """
    ids = _reserve(session, table, len(rows))
    _insert(session, table, [{**row, "id": new_id} for row, new_id in zip(rows, ids)])
    return ids


def _insert(session: Session, table: sa.TableClause, rows: list[dict]) -> None:
    """All the rows in one go: an executemany on SQLite; on PostgreSQL a COPY in this same
    transaction (psycopg's executemany sends a statement per row, several times slower)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(sa.insert(table), rows)
        return
    columns = list(rows[0])
    bound = session.connection()
    names = ", ".join(f'"{c}"' for c in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    dbapi = bound.dialect.loaded_dbapi
    try:
        with bound.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
    except dbapi.Error as exc:  # the same exceptions SQLAlchemy raises for its own statements
        raise sa.exc.DBAPIError.instance(statement, None, exc, dbapi.Error, dialect=bound.dialect) from exc


def _reserve(session: Session, table: sa.TableClause, n: int) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(sa.text(
            "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"), {"t": table.name, "n": n}))
    last = session.scalar(sa.select(sa.func.max(table.c.id))) or 0
    return list(range(last + 1, last + 1 + n))


def write_chunk(session: Session, calls: list[Call], *, target: Target) -> None:
    if not calls:
        return
    enc = _Encoder(session.get_bind().dialect.name)
    t, j, none_list, none_dict = enc.time, enc.json, enc.empty_list, enc.empty_dict
    who = target.account_id
    created = [t(c.created) for c in calls]
    opened = [t(c.opened) for c in calls]
    closed = [t(_closed(c)) for c in calls]
    restricted = [_restricted(c) for c in calls]
    contact_ids = _ids(session, _contacts, [{
        "channel": c.channel, "caller_name": None, "caller_number": None, "caller_number_raw": None,
        "location_text": c.location_text, "latitude": c.latitude, "longitude": c.longitude,
        "description": c.summary, "presented_at": created[i], "answered_at": None, "ended_at": None,
        "abandoned": False, "restricted": restricted[i], "created_at": created[i], "created_by": who,
        "reference": None, "answered_by": None, "urgent": False, "idempotency_key": None,
        "request_fingerprint": None} for i, c in enumerate(calls)])
    imported = {"imported": {"source": target.source, "batch_id": target.batch_id}, "fired": [], "actions": []}
    assessment_ids = _ids(session, _assessments, [{
        "contact_id": contact_ids[i], "version": 1, "incident_type": c.incident_type, "qualifiers": none_list,
        "dimensions": none_dict, "vulnerabilities": none_list, "cue_flags": none_list,
        "cue_flags_removed": none_list, "ndm": none_dict,
        "recommendation": j({**imported, "grade": c.grade, "line": c.line}), "recommended_grade": c.grade,
        "policy_name": target.policy_name, "policy_version": target.policy_version, "assessed_by": who,
        "assessed_at": opened[i]} for i, c in enumerate(calls)])
    decision_ids = _ids(session, _decisions, [{
        "assessment_id": assessment_ids[i], "recommended_grade": c.grade, "grade": c.grade, "overridden": False,
        "override_rationale": None, "policy_name": target.policy_name, "policy_version": target.policy_version,
        "decided_by": who, "decided_at": opened[i]} for i, c in enumerate(calls)])
    incident_ids = _ids(session, _incidents, [{
        "reference": f"{target.reference_prefix}{c.source_id}",
        "category": classification.incident_type(c.incident_type).category, "incident_type": c.incident_type,
        "qualifiers": none_list, "grade": c.grade, "status": Status.CLOSED.value, "restricted": restricted[i],
        "summary": c.summary, "location_text": c.location_text, "latitude": c.latitude, "longitude": c.longitude,
        "grading_decision_id": decision_ids[i], "created_at": opened[i], "created_by": who, "updated_at": closed[i],
        "closed_at": closed[i], "closing_code": c.closing_code} for i, c in enumerate(calls)])
    _insert(session, _links, [
        {"contact_id": contact_ids[i], "incident_id": incident_ids[i], "linked_at": opened[i], "linked_by": who}
        for i in range(len(calls))])
    _insert(session, _timeline, [
        {"incident_id": incident_ids[i], "at": opened[i], "actor": target.account_name, "kind": "imported",
         "text": _timeline_text(c, target),
         "data": j({"batch_id": target.batch_id, "line": c.line, "source_id": c.source_id, **c.kept})}
        for i, c in enumerate(calls)])
    _insert(session, _imported, [
        {"incident_id": incident_ids[i], "contact_id": contact_ids[i], "batch_id": target.batch_id,
         "source": target.source, "source_id": c.source_id, "line": c.line, "priority": c.kept.get("priority"),
         "call_type": c.kept.get("call_type"), "disposition": c.kept.get("disposition"),
         "source_area": c.kept.get("area"), "area": c.area}
        for i, c in enumerate(calls)])
    attended = [i for i, c in enumerate(calls) if c.attended]
    if attended:
        _insert(session, _assignments, [{
            "incident_id": incident_ids[i], "unit_id": target.unit_id, "assigned_at": t(_assigned(calls[i])),
            "assigned_by": who, "eta_s": None, "distance_m": None, "en_route_at": t(calls[i].en_route),
            "at_scene_at": t(calls[i].on_scene), "ended_at": closed[i],
            # Arrived: the job was done. Sent but never arrived: stood down before arriving.
            "outcome": "cleared" if calls[i].on_scene is not None else "cancelled"} for i in attended])


def _restricted(call: Call) -> bool:
    return classification.incident_type(call.incident_type).restricted


def _assigned(call: Call) -> datetime:
    return call.dispatched or call.en_route or call.on_scene


def _closed(call: Call) -> datetime:
    """The source's closing time; without one, the last time it gives for the call. The export
    says the call is closed, not when: this way no attendance clock runs on to "now" and
    calls it missed (closed before any arrival, it counts as neither met nor missed)."""
    return call.closed or call.last_time


def _timeline_text(call: Call, target: Target) -> str:
    kept = ", ".join(f"{k} {v}" for k, v in call.kept.items() if v)
    return (f"Imported from {target.source} record {call.source_id} (batch {target.batch_id}, line {call.line})"
            + (f": {kept}." if kept else "."))
