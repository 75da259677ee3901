"""The exchange format: the measures pack as an open file one force sends another (CSV or
Parquet), written and read strictly (docs/measures.md, "Exchange format").

One row per force, period and measure segment, with the definitions version beside every
figure, so figures computed by different rules are never set side by side as if they were
the same measure. Reading refuses a whole file at the first kind of mistake it finds, naming
the row and the column: a comparison built on a half-read file would be worse than none.
Nothing here touches the database (see exchange_store.py).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime

from demandhub.errors import Invalid
from demandhub.measures.definitions import DEFINITIONS, DEFINITIONS_VERSION
from demandhub.measures.pack import MeasuresPack

# The documented columns, in the documented order. Changing them is a new FORMAT_VERSION.
COLUMNS = ("force", "period_start", "period_end", "measure", "segment", "value", "numerator", "denominator",
           "unit", "target", "met", "definitions_version", "generated_at")
FORMAT_VERSION = "1"
METADATA_VERSION_KEY = b"demandhub.definitions_version"  # Parquet key-value metadata
METADATA_FORMAT_KEY = b"demandhub.exchange_format"

# Measure ids and units each definitions version we know has; a file of another version is
# kept (and flagged) with its ids checked only for their shape.
KNOWN_VERSIONS = {DEFINITIONS_VERSION: {d.id: d.unit for d in DEFINITIONS.values()}}

MAX_LENGTHS = {"force": 100, "measure": 80, "segment": 120, "unit": 30, "definitions_version": 20}
MAX_PROBLEMS = 20  # a file wrong on every row says so in the first few
_MEASURE_ID = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*\Z")
_SEGMENT = re.compile(r"(all|[a-z_]+=[^/=\s]+(/[a-z_]+=[^/=\s]+)*)\Z")
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*\Z")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z", re.ASCII)  # no nan, inf, "1_000" or ","
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FLOAT_COLUMNS = ("value", "numerator", "denominator", "target")
TEXT_COLUMNS = ("force", "measure", "segment", "unit", "definitions_version")


@dataclass(frozen=True)
class ExchangeRow:
    force: str
    period_start: date  # the force's local calendar date the period starts (included)
    period_end: date  # ... and ends (excluded)
    measure: str
    segment: str
    value: float | None  # None: no data
    numerator: float | None
    denominator: float | None
    unit: str
    target: float | None
    met: bool | None
    definitions_version: str
    generated_at: datetime  # UTC: when the figures were read (the pack's as_of)

    @property
    def key(self) -> tuple:
        return (self.force, self.period_start, self.period_end, self.measure, self.segment)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class ExchangeRefused(Invalid):
    """The file is not a measures exchange file we can trust: nothing of it was kept. The
    problems name the row (the first data row is row 1) and the column."""


def rows_from_pack(pack: MeasuresPack, *, force: str, period_start: date, period_end: date) -> list[ExchangeRow]:
    generated_at = datetime.fromtimestamp(pack.as_of, UTC)
    return [ExchangeRow(force=force, period_start=period_start, period_end=period_end, measure=r.measure,
                        segment=r.segment, value=r.value, numerator=r.numerator, denominator=r.denominator,
                        unit=r.unit, target=r.target, met=r.met, definitions_version=pack.version,
                        generated_at=generated_at) for r in pack.rows]


# ---------------------------------------------------------------------------- writing

def format_number(value: float | None) -> str:
    """The shortest decimal that reads back as the same double ('.' decimal point); whole
    numbers without a fraction; empty for no data."""
    if value is None:
        return ""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def format_instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def to_csv(rows: list[ExchangeRow]) -> bytes:
    """UTF-8, a header, RFC 4180 quoting (CRLF line ends), ISO 8601 dates, empty for null."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r.force, r.period_start.isoformat(), r.period_end.isoformat(), r.measure, r.segment,
                         format_number(r.value), format_number(r.numerator), format_number(r.denominator), r.unit,
                         format_number(r.target), "" if r.met is None else ("true" if r.met else "false"),
                         r.definitions_version, format_instant(r.generated_at)])
    return out.getvalue().encode("utf-8")


def parquet_schema(version: str = DEFINITIONS_VERSION):
    import pyarrow as pa

    types = {"period_start": pa.date32(), "period_end": pa.date32(), "met": pa.bool_(),
             "generated_at": pa.timestamp("us", tz="UTC"), **{c: pa.float64() for c in FLOAT_COLUMNS}}
    nullable = set(FLOAT_COLUMNS) | {"met"}
    return pa.schema([pa.field(c, types.get(c, pa.string()), nullable=c in nullable) for c in COLUMNS],
                     metadata={METADATA_VERSION_KEY: version.encode(), METADATA_FORMAT_KEY: FORMAT_VERSION.encode()})


