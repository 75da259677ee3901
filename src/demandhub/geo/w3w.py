"""what3words: spotting 3-word addresses in what a caller wrote, and converting them.

Recognition (`find_three_word_addresses`) is pure and works with no API key, so the
screens can always say "this looks like a what3words address". Conversion goes through
the official SDK (`what3words.Geocoder`) against the public API or an on-premise server.

The SDK (3.4.0) sends every request with `requests.get(...)` and no timeout, and feeds
the body straight to `json.loads`. A handler must never be left waiting on a stalled
connection, so `_Geocoder` keeps the SDK's public methods (its parameter names, its
`{"error": ...}` pass-through) and replaces only its private transport `_request` with
the same `requests.get` call plus a timeout and a readable error when the answer is not
the API's JSON. Anything that goes wrong comes back as a `LocationError` (field
"what3words"), never as a hang or a stack trace.
"""

from __future__ import annotations

import math
import platform
import unicodedata

import requests
import what3words
from what3words.version import __version__ as _SDK_VERSION

from demandhub.geo.fix import Fix, LocationError

FIELD = "what3words"
PUBLIC_API = "https://api.what3words.com/v3"
DEFAULT_TIMEOUT_S = 3.0
# A what3words square is 3 m x 3 m; the caller is somewhere in it, at most half its
# diagonal from the centre the API returns.
SQUARE_UNCERTAINTY_M = math.hypot(3.0, 3.0) / 2  # ~2.12 m
NOT_CONFIGURED = "what3words is not configured: set DEMANDHUB_W3W_API_KEY"

# The word separators the SDK's own regexes accept (full stop, halfwidth/ideographic full
# stops, katakana middle dots, presentation form, Khmer, Armenian, Myanmar, Arabic, Ethiopic
# and Devanagari stops).
SEPARATORS = frozenset(".｡。･・︒។։။۔።।")
# A bare domain name looks exactly like a 3-word address ("bbc.co.uk", "mail.google.com").
# We take a two-letter ASCII last word (a country code) or a generic top-level domain as the
# mark of a web address. Assumption, not checked against the word lists: English 3-word
# addresses do not end in such words. If one does, the handler can still type it in.
_TOP_LEVEL_DOMAINS = frozenset({"com", "org", "net", "gov", "edu", "info", "biz"})
# Links to a square on what3words' own map are accepted: https://w3w.co/filled.count.soap
_W3W_LINK_HOSTS = ("w3w.co", "what3words.com", "www.what3words.com", "www.w3w.co")


