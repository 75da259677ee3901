"""A local what3words v3 API that replays recorded real responses.

The recordings are tests/standards/w3w/w3w-go-wrapper_api_test_fixtures.json: what the
live API answered to the what3words Go wrapper's tests (api_test.go @ 3a643b7), keyed by the
Go constant names. The requests that produced them are in that test file:

  convert-to-coordinates  words=filled.count.soap                      -> c2cJson / c2cGeoJson
  convert-to-3wa          coordinates=51.751172,-1.24623               -> c23waJson / c23waGeoJson
  autosuggest             input=plan.clips.a                            -> autoSuggest
                          + focus=51.521251,-0.203586                   -> autoSuggestFocus
                          + clip-to-country=NZ,AU                       -> autoSuggestClipToCountry
                          + clip-to-bounding-box=51.521,-0.343,52.6,2.3324 -> ...ClipToBoundingBox
                          + clip-to-circle=51.521,-0.343,142            -> ...ClipToCirle
                          + clip-to-polygon=51.521,-0.343,52.6,2.3324,54.234,8.343,51.521,-0.343
                          + prefer-land=false                           -> ...PreferLandFalse
                          + all four clips, clip-to-country=GB          -> ...MultiplePolicies

convert-to-3wa answers for any point inside a recorded square (every point in a 3 m square
has the same three words); the c2c recording has the same shape as a c23wa one, so points
in ///filled.count.soap's square replay it too.

Errors: the recordings hold none. The shape {"error": {"code": ..., "message": ...}} is the
one the Go wrapper decodes (pkg/apis/v3/errors.go ErrorResponse) and the Python SDK passes
through (`if "error" in response`); the codes (BadWords, BadCoordinates, InvalidKey,
MissingKey, QuotaExceeded) are the ones those SDKs name. The message texts and HTTP statuses
below are NOT recorded: they follow the public API documentation as far as we know it.
Clients must not depend on them.

Magic inputs: words slow.slow.slow sleeps SLOW_S before answering (a stalled API);
words proxy.error.page answers an HTML 502 (a proxy in the way); key "quota-spent" gives
QuotaExceeded.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from typing import Self

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from tests.standards import STANDARDS

FIXTURES = STANDARDS / "w3w" / "w3w-go-wrapper_api_test_fixtures.json"
GOOD_KEY = "fake-w3w-key"
QUOTA_KEY = "quota-spent"
SLOW_WORDS = "slow.slow.slow"
PROXY_WORDS = "proxy.error.page"
SLOW_S = 2.0

RECORDED_C2C_WORDS = "filled.count.soap"
RECORDED_C23WA_POINT = (51.751172, -1.24623)
RECORDED_AUTOSUGGEST_INPUT = "plan.clips.a"
RECORDED_FOCUS = (51.521251, -0.203586)
_BOX = "51.521,-0.343,52.6,2.3324"
_CIRCLE = "51.521,-0.343,142"
_POLYGON = "51.521,-0.343,52.6,2.3324,54.234,8.343,51.521,-0.343"

# The autosuggest options that select a recording (besides input); language and n-results
# are not among them (the SDK always sends language=en, the Go tests did not).
_AUTOSUGGEST_OPTIONS = ("focus", "clip-to-country", "clip-to-bounding-box", "clip-to-circle",
                        "clip-to-polygon", "prefer-land")
_AUTOSUGGEST_RECORDINGS = {
    frozenset(): "autoSuggest",
    frozenset({("focus", "51.521251,-0.203586")}): "autoSuggestFocus",
    frozenset({("clip-to-country", "NZ,AU")}): "autoSuggestClipToCountry",
    frozenset({("clip-to-bounding-box", _BOX)}): "autoSuggestClipToBoundingBox",
    frozenset({("clip-to-circle", _CIRCLE)}): "autoSuggestClipToCirle",
    frozenset({("clip-to-polygon", _POLYGON)}): "autoSuggestClipToPolygon",
    frozenset({("prefer-land", "false")}): "autoSuggestPreferLandFalse",
    frozenset({("clip-to-bounding-box", _BOX), ("clip-to-country", "GB"), ("clip-to-polygon", _POLYGON),
               ("clip-to-circle", _CIRCLE)}): "autoSuggestMultiplePolicies",
}

# Not recorded (see the module docstring).
BAD_WORDS_MESSAGE = "Invalid or non-existent 3 word address"
BAD_COORDINATES_MESSAGE = "coordinates must be two comma separated lat,lng coordinates"
INVALID_KEY_MESSAGE = "Authentication failed; invalid API key"
MISSING_KEY_MESSAGE = "Authentication failed; missing API key"
QUOTA_MESSAGE = "Quota Exceeded. Please upgrade your usage plan, or contact support@what3words.com"


def load_recordings() -> dict:
    with FIXTURES.open(encoding="utf-8") as f:
        return json.load(f)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _json_or_geojson(request: Request, recordings: dict, json_name: str, geojson_name: str) -> JSONResponse:
    fmt = request.query_params.get("format", "json")
    return JSONResponse(recordings[geojson_name if fmt == "geojson" else json_name])


def build_app(recordings: dict | None = None) -> Starlette:
    recordings = recordings if recordings is not None else load_recordings()
    requests_seen: list[dict] = []

    def check_key(request: Request) -> JSONResponse | None:
        requests_seen.append({"path": request.url.path, **dict(request.query_params)})
        key = request.query_params.get("key")
        if not key:
            return _error(401, "MissingKey", MISSING_KEY_MESSAGE)
        if key == QUOTA_KEY:
            return _error(402, "QuotaExceeded", QUOTA_MESSAGE)
        if key != GOOD_KEY:
            return _error(401, "InvalidKey", INVALID_KEY_MESSAGE)
        return None

    async def convert_to_coordinates(request: Request):
        if (refused := check_key(request)) is not None:
            return refused
        words = request.query_params.get("words", "").lstrip("/")
        if words == SLOW_WORDS:
            await asyncio.sleep(SLOW_S)
        if words == PROXY_WORDS:
            return HTMLResponse("<html><body><h1>502 Bad Gateway</h1></body></html>", status_code=502)
        if words == RECORDED_C2C_WORDS:
            return _json_or_geojson(request, recordings, "c2cJson", "c2cGeoJson")
        return _error(400, "BadWords", BAD_WORDS_MESSAGE)

    async def convert_to_3wa(request: Request):
        if (refused := check_key(request)) is not None:
            return refused
        try:
            lat_s, lng_s = request.query_params.get("coordinates", "").split(",")
            lat, lng = float(lat_s), float(lng_s)
        except ValueError:
            return _error(400, "BadCoordinates", BAD_COORDINATES_MESSAGE)
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            return _error(400, "BadCoordinates", BAD_COORDINATES_MESSAGE)
        for json_name, geojson_name in (("c23waJson", "c23waGeoJson"), ("c2cJson", "c2cGeoJson")):
            square = recordings[json_name]["square"]
            if (square["southwest"]["lat"] <= lat <= square["northeast"]["lat"]
                    and square["southwest"]["lng"] <= lng <= square["northeast"]["lng"]):
                return _json_or_geojson(request, recordings, json_name, geojson_name)
        # A real API would name any square on Earth; the fake only knows the recorded ones.
        return _error(404, "NotRecorded", f"the fake what3words API has no recording for {lat},{lng}")

    async def autosuggest(request: Request):
        if (refused := check_key(request)) is not None:
            return refused
        text = request.query_params.get("input", "")
        options = frozenset((k, v) for k, v in request.query_params.items() if k in _AUTOSUGGEST_OPTIONS)
        if text == RECORDED_AUTOSUGGEST_INPUT and options in _AUTOSUGGEST_RECORDINGS:
            return JSONResponse(recordings[_AUTOSUGGEST_RECORDINGS[options]])
        return JSONResponse({"suggestions": []})  # the API's answer when nothing matches

    app = Starlette(routes=[
        Route("/v3/convert-to-coordinates", convert_to_coordinates),
        Route("/v3/convert-to-3wa", convert_to_3wa),
        Route("/v3/autosuggest", autosuggest),
    ])
    app.state.requests_seen = requests_seen
    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeWhat3Words:
    """The fake API served by uvicorn in a thread; `base_url` is the SDK's end_point."""

    def __init__(self, recordings: dict | None = None):
        self.app = build_app(recordings)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v3"
        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                     log_level="warning", timeout_graceful_shutdown=1))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def requests_seen(self) -> list[dict]:
        return self.app.state.requests_seen

    def __enter__(self) -> Self:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake what3words API did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(10)
