"""Small hand-built frames for tests: times are seconds after T0 unless given as datetimes."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from demandhub.measures.frames import (
    APPOINTMENT_STATUSES,
    CHANNELS,
    CLOSING_CODES,
    AppointmentFrame,
    ContactFrame,
    Frames,
    IncidentFrame,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC).timestamp()  # Monday 2 November 2026, 09:00 GMT
GRADES = ("1", "2", "3", "4", "RFC", "REF")
NAN = float("nan")


def _t(value) -> float:
    if value is None:
        return NAN
    if isinstance(value, datetime):
        return value.timestamp()
    return T0 + float(value)


def contacts(*rows: dict) -> ContactFrame:
    """Each row: channel (default "101"), presented, answered, ended (seconds after T0 or None),
    abandoned, caller_known, repeat, assessed, vulnerable, safeguarded, graded, overridden, incident."""
    def col(name, default=False):
        return [r.get(name, default) for r in rows]
    return ContactFrame(
        id=np.arange(1, len(rows) + 1), channel=[CHANNELS.index(r.get("channel", "101")) for r in rows],
        presented=[_t(r.get("presented", 0)) for r in rows], answered=[_t(r.get("answered")) for r in rows],
        ended=[_t(r.get("ended")) for r in rows], abandoned=col("abandoned"), caller_known=col("caller_known"),
        repeat=col("repeat"), assessed=col("assessed"), vulnerable=col("vulnerable"), safeguarded=col("safeguarded"),
        graded=col("graded"), overridden=col("overridden"), incident=col("incident", -1))


def incidents(*rows: dict) -> IncidentFrame:
    """Each row: grade (first), final (defaults to grade), created (default 0), rural, assigned,
    at_scene, closed (seconds after T0 or None), closing_code, reopened, callback_from,
    callback_until, first_callback."""
    def grade(code):
        return GRADES.index(code) if code is not None else -1
    return IncidentFrame(
        id=np.arange(1, len(rows) + 1), created=[_t(r.get("created", 0)) for r in rows],
        first_grade=[grade(r.get("grade", "1")) for r in rows],
        final_grade=[grade(r.get("final", r.get("grade", "1"))) for r in rows],
        rural=[r.get("rural", False) for r in rows], first_assigned=[_t(r.get("assigned")) for r in rows],
        first_at_scene=[_t(r.get("at_scene")) for r in rows], closed=[_t(r.get("closed")) for r in rows],
        closing_code=[CLOSING_CODES.index(r["closing_code"]) if r.get("closing_code") else -1 for r in rows],
        reopened=[r.get("reopened", False) for r in rows],
        callback_from=[_t(r.get("callback_from")) for r in rows],
        callback_until=[_t(r.get("callback_until")) for r in rows],
        first_callback=[_t(r.get("first_callback")) for r in rows])


def appointments(*rows: dict) -> AppointmentFrame:
    return AppointmentFrame(incident=[r.get("incident", 1) for r in rows], starts=[_t(r["starts"]) for r in rows],
                            status=[APPOINTMENT_STATUSES.index(r["status"]) for r in rows])


def frames(*, contact_frame: ContactFrame | None = None, incident_frame: IncidentFrame | None = None,
           appointment_frame: AppointmentFrame | None = None, start=None, end=None, as_of=None) -> Frames:
    start = _t(start) if start is not None else T0 - 9 * 3600  # Monday 00:00
    end = _t(end) if end is not None else start + 7 * 86400
    return Frames(contacts=contact_frame if contact_frame is not None else ContactFrame.empty(),
                  incidents=incident_frame if incident_frame is not None else IncidentFrame.empty(),
                  appointments=appointment_frame if appointment_frame is not None else AppointmentFrame.empty(),
                  start=start, end=end, as_of=_t(as_of) if as_of is not None else end, grades=GRADES,
                  repeat_window_s=28 * 86400.0)
