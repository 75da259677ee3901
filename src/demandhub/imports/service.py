"""Importing a calls-for-service export: the use case.

All or nothing: it runs in the caller's one transaction, so any failure (a database error,
a refused file, strict mode meeting a bad row) leaves nothing behind. Rows are streamed:
read, checked and written a chunk at a time, so memory does not grow with the file.

Re-importing: the same file (by SHA-256) for the same source is refused whole, naming the
batch that imported it. A different file that repeats calls already imported (exports often
overlap: "last 30 days" taken weekly) imports only the new ones; the rest are counted as
skipped. A source id repeated inside one file is a rejected row, since one of the two
versions would silently win.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.assessment.models import IMPORTED_POLICY_PREFIX
from demandhub.audit import service as audit
from demandhub.auth.models import User
from demandhub.auth.roles import Role
from demandhub.db import dialect_insert
from demandhub.errors import Conflict, Invalid
from demandhub.imports.mapping import CallMapping, MappingError
from demandhub.imports.models import ImportBatch, ImportedCall
from demandhub.imports.reading import FileRefused, Record, Records, file_sha256, read_records
from demandhub.imports.rows import Call, HeaderMissing, Rejection, RowChecker
from demandhub.imports.summary import Summary
from demandhub.imports.writing import Target, write_chunk
from demandhub.resources.models import Unit
from demandhub.resources.status import UnitStatus

CHUNK = 2000
IMPORTED_UNIT_KIND = "imported"
Progress = Callable[[int], None]  # bytes of the file read so far


class ImportRefused(Invalid):
    """Nothing was imported; `summary` says what was found before or while refusing."""

    def __init__(self, message: str, *, summary: Summary | None = None):
        super().__init__(message)
        self.summary = summary


def import_calls(session: Session, *, path: Path, mapping: CallMapping, grades: tuple[str, ...] | list[str],
                 actor: str, now: datetime, force_name: str | None = None, dry_run: bool = False,
                 strict: bool | None = None, chunk: int = CHUNK, progress: Progress | None = None) -> Summary:
    """Import `path` through `mapping`; with `dry_run`, check everything and write nothing."""
    try:
        mapping.check_grades(grades)
    except MappingError as exc:
        raise ImportRefused(str(exc)) from None
    strict = mapping.strict if strict is None else strict
    force = (force_name or mapping.force).strip()[:100] or mapping.force
    path = Path(path)
    try:
        digest = file_sha256(path)
    except OSError as exc:
        raise ImportRefused(f"{path}: cannot read the file ({exc.strerror})") from None
    earlier = session.scalar(sa.select(ImportBatch).where(ImportBatch.source == mapping.source,
                                                          ImportBatch.file_sha256 == digest))
    if earlier is not None:
        raise Conflict(f"{path.name} was imported already for source {mapping.source}: batch {earlier.id}, "
                       f"{earlier.imported} calls, on {earlier.imported_at:%Y-%m-%d %H:%M} UTC "
                       f"by {earlier.imported_by}")
    try:
        header, records = read_records(path, encoding=mapping.encoding, delimiter=mapping.delimiter)
    except FileRefused as exc:
        raise ImportRefused(f"{path.name}: {exc}") from None
    try:
        checker = RowChecker(mapping, header)
    except HeaderMissing as exc:
        records.close()
        raise ImportRefused(f"{path.name}: {exc}") from None
    summary = Summary(source=mapping.source, file_name=path.name, zone=mapping.times.zone, dry_run=dry_run,
                      file_sha256=digest)
    try:
        target = None if dry_run else _target(session, mapping, force=force, file_name=path.name, digest=digest,
                                              actor=actor, now=now)
        _run(session, records, checker, summary, target=target, strict=strict, chunk=chunk, progress=progress)
    except FileRefused as exc:
        raise ImportRefused(f"{path.name}: {exc}", summary=summary) from None
    finally:
        records.close()
    if strict and summary.rejected:
        raise ImportRefused(f"strict mode: {summary.rejected} of {summary.rows_read} rows rejected, so nothing "
                            "was imported", summary=summary)
    if target is not None:
        _finish(session, target, summary, mapping=mapping, force=force, actor=actor, now=now)
    return summary


def _run(session: Session, records: Records, checker: RowChecker, summary: Summary, *, target: Target | None,
         strict: bool, chunk: int, progress: Progress | None) -> None:
    seen: set[str] = set()
    pending: list[Call] = []

    def flush() -> None:
        fresh = _not_imported_before(session, checker.mapping.source, pending, summary)
        if target is not None and not (strict and summary.rejected):  # strict: it will all be undone anyway
            write_chunk(session, fresh, target=target)
        summary.count(fresh)
        pending.clear()
        if progress is not None:
            progress(records.position)

    for record in records:
        summary.rows_read += 1
        outcome = _check(checker, record)
        if isinstance(outcome, Call):
            if outcome.source_id in seen:
                outcome = Rejection(record.line, outcome.source_id, "source id repeated in this file",
                                    f"{checker.mapping.source_id}={outcome.source_id!r}")
            else:
                seen.add(outcome.source_id)
        if isinstance(outcome, Rejection):
            summary.reject(outcome)
            continue
        pending.append(outcome)
        if len(pending) >= chunk:
            flush()
    flush()


def _check(checker: RowChecker, record: Record) -> Call | Rejection:
    if record.cells is None:
        return Rejection(record.line, None, "unreadable CSV", record.error or "")
    return checker.check(record.cells, record.line)


def _not_imported_before(session: Session, source: str, calls: list[Call], summary: Summary) -> list[Call]:
    if not calls:
        return calls
    known = set(session.scalars(sa.select(ImportedCall.source_id).where(
        ImportedCall.source == source, ImportedCall.source_id.in_([c.source_id for c in calls]))))
    if not known:
        return calls
    fresh = []
    for call in calls:
        if call.source_id in known:
            summary.skip(call)
        else:
            fresh.append(call)
    return fresh


def _target(session: Session, mapping: CallMapping, *, force: str, file_name: str, digest: str, actor: str,
            now: datetime) -> Target:
    batch = ImportBatch(source=mapping.source, force_name=force, mapping_name=mapping.name,
                        mapping_version=mapping.version, file_name=file_name[:255], file_sha256=digest, rows_read=0,
                        imported=0, rejected=0, skipped=0, summary={}, imported_at=now, imported_by=actor[:120])
    session.add(batch)
    session.flush()
    account = _source_account(session, mapping.source, force=force, now=now)
    times = mapping.times
    attended = any((times.dispatched, times.en_route, times.on_scene))
    unit_id = _source_unit(session, mapping.source, force=force, now=now) if attended else None
    return Target(source=mapping.source, reference_prefix=mapping.reference_prefix,
                  policy_name=f"{IMPORTED_POLICY_PREFIX}{mapping.name}"[:80], policy_version=mapping.version, account_id=account.id,
                  account_name=account.username, batch_id=batch.id, unit_id=unit_id)


def _source_account(session: Session, source: str, *, force: str, now: datetime) -> User:
    """The author of a source's records ("import-sandiego"): an account nobody logs in to (inactive,
    no permissions, no password), so imported records are never attributed to a member of staff."""
    username = f"import-{source}".replace("_", "-")
    session.execute(dialect_insert(session, User.__table__).values(
        username=username, display_name=f"Imported: {force}"[:120], role=Role.PUBLIC.value,
        password_hash="!imported: no password", active=False, created_at=now,
    ).on_conflict_do_nothing(index_elements=["username"]))
    return session.scalar(sa.select(User).where(User.username == username))


def _source_unit(session: Session, source: str, *, force: str, now: datetime) -> int:
    """One placeholder unit per source ("IMP-SANDIEGO"), off duty for ever, that the source's
    attended calls are assigned to. The exports time the first response but rarely name the unit
    (and never in a form our units could match), while the attendance clock reads assignments."""
    call_sign = f"IMP-{source.upper()}"[:20]
    unit = session.scalar(sa.select(Unit).where(Unit.call_sign == call_sign))
    if unit is None:
        unit = Unit(call_sign=call_sign, kind=IMPORTED_UNIT_KIND, skills=[], equipment=[], station=force[:80],
                    status=UnitStatus.OFF_DUTY.value, status_at=now,
                    status_note="Placeholder for imported attendance: never dispatched", created_at=now)
        session.add(unit)
        session.flush()
    return unit.id


def _finish(session: Session, target: Target, summary: Summary, *, mapping: CallMapping, force: str, actor: str,
            now: datetime) -> None:
    summary.batch_id = target.batch_id
    details = summary.as_dict()
    session.execute(sa.update(ImportBatch).where(ImportBatch.id == target.batch_id).values(
        rows_read=summary.rows_read, imported=summary.imported, rejected=summary.rejected, skipped=summary.skipped,
        summary=details))
    audit.append(session, actor=actor, action="import.calls", entity_type="import_batch", entity_id=target.batch_id,
                 at=now, details={"source": mapping.source, "force": force, "mapping": mapping.name,
                                  "mapping_version": mapping.version, "file": summary.file_name,
                                  "sha256": summary.file_sha256,
                                  "rows_read": summary.rows_read, "imported": summary.imported,
                                  "skipped": summary.skipped, "rejected": summary.rejected,
                                  "rejected_by_reason": {r.reason: r.count for r in summary.top_reasons(10)}})
