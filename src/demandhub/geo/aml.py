"""Advanced Mobile Location (AML): the position a handset sends by itself during a 999/112 call.

Three carriers, one result (`AmlMessage`):

- `parse_aml_sms(text)`: the ETSI TS 103 625 / EENA AML v1 SMS text payload
  (`A"ML=1;lt=..;lg=..;rd=..;top=..;lc=..;pm=..;si=..;ei=..;mcc=..;mnc=..;ml=..`).
- `decode_data_sms(hex_or_base64)`: a binary (data) SMS user data, GSM 03.38 7-bit packed,
  to the text payload; hand the result to `parse_aml_sms`.
- `parse_aml_https(body, key=...)`: the HTTPS form-urlencoded POST, optionally HMAC-SHA1 signed.

Pure functions. Every rejection is a `LocationError` whose `field` names the part at fault;
no other exception type escapes, whatever the input.

Choices made for the published vectors that disagree with each other
(see tests/standards/SOURCES.md, aml/):

- `ml` (declared length) is checked strictly: it must equal the real length of the text. The
  Google ELS "computed location" example (ml=126, real length 127) and aml-lib's test message
  (ml=128, real 126) are therefore rejected with field "ml". The length is the only integrity
  check an AML SMS carries; a mismatch means the SMS was truncated, concatenated wrongly or
  edited on the way, and a control room must not plot an altered position as if it were the
  handset's. A handset sending a wrong ml is a defect to report, not something to guess around.
- Unknown attributes (GridGears' `kl=23`) are accepted and ignored (kept, as text, in
  `details["unknown_attributes"]`). ETSI TS 103 625 tells receivers to ignore attributes they
  do not know so that later handsets can add some; rejecting them would throw away a caller's
  position in an emergency because of an extra field we do not even use. The message is still
  protected by the strict `ml` check, and an unknown key must still look like a key
  (lowercase letters/digits) and not repeat.
- `A"ML=2` (Google's experimental "ELS beta" format, where `lt` and `lg` mean different things)
  is refused with "unsupported AML version 2" (field "version"), never read as v1.
- `pm=N` or `rd=N`: the handset could not locate itself. That is still a valid AML message
  (a handset did send AML: the handler needs to know it tried and failed), so the result has
  `fix=None` and `located=False`; lt/lg (zeros) must still be well formed but are not used.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote_plus

from demandhub.geo.fix import Fix, LocationError

__all__ = ["AmlMessage", "decode_data_sms", "parse_aml_https", "parse_aml_sms"]


@dataclass(frozen=True)
class AmlMessage:
    version: int
    fix: Fix | None  # None: the handset could not locate itself (pm=N / rd=N)
    phone: str | None = (
        None  # SMS: None (the number is the SMS sender); HTTPS: device_number
    )
    observed_at: datetime | None = None  # the handset's fix time, aware UTC
    positioning_method: str | None = (
        None  # gnss, wifi, cell, none; HTTPS: location_source as sent
    )
    confidence: int | None = None  # lc / location_certainty, percent
    details: dict = field(default_factory=dict)

    @property
    def located(self) -> bool:
        return self.fix is not None


# ---------------------------------------------------------------------------------------------
# SMS text payload

_PREFIX = 'A"ML='
_POSITIONING_METHODS = {"G": "gnss", "W": "wifi", "C": "cell", "N": "none"}
_REQUIRED = ("lt", "lg", "rd", "top", "lc", "pm", "si", "ei", "mcc", "mnc", "ml")
_MAX_SMS = 2000  # a concatenated SMS is never near this; refuse huge input early

_LAT = re.compile(r"[+-]?\d{1,2}(?:\.\d{1,10})?")
_LON = re.compile(r"[+-]?\d{1,3}(?:\.\d{1,10})?")
_KEY = re.compile(r"[a-z][a-z0-9]{0,15}")


def _err(message: str, name: str) -> LocationError:
    return LocationError(message, field=name)


def _degrees(value: str, name: str, pattern: re.Pattern, limit: float) -> float:
    if not pattern.fullmatch(value):
        raise _err(f"{name} is not signed decimal degrees: {value!r}", name)
    degrees = float(value)
    if not -limit <= degrees <= limit:
        raise _err(f"{name} out of range (±{limit:g}): {value!r}", name)
    return degrees


def _digits(value: str, name: str, low: int, high: int) -> str:
    if not (value.isascii() and value.isdigit() and low <= len(value) <= high):
        raise _err(f"{name} must be {low}-{high} digits: {value!r}", name)
    return value


def parse_aml_sms(text: str) -> AmlMessage:
    """Read an AML v1 SMS text payload. Raises LocationError naming the field at fault."""
    if not isinstance(text, str):
        raise _err("AML SMS must be text", "message")
    if len(text) > _MAX_SMS:
        raise _err("AML SMS too long", "ml")
    if not text.startswith(_PREFIX):
        raise _err('not an AML message (must start with A"ML=)', "version")
    parts = text[len(_PREFIX) :].split(";")
    version = parts[0]
    if version != "1":
        if version == "2":
            raise _err("unsupported AML version 2 (Google ELS beta format)", "version")
        raise _err(f"unsupported AML version {version[:10]!r}", "version")

    values: dict[str, str] = {}
    unknown: dict[str, str] = {}
    for part in parts[1:]:
        key, sep, value = part.partition("=")
        if not sep:
            raise _err(f"attribute without '=': {part[:20]!r}", key[:20] or "message")
        if not _KEY.fullmatch(key):
            raise _err(f"malformed attribute name {key[:20]!r}", "message")
        if key in values or key in unknown:
            raise _err(f"attribute {key} given twice", key)
        if key in _REQUIRED:
            values[key] = value
        else:
            unknown[key] = value  # ignored, see module docstring
    for key in _REQUIRED:
        if key not in values:
            raise _err(f"missing attribute {key}", key)

    # ml first: a message that is not the length it claims is not read any further.
    ml = values["ml"]
    if not (ml.isascii() and ml.isdigit() and len(ml) <= 4):
        raise _err(f"ml is not a length: {ml!r}", "ml")
    if int(ml) != len(text):
        raise _err(
            f"ml={int(ml)} but the message is {len(text)} characters (truncated or altered)",
            "ml",
        )

    lat = _degrees(values["lt"], "lt", _LAT, 90.0)
    lon = _degrees(values["lg"], "lg", _LON, 180.0)

    rd = values["rd"]
    if rd == "N":
        radius = None
    elif rd.isascii() and rd.isdigit() and len(rd) <= 7:
        radius = int(rd)
    else:
        raise _err(f"rd must be whole metres or N: {rd!r}", "rd")

    top = values["top"]
    if not (top.isascii() and top.isdigit() and len(top) == 14):
        raise _err(f"top must be YYYYMMDDhhmmss: {top!r}", "top")
    try:
        observed = datetime.strptime(top, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise _err(f"top is not a valid time: {top!r}", "top") from None

    lc = values["lc"]
    if not (lc.isascii() and lc.isdigit() and len(lc) <= 3 and int(lc) <= 100):
        raise _err(f"lc must be a whole percentage 0-100: {lc!r}", "lc")
    confidence = int(lc)

    pm = values["pm"]
    if pm not in _POSITIONING_METHODS:
        raise _err(f"unknown positioning method pm={pm[:10]!r} (G, W, C or N)", "pm")
    method = _POSITIONING_METHODS[pm]

    imsi = _digits(values["si"], "si", 1, 15)
    imei = _digits(
        values["ei"], "ei", 14, 16
    )  # IMEI 15 (14 without check digit), IMEISV 16
    mcc = _digits(values["mcc"], "mcc", 3, 3)
    mnc = _digits(values["mnc"], "mnc", 2, 3)

    details: dict = {
        "positioning_method": method,
        "pm": pm,
        "confidence": confidence,
        "imsi": imsi,
        "imei": imei,
        "mcc": mcc,
        "mnc": mnc,
        "transport": "sms",
    }
    if unknown:
        details["unknown_attributes"] = dict(unknown)

    fix = None
    if pm != "N" and radius is not None:
        fix = Fix(
            latitude=lat,
            longitude=lon,
            source="aml",
            uncertainty_m=float(radius),
            observed_at=observed,
            details=dict(details),
        )
    return AmlMessage(
        version=1,
        fix=fix,
        phone=None,
        observed_at=observed,
        positioning_method=method,
        confidence=confidence,
        details=details,
    )


# ---------------------------------------------------------------------------------------------
# Data SMS: GSM 03.38 7-bit packed user data (no UDH)

_GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = {
    0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\",
    0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€",
}  # fmt: skip
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")
_B64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def decode_data_sms(hex_or_base64: str) -> str:
    """Unpack GSM 7-bit user data (given as hex or base64) to the AML text payload."""
    if not isinstance(hex_or_base64, str):
        raise _err("data SMS must be text (hex or base64)", "data_sms")
    data = "".join(hex_or_base64.split())
    if not data or len(data) > 4 * _MAX_SMS:
        raise _err("data SMS is empty or too long", "data_sms")
    try:
        if _HEX.fullmatch(data):
            raw = bytes.fromhex(data)
        elif _B64.fullmatch(data):
            raw = base64.b64decode(data, validate=True)
        else:
            raise _err("data SMS is neither hex nor base64", "data_sms")
    except (binascii.Error, ValueError) as exc:
        if isinstance(exc, LocationError):
            raise
        raise _err(f"data SMS is neither hex nor base64: {exc}", "data_sms") from None

    septets = []
    bits = 0
    nbits = 0
    for byte in raw:
        bits |= byte << nbits
        nbits += 8
        while nbits >= 7:
            septets.append(bits & 0x7F)
            bits >>= 7
            nbits -= 7
    # When the packed length leaves exactly 7 spare bits the last septet is fill (0, or CR
    # per GSM 03.38 6.1.2.3.1); without the user data length we cannot tell otherwise.
    if len(raw) * 8 % 7 == 0 and septets and septets[-1] in (0x00, 0x0D):
        septets.pop()

    out = []
    escape = False
    for septet in septets:
        if escape:
            out.append(_GSM_EXTENSION.get(septet, " "))
            escape = False
        elif septet == 0x1B:
            escape = True
        else:
            out.append(_GSM_BASIC[septet])
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# HTTPS form POST

_DECIMAL = re.compile(r"[+-]?\d{1,4}(?:\.\d{1,12})?")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_TOKEN = re.compile(r"[A-Za-z0-9_. -]{1,40}")
_DETAIL_FIELDS = (
    "device_model", "device_imei", "device_imsi", "device_os", "cell_carrier",
    "cell_home_mcc", "cell_home_mnc", "cell_network_mcc", "cell_network_mnc", "cell_id",
)  # fmt: skip
_DIGIT_DETAILS = {
    "device_imei": (14, 16), "device_imsi": (1, 15), "cell_home_mcc": (3, 3),
    "cell_home_mnc": (2, 3), "cell_network_mcc": (3, 3), "cell_network_mnc": (2, 3),
    "cell_id": (1, 20),
}  # fmt: skip
_MAX_BODY = 8000


def _form(body: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    if not body:
        raise _err("empty AML HTTPS body", "body")
    for pair in body.split("&"):
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise _err(f"malformed form field {pair[:30]!r}", "body")
        name = unquote_plus(name, errors="strict")
        if name in fields:
            raise _err(f"field {name[:30]} given twice", name[:30])
        fields[name] = unquote_plus(value, errors="strict")
    return fields


def _number(
    fields: dict[str, str], name: str, *, low: float, high: float, required: bool = True
):
    value = fields.get(name, "")
    if value == "":
        if required:
            raise _err(f"missing {name}", name)
        return None
    if not _DECIMAL.fullmatch(value):
        raise _err(f"{name} is not a decimal number: {value[:30]!r}", name)
    number = float(value)
    if not low <= number <= high:
        raise _err(f"{name} out of range: {value!r}", name)
    return number


def parse_aml_https(body: str, *, key: bytes | None) -> AmlMessage:
    """Read an AML HTTPS POST body (application/x-www-form-urlencoded).

    If the body ends in `&hmac=<40 hex>` the HMAC-SHA1 over everything before "&hmac=" is
    checked with `key`. A signed body with no key configured, an unsigned body when a key is
    configured, or a wrong signature is refused (field "hmac"). With no key and no signature
    the body is read unauthenticated (the deployment chose not to use signing).
    """
    if not isinstance(body, str):
        raise _err("AML HTTPS body must be text", "body")
    if len(body) > _MAX_BODY:
        raise _err("AML HTTPS body too long", "body")
    marker = body.rfind("&hmac=")
    if marker >= 0:
        signed, given = body[:marker], body[marker + len("&hmac=") :]
        if key is None:
            raise _err("AML body is signed but no AML key configured", "hmac")
        if not re.fullmatch(r"[0-9a-fA-F]{40}", given):
            raise _err("hmac is not 40 hex digits (HMAC-SHA1)", "hmac")
        try:
            expected = hmac.new(
                bytes(key), signed.encode("utf-8"), hashlib.sha1
            ).hexdigest()
        except (TypeError, ValueError, UnicodeError):
            raise _err("cannot compute the HMAC over this body", "hmac") from None
        if not hmac.compare_digest(expected, given.lower()):
            raise _err("hmac does not match: body altered or wrong key", "hmac")
        body = signed
    elif key is not None:
        raise _err("AML key configured but the body carries no hmac", "hmac")

    try:
        fields = _form(body)
    except UnicodeError:
        raise _err("form body is not valid UTF-8 percent-encoding", "body") from None
    if "hmac" in fields:
        raise _err("hmac must be the last field, after '&'", "hmac")

    if fields.get("v") != "1":
        raise _err(f"unsupported AML HTTPS version {fields.get('v', '')[:10]!r}", "v")

    phone = fields.get("device_number", "")
    if not _E164.fullmatch(phone):
        raise _err(
            f"device_number is not an E.164 number: {phone[:30]!r}", "device_number"
        )

    lat = _number(fields, "location_latitude", low=-90, high=90)
    lon = _number(fields, "location_longitude", low=-180, high=180)
    accuracy = _number(fields, "location_accuracy", low=0, high=10_000_000)

    millis = fields.get("location_time", "")
    if not (millis.isascii() and millis.isdigit() and len(millis) <= 14):
        raise _err(
            f"location_time must be milliseconds since 1970: {millis[:30]!r}",
            "location_time",
        )
    try:
        observed = datetime.fromtimestamp(int(millis) / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise _err("location_time out of range", "location_time") from None

    source = fields.get("location_source", "")
    if not _TOKEN.fullmatch(source):
        raise _err(
            f"location_source missing or malformed: {source[:30]!r}", "location_source"
        )

    certainty = fields.get("location_certainty", "")
    if not (
        certainty.isascii()
        and certainty.isdigit()
        and len(certainty) <= 3
        and int(certainty) <= 100
    ):
        raise _err(
            f"location_certainty must be 0-100: {certainty[:10]!r}",
            "location_certainty",
        )
    confidence = int(certainty)

    details: dict = {
        "positioning_method": source.lower(),
        "location_source": source,
        "confidence": confidence,
        "transport": "https",
    }
    altitude = _number(
        fields, "location_altitude", low=-1000, high=10_000, required=False
    )
    if altitude is not None:
        details["altitude_m"] = altitude
    floor = fields.get("location_floor", "")
    if floor:
        if not re.fullmatch(r"-?\d{1,3}", floor):
            raise _err(
                f"location_floor is not a floor number: {floor[:10]!r}",
                "location_floor",
            )
        details["floor"] = int(floor)
    for name in _DETAIL_FIELDS:
        value = fields.get(name, "")
        if not value:
            continue
        if name in _DIGIT_DETAILS:
            low, high = _DIGIT_DETAILS[name]
            _digits(value, name, low, high)
        elif len(value) > 100 or not value.isprintable():
            raise _err(f"{name} malformed", name)
        details[name] = value

    fix = Fix(
        latitude=lat,
        longitude=lon,
        source="aml",
        uncertainty_m=accuracy,
        observed_at=observed,
        details=dict(details),
    )
    return AmlMessage(
        version=1,
        fix=fix,
        phone=phone,
        observed_at=observed,
        positioning_method=source.lower(),
        confidence=confidence,
        details=details,
    )
