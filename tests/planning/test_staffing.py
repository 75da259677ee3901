"""Handlers needed per half hour (planning/staffing.py) and the planning standards file."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandhub.config import Settings
from demandhub.planning import erlang
from demandhub.planning.staffing import handlers_needed, rostered
from demandhub.planning.standards import PlanningStandardsError, load_standards


# --- hand-worked half hours

def test_the_published_worked_example_100_calls_aht_180s_needs_14_on_the_phones_and_20_rostered():
    # Call Centre Helper, "Erlang C formula - made simple with an easy worked example": 100 calls in
    # 30 minutes, AHT 180 s -> 100 x 180 / 1800 = 10 Erlangs; 80% within 20 s needs 14 agents
    # (13 give 79.6%, 14 give 88.8%); with 30% shrinkage 14 / 0.7 = 20 rostered.
    need = handlers_needed(calls=100, aht_s=180, target_s=20, service_level=0.8, shrinkage=0.3)
    assert (need.on_phones, need.rostered, need.model) == (14, 20, "erlang_c")
    assert need.service_level == pytest.approx(0.888350, abs=5e-6)
    assert need.occupancy == pytest.approx(10 / 14)
    thirteen = erlang.erlang_c_performance(servers=13, load=10, aht=180, target=20)
    assert thirteen.service_level < 0.8 < need.service_level


def test_the_999_standard_90_percent_under_10_seconds_is_the_fewest_that_meet_it():
    # 40 calls in the half hour, AHT 240 s: load 40 x 240 / 1800 = 5.33 Erlangs.
    need = handlers_needed(calls=40, aht_s=240, target_s=10, service_level=0.9, shrinkage=0.35)
    load = 40 * 240 / 1800
    n = need.on_phones
    assert erlang.erlang_c_performance(servers=n, load=load, aht=240, target=10).service_level >= 0.9
    assert erlang.erlang_c_performance(servers=n - 1, load=load, aht=240, target=10).service_level < 0.9
    assert need.rostered == -(-n * 100 // 65)


def test_the_occupancy_cap_adds_handlers_when_the_service_level_alone_would_not():
    # 300 calls, AHT 300 s: 50 Erlangs; 80% in 60 s is met near 54, but 85% occupancy needs 59.
    loose = handlers_needed(calls=300, aht_s=300, target_s=60, service_level=0.8, shrinkage=0)
    capped = handlers_needed(calls=300, aht_s=300, target_s=60, service_level=0.8, shrinkage=0, max_occupancy=0.85)
    assert capped.on_phones == 59 > loose.on_phones  # ceil(50 / 0.85) = 59
    assert capped.occupancy <= 0.85


@pytest.mark.parametrize("on_phones, shrinkage, expected", [
    (14, 0.3, 20),  # 14 / 0.7 = 20 exactly: not 21 from floating point
    (13, 0.35, 20),  # 13 / 0.65 = 20 exactly
    (10, 0.35, 16),  # 15.38 -> 16
    (1, 0.35, 2),
    (0, 0.35, 0),
    (7, 0.0, 7),
])
def test_shrinkage_turns_handlers_on_the_phones_into_handlers_rostered(on_phones, shrinkage, expected):
    assert rostered(on_phones, shrinkage) == expected


def test_shrinkage_of_all_rostered_time_is_refused():
    with pytest.raises(ValueError):
        rostered(3, 1.0)


def test_no_demand_needs_no_handlers_and_is_not_an_error():
    for patience in (None, 60.0):
        need = handlers_needed(calls=0, aht_s=240, target_s=10, service_level=0.9, shrinkage=0.35, patience_s=patience)
        assert (need.on_phones, need.rostered, need.model, need.met) == (0, 0, "none", True)


def test_a_channel_minimum_holds_even_when_it_is_quiet():
    need = handlers_needed(calls=0, aht_s=240, target_s=10, service_level=0.9, shrinkage=0.35, minimum=2)
    assert (need.on_phones, need.rostered) == (2, 4)
    busy = handlers_needed(calls=0.2, aht_s=240, target_s=10, service_level=0.9, shrinkage=0.35, minimum=2)
    assert busy.on_phones == 2


def test_an_impossible_standard_says_so_rather_than_giving_a_number():
    every = handlers_needed(calls=50, aht_s=240, target_s=10, service_level=1.0, shrinkage=0.3)
    assert not every.met and every.on_phones is None and "cannot be met" in every.problem
    nobody_gives_up = handlers_needed(calls=50, aht_s=240, target_s=10, service_level=0.9, shrinkage=0.3,
                                      patience_s=60, max_abandon=0.0)
    assert not nobody_gives_up.met and "giving up" in nobody_gives_up.problem
    too_few_allowed = handlers_needed(calls=500, aht_s=300, target_s=10, service_level=0.9, shrinkage=0.3, limit=50)
    assert not too_few_allowed.met and "up to 50" in too_few_allowed.problem


def test_nonsense_inputs_are_refused():
    for bad in (dict(calls=-1), dict(calls=float("nan")), dict(aht_s=0), dict(patience_s=0.0)):
        args = dict(calls=10, aht_s=240, target_s=10, service_level=0.9, shrinkage=0.3) | bad
        with pytest.raises(ValueError):
            handlers_needed(**args)


# --- Erlang A: where callers give up

@pytest.mark.parametrize("calls, aht, patience, target, sl, max_abandon", [
    (100, 180, 300, 20, 0.8, None),
    (100, 180, 300, 20, 0.8, 0.01),
    (40, 240, 60, 10, 0.9, None),
    (7, 420, 120, 60, 0.8, None),
    (250, 300, 45, 10, 0.9, 0.05),
])
def test_erlang_a_finds_the_same_answer_as_walking_up_from_one_handler(calls, aht, patience, target, sl, max_abandon):
    need = handlers_needed(calls=calls, aht_s=aht, target_s=target, service_level=sl, shrinkage=0.3,
                           patience_s=patience, max_abandon=max_abandon)
    walked = erlang.staff_erlang_a(calls=calls, interval=1800, aht=aht, patience=patience, target=target,
                                   service_level=sl, max_abandon=max_abandon if max_abandon else 1.0, shrinkage=0.3)
    assert (need.on_phones, need.rostered, need.model) == (walked.raw_positions, walked.positions, "erlang_a")
    assert need.abandon_share == pytest.approx(walked.performance.p_abandon)


def test_callers_who_give_up_need_no_more_handlers_than_callers_who_wait():
    # The pyworkforce example: 100 calls / 30 min, AHT 3 min, patience 5 min, 80% in 20 s.
    c = handlers_needed(calls=100, aht_s=180, target_s=20, service_level=0.8, shrinkage=0)
    a = handlers_needed(calls=100, aht_s=180, target_s=20, service_level=0.8, shrinkage=0, patience_s=300)
    assert a.on_phones <= c.on_phones == 14


# --- properties

standard = dict(target_s=st.floats(0, 120), service_level=st.floats(0.5, 0.97), aht_s=st.floats(30, 900))


@settings(max_examples=60, deadline=None)
@given(calls=st.floats(0, 200), more=st.floats(0, 50), **standard)
def test_more_demand_never_needs_fewer_handlers(calls, more, target_s, service_level, aht_s):
    args = dict(aht_s=aht_s, target_s=target_s, service_level=service_level, shrinkage=0.3, max_occupancy=0.9)
    assert handlers_needed(calls=calls + more, **args).on_phones >= handlers_needed(calls=calls, **args).on_phones


@settings(max_examples=60, deadline=None)
@given(calls=st.floats(0.1, 200), stricter=st.floats(0, 0.4), sooner=st.floats(0, 1), **standard)
def test_a_stricter_standard_never_needs_fewer_handlers(calls, stricter, sooner, target_s, service_level, aht_s):
    base = handlers_needed(calls=calls, aht_s=aht_s, target_s=target_s, service_level=service_level, shrinkage=0.3)
    strict = handlers_needed(calls=calls, aht_s=aht_s, target_s=target_s * sooner,
                             service_level=min(0.99, service_level + stricter), shrinkage=0.3)
    assert strict.on_phones >= base.on_phones and strict.rostered >= base.rostered


@settings(max_examples=25, deadline=None)
@given(calls=st.floats(0, 80), more=st.floats(0, 30), patience=st.floats(10, 600), stricter=st.floats(0, 0.2))
def test_erlang_a_staffing_is_monotone_too(calls, more, patience, stricter):
    args = dict(aht_s=240, target_s=10, shrinkage=0.35, patience_s=patience)
    base = handlers_needed(calls=calls, service_level=0.75, **args).on_phones
    assert handlers_needed(calls=calls + more, service_level=0.75, **args).on_phones >= base
    assert handlers_needed(calls=calls, service_level=0.75 + stricter, **args).on_phones >= base


# --- the planning standards file

def test_the_shipped_standards_hold_the_national_999_standard():
    s = load_standards(None)
    assert (s.channels["999"].target_s, s.channels["999"].service_level, s.channels["999"].abandonment) == (10, 0.9, True)
    assert 0 <= s.shrinkage < 1 and 0 < s.max_occupancy <= 1
    assert s.shrinkage_of("999") == s.shrinkage


def _file(tmp_path, text):
    path = tmp_path / "planning.yaml"
    path.write_text(text)
    return path


BASE = "name: T\nversion: 1\nshrinkage: 0.3\nmax_occupancy: 0.85\ndefault_aht_s: 300\nchannels:\n"


def test_a_force_file_is_read_and_the_setting_names_it(tmp_path, monkeypatch):
    path = _file(tmp_path, BASE + '  "101": {target_s: 30, service_level: 0.7, shrinkage: 0.4}\n')
    monkeypatch.setenv("DEMANDHUB_PLANNING_FILE", str(path))
    s = load_standards(Settings().planning_file)
    assert list(s.channels) == ["101"] and s.shrinkage_of("101") == 0.4


@pytest.mark.parametrize("body, says", [
    ('  "999": {target_s: 10, service_level: 1.0}\n', "100% cannot be met"),
    ('  "999": {target_s: 10, service_level: 0.9, abandonment: true, max_abandon_share: 0}\n', "giving up"),
    ('  "999": {target_s: 10, service_level: 0.9, tagret_s: 5}\n', "tagret_s"),
    ('  pigeon: {target_s: 10, service_level: 0.9}\n', "unknown channel(s) pigeon"),
    ('  callback: {target_s: 10, service_level: 0.9}\n', "unknown channel(s) callback"),
    ('  "999": {target_s: -1, service_level: 0.9}\n', "target_s"),
])
def test_a_bad_or_impossible_standard_is_refused_naming_the_place(tmp_path, body, says):
    with pytest.raises(PlanningStandardsError) as caught:
        load_standards(_file(tmp_path, BASE + body))
    assert says in str(caught.value) and "planning.yaml" in str(caught.value)


def test_an_unreadable_file_is_refused(tmp_path):
    with pytest.raises(PlanningStandardsError, match="cannot read the planning standards"):
        load_standards(tmp_path / "missing.yaml")
