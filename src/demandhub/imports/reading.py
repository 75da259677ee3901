"""Streaming a CSV export: records with the line each starts on, one at a time.

Blank lines are skipped, a byte-order mark is dropped (encoding utf-8-sig), quoted fields
may hold commas and line breaks. A record the csv module cannot parse is handed on as an
error for that line, not raised, so one broken line is reported like any other bad row. A
file that is not in the declared encoding is refused whole: its text cannot be trusted.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# A cell may be long (free-text notes), but not a whole file: an unclosed quote would otherwise
# swallow everything after it into one field.
FIELD_LIMIT = 1 << 20


class FileRefused(ValueError):
    """The file as a whole cannot be read: nothing is imported."""


@dataclass(frozen=True, slots=True)
class Record:
    line: int  # where the record starts (the header is line 1)
    cells: list[str] | None
    error: str | None = None  # the csv module's complaint, when cells is None


class Records:
    """The records after the header; `position` is how far into the file (bytes) reading has got."""

    def __init__(self, iterator: Iterator[Record], raw):
        self._iterator, self._raw = iterator, raw

    def __iter__(self) -> Iterator[Record]:
        return self._iterator

    @property
    def position(self) -> int:
        return 0 if self._raw.closed else self._raw.tell()

    def close(self) -> None:
        self._iterator.close()
        self._raw.close()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_records(path: Path, *, encoding: str, delimiter: str) -> tuple[list[str], Records]:
    """The header, and an iterator over the records after it. The file stays open until the
    iterator is exhausted or closed."""
    csv.field_size_limit(min(sys.maxsize, FIELD_LIMIT))
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise FileRefused(f"cannot read the file ({exc.strerror})") from None
    reader = csv.reader(_lines(raw, encoding), delimiter=delimiter)
    try:
        header = _header(reader)
    except BaseException:
        raw.close()
        raise

    def records() -> Iterator[Record]:
        with raw:
            previous = reader.line_num
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield Record(previous + 1, None, f"unreadable CSV ({exc})")
                    if reader.line_num == previous:  # the reader cannot get past it
                        return
                    previous = reader.line_num
                    continue
                start, previous = previous + 1, reader.line_num
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue  # a blank line
                yield Record(start, cells)

    return header, Records(records(), raw)


def _lines(raw, encoding: str) -> Iterator[str]:
    """The file's lines as text, decoded one at a time, so a byte the encoding cannot read is
    reported with its line (a decoder working in blocks can only say which block)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    for number, chunk in enumerate(raw, start=1):
        try:
            yield decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise FileRefused(f"line {number}: not {encoding} text ({exc.reason}); "
                              "declare the file's encoding in the mapping") from None
    try:
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise FileRefused(f"the file ends inside a character: not {encoding} text ({exc.reason})") from None
    if tail:
        yield tail


def _header(reader) -> list[str]:
    try:
        for cells in reader:
            if cells and any(c.strip() for c in cells):
                return cells
    except csv.Error as exc:
        raise FileRefused(f"the header line is not readable CSV ({exc})") from None
    raise FileRefused("the file is empty: no header line")
