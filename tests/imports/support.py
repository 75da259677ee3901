"""Running an import as the CLI does (one transaction), and reading back what it wrote."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from demandhub import db
from demandhub.imports import service
from demandhub.imports.mapping import load_mapping

HERE = Path(__file__).parent
SAN_DIEGO = Path("/work/shared/data/sandiego/pd_calls_for_service_2023_datasd.csv")
US_SAMPLE = HERE / "us_open_data_sample.csv"
GRADES = ("1", "2", "3", "4", "RFC", "REF")
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
COUNTED = ("contacts", "incidents", "assessments", "grading_decisions", "incident_contacts", "incident_timeline",
           "assignments", "imported_calls", "import_batches", "audit_entries", "units", "users")


def run(sessions, path: Path, mapping="sandiego", *, dry_run: bool = False, **options):
    chosen = load_mapping(mapping) if isinstance(mapping, (str, Path)) else mapping
    factory = db.reader_factory(sessions.kw["bind"]) if dry_run else sessions
    with db.unit_of_work(factory) as session:
        return service.import_calls(session, path=path, mapping=chosen, grades=GRADES, actor="test", now=NOW,
                                    dry_run=dry_run, **options)


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in COUNTED}


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, encoding: str = "utf-8") -> Path:
    import csv

    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def san_diego_rows(n: int | None = None) -> tuple[list[str], list[list[str]]]:
    import csv

    with open(SAN_DIEGO, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for _, row in zip(range(n) if n is not None else iter(int, 1), reader)]
    return header, rows