class What3WordsError(LocationError):
    """A what3words failure. `code` is the API's error code (BadWords, InvalidKey,
    QuotaExceeded, ...) or one of NotConfigured, NotReachable, BadResponse, NotA3wa."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message, field=FIELD)
        self.code = code


# --------------------------------------------------------------------------- recognition


def _is_word_char(ch: str) -> bool:
    # Letters and combining marks (Hindi, Thai, ... words need the marks); no digits.
    return unicodedata.category(ch)[0] in "LM"


def _is_core(ch: str) -> bool:
    return ch in SEPARATORS or _is_word_char(ch)


def _prefix_ok(text: str, start: int) -> bool:
    """What comes before a candidate starting at `start` must not make it part of something
    bigger: an e-mail address, a URL, a number, a snake_case name."""
    if start == 0:
        return True
    prev = text[start - 1]
    if prev != "/":
        return prev.isspace() or not (prev.isalnum() or prev in "@_-\\%&=+#~$")
    i = start - 1
    while i >= 0 and text[i] == "/":
        i -= 1
    if i < 0:
        return True
    before = text[i]
    if before == ":":
        return start - 1 - i != 2  # "Location:///filled.count.soap" yes, "http://news.bbc.co" no
    if not (before.isalnum() or before in ".-_~%@"):
        return True  # after a space, bracket, quote, comma...: the slashes are the 3wa's own
    return _host_is_w3w(text[: i + 1].lower())  # https://w3w.co/filled.count.soap


def _host_is_w3w(before: str) -> bool:
    """`before` must end with a what3words link host, the whole host ("notw3w.co" is not)."""
    for host in _W3W_LINK_HOSTS:
        if before.endswith(host):
            head = before[: -len(host)]
            if not head or head.endswith("//") or head[-1].isspace() or head[-1] in "([{<\"'":
                return True
    return False


def _suffix_ok(text: str, end: int) -> bool:
    """What follows the last word must not continue it (e-mail, path, port, number)."""
    if end >= len(text):
        return True
    nxt = text[end]
    if nxt.isalnum() or nxt in "@/\\_-%&=+#~$":
        return False
    # host:8080, scheme://
    return not (nxt == ":" and end + 1 < len(text) and (text[end + 1].isdigit() or text[end + 1] == "/"))


def _looks_like_domain(words: list[str]) -> bool:
    last = words[-1].lower()
    return (len(last) == 2 and last.isascii()) or last in _TOP_LEVEL_DOMAINS


def find_three_word_addresses(text: str) -> list[str]:
    """Every 3-word address written in `text`, lower case, without the leading slashes,
    each once, in order of appearance: "///filled.count.soap", "filled.count.soap" and
    "https://w3w.co/filled.count.soap" all give "filled.count.soap". E-mail addresses,
    URLs, web domains, abbreviations ("U.S.A.") and numbers ("1.2.3") are not addresses.
    Recognition only: whether the words are a real square is for the API to say."""
    if not isinstance(text, str):
        return []
    found: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if not _is_core(text[i]):
            i += 1
            continue
        start = i
        while i < n and _is_core(text[i]):
            i += 1
        run_start, run_end = start, i
        # A full stop / danda ending the sentence is not part of the address.
        while run_end > run_start and text[run_end - 1] in SEPARATORS:
            run_end -= 1
        if run_end == run_start or text[run_start] in SEPARATORS:
            continue  # "...", ".5", or a dotted thing running on from a number
        candidate = text[run_start:run_end]
        words = _split(candidate)
        if words is None or len(words) != 3:
            continue
        if any(len(w) == 1 and w.isascii() for w in words):
            continue  # U.S.A, a.m.x: abbreviations
        # (separators after the last word were a full stop; what follows them must fit too)
        if not _prefix_ok(text, run_start) or not _suffix_ok(text, i):
            continue
        if _looks_like_domain(words):
            continue
        address = candidate.lower()
        if address not in found:
            found.append(address)
    return found


def _split(candidate: str) -> list[str] | None:
    words, current = [], []
    for ch in candidate:
        if ch in SEPARATORS:
            if not current:
                return None  # two separators in a row
            words.append("".join(current))
            current = []
        else:
            current.append(ch)
    if current:
        words.append("".join(current))
    return words


def normalise_words(words: str) -> str:
    """The one 3-word address in `words` (slashes, spaces and case tolerated), or raise."""
    cleaned = (words or "").strip() if isinstance(words, str) else ""
    found = find_three_word_addresses(cleaned)
    if len(found) != 1 or any(ch.isspace() for ch in cleaned):
        raise What3WordsError(f"not a what3words address: {words!r} (expected three words like ///filled.count.soap)",
                              code="NotA3wa")
    return found[0]


# ------------------------------------------------------------------------------ the API


class _Geocoder(what3words.Geocoder):
    """The official SDK with a timeout: only the transport is replaced (see module doc)."""

    def __init__(self, api_key: str, end_point: str, timeout_s: float):
        super().__init__(api_key, end_point=end_point)
        self.timeout_s = timeout_s

    def _request(self, url_path: str, params: dict | None = None) -> dict:
        params = dict(params or {})
        params["key"] = self.api_key
        headers = {"X-W3W-Wrapper": f"what3words-Python/{_SDK_VERSION} (Python {platform.python_version()}; "
                                    f"{platform.platform()})"}
        try:
            response = requests.get(self.end_point + url_path, params=params, headers=headers,
                                    timeout=(self.timeout_s, self.timeout_s), allow_redirects=False)
        except requests.Timeout:
            raise What3WordsError(f"what3words is not reachable: no answer within {self.timeout_s:g} s",
                                  code="NotReachable") from None
        except requests.RequestException as exc:
            raise What3WordsError(f"what3words is not reachable: {_short(exc)}", code="NotReachable") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise What3WordsError(f"what3words is not reachable: HTTP {response.status_code} from "
                                  f"{self.end_point} is not an answer from the what3words API", code="BadResponse")
        if response.status_code >= 400 and "error" not in body:
            body = {"error": {"code": f"HTTP{response.status_code}", "message": response.reason or "error"}}
        return body


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _raise_for_error(response: dict) -> None:
    error = response.get("error")
    if error is None:
        return
    if isinstance(error, dict):
        code = str(error.get("code") or "Error")
        message = str(error.get("message") or code)
    else:
        code, message = "Error", str(error)
    raise What3WordsError(f"what3words: {message}", code=code)


class What3Words:
    """what3words conversions for the location readers. With no key, `available` is False
    and every call raises a LocationError saying how to configure it."""

    def __init__(self, api_key: str | None, base_url: str | None = None, *,
                 timeout_s: float = DEFAULT_TIMEOUT_S):
        api_key = (api_key or "").strip() or None
        self.base_url = (base_url or PUBLIC_API).rstrip("/")
        self.timeout_s = timeout_s
        self._geocoder = _Geocoder(api_key, self.base_url, timeout_s) if api_key else None

    @classmethod
    def from_settings(cls, key: str | None = None, base_url: str | None = None, *,
                      timeout_s: float = DEFAULT_TIMEOUT_S) -> What3Words:
        """From `Settings.w3w_api_key` / `Settings.w3w_base_url` (base URL as the SDK's
        end_point, i.e. including /v3; unset: the public API)."""
        return cls(key, base_url, timeout_s=timeout_s)

    @property
    def available(self) -> bool:
        return self._geocoder is not None

    def _sdk(self) -> _Geocoder:
        if self._geocoder is None:
            raise What3WordsError(NOT_CONFIGURED, code="NotConfigured")
        return self._geocoder

    def to_fix(self, words: str) -> Fix:
        sdk = self._sdk()
        address = normalise_words(words)
        response = sdk.convert_to_coordinates(address)
        _raise_for_error(response)
        try:
            lat = float(response["coordinates"]["lat"])
            lon = float(response["coordinates"]["lng"])
            found = str(response.get("words") or address)
        except (KeyError, TypeError, ValueError):
            raise What3WordsError("what3words answered without coordinates", code="BadResponse") from None
        return Fix(latitude=lat, longitude=lon, source="w3w", uncertainty_m=SQUARE_UNCERTAINTY_M,
                   label=f"///{found}",
                   details={"nearestPlace": response.get("nearestPlace"), "country": response.get("country")})

    def to_words(self, lat: float, lon: float) -> str:
        sdk = self._sdk()
        try:
            lat, lon = float(lat), float(lon)
        except (TypeError, ValueError):
            raise What3WordsError(f"not a position: {lat!r}, {lon!r}", code="BadCoordinates") from None
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise What3WordsError(f"not a position: {lat}, {lon}", code="BadCoordinates")
        response = sdk.convert_to_3wa(what3words.Coordinates(lat, lon))
        _raise_for_error(response)
        words = response.get("words")
        if not isinstance(words, str) or not words:
            raise What3WordsError("what3words answered without words", code="BadResponse")
        return words

    def autosuggest(self, text: str, focus: tuple[float, float] | None = None) -> list[dict]:
        """Suggestions for a partial or misheard address, best first: words, nearestPlace,
        country and distanceToFocusKm (None without a focus)."""
        sdk = self._sdk()
        text = (text or "").strip().lstrip("/").strip()
        if not text:
            return []
        coords = None
        if focus is not None:
            lat, lon = float(focus[0]), float(focus[1])
            if math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180:
                coords = what3words.Coordinates(lat, lon)
        response = sdk.autosuggest(text, focus=coords)
        _raise_for_error(response)
        suggestions = response.get("suggestions")
        if not isinstance(suggestions, list):
            raise What3WordsError("what3words answered without suggestions", code="BadResponse")
        return [{"words": s.get("words"), "nearestPlace": s.get("nearestPlace"), "country": s.get("country"),
                 "distanceToFocusKm": s.get("distanceToFocusKm")}
                for s in suggestions if isinstance(s, dict)]
