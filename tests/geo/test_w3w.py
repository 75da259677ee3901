"""what3words: recognition in free text, and the real SDK against a local fake API that
replays recorded real responses (tests/geo/w3w_fake.py). No network."""

from __future__ import annotations

import math
import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandhub.geo.fix import Fix, LocationError
from demandhub.geo.w3w import (
    NOT_CONFIGURED,
    SEPARATORS,
    SQUARE_UNCERTAINTY_M,
    What3Words,
    What3WordsError,
    find_three_word_addresses,
)
from tests.geo import w3w_fake
from tests.geo.w3w_fake import GOOD_KEY, FakeWhat3Words

RECORDED = w3w_fake.load_recordings()


@pytest.fixture(scope="module")
def fake():
    with FakeWhat3Words(RECORDED) as server:
        yield server


@pytest.fixture
def w3w(fake):
    return What3Words.from_settings(key=GOOD_KEY, base_url=fake.base_url)


# ---------------------------------------------------------------- conversions (recorded)


@pytest.mark.parametrize("typed", ["filled.count.soap", "///filled.count.soap", " ///Filled.Count.Soap ",
                                   "https://w3w.co/filled.count.soap"])
def test_words_to_fix_gives_the_recorded_square(w3w, typed):
    rec = RECORDED["c2cJson"]
    fix = w3w.to_fix(typed)
    assert isinstance(fix, Fix)
    assert (fix.latitude, fix.longitude) == (rec["coordinates"]["lat"], rec["coordinates"]["lng"])
    assert fix.source == "w3w"
    assert fix.label == "///filled.count.soap"
    assert fix.details == {"nearestPlace": "Bayswater, London", "country": "GB"}
    assert fix.uncertainty_m == pytest.approx(2.1213, abs=1e-4)
    assert fix.uncertainty_m == SQUARE_UNCERTAINTY_M


def test_the_uncertainty_covers_the_recorded_square(w3w):
    # half the diagonal of the square the API actually returned, in metres
    sq = RECORDED["c2cJson"]["square"]
    lat0 = math.radians(sq["southwest"]["lat"])
    dy = (sq["northeast"]["lat"] - sq["southwest"]["lat"]) * 111_320
    dx = (sq["northeast"]["lng"] - sq["southwest"]["lng"]) * 111_320 * math.cos(lat0)
    assert math.hypot(dx, dy) / 2 == pytest.approx(w3w.to_fix("filled.count.soap").uncertainty_m, rel=0.1)


def test_the_sdk_sends_what_the_recording_was_made_with(w3w, fake):
    fake.requests_seen.clear()
    w3w.to_fix("///filled.count.soap")
    (seen,) = fake.requests_seen
    assert seen["path"] == "/v3/convert-to-coordinates"
    assert seen["words"] == "filled.count.soap"
    assert seen["key"] == GOOD_KEY
    assert seen["format"] == "json"


@pytest.mark.parametrize("lat, lon", [(51.751172, -1.24623), (51.75116, -1.24625), (51.751185, -1.246209)])
def test_position_to_words_gives_the_recorded_words(w3w, lat, lon):
    assert w3w.to_words(lat, lon) == RECORDED["c23waJson"]["words"] == "pretty.needed.chill"


def test_round_trip_through_the_square(w3w):
    fix = w3w.to_fix("filled.count.soap")
    assert w3w.to_words(fix.latitude, fix.longitude) == "filled.count.soap"


def test_autosuggest_gives_the_recorded_suggestions(w3w):
    got = w3w.autosuggest("plan.clips.a")
    assert [s["words"] for s in got] == [s["words"] for s in RECORDED["autoSuggest"]["suggestions"]]
    assert got[0] == {"words": "plan.clips.also", "nearestPlace": "Absecon, New Jersey", "country": "US",
                      "distanceToFocusKm": None}


def test_autosuggest_with_a_focus_gives_the_recorded_distances(w3w, fake):
    fake.requests_seen.clear()
    got = w3w.autosuggest("///plan.clips.a", focus=w3w_fake.RECORDED_FOCUS)
    assert fake.requests_seen[0]["focus"] == "51.521251,-0.203586"
    expected = RECORDED["autoSuggestFocus"]["suggestions"]
    assert [(s["words"], s["nearestPlace"], s["distanceToFocusKm"]) for s in got] == [
        (s["words"], s["nearestPlace"], s["distanceToFocusKm"]) for s in expected]
    assert got[0] == {"words": "plan.clips.area", "nearestPlace": "Brixton Hill, London", "country": "GB",
                      "distanceToFocusKm": 11}


def test_autosuggest_with_no_match_or_no_text(w3w, fake):
    assert w3w.autosuggest("zzzz.zzzz.zz") == []
    fake.requests_seen.clear()
    assert w3w.autosuggest("  /// ") == []
    assert fake.requests_seen == []  # nothing to ask


