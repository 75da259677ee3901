"""An import writes everything or nothing: strict mode meeting a bad row, a database failure
half-way through, a file that cannot be read."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from demandhub.imports import service
from demandhub.imports.mapping import load_mapping
from demandhub.imports.service import ImportRefused
from tests.imports.support import HERE, counts, run, san_diego_rows, write_csv


def test_strict_mode_with_one_bad_row_imports_nothing_and_names_the_row(sessions, engine, tmp_path):
    header, rows = san_diego_rows(40)
    rows[25][header.index("date_time")] = "2023-02-30 10:00:00"  # no such day
    path = write_csv(tmp_path / "one_bad.csv", header, rows)
    before = counts(engine)
    with pytest.raises(ImportRefused, match=r"strict mode: \d+ of 40 rows rejected, so nothing was imported") as caught:
        run(sessions, path, strict=True)
    assert counts(engine) == before
    reasons = {r.reason: r for r in caught.value.summary.reasons.values()}
    bad_time = reasons["created time (date_time) is not in a declared format"]
    assert bad_time.first_lines == [27] and bad_time.example == "'2023-02-30 10:00:00'"


def test_strict_can_be_the_mappings_own_setting(sessions, engine, tmp_path):
    text = (HERE.parents[1] / "src/demandhub/imports/mappings/sandiego.yaml").read_text()
    strict = tmp_path / "strict.yaml"
    strict.write_text(text.replace("source_id: incident_num", "source_id: incident_num\nstrict: true"))
    header, rows = san_diego_rows(10)
    rows[3][header.index("priority")] = "7"
    path = write_csv(tmp_path / "p7.csv", header, rows)
    before = counts(engine)
    with pytest.raises(ImportRefused, match="strict mode"):
        run(sessions, path, strict)
    assert counts(engine) == before
    assert run(sessions, path, strict, strict=False).imported == 9  # the command line can say otherwise


def test_a_database_failure_half_way_leaves_nothing(sessions, engine, tmp_path):
    """A real failure from the database, not a mock: another source whose references start with
    the same prefix already holds SD-<id> for a call deep in the file, so the incidents'
    unique reference refuses the fifth chunk after four have been written."""
    header, rows = san_diego_rows(5000)
    text = (HERE.parents[1] / "src/demandhub/imports/mappings/sandiego.yaml").read_text()
    other = tmp_path / "other.yaml"
    other.write_text(text.replace("source: sandiego", "source: sd-copy").replace("name: sandiego", "name: sd-copy"))
    clash = next(r for r in rows[4500:] if r[-1] != "9")
    run(sessions, write_csv(tmp_path / "earlier.csv", header, [clash]), other)
    before = counts(engine)

    progress = []
    with pytest.raises(sa.exc.IntegrityError):
        run(sessions, write_csv(tmp_path / "part.csv", header, rows), chunk=1000, progress=progress.append)
    assert len(progress) >= 4  # four chunks of 1,000 calls were written before it failed
    assert counts(engine) == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT source FROM import_batches")).scalars().all() == ["sd-copy"]


def test_a_file_without_a_mapped_column_is_refused_naming_it(sessions, engine, tmp_path):
    header, rows = san_diego_rows(5)
    i = header.index("priority")
    path = write_csv(tmp_path / "no_priority.csv", header[:i] + header[i + 1:], [r[:i] + r[i + 1:] for r in rows])
    before = counts(engine)
    with pytest.raises(ImportRefused,
                       match="no_priority.csv: the file has no column 'priority' \\(named in the mapping\\)"):
        run(sessions, path)
    assert counts(engine) == before


def test_a_file_not_in_the_declared_encoding_is_refused_whole(sessions, engine, tmp_path):
    header, rows = san_diego_rows(30)
    rows[20][header.index("address_road_primary")] = "CAÑON"
    path = write_csv(tmp_path / "latin1.csv", header, rows, encoding="latin-1")
    before = counts(engine)
    with pytest.raises(ImportRefused, match="latin1.csv: line 22: not utf-8-sig text"):
        run(sessions, path)
    assert counts(engine) == before


def test_empty_files_and_broken_lines(sessions, engine, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    with pytest.raises(ImportRefused, match="the file is empty: no header line"):
        run(sessions, empty)
    header, rows = san_diego_rows(3)
    path = write_csv(tmp_path / "short.csv", header, rows)
    with open(path, "a") as handle:
        handle.write('"E2301XXXX","2023-01-01 00:00:05"\n')
    summary = run(sessions, path)
    assert summary.imported == 3
    assert {r.reason: (r.first_lines, r.example) for r in summary.reasons.values()} == {
        "wrong number of fields": ([5], "expected 14, found 2")}


def test_grades_the_policy_does_not_have_refuse_the_import(sessions, engine):
    from tests.imports.support import SAN_DIEGO

    with sessions() as session, pytest.raises(ImportRefused, match=r"grade '4' not in the grading policy"):
        service.import_calls(session, path=SAN_DIEGO, mapping=load_mapping("sandiego"), grades=("1", "2", "3"),
                             actor="test", now=None)
