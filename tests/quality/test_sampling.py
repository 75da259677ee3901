"""The sampling policy, without a database: quotas, must-review contacts, double marking,
reproducibility and assignment to reviewers."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandhub.quality import sampling
from demandhub.quality.sampling import (
    OVERRIDE,
    QUOTA,
    RWD_CLOSURE,
    Candidate,
    Closure,
    NoReviewer,
    Policy,
    draw,
)

REVIEWERS = [901, 902, 903]


def pool(counts: dict[int, int]) -> list[Candidate]:
    """counts: handler -> how many contacts; contact ids are handler*1000 + n."""
    return [Candidate(h * 1000 + n, h) for h, k in counts.items() for n in range(k)]


def sample(**kw):
    args = {"pool": pool({1: 10, 2: 10, 3: 10}), "overrides": [], "closures": [], "reviewers": REVIEWERS,
                "policy": Policy(), "seed": 42}
    args.update(kw)
    return draw(**args)


def test_quota_per_handler_and_fewer_when_a_handler_took_fewer():
    picks = sample(pool=pool({1: 10, 2: 2, 3: 0, 4: 5}), policy=Policy(per_handler=3))
    per = Counter(p.handler_id for p in picks)
    assert per == {1: 3, 2: 2, 4: 3}
    assert all(p.reasons == (QUOTA,) for p in picks)
    assert all(p.contact_id // 1000 == p.handler_id for p in picks)  # a handler's own contacts


def test_overrides_are_always_included_on_top_of_the_quota():
    overrides = [Candidate(1000 + n, 1) for n in range(6)]  # six of handler 1's ten were overridden
    picks = sample(overrides=overrides, policy=Policy(per_handler=3))
    by_reason = {p.contact_id: p.reasons for p in picks}
    assert all(by_reason[c.contact_id] == (OVERRIDE,) for c in overrides)
    # the quota still draws 3 routine contacts from handler 1's other four
    assert sum(1 for p in picks if p.handler_id == 1 and p.reasons == (QUOTA,)) == 3
    assert len(picks) == len({p.contact_id for p in picks}), "no contact twice"


def test_rwd_closures_at_or_above_the_risk_level_are_included_and_below_excluded():
    closures = [Closure(5001, 5, "high"), Closure(5002, 5, "medium"), Closure(5003, 5, "low"),
                Closure(5004, 5, "none"), Closure(5005, 5, None), Closure(5006, 5, "unknown-level")]
    picks = sample(pool=[], closures=closures, policy=Policy(per_handler=0))
    assert {p.contact_id for p in picks} == {5001, 5002}
    assert all(p.reasons == (RWD_CLOSURE,) for p in picks)
    picks = sample(pool=[], closures=closures, policy=Policy(per_handler=0, risk_at_least="low"))
    assert {p.contact_id for p in picks} == {5001, 5002, 5003}
    picks = sample(pool=[], closures=closures, policy=Policy(per_handler=0, risk_at_least="high"))
    assert {p.contact_id for p in picks} == {5001}


def test_a_contact_that_is_both_an_override_and_a_closure_is_sampled_once_with_both_reasons():
    picks = sample(pool=pool({1: 1}), overrides=[Candidate(1000, 1), Candidate(1000, 1)],
                   closures=[Closure(1000, 1, "high")])
    assert [(p.contact_id, p.reasons) for p in picks] == [(1000, (OVERRIDE, RWD_CLOSURE))]


def test_contacts_already_sampled_are_excluded():
    picks = sample(pool=pool({1: 4}), overrides=[Candidate(1000, 1)], exclude=frozenset({1000, 1001, 1002}),
                   policy=Policy(per_handler=3))
    assert {p.contact_id for p in picks} == {1003}


@pytest.mark.parametrize("total,share,expected", [(0, 0.1, 0), (1, 0.1, 1), (9, 0.1, 1), (15, 0.1, 2),
                                                  (25, 0.1, 3), (30, 0.1, 3), (10, 0.0, 0), (4, 1.0, 4)])
def test_double_marking_count_is_the_share_rounded_with_at_least_one(total, share, expected):
    assert sampling.double_count(total, share) == expected


def test_double_marked_reviews_get_two_different_reviewers_neither_the_handler():
    picks = sample(pool=pool({1: 10, 2: 10, 3: 10, 901: 10}), policy=Policy(per_handler=5, double_share=0.25))
    doubles = [p for p in picks if p.double]
    assert len(doubles) == 5  # 20 picks x 25%
    for p in picks:
        assert len(p.reviewers) == (2 if p.double else 1)
        assert len(set(p.reviewers)) == len(p.reviewers)
        assert p.handler_id not in p.reviewers


def test_nobody_reviews_their_own_contacts():
    # Reviewer 901 used to take calls: their contacts must go to someone else.
    picks = sample(pool=pool({901: 10, 902: 10}), policy=Policy(per_handler=10, double_share=0.5))
    for p in picks:
        assert p.handler_id not in p.reviewers


def test_no_other_reviewer_is_an_error_not_a_self_review():
    with pytest.raises(NoReviewer) as err:
        sample(pool=pool({901: 2}), reviewers=[901])
    assert err.value.handler_id == 901


def test_a_contact_with_a_single_possible_reviewer_is_not_double_marked():
    picks = sample(pool=pool({901: 3}), reviewers=[901, 902], policy=Policy(per_handler=3, double_share=1.0))
    assert not any(p.double for p in picks)
    assert all(p.reviewers == (902,) for p in picks)


def test_assignment_is_balanced():
    picks = sample(pool=pool({h: 10 for h in range(1, 11)}), policy=Policy(per_handler=3, double_share=0.1))
    load = Counter(r for p in picks for r in p.reviewers)
    assert sum(load.values()) == 30 + 3
    assert max(load.values()) - min(load.values()) <= 1
    assert set(load) == set(REVIEWERS)


def test_assignment_stays_balanced_when_a_reviewer_must_be_skipped():
    # Most contacts are reviewer 901's own: 902 and 903 share them; 901 takes the rest.
    picks = sample(pool=pool({901: 12, 1: 3}), policy=Policy(per_handler=12, double_share=0))
    load = Counter(r for p in picks for r in p.reviewers)
    assert load[901] == 3 and abs(load[902] - load[903]) <= 1


def test_same_seed_same_sample_whatever_order_the_data_arrives_in():
    data = {"pool": pool({1: 20, 2: 20, 3: 20}), "overrides": [Candidate(1005, 1), Candidate(2007, 2)],
                "closures": [Closure(3001, 3, "high")]}
    first = draw(**data, reviewers=REVIEWERS, policy=Policy(), seed=7)
    shuffled = {k: random.Random(1).sample(v, len(v)) for k, v in data.items()}
    again = draw(**shuffled, reviewers=list(reversed(REVIEWERS)), policy=Policy(), seed=7)
    assert first == again


def test_different_seeds_give_different_samples():
    data = {"pool": pool({1: 30, 2: 30, 3: 30}), "overrides": [], "closures": [], "reviewers": REVIEWERS, "policy": Policy()}
    samples = {tuple(p.contact_id for p in draw(**data, seed=s)) for s in range(10)}
    assert len(samples) >= 9


@settings(max_examples=200, deadline=None)
@given(counts=st.dictionaries(st.integers(1, 8), st.integers(0, 12), max_size=8),
       per_handler=st.integers(0, 5), share=st.floats(0, 1), seed=st.integers(0, 2**31),
       reviewers=st.sets(st.integers(1, 10), min_size=2, max_size=5),
       overridden=st.sets(st.integers(0, 11), max_size=5))
def test_the_policy_holds_for_any_data(counts, per_handler, share, seed, reviewers, overridden):
    handlers_pool = pool(counts)
    overrides = [c for c in handlers_pool if c.contact_id % 1000 in overridden]
    try:
        picks = draw(pool=handlers_pool, overrides=overrides, closures=[], reviewers=sorted(reviewers),
                     policy=Policy(per_handler=per_handler, double_share=share), seed=seed)
    except NoReviewer as exc:
        assert set(reviewers) == {exc.handler_id} or reviewers <= {exc.handler_id}
        return
    ids = [p.contact_id for p in picks]
    assert len(ids) == len(set(ids))
    assert {c.contact_id for c in overrides} <= set(ids)
    quota = Counter(p.handler_id for p in picks if p.reasons == (QUOTA,))
    for h, k in counts.items():
        others = k - sum(1 for c in overrides if c.handler_id == h)
        assert quota.get(h, 0) == min(per_handler, others)
    for p in picks:
        assert p.handler_id not in p.reviewers and len(set(p.reviewers)) == len(p.reviewers) == (2 if p.double else 1)
    possible = sum(1 for p in picks if len(set(reviewers) - {p.handler_id}) >= 2)
    assert sum(p.double for p in picks) == min(possible, sampling.double_count(len(picks), share))


def test_policy_refuses_nonsense():
    with pytest.raises(ValueError):
        Policy(per_handler=-1)
    with pytest.raises(ValueError):
        Policy(double_share=1.5)
    with pytest.raises(ValueError, match="unknown risk level"):
        Policy(risk_at_least="extreme")


def test_a_period_is_local_days_in_utc_across_the_clock_change():
    # October 2026 in London: BST (UTC+1) until Sunday 25 October, then GMT.
    start, end = sampling.period_bounds(date(2026, 10, 1), date(2026, 10, 31), "Europe/London")
    assert start == datetime(2026, 9, 30, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    start, end = sampling.period_bounds(date(2026, 11, 1), date(2026, 11, 30), "Europe/London")
    assert (start, end) == (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
