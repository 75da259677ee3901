"""The import summary as a person reads it at the terminal (rich tables)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table

from demandhub.imports.summary import Summary

TOP_REASONS = 10
TOP_DEFAULTED = 8


def _lines(lines: list[int], count: int) -> str:
    text = ", ".join(str(n) for n in lines)
    return text + (", …" if count > len(lines) else "")


def render(summary: Summary) -> Group:
    verb = "would be imported (dry run: nothing written)" if summary.dry_run else "imported"
    totals = Table(title=f"{summary.file_name} ({summary.source})" + (f", batch {summary.batch_id}"
                                                                      if summary.batch_id else ""))
    totals.add_column("rows")
    totals.add_column("count", justify="right")
    totals.add_row("read", f"{summary.rows_read:,}")
    totals.add_row(verb, f"{summary.imported:,}")
    totals.add_row("  of which with a timed response", f"{summary.attended:,}")
    skipped_lines = f" (first lines {_lines(summary.skipped_first_lines, summary.skipped)})" if summary.skipped else ""
    totals.add_row("skipped: imported before", f"{summary.skipped:,}{skipped_lines}")
    totals.add_row("rejected", f"{summary.rejected:,}")
    parts: list = [totals]
    if summary.reasons:
        reasons = Table(title="Rejected rows by reason")
        reasons.add_column("reason")
        reasons.add_column("rows", justify="right")
        reasons.add_column("first lines")
        reasons.add_column("example")
        for r in summary.top_reasons(TOP_REASONS):
            reasons.add_row(r.reason, f"{r.count:,}", _lines(r.first_lines, r.count), r.example)
        hidden = len(summary.reasons) - TOP_REASONS
        if hidden > 0:
            reasons.caption = f"and {hidden} further reasons"
        parts.append(reasons)
    if summary.defaulted:
        defaulted = Table(title="Values not in the mapping, given its default")
        defaulted.add_column("what")
        defaulted.add_column("their value")
        defaulted.add_column("rows", justify="right")
        for (what, value), n in summary.defaulted.most_common(TOP_DEFAULTED):
            defaulted.add_row(what, repr(value) if value else "(empty)", f"{n:,}")
        parts.append(defaulted)
    if summary.imported:
        mix = Table(title="Priority mix " + ("imported" if not summary.dry_run else "(would be imported)"))
        mix.add_column("their priority")
        mix.add_column("our grade")
        mix.add_column("calls", justify="right")
        mix.add_column("share", justify="right")
        for (priority, grade), n in sorted(summary.mix.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")):
            shown = "(not kept)" if priority is None else (priority or "(empty)")
            mix.add_row(shown, grade, f"{n:,}", f"{n / summary.imported:.1%}")
        parts.append(mix)
        hours = Table(title=f"Calls per hour of day ({summary.zone})")
        hours.add_column("hour")
        hours.add_column("calls", justify="right")
        hours.add_column("")
        peak = max(summary.hours.values())
        for h in range(24):
            n = summary.hours.get(h, 0)
            hours.add_row(f"{h:02d}:00", f"{n:,}", "█" * round(30 * n / peak) if peak else "")
        parts.append(hours)
    return Group(*parts)
