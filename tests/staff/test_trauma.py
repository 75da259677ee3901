"""Exposure counting and debrief prompts, with windows worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from demandhub.staff import trauma
from demandhub.staff.trauma import (
    Exposure,
    TraumaRulesError,
    parse_rules,
    prompt_for,
    recent,
)

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
RULES = trauma.load_rules()
SD = "public_safety.sudden_death"


def ex(i: int, at: datetime, itype: str = SD, *quals: str) -> Exposure:
    return Exposure(incident_id=i, reference=f"INC-{i}", incident_type=itype, qualifiers=tuple(quals), at=at)


def test_the_shipped_rules():
    assert RULES.exposures == 3 and RULES.within == timedelta(days=30)
    assert {SD, "crime.sexual_offence", "crime.child_abuse", "public_safety.mental_health", "transport.rtc_injury",
            "crime.violence_with_injury"} == RULES.types
    assert RULES.always_label(SD, ["child_involved", "domestic"]) == "Death of a child"
    assert RULES.always_label(SD, []) is None


def test_two_exposures_do_not_prompt_three_within_thirty_days_do():
    assert prompt_for([ex(1, T0), ex(2, T0 + 10 * DAY)], rules=RULES, cleared_until=None) is None
    p = prompt_for([ex(1, T0), ex(2, T0 + 10 * DAY), ex(3, T0 + 20 * DAY)], rules=RULES, cleared_until=None)
    assert p is not None and p.raised_at == T0 + 20 * DAY
    assert [e.incident_id for e in p.exposures] == [1, 2, 3]
    assert p.reason == "3 exposures within 30 days"


def test_the_window_includes_both_ends():
    # first to last exactly 30 days: within; one second more: not
    assert prompt_for([ex(1, T0), ex(2, T0 + 15 * DAY), ex(3, T0 + 30 * DAY)], rules=RULES, cleared_until=None)
    assert prompt_for([ex(1, T0), ex(2, T0 + 15 * DAY), ex(3, T0 + 30 * DAY + timedelta(seconds=1))],
                      rules=RULES, cleared_until=None) is None


def test_the_window_slides():
    # 1 Nov, 20 Nov, 10 Dec (40 days after the first), 15 Dec: 20 Nov..15 Dec is 25 days -> prompt at 15 Dec
    items = [ex(1, T0), ex(2, T0 + 19 * DAY), ex(3, T0 + 39 * DAY), ex(4, T0 + 44 * DAY)]
    p = prompt_for(items, rules=RULES, cleared_until=None)
    assert p.raised_at == T0 + 44 * DAY and [e.incident_id for e in p.exposures] == [2, 3, 4]


def test_only_counted_types_count_and_order_of_input_does_not_matter():
    items = [ex(3, T0 + 2 * DAY), ex(9, T0 + DAY, "crime.theft"), ex(1, T0), ex(8, T0 + DAY, "asb.nuisance")]
    assert prompt_for(items, rules=RULES, cleared_until=None) is None
    items.append(ex(2, T0 + DAY, "transport.rtc_injury"))
    assert prompt_for(list(reversed(items)), rules=RULES, cleared_until=None).raised_at == T0 + 2 * DAY


def test_a_single_always_prompt_exposure_prompts_at_once():
    p = prompt_for([ex(1, T0, SD, "child_involved")], rules=RULES, cleared_until=None)
    assert p.raised_at == T0 and "Death of a child" in p.reason and len(p.exposures) == 1
    # the earliest crossing wins: a child death before two others
    p = prompt_for([ex(1, T0), ex(2, T0 + DAY, SD, "child_involved"), ex(3, T0 + 2 * DAY)], rules=RULES,
                   cleared_until=None)
    assert p.raised_at == T0 + DAY and "Death of a child" in p.reason


def test_a_debrief_clears_the_prompt_until_new_exposures_cross_again():
    first = [ex(1, T0), ex(2, T0 + DAY), ex(3, T0 + 2 * DAY)]
    debrief = T0 + 3 * DAY
    assert prompt_for(first, rules=RULES, cleared_until=debrief) is None
    # two new ones, inside 30 days of the old three: still cleared (only new exposures count)
    later = [*first, ex(4, T0 + 4 * DAY), ex(5, T0 + 5 * DAY)]
    assert prompt_for(later, rules=RULES, cleared_until=debrief) is None
    p = prompt_for([*later, ex(6, T0 + 6 * DAY)], rules=RULES, cleared_until=debrief)
    assert p.raised_at == T0 + 6 * DAY and [e.incident_id for e in p.exposures] == [4, 5, 6]
    # an exposure at the very moment the debrief was recorded was covered by it
    assert prompt_for([ex(7, debrief, SD, "child_involved")], rules=RULES, cleared_until=debrief) is None


def test_an_uncleared_prompt_stays_open_after_its_window_has_passed():
    items = [ex(1, T0), ex(2, T0 + DAY), ex(3, T0 + 2 * DAY)]
    assert prompt_for(items, rules=RULES, cleared_until=None).raised_at == T0 + 2 * DAY


def test_recent_counts_both_ends():
    now = T0 + 30 * DAY
    items = [ex(1, T0), ex(2, T0 - timedelta(seconds=1)), ex(3, now), ex(4, now, "crime.theft")]
    assert recent(items, rules=RULES, now=now, days=30) == 2


def test_custom_threshold():
    rules = parse_rules("version: t\ntypes: [public_safety.sudden_death]\nthreshold: {exposures: 2, within_days: 1}\n")
    assert rules.always == ()
    assert prompt_for([ex(1, T0), ex(2, T0 + DAY)], rules=rules, cleared_until=None) is not None
    assert prompt_for([ex(1, T0), ex(2, T0 + DAY + timedelta(minutes=1))], rules=rules, cleared_until=None) is None


@pytest.mark.parametrize(("text", "problem"), [
    ("version: t\ntypes: [crime.nonsense]\nthreshold: {exposures: 3, within_days: 30}\n", "unknown incident type"),
    ("version: t\ntypes: [crime.theft]\nthreshold: {exposures: 0, within_days: 30}\n", "exposures"),
    ("version: t\ntypes: [crime.theft]\nthreshold: {exposures: 3, within_days: 30}\nextra: 1\n", "extra"),
    (("version: t\ntypes: [crime.theft]\nthreshold: {exposures: 3, within_days: 30}\n"
     "always_prompt: [{label: x, type: crime.robbery}]\n"), "not in types"),
    (("version: t\ntypes: [crime.theft]\nthreshold: {exposures: 3, within_days: 30}\n"
     "always_prompt: [{label: x, type: crime.theft, qualifiers: [nope]}]\n"), "unknown qualifier"),
    ("version: [\n", "not valid YAML"),
])
def test_bad_rules_are_refused_naming_the_problem(text, problem):
    with pytest.raises(TraumaRulesError, match=problem):
        parse_rules(text)
