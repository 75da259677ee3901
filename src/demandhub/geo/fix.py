"""A position and where it came from: what every location reader gives back.

A handler must see "AML, 14 m, 20 s ago" beside "caller said: near the church", so a
position never travels without its source, its uncertainty and when it was true.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class LocationError(ValueError):
    """Input that is not a location of the kind claimed. `field` names the part at fault."""

    def __init__(self, message: str, *, field: str = "location"):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Fix:
    latitude: float  # WGS84
    longitude: float
    source: str  # aml, w3w, plus_code, os_grid, postcode, pidf_lo, ...
    uncertainty_m: float | None = None  # radius of the area the caller is in (e.g. AML's rd, a w3w square)
    observed_at: datetime | None = None  # when the position was true (AML: the handset's fix time)
    label: str | None = None  # as given: the three words, the grid reference, the postcode
    details: dict = field(default_factory=dict)  # source-specific extras (AML: positioning method, IMEI...)