def to_parquet(rows: list[ExchangeRow], *, version: str = DEFINITIONS_VERSION) -> bytes:
    """Typed columns (strings, date32, float64, bool, timestamp[us, UTC]); the definitions
    version also in the file's key-value metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema(version)
    table = pa.Table.from_pylist([r.as_dict() for r in rows], schema=schema)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def to_json(rows: list[ExchangeRow]) -> list[dict]:
    return [{**r.as_dict(), "period_start": r.period_start.isoformat(), "period_end": r.period_end.isoformat(),
             "generated_at": format_instant(r.generated_at)} for r in rows]


# ---------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class Parsed:
    rows: list[ExchangeRow]
    definitions_version: str | None  # None: the file had no rows

    @property
    def same_version(self) -> bool:
        return self.definitions_version in (None, DEFINITIONS_VERSION)


class _Problems:
    def __init__(self, label: str):
        self.label = label  # "row" numbering words, e.g. "row 3 (line 4)"
        self.items: list[dict] = []

    def add(self, row: int | None, column: str | None, message: str, *, where: str | None = None) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append({"row": row, "column": column, "message": message,
                               "where": where or _where(row, column)})

    def raise_if_any(self, total_hint: str = "") -> None:
        if not self.items:
            return
        first = self.items[0]
        more = f" (and {len(self.items) - 1} more problem{'s' if len(self.items) > 2 else ''}{total_hint})" \
            if len(self.items) > 1 else ""
        raise ExchangeRefused(f"{self.label} refused, nothing imported: {first['where']}: {first['message']}{more}",
                              problems=self.items)


def _where(row: int | None, column: str | None) -> str:
    parts = ([f"row {row}"] if row is not None else []) + ([f"column {column}"] if column else [])
    return ", ".join(parts) or "the file"


def detect(data: bytes, name: str | None) -> str:
    """'parquet' or 'csv': by the file's magic bytes, whatever its name says."""
    return "parquet" if data[:4] == b"PAR1" else "csv"


def read(data: bytes, *, name: str | None = None, our_force: str | None = None) -> Parsed:
    """Either format, told apart by content. `our_force`: rows under this force's own name are
    refused (its figures are computed live, never imported)."""
    if detect(data, name) == "parquet":
        return read_parquet(data, our_force=our_force)
    return read_csv(data, our_force=our_force)


def read_csv(data: bytes, *, our_force: str | None = None) -> Parsed:
    problems = _Problems("CSV file")
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark (spreadsheets add one) is not part of the header
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        problems.add(None, None, f"not UTF-8 text (byte {exc.start}, line {line})", where=f"line {line}")
        problems.raise_if_any()
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        problems.add(None, None, "contains a NUL character", where=f"line {line}")
        problems.raise_if_any()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or header == []:
            problems.add(None, None, f"is empty: the first line must be the header {','.join(COLUMNS)}",
                         where="line 1")
            problems.raise_if_any()
        position = _header(header, problems)
        problems.raise_if_any()
        rows: list[tuple[int, str, ExchangeRow | None]] = []
        row = 0
        for record in reader:
            if record == []:  # a blank line (a trailing one, say) is not a row
                continue
            row += 1
            where = f"row {row} (line {reader.line_num})"
            if len(record) != len(COLUMNS):
                problems.add(row, None, f"has {len(record)} cells, the header {len(COLUMNS)}", where=where)
                continue
            cells = {c: record[k] for c, k in position.items()}
            typed = _from_text(cells, row, reader.line_num, problems)
            if typed is not None:
                rows.append((row, where, _check(typed, row, problems, our_force=our_force, where=where)))
            if len(problems.items) >= MAX_PROBLEMS:
                break
    except csv.Error as exc:
        problems.add(None, None, f"is not valid CSV: {exc}", where=f"line {reader.line_num}")
    problems.raise_if_any()
    return _whole(rows, problems, file_version=None)


def _header(header: list[str], problems: _Problems) -> dict[str, int]:
    names = [h.strip() for h in header]
    seen: dict[str, int] = {}
    for k, name in enumerate(names):
        if name in seen:
            problems.add(None, name, f"appears twice in the header (cells {seen[name] + 1} and {k + 1})",
                         where=f"header, column {name[:40]}")
        seen.setdefault(name, k)
    missing = [c for c in COLUMNS if c not in seen]
    unknown = [n for n in names if n not in COLUMNS]
    if missing:
        problems.add(None, missing[0], f"is missing from the header (missing: {', '.join(missing)})",
                     where=f"header, column {missing[0]}")
    if unknown:
        shown = ", ".join(repr(u[:40]) for u in unknown[:5])
        problems.add(None, None, f"has columns the format does not define: {shown}; the columns are "
                     f"{', '.join(COLUMNS)}", where="header")
    return {c: seen[c] for c in COLUMNS if c in seen}


