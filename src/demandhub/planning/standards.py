"""The planning standards file: each channel's answer standard and the allowances for rostering.

Read strictly (demandhub.forcefiles): an unknown key or a value out of range is refused with
the file and the place. A standard no number of handlers can meet is refused here, when the
file is read, rather than found half hour by half hour: answering 100% of contacts within a
time (every caller finding a free handler the moment they call: Erlang C never gets there),
or no caller ever giving up where callers can give up.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from demandhub.contacts.channels import Channel
from demandhub.forcefiles import load_yaml_model

DEFAULT_FILE = "standards.yaml"


class PlanningStandardsError(ValueError):
    pass


class ChannelStandard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    target_s: float = Field(ge=0, le=86_400, description="Answered within this many seconds ...")
    service_level: float = Field(gt=0, description="... this share of contacts offered (0.9 = 90%).")
    abandonment: bool = Field(default=False, description="Callers give up waiting: Erlang A (Erlang C "
                              "while the history has no abandons to measure patience from).")
    patience_s: float | None = Field(default=None, gt=0, description="Callers' mean patience; "
                                     "unset: measured from the history.")
    max_abandon_share: float | None = Field(default=None, ge=0, lt=1, description="Also keep the share "
                                            "of callers who give up at or under this (Erlang A only).")
    aht_s: float | None = Field(default=None, gt=0, le=86_400, description="Handling time; unset: the "
                                "history's mean.")
    shrinkage: float | None = Field(default=None, ge=0, lt=1, description="This channel's own shrinkage.")
    minimum: int = Field(default=0, ge=0, le=1000, description="Never plan fewer handlers on the "
                         "contacts than this, however quiet.")

    @field_validator("service_level")
    @classmethod
    def _possible(cls, value: float) -> float:
        if value >= 1:
            raise ValueError("a service level of 100% cannot be met by any number of handlers (some "
                             "contacts always arrive when every handler is busy); use a share under 1, e.g. 0.9")
        return value

    @field_validator("max_abandon_share")
    @classmethod
    def _some_give_up(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError("no number of handlers stops every caller giving up (any caller may hang up "
                             "before a handler is free); use a share above 0, e.g. 0.05")
        return value


class PlanningStandards(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    version: int | str
    shrinkage: float = Field(ge=0, lt=1)
    max_occupancy: float = Field(gt=0, le=1)
    default_aht_s: float = Field(gt=0, le=86_400)
    min_handled: int = Field(default=20, ge=1)
    coverage: float = Field(default=0.8, gt=0, lt=1)
    channels: dict[str, ChannelStandard]

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, value: dict[str, ChannelStandard]) -> dict[str, ChannelStandard]:
        known = {c.value for c in Channel} - {Channel.CALLBACK.value}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown channel(s) {', '.join(unknown)}; channels are {', '.join(sorted(known))} "
                             "(callbacks are the force's own calls, not demand)")
        return value

    def shrinkage_of(self, channel: str) -> float:
        own = self.channels[channel].shrinkage
        return self.shrinkage if own is None else own


def load_standards(path: Path | None) -> PlanningStandards:
    """The force's file at `path`, or the shipped default."""
    return load_yaml_model(path, package="demandhub.planning", default_file=DEFAULT_FILE,
                           what="planning standards", model=PlanningStandards, error=PlanningStandardsError)
