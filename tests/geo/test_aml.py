"""AML: every published vector in tests/standards/aml/aml_sms_vectors.txt, plus fuzzing."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandhub.geo.aml import (
    AmlMessage,
    decode_data_sms,
    parse_aml_https,
    parse_aml_sms,
)
from demandhub.geo.fix import LocationError
from tests.standards import STANDARDS  # noqa: E402

VECTORS_FILE = STANDARDS / "aml" / "aml_sms_vectors.txt"
KEY = b"AML"  # the key aml-lib signs its HTTPS example with


def _load() -> dict[str, str]:
    if not VECTORS_FILE.is_file():
        return {}
    vectors = {}
    for line in VECTORS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, payload = line.split("\t")[:2]
        vectors[label] = payload
    return vectors


VECTORS = _load()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Valid vectors: expected values read off the notes column of the vectors file.
# (lat, lon, rd, top, lc, pm-method, imsi, imei, mcc, mnc); lat None = no position (pm=N / rd=N)
VALID_SMS = {
    "GOOGLE_ELS_NO_LOCATION": (None, None, None, utc(2022, 1, 31, 17, 37, 34), 0, "none",
                               "234159000000000", "123456789012345", "234", "15"),
    "GRIDGEARS_VALID_WIFI": (54.76397, -0.18305, 50, utc(2013, 7, 17, 14, 19, 35), 90, "wifi",
                             "123456789012345", "1234567890123456", "234", "30"),
    "GRIDGEARS_NO_LOCATION": (None, None, None, utc(2013, 7, 17, 14, 19, 35), 90, "none",
                              "123456789012345", "1234567890123456", "234", "30"),
    # unknown attribute kl=23: accepted and ignored (ETSI: receivers ignore unknown attributes)
    "GRIDGEARS_UNKNOWN_ATTR": (54.76397, -0.18305, 50, utc(2013, 7, 17, 14, 19, 35), 90, "wifi",
                               "123456789012345", "1234567890123456", "234", "30"),
    "AMLLIB_README": (48.82639, -2.36619, 52, utc(2019, 11, 12, 11, 29, 28), 68, "gnss",
                      "208201771948415", "353472104343540", "208", "20"),
    "AMLLIB_DATA_SMS_DECODED": (37.42175, -122.08461, 20, utc(2015, 6, 13, 1, 9, 48), 68, "gnss",
                                "987654231", "358239059042542", "310", "260"),
    "FR_APP_README": (48.902963, 2.516582, 1964, utc(2022, 2, 10, 13, 46, 54), 95, "gnss",
                      "234302543446355", "357365093474415", "208", "01"),
}  # fmt: skip

# Invalid vectors: the field the LocationError must name.
INVALID_SMS = {
    "GOOGLE_ELS_COMPUTED": "ml",  # published ml=126, real length 127: strict, a wrong length = altered SMS
    "GRIDGEARS_BAD_ML": "ml",
    "GRIDGEARS_BAD_TOP": "top",
    "GRIDGEARS_BAD_PM": "pm",
    "GRIDGEARS_BAD_LAT": "lt",
    "GRIDGEARS_BAD_LC": "lc",
    "AMLLIB_TEST": "ml",  # ml=128, real length 126 (aml-lib does not check ml)
    "AMLLIB_V2": "version",  # Google ELS beta format: refused, never read as v1
}

DATA_SMS = ("DATA_SMS_HEX", "DATA_SMS_BASE64")
HTTPS = ("HTTPS_HMAC", "HTTPS_FULL")


def test_every_vector_in_the_file_has_a_case():
    assert set(VECTORS) == set(VALID_SMS) | set(INVALID_SMS) | set(DATA_SMS) | set(
        HTTPS
    )


@pytest.mark.parametrize("label", sorted(VALID_SMS))
def test_valid_sms_vector(label):
    lat, lon, rd, top, lc, method, imsi, imei, mcc, mnc = VALID_SMS[label]
    msg = parse_aml_sms(VECTORS[label])
    assert isinstance(msg, AmlMessage)
    assert msg.version == 1
    assert msg.phone is None  # the number comes from the SMS sender, not the payload
    assert msg.observed_at == top and msg.observed_at.tzinfo is not None
    assert msg.confidence == lc
    assert msg.positioning_method == method
    assert (msg.details["imsi"], msg.details["imei"], msg.details["mcc"], msg.details["mnc"]) == (
        imsi, imei, mcc, mnc,
    )  # fmt: skip
    if lat is None:
        assert msg.fix is None and not msg.located
    else:
        fix = msg.fix
        assert msg.located
        assert fix.source == "aml"
        assert fix.latitude == pytest.approx(lat) and fix.longitude == pytest.approx(
            lon
        )
        assert fix.uncertainty_m == rd
        assert fix.observed_at == top
        assert fix.details["positioning_method"] == method
        assert fix.details["confidence"] == lc
        assert fix.details["imei"] == imei


def test_unknown_attribute_is_kept_but_ignored():
    msg = parse_aml_sms(VECTORS["GRIDGEARS_UNKNOWN_ATTR"])
    assert msg.details["unknown_attributes"] == {"kl": "23"}


@pytest.mark.parametrize("label", sorted(INVALID_SMS))
def test_invalid_sms_vector(label):
    with pytest.raises(LocationError) as caught:
        parse_aml_sms(VECTORS[label])
    assert caught.value.field == INVALID_SMS[label]


def test_version_2_message_is_clear():
    with pytest.raises(LocationError, match="unsupported AML version 2"):
        parse_aml_sms(VECTORS["AMLLIB_V2"])


def test_google_computed_example_is_fine_once_its_length_is_right():
    # proves the only fault in the published example is the off-by-one ml
    fixed = VECTORS["GOOGLE_ELS_COMPUTED"].replace("ml=126", "ml=127")
    msg = parse_aml_sms(fixed)
    assert (msg.fix.latitude, msg.fix.longitude, msg.fix.uncertainty_m) == (
        51.53321,
        -0.12601,
        14,
    )
    assert msg.positioning_method == "wifi" and msg.confidence == 68


@pytest.mark.parametrize("label", DATA_SMS)
def test_data_sms_decodes_to_the_text_vector(label):
    text = decode_data_sms(VECTORS[label])
    assert text == VECTORS["AMLLIB_DATA_SMS_DECODED"]
    msg = parse_aml_sms(text)
    assert msg.fix.latitude == pytest.approx(37.42175)
    assert msg.fix.longitude == pytest.approx(-122.08461)


def test_https_signed_vector():
    msg = parse_aml_https(VECTORS["HTTPS_HMAC"], key=KEY)
    assert msg.phone == "+33611223344"
    assert msg.fix.latitude == pytest.approx(
        0.85732
    ) and msg.fix.longitude == pytest.approx(-4.26325)
    assert msg.fix.uncertainty_m == pytest.approx(10.4)
    assert msg.observed_at == utc(2020, 11, 9, 8, 55, 21)
    assert msg.fix.details["location_source"] == "GPS"
    assert msg.confidence == 83


def test_https_full_vector_unsigned():
    msg = parse_aml_https(VECTORS["HTTPS_FULL"], key=None)
    assert msg.phone == "+447477593102"
    assert msg.fix.latitude == pytest.approx(
        55.85732
    ) and msg.fix.longitude == pytest.approx(-4.26325)
    assert msg.fix.uncertainty_m == pytest.approx(10.4)
    assert msg.observed_at == datetime.fromtimestamp(1476189444.435, tz=UTC)
    d = msg.details
    assert d["altitude_m"] == 0.0 and d["floor"] == 5
    assert d["device_model"] == "ABC ABC Detente 530"
    assert (
        d["device_imei"] == "354773072099116" and d["device_imsi"] == "234159176307582"
    )
    assert (d["cell_home_mcc"], d["cell_home_mnc"], d["cell_network_mcc"], d["cell_network_mnc"]) == (
        "234", "15", "234", "15",
    )  # fmt: skip
    assert d["cell_id"] == "0213454321"
    assert "cell_carrier" not in d  # sent empty


def test_https_hmac_failures():
    signed = VECTORS["HTTPS_HMAC"]
    with pytest.raises(LocationError) as wrong_key:
        parse_aml_https(signed, key=b"not the key")
    assert wrong_key.value.field == "hmac"
    with pytest.raises(LocationError, match="no AML key configured") as no_key:
        parse_aml_https(signed, key=None)
    assert no_key.value.field == "hmac"
    tampered = signed.replace("location_latitude=0.85732", "location_latitude=0.85733")
    with pytest.raises(LocationError) as altered:
        parse_aml_https(tampered, key=KEY)
    assert altered.value.field == "hmac"
    with pytest.raises(LocationError) as unsigned:
        parse_aml_https(VECTORS["HTTPS_FULL"], key=KEY)
    assert unsigned.value.field == "hmac"


def test_https_full_vector_signed_with_our_key():
    body = VECTORS["HTTPS_FULL"]
    mac = hmac.new(b"secret", body.encode(), hashlib.sha1).hexdigest()
    assert parse_aml_https(f"{body}&hmac={mac}", key=b"secret").phone == "+447477593102"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (("v=1&device_number=447477593102&location_latitude=1&location_longitude=1&location_time=1"
         "&location_accuracy=1&location_source=GPS&location_certainty=83"), "device_number"),
        (("v=1&device_number=%2B447477593102&location_latitude=91&location_longitude=1&location_time=1"
         "&location_accuracy=1&location_source=GPS&location_certainty=83"), "location_latitude"),
        (("v=1&device_number=%2B447477593102&location_latitude=1&location_longitude=1&location_time=x"
         "&location_accuracy=1&location_source=GPS&location_certainty=83"), "location_time"),
        (("v=1&device_number=%2B447477593102&location_latitude=1&location_longitude=1&location_time=1"
         "&location_accuracy=1&location_source=GPS&location_certainty=101"), "location_certainty"),
        ("v=2&device_number=%2B447477593102", "v"),
        ("v=1&v=1", "v"),
        ("", "body"),
    ],
)  # fmt: skip
def test_https_bad_fields(body, field):
    with pytest.raises(LocationError) as caught:
        parse_aml_https(body, key=None)
    assert caught.value.field == field


def _sms(**overrides) -> str:
    values = {
        "lt": "+54.76397",
        "lg": "-0.18305",
        "rd": "50",
        "top": "20130717141935",
        "lc": "90",
        "pm": "W",
        "si": "123456789012345",
        "ei": "1234567890123456",
        "mcc": "234",
        "mnc": "30",
    }
    values.update(overrides)
    body = 'A"ML=1;' + "".join(f"{k}={v};" for k, v in values.items() if v is not None)
    for digits in range(1, 5):  # ml counts itself
        total = len(body) + len("ml=") + digits
        if len(str(total)) == digits:
            return f"{body}ml={total}"
    raise AssertionError


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"lt": "+91.00000"}, "lt"),
        ({"lg": "-180.5"}, "lg"),
        ({"lg": "1e2"}, "lg"),
        ({"rd": "-5"}, "rd"),
        ({"rd": "12.5"}, "rd"),
        ({"top": "20130230141935"}, "top"),  # 30 February
        ({"top": "20130717251935"}, "top"),
        ({"lc": "101"}, "lc"),
        ({"si": "12345abc"}, "si"),
        ({"ei": "123"}, "ei"),
        ({"mcc": "23"}, "mcc"),
        ({"mnc": "3"}, "mnc"),
        ({"mnc": None}, "mnc"),
        ({"top": None}, "top"),
        ({"kl": "1", "kl2": "2"}, None),  # two unknown attributes: accepted
    ],
)
def test_sms_field_checks(overrides, field):
    text = _sms(**overrides)
    if field is None:
        assert parse_aml_sms(text).located
        return
    with pytest.raises(LocationError) as caught:
        parse_aml_sms(text)
    assert caught.value.field == field


def test_sms_checks_other_fields():
    assert parse_aml_sms(_sms()).fix.uncertainty_m == 50
    assert parse_aml_sms(_sms(pm="C")).positioning_method == "cell"
    assert parse_aml_sms(_sms(pm="G")).positioning_method == "gnss"
    no_radius = parse_aml_sms(
        _sms(rd="N")
    )  # located by GNSS but no radius: not a usable position
    assert no_radius.fix is None
    with pytest.raises(LocationError) as dup:
        parse_aml_sms(
            _sms().replace("lc=90;", "lc=90;lc=90;").replace("ml=128", "ml=134")
        )
    assert dup.value.field == "lc"
    for bad in ("", "hello", 'A"ML=', 'A"ML=1', 'A"ML=3;lt=1', 'A"ML=1;;ml=9'):
        with pytest.raises(LocationError):
            parse_aml_sms(bad)


def test_data_sms_rejects_garbage():
    for bad in ("", "zz!", "abc", "%%%%"):
        with pytest.raises(LocationError) as caught:
            decode_data_sms(bad)
        assert caught.value.field == "data_sms"


# --- fuzzing: a result or a LocationError, never anything else

FUZZ = settings(deadline=None, max_examples=150)


def _safely(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except LocationError as exc:
        assert isinstance(exc.field, str) and exc.field


@FUZZ
@given(st.text(max_size=300))
def test_fuzz_sms_arbitrary_text(text):
    _safely(parse_aml_sms, text)
    _safely(parse_aml_sms, 'A"ML=1;' + text)


@FUZZ
@given(st.data())
def test_fuzz_sms_mutated_valid(data):
    base = _sms()
    pos = data.draw(st.integers(0, len(base)))
    cut = data.draw(st.integers(0, 5))
    insert = data.draw(
        st.text(
            alphabet=st.sampled_from(list('0123456789+-.;=NAMLGWCZ"x\x00é')), max_size=6
        )
    )
    _safely(parse_aml_sms, base[:pos] + insert + base[pos + cut :])


@FUZZ
@given(st.text(max_size=300) | st.binary(max_size=200).map(bytes.hex))
def test_fuzz_data_sms(text):
    try:
        decoded = decode_data_sms(text)
    except LocationError:
        return
    assert isinstance(decoded, str)
    _safely(parse_aml_sms, decoded)


_FORM_KEYS = ["v", "device_number", "location_latitude", "location_longitude", "location_time",
              "location_accuracy", "location_source", "location_certainty", "location_altitude",
              "location_floor", "device_imei", "cell_id", "hmac"]  # fmt: skip


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_FORM_KEYS) | st.text(max_size=8), st.text(max_size=20)
        ),
        max_size=12,
    ),
    st.sampled_from([None, b"AML", b""]),
)
def test_fuzz_https_form(pairs, key):
    body = "&".join(f"{k}={v}" for k, v in pairs)
    _safely(parse_aml_https, body, key=key)


@FUZZ
@given(st.text(max_size=400), st.sampled_from([None, b"AML"]))
def test_fuzz_https_arbitrary_text(body, key):
    _safely(parse_aml_https, body, key=key)
