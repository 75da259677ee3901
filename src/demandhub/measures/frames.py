"""Columnar frames: the events the measures read, one numpy array per column.

One row per contact, per incident and per appointment. Times are seconds since the Unix
epoch (UTC) as float64, NaN where the event did not happen. Codes (channel, grade, closing
code, appointment status) are small integers indexing the tuples named beside them, so every
measure is arithmetic over whole arrays and nothing loops over rows.

The frames are plain data: load.py builds them from the database, the benchmark generates
them, an import of another system's export can fill them; the measures cannot tell which.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from demandhub import classification
from demandhub.contacts.channels import Channel

CHANNELS: tuple[str, ...] = tuple(c.value for c in Channel)
CLOSING_CODES: tuple[str, ...] = tuple(classification.CLOSING_CODES)
APPOINTMENT_STATUSES: tuple[str, ...] = ("booked", "attended", "missed", "cancelled")


def _col(dtype) -> object:
    return field(metadata={"dtype": np.dtype(dtype)})


class _Frame:
    """Coerces every column to its declared dtype and checks they are one length."""

    def __post_init__(self) -> None:
        length = None
        for f in fields(self):
            if "dtype" not in f.metadata:
                continue
            array = np.asarray(getattr(self, f.name), dtype=f.metadata["dtype"])
            if array.ndim != 1:
                raise ValueError(f"{type(self).__name__}.{f.name} must be one-dimensional")
            if length is None:
                length = len(array)
            elif len(array) != length:
                raise ValueError(f"{type(self).__name__}.{f.name} has {len(array)} rows, not {length}")
            object.__setattr__(self, f.name, array)

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))

    @classmethod
    def empty(cls):
        return cls(**{f.name: np.empty(0, f.metadata["dtype"]) for f in fields(cls)})


@dataclass(frozen=True)
class ContactFrame(_Frame):
    id: np.ndarray = _col(np.int64)
    channel: np.ndarray = _col(np.int8)  # index into CHANNELS
    presented: np.ndarray = _col(np.float64)
    answered: np.ndarray = _col(np.float64)  # NaN: never answered (digital: no first response)
    ended: np.ndarray = _col(np.float64)
    abandoned: np.ndarray = _col(np.bool_)  # the caller went before anyone answered
    caller_known: np.ndarray = _col(np.bool_)  # a caller number was recorded
    repeat: np.ndarray = _col(np.bool_)  # the number made another contact in the repeat window before this one
    assessed: np.ndarray = _col(np.bool_)  # at least one THRIVE+ assessment recorded (recorded = complete)
    vulnerable: np.ndarray = _col(np.bool_)  # its latest assessment identifies at least one vulnerability
    safeguarded: np.ndarray = _col(np.bool_)  # its incident has at least one safeguarding action recorded
    graded: np.ndarray = _col(np.bool_)  # a grading decision was made on one of its assessments
    overridden: np.ndarray = _col(np.bool_)  # one of those decisions overrode the recommended grade
    incident: np.ndarray = _col(np.int64)  # the incident's id, or -1


@dataclass(frozen=True)
class IncidentFrame(_Frame):
    id: np.ndarray = _col(np.int64)
    created: np.ndarray = _col(np.float64)  # the attendance clock starts here
    first_grade: np.ndarray = _col(np.int16)  # index into Frames.grades: the grade first given
    final_grade: np.ndarray = _col(np.int16)  # the grade it has now
    rural: np.ndarray = _col(np.bool_)  # False: urban
    first_assigned: np.ndarray = _col(np.float64)  # NaN: no unit ever assigned
    first_at_scene: np.ndarray = _col(np.float64)  # NaN: no unit ever arrived
    closed: np.ndarray = _col(np.float64)  # NaN: not closed now (never, or reopened since)
    closing_code: np.ndarray = _col(np.int16)  # index into CLOSING_CODES, -1 when not closed
    reopened: np.ndarray = _col(np.bool_)  # reopened at least once after closing
    callback_from: np.ndarray = _col(np.float64)  # first graded for the resolution desk; NaN: never
    callback_until: np.ndarray = _col(np.float64)  # regraded off the desk after that; NaN: not
    first_callback: np.ndarray = _col(np.float64)  # first callback attempt (any outcome); NaN: none


@dataclass(frozen=True)
class AppointmentFrame(_Frame):
    incident: np.ndarray = _col(np.int64)
    starts: np.ndarray = _col(np.float64)  # the slot's start
    status: np.ndarray = _col(np.int8)  # index into APPOINTMENT_STATUSES


@dataclass(frozen=True)
class Frames:
    """Everything one measures pack reads, for one period [start, end) as known at as_of.

    Contacts are those presented in the period, incidents those created in it, appointments
    those whose slot starts in it."""

    contacts: ContactFrame
    incidents: IncidentFrame
    appointments: AppointmentFrame
    start: float
    end: float
    as_of: float  # when the data was read: what had not happened by then is pending
    grades: tuple[str, ...]  # grade codes, most urgent first (the grading policy's order)
    repeat_window_s: float  # the window `ContactFrame.repeat` was computed with

    def __post_init__(self) -> None:
        if not self.end > self.start:
            raise ValueError("the period must end after it starts")


def mark_repeats(caller: np.ndarray, presented: np.ndarray, window_s: float) -> np.ndarray:
    """True for each contact whose caller (an integer key, -1 unknown) made another contact in
    the `window_s` seconds before it (an earlier one at the same instant counts too)."""
    caller = np.asarray(caller, dtype=np.int64)
    presented = np.asarray(presented, dtype=np.float64)
    repeat = np.zeros(len(caller), dtype=bool)
    if len(caller) < 2:
        return repeat
    order = np.lexsort((presented, caller))
    c, t = caller[order], presented[order]
    hit = (c[1:] == c[:-1]) & (c[1:] >= 0) & (t[1:] - t[:-1] <= window_s)
    repeat[order[1:]] = hit
    return repeat
