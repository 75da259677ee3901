"""Whatever a cell holds, a row is either a call we can store or a rejection with a reason:
the checker never raises, and what it accepts the database takes."""

from __future__ import annotations

import csv
from datetime import timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demandhub import classification
from demandhub.imports import service
from demandhub.imports.mapping import load_mapping
from demandhub.imports.rows import Call, Rejection, RowChecker
from tests.imports.support import GRADES, NOW, SAN_DIEGO, US_SAMPLE

US = load_mapping("us-open-data")
SD = load_mapping("sandiego")


def read(path, n: int = 60) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        head = next(reader)
        return head, [row for _, row in zip(range(n), reader) if row]


(US_HEADER, US_ROWS), (SD_HEADER, SD_ROWS) = read(US_SAMPLE), read(SAN_DIEGO)

# Cells that get a row past the first checks, mixed with anything at all.
PLAUSIBLE = st.sampled_from([
    "", " ", "0", "A", "b", "C", "E", "9", "2", "415", "217", "K", "REP", "Y", "N", "HSOC",
    "2023-03-01T10:00:00.000", "2023-03-01T10:05:00.000", "2023-03-12T02:30:00.000", "2023-11-05T01:30:00.000",
    "2023/03/02 09:15:00 AM", "2023-01-01 00:00:05", "2023-01-01 23:59:59", "1900-01-01 00:00:00",
    "9999-12-31 23:59:59", "0001-01-01T00:00:00.000", "POINT (-122.41 37.77)", "POINT (200 100)", "POINT (nan nan)",
    "POINT (0 0)", "E23010000001", "x" * 70, "\x00", "\ud800",
])
CELL = st.one_of(PLAUSIBLE, st.text(max_size=30))


def rows(width: int, real: list[list[str]]):
    """Real rows with up to three cells replaced (mostly deep paths), or cells at random."""
    def mutate(base_and_changes):
        base, changes = base_and_changes
        cells = list(base)
        for index, value in changes:
            cells[index % width] = value
        return cells

    mutated = st.tuples(st.sampled_from(real), st.lists(st.tuples(st.integers(0, width - 1), CELL), max_size=3))
    exact = st.lists(CELL, min_size=width, max_size=width)
    return st.one_of(mutated.map(mutate), mutated.map(mutate), exact, st.lists(CELL, max_size=width + 3))


def check_outcome(outcome, mapping, line):
    assert isinstance(outcome, (Call, Rejection))
    assert outcome.line == line
    if isinstance(outcome, Rejection):
        assert isinstance(outcome.reason, str) and outcome.reason.strip()
        return
    assert outcome.created.tzinfo is timezone.utc or outcome.created.utcoffset().total_seconds() == 0
    assert outcome.grade in mapping.grade.ours()
    assert classification.is_incident_type(outcome.incident_type)
    assert outcome.closing_code in classification.CLOSING_CODES
    assert len(mapping.reference_prefix + outcome.source_id) <= 40
    assert len(outcome.summary) <= 280 and "\x00" not in outcome.summary
    times = [t for t in (outcome.created, outcome.queued, outcome.dispatched, outcome.en_route, outcome.on_scene)
             if t is not None]
    assert times == sorted(times)
    if outcome.latitude is not None:
        assert -90 <= outcome.latitude <= 90 and -180 <= outcome.longitude <= 180


@settings(max_examples=400, deadline=None)
@given(cells=rows(len(US_HEADER), US_ROWS), line=st.integers(2, 10**6))
def test_us_rows_never_raise(cells, line):
    check_outcome(RowChecker(US, US_HEADER).check(cells, line), US, line)


@settings(max_examples=300, deadline=None)
@given(cells=rows(len(SD_HEADER), SD_ROWS), line=st.integers(2, 10**6))
def test_san_diego_rows_never_raise(cells, line):
    check_outcome(RowChecker(SD, SD_HEADER).check(cells, line), SD, line)


FILE_CELL = st.one_of(PLAUSIBLE.filter(lambda c: "\x00" not in c and "\ud800" not in c),
                      st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(body=st.lists(st.tuples(st.sampled_from(US_ROWS), st.lists(st.tuples(st.integers(0, len(US_HEADER) - 1),
                                                                            FILE_CELL), max_size=4)),
                     min_size=1, max_size=6))
def test_whole_files_of_arbitrary_cells_import_or_are_rejected_row_by_row(sessions, tmp_path_factory, body):
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(US_HEADER)
        for base, changes in body:
            cells = list(base)
            for index, value in changes:
                cells[index] = value
            writer.writerow(cells)
    with sessions() as session:
        try:
            summary = service.import_calls(session, path=path, mapping=US, grades=GRADES, actor="fuzz", now=NOW)
            session.flush()
        finally:
            session.rollback()
    assert summary.imported + summary.rejected + summary.skipped == summary.rows_read
