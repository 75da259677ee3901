"""What an import did, counted as it goes: rows read, imported, skipped, rejected and why,
values that took a mapping's default, and the mix of what was imported (grade, the source's
priority, calls per local hour of day), which is what a reader checks against the source."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from demandhub.imports.rows import Call, Rejection

FIRST_LINES = 5


@dataclass
class Reason:
    reason: str
    count: int = 0
    first_lines: list[int] = field(default_factory=list)
    example: str = ""


@dataclass
class Summary:
    source: str
    file_name: str
    zone: str
    dry_run: bool = False
    file_sha256: str = ""
    rows_read: int = 0
    imported: int = 0  # (would be, in a dry run) written
    skipped: int = 0  # imported before by an earlier file of the same source
    skipped_first_lines: list[int] = field(default_factory=list)
    reasons: dict[str, Reason] = field(default_factory=dict)
    defaulted: Counter = field(default_factory=Counter)  # (what, their value) -> rows
    grades: Counter = field(default_factory=Counter)
    priorities: Counter = field(default_factory=Counter)  # the source's own priority values
    mix: Counter = field(default_factory=Counter)  # (their priority, our grade) -> calls
    hours: Counter = field(default_factory=Counter)  # local hour of the created time -> calls
    attended: int = 0  # calls with a dispatched, en-route or on-scene time
    batch_id: int | None = None

    @property
    def rejected(self) -> int:
        return sum(r.count for r in self.reasons.values())

    def reject(self, rejection: Rejection) -> None:
        entry = self.reasons.setdefault(rejection.reason, Reason(rejection.reason))
        entry.count += 1
        if len(entry.first_lines) < FIRST_LINES:
            entry.first_lines.append(rejection.line)
        if not entry.example and rejection.detail:
            entry.example = rejection.detail

    def skip(self, call: Call) -> None:
        self.skipped += 1
        if len(self.skipped_first_lines) < FIRST_LINES:
            self.skipped_first_lines.append(call.line)

    def count(self, calls: list[Call]) -> None:
        zone = ZoneInfo(self.zone)
        for call in calls:
            self.imported += 1
            self.grades[call.grade] += 1
            if "priority" in call.kept:
                self.priorities[call.kept["priority"]] += 1
            self.mix[(call.kept.get("priority"), call.grade)] += 1
            self.hours[call.created.astimezone(zone).hour] += 1
            self.attended += call.attended
            for what_value in call.defaulted:
                self.defaulted[what_value] += 1

    def top_reasons(self, n: int | None = None) -> list[Reason]:
        ordered = sorted(self.reasons.values(), key=lambda r: (-r.count, r.first_lines[:1]))
        return ordered if n is None else ordered[:n]

    def as_dict(self) -> dict:
        """For the batch row and the audit entry: plain JSON."""
        return {
            "source": self.source, "file": self.file_name, "sha256": self.file_sha256, "dry_run": self.dry_run, "rows_read": self.rows_read,
            "imported": self.imported, "skipped": self.skipped, "rejected": self.rejected,
            "attended": self.attended,
            "rejected_by_reason": [{"reason": r.reason, "count": r.count, "first_lines": r.first_lines,
                                    "example": r.example} for r in self.top_reasons()],
            "defaulted": [{"what": what, "value": value, "count": n}
                          for (what, value), n in sorted(self.defaulted.items(), key=lambda kv: -kv[1])],
            "grades": dict(sorted(self.grades.items())),
            "priorities": dict(sorted(self.priorities.items())),
            "mix": [{"priority": p, "grade": g, "count": n} for (p, g), n in sorted(
                self.mix.items(), key=lambda kv: (kv[0][1], kv[0][0] or ""))],
            "hours": {str(h): self.hours.get(h, 0) for h in range(24)},
            "zone": self.zone,
        }
