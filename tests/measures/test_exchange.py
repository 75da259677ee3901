"""The exchange format: our measures out as CSV and Parquet, other forces' in, strictly.

Records (the fake clock's day, Saturday 28 November 2026, London = UTC):
  a 999 call presented 09:59:52, answered 10:00:00 (8 s: within the 10 s standard), graded;
  a 101 call presented 09:50:00, answered 09:51:00 (60 s wait), graded;
  a 101 call presented 09:40:00, abandoned 09:40:30.
So the day's pack has shares with targets (met), means, counts and plenty of "no data".
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from typer.testing import CliRunner

from demandhub import db
from demandhub.auth.roles import Role
from demandhub.cli import app as cli_app
from demandhub.measures import exchange, exchange_store
from demandhub.measures.definitions import DEFINITIONS_VERSION, Standards
from demandhub.measures.exchange import COLUMNS, ExchangeRefused, ExchangeRow
from demandhub.measures.exchange_models import ForceMeasure
from tests import helpers

DAY, NEXT_DAY = date(2026, 11, 28), date(2026, 11, 29)
OTHER = "Otherford Constabulary"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "measures.md"


def _iso(h: int, m: int, s: int = 0) -> str:
    return datetime(2026, 11, 28, h, m, s, tzinfo=UTC).isoformat()


@pytest.fixture
def records(client, handler):
    helpers.take_call(client, handler, contact_body=helpers.contact(
        "Man with a knife outside.", channel="999", presented_at=_iso(9, 59, 52), answered_at=_iso(10, 0)))
    helpers.take_call(client, handler, contact_body=helpers.contact(
        "Bike stolen.", channel="101", presented_at=_iso(9, 50), answered_at=_iso(9, 51)))
    r = client.post("/api/contacts", headers=handler, json=helpers.contact(
        "Silence.", caller_number="01223 555 999", presented_at=_iso(9, 40), ended_at=_iso(9, 40, 30),
        abandoned=True))
    assert r.status_code == 201, r.text


def _export(app, sessions, clock, force: str = OTHER) -> list[ExchangeRow]:
    standards = Standards.from_rules(app.state.dispatch_rules, timezone="Europe/London")
    with db.unit_of_work(sessions) as session:
        return exchange_store.export_rows(session, periods=exchange_store.periods(DAY, NEXT_DAY, "day"), force=force,
                                          standards=standards, grades=app.state.policy.grade_codes, as_of=clock())


def _import(sessions, clock, data: bytes, name: str = "other.csv", our_force: str = "Demoshire Police"):
    with db.unit_of_work(sessions) as session:
        return exchange_store.import_file(session, data=data, name=name, our_force=our_force, actor="test",
                                          now=clock())


def _stored(sessions) -> list[ExchangeRow]:
    with db.unit_of_work(sessions) as session:
        return [ExchangeRow(**{c: getattr(r, c) for c in COLUMNS})
                for r in session.scalars(sa.select(ForceMeasure).order_by(ForceMeasure.id))]


def _count(sessions) -> int:
    with db.unit_of_work(sessions) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(ForceMeasure))


# ---------------------------------------------------------------------------- the documented layout

def test_the_header_is_exactly_the_documented_columns_in_order():
    header = exchange.to_csv([]).decode("utf-8")
    assert header == ",".join(COLUMNS) + "\r\n"
    assert COLUMNS == ("force", "period_start", "period_end", "measure", "segment", "value", "numerator",
                       "denominator", "unit", "target", "met", "definitions_version", "generated_at")
    docs = DOCS.read_text()
    section = docs[re.search(r"^## (\d+\. )?Exchange format$", docs, flags=re.M).start():]
    assert ",".join(COLUMNS) in section  # the header line, as printed in the docs
    documented = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M)
    assert tuple(documented[:len(COLUMNS)]) == COLUMNS  # the column table, in the same order


def test_csv_cells_are_written_as_documented():
    row = ExchangeRow(force='Force "North", Yard', period_start=DAY, period_end=NEXT_DAY,
                      measure="answer_999.within_10s_share", segment="all", value=0.1 + 0.2, numerator=3.0,
                      denominator=4.0, unit="share", target=0.9, met=False, definitions_version=DEFINITIONS_VERSION,
                      generated_at=datetime(2026, 11, 29, 9, 0, 0, 250000, tzinfo=UTC))
    empty = ExchangeRow(**{**row.as_dict(), "segment": "band=under_10s", "value": None, "numerator": None,
                           "denominator": 0.0, "target": None, "met": None})
    lines = exchange.to_csv([row, empty]).decode("utf-8").split("\r\n")
    assert lines[1] == ('"Force ""North"", Yard",2026-11-28,2026-11-29,answer_999.within_10s_share,all,'
                        f"0.30000000000000004,3,4,share,0.9,false,{DEFINITIONS_VERSION},2026-11-29T09:00:00.250000Z")
    assert lines[2].endswith(f",band=under_10s,,,0,share,,,{DEFINITIONS_VERSION},2026-11-29T09:00:00.250000Z")


# ---------------------------------------------------------------------------- round trips

@pytest.mark.usefixtures("records")
@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_export_then_import_as_another_force_gives_back_the_same_figures(app, sessions, clock, kind):
    rows = _export(app, sessions, clock)
    assert rows[0].value is not None
    assert any(r.value is None for r in rows) and any(r.met is True for r in rows)  # nulls and booleans both there
    within = next(r for r in rows if r.measure == "answer_999.within_10s_share")
    assert (within.value, within.numerator, within.denominator, within.target, within.met) == (1.0, 1.0, 1.0, 0.9, True)
    assert next(r for r in rows if r.measure == "call_101.mean_wait_s").value == 60.0

    data = exchange.to_csv(rows) if kind == "csv" else exchange.to_parquet(rows)
    summary = _import(sessions, clock, data, name=f"otherford.{kind}")
    assert (summary.format, summary.rows, summary.added, summary.replaced) == (kind, len(rows), len(rows), 0)
    assert summary.same_version and summary.forces == [OTHER] and summary.periods == [(DAY, NEXT_DAY)]

    stored = _stored(sessions)
    assert stored == rows  # every value, null and flag exactly as exported
    for got, sent in zip(stored, rows):
        for column in ("value", "numerator", "denominator", "target", "met"):
            assert type(getattr(got, column)) is type(getattr(sent, column)), (got.key, column)
        assert got.generated_at == clock() and got.generated_at.tzinfo is not None


@pytest.mark.usefixtures("records")
def test_parquet_columns_are_typed_and_carry_the_definitions_version(app, sessions, clock):
    table = pq.read_table(io.BytesIO(exchange.to_parquet(_export(app, sessions, clock))))
    assert table.column_names == list(COLUMNS)
    types = {f.name: f.type for f in table.schema}
    assert types["period_start"] == pa.date32() and types["value"] == pa.float64() and types["met"] == pa.bool_()
    assert types["generated_at"] == pa.timestamp("us", tz="UTC") and types["force"] == pa.string()
    assert table.schema.metadata[b"demandhub.definitions_version"] == DEFINITIONS_VERSION.encode()
    assert table.column("value").null_count > 0


@pytest.mark.usefixtures("records")
def test_importing_the_same_figures_again_replaces_them_and_says_so(app, sessions, clock):
    rows = _export(app, sessions, clock)
    _import(sessions, clock, exchange.to_csv(rows))
    changed = [ExchangeRow(**{**r.as_dict(), "value": 0.5, "numerator": 1.0, "denominator": 2.0, "met": False})
               if r.measure == "answer_999.within_10s_share" else r for r in rows]
    again = _import(sessions, clock, exchange.to_parquet(changed), name="otherford-v2.parquet")
    assert (again.added, again.replaced) == (0, len(rows))
    assert f"0 new, {len(rows)} replaced" in again.message
    stored = _stored(sessions)
    assert len(stored) == len(rows)
    assert next(r for r in stored if r.measure == "answer_999.within_10s_share").value == 0.5


# ---------------------------------------------------------------------------- definitions versions

def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _row(**changes) -> dict:
    base = {"force": OTHER, "period_start": "2026-11-01", "period_end": "2026-12-01",
            "measure": "answer_999.within_10s_share", "segment": "all", "value": "0.85", "numerator": "850",
            "denominator": "1000", "unit": "share", "target": "0.9", "met": "false",
            "definitions_version": DEFINITIONS_VERSION, "generated_at": "2026-12-05T09:00:00Z"}
    return {**base, **changes}


GOOD = [_row(), _row(measure="call_101.mean_wait_s", value="95.5", numerator="9550", denominator="100",
                     unit="seconds", target="", met=""),
        _row(measure="attendance.within_target_share", segment="grade=1/area=urban", value="", numerator="0",
             denominator="0", met="")]


def test_a_file_of_other_definitions_is_kept_but_flagged(sessions, clock):
    rows = [{**r, "definitions_version": "2025.1"} for r in GOOD] + [
        _row(measure="answer_999.within_8s_share", definitions_version="2025.1")]  # their version's own measure
    summary = _import(sessions, clock, _csv(rows))
    assert not summary.same_version and summary.definitions_version == "2025.1"
    assert f"Their definitions version 2025.1 is not ours ({DEFINITIONS_VERSION})" in summary.message
    assert {r.definitions_version for r in _stored(sessions)} == {"2025.1"}


def test_a_file_mixing_definitions_versions_is_refused_naming_the_row(sessions, clock):
    rows = [GOOD[0], {**GOOD[1], "definitions_version": "2025.1"}]
    with pytest.raises(ExchangeRefused, match=r"row 2 \(line 3\), column definitions_version: '2025.1' differs"):
        _import(sessions, clock, _csv(rows))
    assert _count(sessions) == 0


# ---------------------------------------------------------------------------- bad files

BAD = {
    "not a number": ([GOOD[0], {**GOOD[1], "value": "abc"}], r"row 2 \(line 3\), column value: 'abc' is not a number"),
    "comma decimal": ([{**GOOD[0], "value": "0,85"}], r"row 1 \(line 2\), column value: '0,85' is not a number"),
    "nan": ([{**GOOD[0], "value": "nan"}], r"row 1 \(line 2\), column value: 'nan' is not a number"),
    "unknown measure": ([GOOD[0], GOOD[1], {**GOOD[2], "measure": "attendance.fastest"}],
                        r"row 3 \(line 4\), column measure: 'attendance.fastest' is not a measure of definitions"),
    "wrong unit": ([{**GOOD[1], "unit": "minutes"}], r"row 1 \(line 2\), column unit: 'minutes' is not the unit"),
    "bad date": ([{**GOOD[0], "period_start": "01/11/2026"}], r"row 1 \(line 2\), column period_start: '01/11/2026'"),
    "backwards period": ([{**GOOD[0], "period_end": "2026-10-01"}], r"column period_end: 2026-10-01 is not after"),
    "met disagrees": ([{**GOOD[0], "met": "true"}], r"row 1 \(line 2\), column met: says met but the value 0.85"),
    "met missing": ([{**GOOD[0], "met": ""}], r"column met: is empty although there is a value and a target"),
    "share over 1": ([{**GOOD[0], "value": "1.5", "met": "true"}], r"column value: 1.5 is a share over 1"),
    "negative": ([{**GOOD[1], "numerator": "-3"}], r"column numerator: -3 is negative"),
    "repeated row": ([GOOD[0], GOOD[1], GOOD[0]], r"row 3 \(line 4\), column segment: repeats row 1"),
    "our own force": ([{**GOOD[0], "force": "Demoshire Police"}], r"column force: 'Demoshire Police' is this force"),
    "empty force": ([{**GOOD[0], "force": ""}], r"row 1 \(line 2\), column force: is empty"),
    "bad segment": ([{**GOOD[0], "segment": "grade 1"}], r"column segment: 'grade 1' is not 'all'"),
    "bad instant": ([{**GOOD[0], "generated_at": "2026-12-05 09:00"}], r"column generated_at: '2026-12-05 09:00'"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_csv_is_refused_naming_the_row_and_column_and_nothing_is_written(sessions, clock, case):
    _import(sessions, clock, _csv([{**r, "force": "Westshire Police"} for r in GOOD]), name="earlier.csv")
    before = _stored(sessions)
    rows, message = BAD[case]
    with pytest.raises(ExchangeRefused, match=message) as refused:
        _import(sessions, clock, _csv(rows))
    assert refused.value.problems and refused.value.status_code == 422
    assert _stored(sessions) == before


@pytest.mark.parametrize("data, message", [
    (b"", r"line 1: is empty"),
    (b"force,period_start\r\n", r"header, column period_end: is missing from the header"),
    (_csv(GOOD).replace(b"generated_at", b"generated_at,extra", 1), r"has columns the format does not define: 'extra'"),
    (_csv(GOOD).replace(b"force,", b"segment,", 1), r"column segment: appears twice in the header"),
    (_csv(GOOD) + b"a,b,c\r\n", r"row 4 \(line 5\): has 3 cells, the header 13"),
    (b"\xff\xfe" + _csv(GOOD), r"not UTF-8 text"),
    (_csv(GOOD).replace(b"Otherford", b"Other\x00ford", 1), r"contains a NUL character"),
    (_csv(GOOD[:0]), r"has no rows"),
])
def test_a_file_that_is_not_the_format_is_refused(sessions, clock, data, message):
    with pytest.raises(ExchangeRefused, match=message):
        _import(sessions, clock, data)
    assert _count(sessions) == 0


def test_a_byte_order_mark_and_a_trailing_blank_line_are_fine(sessions, clock):
    assert _import(sessions, clock, b"\xef\xbb\xbf" + _csv(GOOD) + b"\r\n").rows == 3


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def test_a_parquet_file_with_a_wrongly_typed_column_or_bad_row_is_refused(sessions, clock):
    good = exchange.to_parquet(exchange.read_csv(_csv(GOOD)).rows)
    table = pq.read_table(io.BytesIO(good))
    as_text = table.set_column(COLUMNS.index("value"), "value", table.column("value").cast(pa.string()))
    with pytest.raises(ExchangeRefused, match=r"Parquet file refused, nothing imported: column value: has type string"):
        _import(sessions, clock, _parquet(as_text), name="x.parquet")
    met = pa.array([True, None, None], pa.bool_())  # row 1 says met, but 0.85 < 0.9
    with pytest.raises(ExchangeRefused, match=r"row 1, column met: says met"):
        _import(sessions, clock, _parquet(table.set_column(COLUMNS.index("met"), "met", met)), name="x.parquet")
    lying = table.replace_schema_metadata({b"demandhub.definitions_version": b"2025.1"})
    with pytest.raises(ExchangeRefused, match=r"file metadata: the rows say '2026.11' but the file's metadata says"):
        _import(sessions, clock, _parquet(lying), name="x.parquet")
    with pytest.raises(ExchangeRefused, match=r"could not be read as Parquet"):
        _import(sessions, clock, b"PAR1 but not really", name="x.parquet")
    assert _count(sessions) == 0
    assert _import(sessions, clock, good, name="fine.parquet").rows == 3  # the untouched file goes in


# ---------------------------------------------------------------------------- periods

def test_periods_are_whole_local_calendar_periods():
    months = exchange_store.periods(date(2026, 10, 1), date(2027, 1, 1), "month")
    assert [(p.start, p.end) for p in months] == [(date(2026, 10, 1), date(2026, 11, 1)),
                                                   (date(2026, 11, 1), date(2026, 12, 1)),
                                                   (date(2026, 12, 1), date(2027, 1, 1))]
    # October holds the clocks going back: 1 October 00:00 BST is 30 September 23:00 UTC.
    assert months[0].bounds("Europe/London") == (datetime(2026, 9, 30, 23, tzinfo=UTC),
                                                 datetime(2026, 11, 1, 0, tzinfo=UTC))
    assert len(exchange_store.periods(date(2026, 10, 1), date(2027, 1, 1), "quarter")) == 1
    assert len(exchange_store.periods(date(2026, 11, 2), date(2026, 11, 30), "week")) == 4
    with pytest.raises(exchange_store.Invalid, match="from: 2026-10-02 is not the first of a month"):
        exchange_store.periods(date(2026, 10, 2), date(2027, 1, 1), "month")
    with pytest.raises(exchange_store.Invalid, match="to: 2026-12-01 is not the first of January, April"):
        exchange_store.periods(date(2026, 10, 1), date(2026, 12, 1), "quarter")
    with pytest.raises(exchange_store.Invalid, match="at most 400 periods"):
        exchange_store.periods(date(2020, 1, 1), date(2026, 1, 1), "day")


# ---------------------------------------------------------------------------- the command line

runner = CliRunner()


@pytest.fixture
def wide_console(monkeypatch):
    """Messages on one line each, so a long refusal is not wrapped here."""
    from demandhub import cli

    monkeypatch.setattr(cli.console, "width", 300)
    monkeypatch.setattr(cli.err, "width", 300)


def _env(tmp_path, engine):
    return {"DEMANDHUB_DATA_DIR": str(tmp_path), "DEMANDHUB_DATABASE_URL": engine.url.render_as_string(False)}


@pytest.mark.usefixtures("records", "wide_console")
def test_the_commands_export_and_import(tmp_path, engine, sessions):
    out = tmp_path / "otherford.parquet"
    r = runner.invoke(cli_app, ["measures", "export", "--from", "2026-11-28", "--to", "2026-11-29", "--period", "day",
                                "--format", "parquet", "--out", str(out), "--force-name", OTHER], env=_env(tmp_path, engine))
    assert r.exit_code == 0, r.output
    n = int(re.search(r"Wrote ([\d,]+) rows", r.output).group(1))
    assert pq.read_table(out).num_rows == n and set(pq.read_table(out).column("force").to_pylist()) == {OTHER}

    r = runner.invoke(cli_app, ["measures", "import", str(out)], env=_env(tmp_path, engine))
    assert r.exit_code == 0, r.output
    assert f"Imported {n} rows for {OTHER}" in r.output and f"{n} new, 0 replaced" in r.output
    assert _count(sessions) == n

    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([GOOD[0], {**GOOD[1], "denominator": "lots"}]))
    r = runner.invoke(cli_app, ["measures", "import", str(bad)], env=_env(tmp_path, engine))
    assert r.exit_code == 1
    assert "Nothing imported: CSV file refused, nothing imported: row 2 (line 3), column denominator" in r.output
    assert _count(sessions) == n

    r = runner.invoke(cli_app, ["measures", "export", "--from", "2026-11-28", "--to", "2026-12-01",
                                "--out", str(tmp_path / "x.csv")], env=_env(tmp_path, engine))
    assert r.exit_code == 2 and "from: 2026-11-28 is not the first of a month" in r.output


# ---------------------------------------------------------------------------- the API

@pytest.mark.usefixtures("records")
def test_staff_with_measures_download_and_upload_and_handlers_are_refused(client, auth):
    url = "/api/measures/export?from=2026-11-28&to=2026-11-29&period=day"
    assert client.get(url, headers=auth[Role.CALL_HANDLER]).status_code == 403
    for role in (Role.SUPERVISOR, Role.ANALYST):
        r = client.get(url + "&format=csv", headers=auth[role])
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert r.text.startswith(",".join(COLUMNS) + "\r\n")
        assert 'filename="measures-demoshire-police-2026-11-28-2026-11-29-day.csv"' in r.headers["content-disposition"]
    r = client.get(url + "&format=parquet", headers=auth[Role.ANALYST])
    assert r.status_code == 200 and pq.read_table(io.BytesIO(r.content)).column_names == list(COLUMNS)
    r = client.get(url + "&format=json", headers=auth[Role.ANALYST])
    assert r.json()["definitions_version"] == DEFINITIONS_VERSION
    assert r.json()["rows"][1]["measure"] == "answer_999.within_10s_share" and r.json()["rows"][1]["met"] is True

    ours = client.get(url + "&format=csv", headers=auth[Role.ANALYST]).text
    theirs = ours.replace("Demoshire Police", OTHER).encode()
    upload = "/api/measures/imports/upload"
    assert client.post(upload, headers=auth[Role.CALL_HANDLER], files={"file": ("o.csv", theirs)}).status_code == 403
    r = client.post(upload, headers=auth[Role.SUPERVISOR], files={"file": ("o.csv", ours.encode())})
    assert r.status_code == 422 and "column force: 'Demoshire Police' is this force" in r.json()["detail"]
    assert client.post(upload, headers=auth[Role.ANALYST], files={"file": ("o.csv", theirs)}).status_code == 403
    r = client.post(upload, headers=auth[Role.SUPERVISOR], files={"file": ("o.csv", theirs)})
    assert r.status_code == 201, r.text
    assert r.json()["forces"] == [OTHER] and r.json()["replaced"] == 0 and r.json()["same_version"] is True


@pytest.mark.parametrize("query, field", [
    ("from=2026-11-28&to=2026-12-01&period=month", "from"),
    ("from=2026-11-01&to=2026-11-01", "to"),
    ("from=2026-11-01&to=2026-12-01&period=fortnight", "period"),
    ("from=1969-12-01&to=1970-01-01", "from"),
    ("from=9999-11-01&to=9999-12-01", "from"),
    ("from=tomorrow&to=2026-12-01", "from"),
])
def test_export_refuses_a_bad_range_with_a_422(client, auth, query, field):
    r = client.get(f"/api/measures/export?{query}", headers=auth[Role.ANALYST])
    assert r.status_code == 422, r.text
    assert field in r.json()["detail"]


# ---------------------------------------------------------------------------- property: the reader never crashes

@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(st.text(max_size=30), min_size=len(COLUMNS), max_size=len(COLUMNS)),
       mutate=st.sampled_from(list(COLUMNS)), keep=st.booleans())
def test_arbitrary_cells_are_read_or_refused_clearly(cells, mutate, keep):
    row = _row() if keep else dict(zip(COLUMNS, cells))
    if keep:
        row[mutate] = cells[COLUMNS.index(mutate)]  # one arbitrary cell in an otherwise good row
    try:
        parsed = exchange.read_csv(_csv([row]), our_force="Demoshire Police")
    except ExchangeRefused as exc:
        assert exc.problems and re.match(r"CSV file refused, nothing imported: (row|line|header|the file)", exc.message)
    else:
        assert len(parsed.rows) == 1 and parsed.rows[0].force == row["force"]


@hsettings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_arbitrary_bytes_are_read_or_refused_clearly(data):
    try:
        exchange.read(data)
    except ExchangeRefused as exc:
        assert exc.message and exc.status_code == 422
