"""The board report's commentary: the author's words for each part of the paper, from a file.

Two formats, chosen by the file's extension, both strict (a slot name the report does not
have is an error naming it, so a typo never silently drops a paragraph from a board paper):

YAML (`.yaml`, `.yml`): one mapping, slot name to text::

    summary: |
      Answering 999 held up through the summer peak.
    999: Two long outages of the telephony platform in August.

Markdown (`.md`): one level-2 heading per slot; a level-1 title line at the top is allowed::

    # Commentary, Q3 2026
    ## summary
    Answering 999 held up through the summer peak.

    - a list item
    ## 999
    ...

Text is plain: paragraphs are separated by a blank line, lines starting "- " or "* " are
list items. Nothing is interpreted as HTML (the pages escape it, the PDF escapes it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SLOTS: tuple[str, ...] = ("summary", "999", "101", "digital", "attendance", "resolution", "quality", "demand")
SLOT_TITLES = {"summary": "Summary", "999": "999 emergency calls", "101": "101 non-emergency calls",
               "digital": "Digital contact", "attendance": "Attendance", "resolution": "Resolution",
               "quality": "Quality of contact handling", "demand": "Demand"}
MAX_BYTES = 1_000_000
_HEADING = re.compile(r"^##\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s*[-*]\s+(.*)$")


class CommentaryError(ValueError):
    """The commentary file is wrong: the message names the file and the problem."""


@dataclass(frozen=True)
class Block:
    kind: str  # "p" (a paragraph) or "ul" (a list)
    lines: tuple[str, ...]  # a paragraph's text as one line; a list's items


@dataclass(frozen=True)
class Commentary:
    source: str | None = None  # the file it came from, shown on the title page
    slots: dict[str, tuple[Block, ...]] = field(default_factory=dict)

    def get(self, slot: str) -> tuple[Block, ...]:
        return self.slots.get(slot, ())

    @property
    def missing(self) -> list[str]:
        return [s for s in SLOTS if not self.slots.get(s)]


def blocks(text: str) -> tuple[Block, ...]:
    """Paragraphs and lists from plain text."""
    out: list[Block] = []
    para: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if para:
            out.append(Block("p", (" ".join(para),)))
            para.clear()
        if items:
            out.append(Block("ul", tuple(items)))
            items.clear()

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        item = _ITEM.match(raw)
        if not line:
            flush()
        elif item:
            if para:
                flush()
            items.append(item.group(1).strip())
        elif items and raw[:1].isspace():  # an indented line continues the list item
            items[-1] += " " + line
        else:
            if items:
                flush()
            para.append(line)
    flush()
    return tuple(out)


def _slot(name: object, path: Path) -> str:
    slot = str(name).strip().lower()
    if slot not in SLOTS:
        raise CommentaryError(f"{path}: unknown commentary slot {str(name)!r}; the slots are {', '.join(SLOTS)}")
    return slot


def _from_yaml(text: str, path: Path) -> dict[str, str]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CommentaryError(f"{path}: not valid YAML{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CommentaryError(f"{path}: expected a mapping of slot name to text, found {type(data).__name__}")
    found: dict[str, str] = {}
    for key, value in data.items():
        slot = _slot(key, path)  # YAML reads 999: as a number: the name is the same
        if slot in found:
            raise CommentaryError(f"{path}: commentary slot {slot!r} appears twice")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise CommentaryError(f"{path}: the commentary for {slot!r} must be text, found {type(value).__name__}")
        found[slot] = value
    return found


def _from_markdown(text: str, path: Path) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    current: str | None = None
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        heading = _HEADING.match(line)
        if heading:
            current = _slot(heading.group(1), path)
            if current in found:
                raise CommentaryError(f"{path}: commentary slot {current!r} appears twice (line {number})")
            found[current] = []
        elif current is not None:
            found[current].append(line)
        elif line.strip() and not (line.startswith("# ") and not found):
            raise CommentaryError(f"{path}: line {number} is outside any slot; start each slot with a heading "
                                  f"'## <slot>' (one of {', '.join(SLOTS)})")
    return {slot: "\n".join(lines) for slot, lines in found.items()}


def load(path: Path) -> Commentary:
    """Read a commentary file, strictly."""
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".md", ".markdown"):
        raise CommentaryError(f"{path}: a commentary file is .yaml, .yml or .md, not {suffix or 'no extension'!r}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommentaryError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise CommentaryError(f"{path}: larger than {MAX_BYTES:,} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommentaryError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    raw = _from_yaml(text, path) if suffix in (".yaml", ".yml") else _from_markdown(text, path)
    return Commentary(source=path.name, slots={slot: blocks(value) for slot, value in raw.items()})