def _from_text(cells: dict[str, str], row: int, line: int, problems: _Problems) -> dict | None:
    out, ok = {}, True

    def bad(column: str, message: str) -> None:
        nonlocal ok
        ok = False
        problems.add(row, column, message, where=f"row {row} (line {line}), column {column}")

    for column in TEXT_COLUMNS:
        out[column] = cells[column]
    for column in ("period_start", "period_end"):
        try:
            out[column] = date.fromisoformat(cells[column]) if _DATE.match(cells[column]) else None
        except ValueError:
            out[column] = None
        if out[column] is None:
            bad(column, f"{_show(cells[column])} is not a date as YYYY-MM-DD")
    for column in FLOAT_COLUMNS:
        cell = cells[column].strip()
        if cell == "":
            out[column] = None
        elif _DECIMAL.match(cell):
            out[column] = float(cell)
        else:
            bad(column, f"{_show(cells[column])} is not a number (digits, '.' for the decimal point, or empty "
                        "for no data)")
    met = cells["met"].strip().lower()
    if met in ("true", "false", ""):
        out["met"] = None if met == "" else met == "true"
    else:
        bad("met", f"{_show(cells['met'])} is not true, false or empty")
    out["generated_at"] = _instant(cells["generated_at"])
    if out["generated_at"] is None:
        bad("generated_at", f"{_show(cells['generated_at'])} is not an ISO 8601 date and time with its UTC offset "
                            "(e.g. 2027-01-05T09:00:00Z)")
    return out if ok else None


def _instant(cell: str) -> datetime | None:
    if not 16 <= len(cell) <= 40 or "T" not in cell:
        return None
    try:
        value = datetime.fromisoformat(cell)
        return None if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved across midnight UTC
        return None


def _show(cell: str) -> str:
    return repr(cell if len(cell) <= 40 else cell[:40] + "…")


def read_parquet(data: bytes, *, our_force: str | None = None) -> Parsed:
    import pyarrow as pa
    import pyarrow.parquet as pq

    problems = _Problems("Parquet file")
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        problems.add(None, None, f"could not be read as Parquet: {str(exc)[:200]}")
        problems.raise_if_any()
    names = table.column_names
    for k, name in enumerate(names):
        if names.index(name) != k:
            problems.add(None, name, "appears twice")
    missing = [c for c in COLUMNS if c not in names]
    unknown = [n for n in names if n not in COLUMNS]
    if missing:
        problems.add(None, missing[0], f"is missing (missing: {', '.join(missing)})")
    if unknown:
        problems.add(None, None, f"has columns the format does not define: {', '.join(repr(u[:40]) for u in unknown[:5])}")
    problems.raise_if_any()
    for column in COLUMNS:
        kind = table.schema.field(column).type
        if not _type_ok(column, kind):
            problems.add(None, column, f"has type {kind}, expected {parquet_schema().field(column).type}")
    problems.raise_if_any()
    metadata = table.schema.metadata or {}
    file_version = metadata.get(METADATA_VERSION_KEY)
    try:
        records = table.select(list(COLUMNS)).to_pylist()
    except (pa.ArrowException, ValueError) as exc:
        problems.add(None, None, f"could not be read: {str(exc)[:200]}")
        problems.raise_if_any()
    rows: list[tuple[int, str, ExchangeRow | None]] = []
    for k, record in enumerate(records, start=1):
        typed = {c: record[c] for c in COLUMNS}
        for column in ("period_start", "period_end"):
            if isinstance(typed[column], datetime):  # date64 comes back as a datetime
                typed[column] = typed[column].date()
        if typed["generated_at"] is not None:
            typed["generated_at"] = typed["generated_at"].astimezone(UTC)
        for column in FLOAT_COLUMNS:
            if typed[column] is not None:
                typed[column] = float(typed[column])
        rows.append((k, f"row {k}", _check(typed, k, problems, our_force=our_force, where=f"row {k}")))
        if len(problems.items) >= MAX_PROBLEMS:
            break
    problems.raise_if_any()
    try:
        declared = file_version.decode("utf-8") if file_version is not None else None
    except UnicodeDecodeError:
        declared = "?"
    return _whole(rows, problems, file_version=declared)


