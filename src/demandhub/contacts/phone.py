"""Caller numbers, normalised to E.164 so the same caller is recognised however it was typed."""

from __future__ import annotations

import phonenumbers


class BadNumber(ValueError):
    pass


def normalise(raw: str, *, region: str) -> str:
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise BadNumber(f"{text!r} is not a phone number ({exc._msg})") from None
    if not phonenumbers.is_possible_number(number):
        raise BadNumber(f"{text!r} is not a possible phone number for region {region}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