def test_the_fake_replays_geojson_too():
    # The fake serves the recorded GeoJSON for format=geojson, through the SDK itself.
    import what3words

    with FakeWhat3Words(RECORDED) as server:
        sdk = what3words.Geocoder(GOOD_KEY, end_point=server.base_url)
        assert sdk.convert_to_coordinates("filled.count.soap", format="geojson") == RECORDED["c2cGeoJson"]
        assert sdk.convert_to_3wa(what3words.Coordinates(51.751172, -1.24623), format="geojson") == \
            RECORDED["c23waGeoJson"]
        assert sdk.autosuggest("plan.clips.a", clip_to_country="NZ,AU") == RECORDED["autoSuggestClipToCountry"]
        assert sdk.autosuggest("plan.clips.a", prefer_land=False) == RECORDED["autoSuggestPreferLandFalse"]


# ------------------------------------------------------------------------------ errors


def test_bad_words_are_a_location_error_with_the_api_message(w3w):
    with pytest.raises(LocationError) as err:
        w3w.to_fix("fill.fake.fill")
    assert err.value.field == "what3words"
    assert err.value.code == "BadWords"
    assert w3w_fake.BAD_WORDS_MESSAGE in str(err.value)


@pytest.mark.parametrize("junk", ["", "   ", "filled.count", "filled.count.soap.now", "1.2.3",
                                  "filled.count.soap and index.home.raft", "a@filled.count.soap"])
def test_text_that_is_not_three_words_never_reaches_the_api(w3w, fake, junk):
    fake.requests_seen.clear()
    with pytest.raises(LocationError) as err:
        w3w.to_fix(junk)
    assert err.value.field == "what3words"
    assert "not a what3words address" in str(err.value)
    assert fake.requests_seen == []


def test_a_wrong_key_is_a_location_error_with_the_api_message(fake):
    w3w = What3Words.from_settings(key="not-the-key", base_url=fake.base_url)
    assert w3w.available
    for call in (lambda: w3w.to_fix("filled.count.soap"), lambda: w3w.to_words(51.751172, -1.24623),
                 lambda: w3w.autosuggest("plan.clips.a")):
        with pytest.raises(LocationError) as err:
            call()
        assert err.value.field == "what3words"
        assert err.value.code == "InvalidKey"
        assert w3w_fake.INVALID_KEY_MESSAGE in str(err.value)


def test_a_spent_quota_is_a_location_error(fake):
    w3w = What3Words.from_settings(key=w3w_fake.QUOTA_KEY, base_url=fake.base_url)
    with pytest.raises(LocationError, match="Quota Exceeded") as err:
        w3w.to_fix("filled.count.soap")
    assert err.value.code == "QuotaExceeded"


def test_a_stalled_api_times_out_quickly(fake):
    w3w = What3Words.from_settings(key=GOOD_KEY, base_url=fake.base_url, timeout_s=0.3)
    began = time.monotonic()
    with pytest.raises(LocationError, match="what3words is not reachable") as err:
        w3w.to_fix(w3w_fake.SLOW_WORDS)
    assert time.monotonic() - began < w3w_fake.SLOW_S
    assert err.value.field == "what3words"
    assert err.value.code == "NotReachable"


def test_nothing_listening_is_not_reachable():
    w3w = What3Words.from_settings(key=GOOD_KEY, base_url=f"http://127.0.0.1:{w3w_fake.free_port()}/v3",
                                   timeout_s=1)
    with pytest.raises(LocationError, match="^what3words is not reachable: ") as err:
        w3w.to_words(51.5, -0.1)
    assert err.value.field == "what3words"


def test_an_answer_that_is_not_the_api_is_a_location_error(w3w):
    with pytest.raises(LocationError, match="not an answer from the what3words API") as err:
        w3w.to_fix(w3w_fake.PROXY_WORDS)
    assert err.value.field == "what3words"


@pytest.mark.parametrize("lat, lon", [(91, 0), (0, 181), (math.nan, 0), (0, math.inf), ("x", 0)])
def test_impossible_positions_are_refused_before_the_api(w3w, fake, lat, lon):
    fake.requests_seen.clear()
    with pytest.raises(LocationError) as err:
        w3w.to_words(lat, lon)
    assert err.value.field == "what3words"
    assert fake.requests_seen == []


def test_an_unrecorded_square_is_an_error_not_a_guess(w3w):
    with pytest.raises(What3WordsError):
        w3w.to_words(0.0, 0.0)


@pytest.mark.parametrize("key", [None, "", "   "])
def test_no_key_means_not_configured(key):
    w3w = What3Words.from_settings(key=key)
    assert not w3w.available
    for call in (lambda: w3w.to_fix("filled.count.soap"), lambda: w3w.to_words(51.5, -0.1),
                 lambda: w3w.autosuggest("plan.clips.a")):
        with pytest.raises(LocationError) as err:
            call()
        assert str(err.value) == NOT_CONFIGURED == "what3words is not configured: set DEMANDHUB_W3W_API_KEY"
        assert err.value.field == "what3words"
    # recognition needs no key
    assert find_three_word_addresses("at ///filled.count.soap") == ["filled.count.soap"]