def _type_ok(column: str, kind) -> bool:
    import pyarrow.types as t

    if column in TEXT_COLUMNS:
        return t.is_string(kind) or t.is_large_string(kind)
    if column in ("period_start", "period_end"):
        return t.is_date(kind)
    if column in FLOAT_COLUMNS:
        return t.is_floating(kind) or t.is_integer(kind) or t.is_null(kind)
    if column == "met":
        return t.is_boolean(kind) or t.is_null(kind)
    return t.is_timestamp(kind) and kind.tz is not None  # generated_at: an instant, not a wall-clock time


def _check(v: dict, row: int, problems: _Problems, *, our_force: str | None, where: str) -> ExchangeRow | None:
    """The rules every row keeps, whichever format it came in."""
    before = len(problems.items)

    def bad(column: str, message: str) -> None:
        problems.add(row, column, message, where=f"{where}, column {column}")

    for column in TEXT_COLUMNS:
        text = v[column]
        if text is None or not str(text).strip():
            bad(column, "is empty")
        elif len(text) > MAX_LENGTHS[column]:
            bad(column, f"is longer than {MAX_LENGTHS[column]} characters")
        elif _CONTROL.search(text):
            bad(column, "contains a control character")
        elif text != text.strip():
            bad(column, f"{_show(text)} has spaces around it")
    if len(problems.items) > before:
        return None
    version, measure = v["definitions_version"], v["measure"]
    if not _VERSION.match(version):
        bad("definitions_version", f"{_show(version)} is not a version (e.g. {DEFINITIONS_VERSION})")
    known = KNOWN_VERSIONS.get(version)
    if known is not None and measure not in known:
        bad("measure", f"{_show(measure)} is not a measure of definitions version {version}")
    elif known is None and not _MEASURE_ID.match(measure):
        bad("measure", f"{_show(measure)} is not a measure id (lower-case words joined by '.')")
    elif known is not None and v["unit"] != known[measure]:
        bad("unit", f"{_show(v['unit'])} is not the unit of {measure} ({known[measure]})")
    if not _SEGMENT.match(v["segment"]):
        bad("segment", f"{_show(v['segment'])} is not 'all' or key=value parts joined by '/'")
    if our_force is not None and v["force"].casefold() == our_force.strip().casefold():
        bad("force", f"{_show(v['force'])} is this force: its figures are computed here, not imported "
                     "(export another force's file, or with --force-name)")
    if v["period_start"] is None:
        bad("period_start", "is empty")
    if v["period_end"] is None:
        bad("period_end", "is empty")
    if v["period_start"] is not None and v["period_end"] is not None and v["period_end"] <= v["period_start"]:
        bad("period_end", f"{v['period_end']} is not after period_start {v['period_start']}")
    if v["generated_at"] is None:
        bad("generated_at", "is empty")
    for column in FLOAT_COLUMNS:
        x = v[column]
        if x is not None and not math.isfinite(x):
            bad(column, f"{x} is not a finite number")
        elif x is not None and x < 0:
            bad(column, f"{format_number(x)} is negative; no measure is")
    value, target, met = v["value"], v["target"], v["met"]
    if len(problems.items) > before:
        return None
    if v["unit"] == "share" and value is not None and value > 1:
        bad("value", f"{format_number(value)} is a share over 1")
    if met is not None and (value is None or target is None):
        bad("met", "is given without both a value and a target")
    elif met is None and value is not None and target is not None:
        bad("met", "is empty although there is a value and a target")
    elif met is not None and met != (value >= target):
        bad("met", f"says {'met' if met else 'not met'} but the value {format_number(value)} is "
                   f"{'not ' if value < target else ''}at least the target {format_number(target)}")
    if len(problems.items) > before:
        return None
    return ExchangeRow(**{c: v[c] for c in COLUMNS})


def _whole(rows: list[tuple[int, str, ExchangeRow | None]], problems: _Problems, *,
           file_version: str | None) -> Parsed:
    """Rules over the whole file: one definitions version, each key once."""
    kept = [r for _, _, r in rows if r is not None]
    first: dict[tuple, int] = {}
    version = None
    for k, where, r in rows:
        if r is None:
            continue
        if version is None:
            version = r.definitions_version
        elif r.definitions_version != version:
            problems.add(k, "definitions_version", f"{_show(r.definitions_version)} differs from {version!r} "
                         "in earlier rows: a file holds one definitions version",
                         where=f"{where}, column definitions_version")
        if r.key in first:
            problems.add(k, "segment", f"repeats row {first[r.key]}: the same force, period, measure and segment",
                         where=f"{where}, column segment")
        first.setdefault(r.key, k)
    if file_version is not None and version is not None and file_version != version:
        problems.add(None, "definitions_version", f"the rows say {version!r} but the file's metadata says "
                     f"{file_version!r}", where="file metadata")
    problems.raise_if_any()
    return Parsed(rows=kept, definitions_version=version or file_version)
