from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from demandhub.contacts.channels import Channel

MAX_TEXT = 10_000


class ContactCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Channel
    caller_name: str | None = Field(default=None, max_length=200)
    caller_number: str | None = Field(default=None, max_length=40)
    location_text: str | None = Field(default=None, max_length=2000)
    latitude: float | None = Field(default=None, ge=-90, le=90, description="Where the event is (WGS84), with longitude.")
    longitude: float | None = Field(default=None, ge=-180, le=180)
    description: str = Field(min_length=1, max_length=MAX_TEXT)
    presented_at: AwareDatetime | None = Field(default=None, description="When the contact reached the force; now if omitted.")
    answered_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    abandoned: bool = Field(default=False, description="The caller went before anyone answered.")


class ContactEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ended_at: AwareDatetime | None = None


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: Channel
    caller_name: str | None
    caller_number: str | None
    caller_number_raw: str | None
    location_text: str | None
    latitude: float | None
    longitude: float | None
    description: str
    presented_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    abandoned: bool
    created_at: datetime
    created_by: int


class LocationRead(BaseModel):
    latitude: float
    longitude: float
    source: str = Field(description="coordinates, w3w, plus_code, os_grid or postcode")
    uncertainty_m: float | None = Field(description="Radius of the area meant (a postcode ~100 m, a w3w square ~2 m).")
    label: str | None


class AmlSms(BaseModel):
    """An AML SMS as the SMS gateway received it: the sender's number and the payload, as text
    or as the 7-bit packed user data of a data SMS (hex or base64)."""

    model_config = ConfigDict(extra="forbid")

    sender: str = Field(min_length=3, max_length=40)
    text: str | None = Field(default=None, max_length=1000)
    data: str | None = Field(default=None, max_length=2000)


class CallerLocationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    caller_number: str
    contact_id: int | None
    source: str
    located: bool
    latitude: float | None
    longitude: float | None
    uncertainty_m: float | None
    observed_at: datetime | None
    received_at: datetime
    method: str | None
