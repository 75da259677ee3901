"""The real San Diego file (26,595 calls) imported through the shipped mapping, checked against
a direct count of the CSV made here with the csv module alone."""

from __future__ import annotations

import csv
import time
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from demandhub.audit import service as audit
from demandhub.errors import Conflict
from tests.imports.support import SAN_DIEGO, counts, run, san_diego_rows, write_csv

LA = ZoneInfo("America/Los_Angeles")
GRADE_OF = {"0": "1", "1": "1", "2": "2", "3": "3", "4": "4"}  # sandiego.yaml, as its comments give it


def direct_count():
    """Straight from the file: the hour is read off the local time text, no time zone involved."""
    hours, priorities, odd, total = Counter(), Counter(), [], 0
    with open(SAN_DIEGO, newline="", encoding="utf-8-sig") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            total += 1
            if row["priority"] in GRADE_OF:
                hours[int(row["date_time"][11:13])] += 1
                priorities[row["priority"]] += 1
            else:
                odd.append((line, row["priority"]))
    return total, hours, priorities, odd


@pytest.fixture(scope="module")
def expected():
    return direct_count()


def test_san_diego_imports_and_its_demand_by_hour_and_priority_mix_match_the_csv(sessions, engine, expected):
    total, hours, priorities, odd = expected
    started = time.perf_counter()
    summary = run(sessions, SAN_DIEGO)
    took = time.perf_counter() - started
    print(f"\nSan Diego import: {summary.rows_read} rows in {took:.2f} s on {engine.dialect.name}")

    assert summary.rows_read == total == 26_595
    assert summary.imported == sum(priorities.values()) == total - len(odd)
    # The odd priorities are reported, with the reason and where they are, not hidden.
    assert summary.rejected == len(odd) > 0
    [reason] = summary.reasons.values()
    assert reason.reason == "grade: priority value '9' is not in the mapping"
    assert reason.count == len(odd) and reason.first_lines == [line for line, _ in odd[:5]]

    with engine.connect() as conn:
        presented = conn.execute(sa.text(
            "SELECT c.presented_at, ic.priority, i.grade, i.status, i.closing_code, i.reference FROM imported_calls ic "
            "JOIN contacts c ON c.id = ic.contact_id JOIN incidents i ON i.id = ic.incident_id")).all()
    from demandhub.db import UTCDateTime  # read the stored times exactly as the application does

    as_utc = UTCDateTime().process_result_value
    by_hour = Counter(as_utc(_parse(row.presented_at), engine.dialect).astimezone(LA).hour for row in presented)
    assert by_hour == hours  # demand by hour of day, local time
    assert Counter(row.priority for row in presented) == priorities  # priority mix, their codes
    assert Counter(row.grade for row in presented) == Counter(
        {g: sum(n for p, n in priorities.items() if GRADE_OF[p] == g) for g in set(GRADE_OF.values())})
    assert {row.status for row in presented} == {"closed"}
    assert all(row.closing_code for row in presented)
    assert all(row.reference.startswith("SD-E23") for row in presented)
    assert summary.hours == hours and summary.priorities == priorities

    made = counts(engine)
    assert made["contacts"] == made["incidents"] == made["imported_calls"] == made["incident_contacts"] == \
        made["assessments"] == made["grading_decisions"] == summary.imported
    assert made["assignments"] == 0 and made["units"] == 0  # San Diego has no dispatch or arrival times
    assert made["import_batches"] == 1 and made["audit_entries"] == 1  # one audit entry per import, not per row
    with sessions() as session:
        assert audit.verify(session).ok


def _parse(value):
    if isinstance(value, str):  # SQLite hands back text
        from datetime import datetime

        return datetime.fromisoformat(value)
    return value


def test_the_same_file_twice_is_refused_and_an_overlapping_export_adds_only_new_calls(sessions, engine, tmp_path):
    header, rows = san_diego_rows(300)
    first = write_csv(tmp_path / "first.csv", header, rows[:200])
    assert run(sessions, first).imported == 200 - sum(r[-1] == "9" for r in rows[:200])
    before = counts(engine)

    with pytest.raises(Conflict, match="first.csv was imported already for source sandiego: batch 1"):
        run(sessions, first)
    assert counts(engine) == before

    # Next week's export overlaps this one: rows 100-299. Only 200-299 are new.
    overlap = write_csv(tmp_path / "overlap.csv", header, rows[100:300])
    summary = run(sessions, overlap)
    new = [r for r in rows[200:300] if r[-1] != "9"]
    assert summary.imported == len(new)
    assert summary.skipped == sum(r[-1] != "9" for r in rows[100:200])
    assert summary.skipped_first_lines[0] == 2 + next(i for i, r in enumerate(rows[100:200]) if r[-1] != "9")
    after = counts(engine)
    assert after["incidents"] == before["incidents"] + len(new)
    assert after["import_batches"] == 2 and after["audit_entries"] == 2


def test_a_dry_run_reports_the_same_summary_and_writes_nothing(sessions, engine, tmp_path):
    header, rows = san_diego_rows(3000)
    path = write_csv(tmp_path / "part.csv", header, rows)
    before = counts(engine)
    dry = run(sessions, path, dry_run=True)
    assert counts(engine) == before
    real = run(sessions, path)
    assert dry.dry_run and not real.dry_run
    assert (dry.rows_read, dry.imported, dry.rejected, dry.hours, dry.grades, dry.priorities) == \
        (real.rows_read, real.imported, real.rejected, real.hours, real.grades, real.priorities)
    assert {k: (v.count, v.first_lines) for k, v in dry.reasons.items()} == \
        {k: (v.count, v.first_lines) for k, v in real.reasons.items()}