def test_the_public_api_is_the_default():
    assert What3Words.from_settings(key="k").base_url == "https://api.what3words.com/v3"
    assert What3Words.from_settings(key="k", base_url="https://w3w.example/v3/").base_url == \
        "https://w3w.example/v3"


# -------------------------------------------------------------------------- recognition


@pytest.mark.parametrize("text, expected", [
    ("filled.count.soap", ["filled.count.soap"]),
    ("///filled.count.soap", ["filled.count.soap"]),
    ("I'm at ///filled.count.soap near the church", ["filled.count.soap"]),
    ("I am at filled.count.soap.", ["filled.count.soap"]),
    ("Filled.Count.Soap", ["filled.count.soap"]),
    ("(filled.count.soap)", ["filled.count.soap"]),
    ("“filled.count.soap”", ["filled.count.soap"]),
    ("location:///filled.count.soap", ["filled.count.soap"]),
    ("filled.count.soap, or index.home.raft?", ["filled.count.soap", "index.home.raft"]),
    ("filled.count.soap then ///filled.count.soap again", ["filled.count.soap"]),
    ("https://w3w.co/filled.count.soap", ["filled.count.soap"]),
    ("see what3words.com/filled.count.soap", ["filled.count.soap"]),
    ("///こんにちは。ありがとう。さようなら", ["こんにちは。ありがとう。さようなら"]),
    ("///chiffre.peuvent.cèdre", ["chiffre.peuvent.cèdre"]),
    ("///चिकित्सा.मंगलवार.कलम।", ["चिकित्सा.मंगलवार.कलम"]),  # Devanagari marks; danda ends the sentence
    ("///школа.дом.окно", ["школа.дом.окно"]),
    ("filled.count.soap...", ["filled.count.soap"]),
])
def test_recognises_three_word_addresses(text, expected):
    assert find_three_word_addresses(text) == expected


@pytest.mark.parametrize("text", [
    "", "filled.count", "filled count soap", "1.2.3", "version 10.4.1", "3.14.15",
    "john.smith.jones@police.uk", "mail me at a@filled.count.soap", "filled.count.soap@example",
    "https://news.bbc.co", "http://filled.count.soap", "www.bbc.co.uk", "bbc.co.uk", "mail.google.com",
    "intranet.force.police.uk", "example.org/filled.count.soap", "notw3w.co/filled.count.soap",
    "filled.count.soap/index", "filled.count.soap:8080", "filled..count.soap", ".filled.count", "filled.count.soap.now",
    "U.S.A.", "a.m.x", "e.g. i.e.", "filled.count.soap2", "x1.filled.count", "snake_filled.count.soap",
    "filled-count.soap.x", "file.tar.gz", "..."
])
def test_does_not_take_other_dotted_things_for_addresses(text):
    assert find_three_word_addresses(text) == []


_letters = st.characters(categories=("Ll",), max_codepoint=0x24F)
_word = st.text(_letters, min_size=3, max_size=10)


# Text built from the pieces that matter: letters (ASCII, accented, Cyrillic, kana, Devanagari
# with its marks), every separator, digits, and the characters of e-mails and URLs.
_pieces = st.sampled_from(["filled", "count", "soap", "é", "дом", "ありがとう", "कलम", "ि", "a", "uk", "com",
                           *SEPARATORS, "0", "7", "@", "/", "//", ":", "_", "-", " ", "\n", ",", "w3w.co", "http"])
_dotted_text = st.lists(_pieces, max_size=30).map("".join)


def _parts(address: str) -> list[str]:
    parts, current = [], ""
    for ch in address:
        if ch in SEPARATORS:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), _dotted_text))
def test_recognition_never_crashes_and_finds_only_well_formed_addresses(text):
    found = find_three_word_addresses(text)
    assert isinstance(found, list)
    assert len(found) == len(set(found))
    for address in found:
        assert address in text.lower()
        parts = _parts(address)
        assert len(parts) == 3 and all(parts)
        assert all(unicodedata.category(ch)[0] in "LM" for part in parts for ch in part)
        assert find_three_word_addresses("///" + address) == [address]
        assert find_three_word_addresses(f"{address}@example.org") == []


@settings(max_examples=200, deadline=None)
@given(st.lists(_word, min_size=3, max_size=3), st.text(" ,;!?\n", max_size=3), st.text(" ,;!?\n", max_size=3),
       st.sampled_from(["", "/", "///"]))
def test_an_address_between_words_is_found(words, before, after, slashes):
    address = ".".join(words)
    text = f"caller says{before or ' '}{slashes}{address}{after}"
    if words[-1] in {"com", "org", "net", "gov", "edu", "info", "biz"}:
        return  # deliberately taken for a web domain
    assert find_three_word_addresses(text) == [address]
