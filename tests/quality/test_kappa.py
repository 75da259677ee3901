"""Cohen's kappa against values worked out by hand."""

from __future__ import annotations

import pytest

from demandhub.quality.kappa import cohen_kappa


def table(cells: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    """A two-rater contingency table as the list of rating pairs it counts."""
    return [pair for pair, n in cells.items() for _ in range(n)]


def test_the_grant_proposals_example():
    # The textbook 2x2 example (reproduced in the Wikipedia article "Cohen's kappa"): two
    # readers each say yes or no to 50 grant proposals.
    #                 B yes   B no
    #       A yes       20      5     (A: 25 yes)
    #       A no        10     15     (A: 25 no)
    #                  (30)    (20)
    # p_o = (20 + 15) / 50 = 0.70
    # p_e = P(yes by chance) + P(no by chance) = (25/50)(30/50) + (25/50)(20/50) = 0.30 + 0.20 = 0.50
    # kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40
    a = cohen_kappa(table({("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15}))
    assert a.pairs == 50
    assert a.observed == pytest.approx(0.70)
    assert a.expected == pytest.approx(0.50)
    assert a.kappa == pytest.approx(0.40)


def test_three_diagnoses_example():
    # The three-category example after Fleiss, Statistical Methods for Rates and Proportions
    # (2nd ed., 1981, ch. 13): two psychiatrists diagnose 100 patients.
    #                    B psychotic  B neurotic  B organic
    #   A psychotic          75           1           4      (A: 80)
    #   A neurotic            5           4           1      (A: 10)
    #   A organic             0           0          10      (A: 10)
    #                        (80)         (5)        (15)
    # p_o = (75 + 4 + 10) / 100 = 0.89
    # p_e = 0.80*0.80 + 0.10*0.05 + 0.10*0.15 = 0.640 + 0.005 + 0.015 = 0.66
    # kappa = (0.89 - 0.66) / (1 - 0.66) = 0.23 / 0.34 = 0.6765 (to 4 places)
    cells = {("psychotic", "psychotic"): 75, ("psychotic", "neurotic"): 1, ("psychotic", "organic"): 4,
             ("neurotic", "psychotic"): 5, ("neurotic", "neurotic"): 4, ("neurotic", "organic"): 1,
             ("organic", "organic"): 10}
    a = cohen_kappa(table(cells))
    assert a.observed == pytest.approx(0.89)
    assert a.expected == pytest.approx(0.66)
    assert a.kappa == pytest.approx(0.23 / 0.34)
    assert round(a.kappa, 4) == 0.6765


def test_checklist_answers_worked_by_hand():
    # Ten contacts, one item, answers yes/partly/no:
    #   A: y y y y p p n n n y      B: y y n y p n n n y y
    # agree on 1,2,4,5,7,8,10 -> p_o = 7/10
    # A: yes 5, partly 2, no 3; B: yes 5, partly 1, no 4
    # p_e = (5*5 + 2*1 + 3*4) / 100 = 39/100
    # kappa = (0.70 - 0.39) / 0.61 = 0.5082
    a_ = ["y", "y", "y", "y", "p", "p", "n", "n", "n", "y"]
    b_ = ["y", "y", "n", "y", "p", "n", "n", "n", "y", "y"]
    a = cohen_kappa(zip(a_, b_))
    assert a.kappa == pytest.approx(0.31 / 0.61)
    assert round(a.kappa, 4) == 0.5082


def test_perfect_agreement_is_one():
    assert cohen_kappa([("yes", "yes"), ("no", "no"), ("partly", "partly")]).kappa == pytest.approx(1.0)


def test_agreement_at_chance_is_zero():
    # p_o = 2/4; each rater says yes half the time: p_e = 0.25 + 0.25 = 0.5 -> 0
    a = cohen_kappa([("yes", "yes"), ("yes", "no"), ("no", "yes"), ("no", "no")])
    assert a.kappa == pytest.approx(0.0)


def test_worse_than_chance_is_negative():
    assert cohen_kappa([("yes", "no"), ("no", "yes")]).kappa == pytest.approx(-1.0)


def test_both_raters_using_one_and_the_same_category_is_undefined_not_a_crash():
    a = cohen_kappa([("yes", "yes")] * 7)
    assert a.kappa is None and a.observed == 1.0 and a.expected == 1.0 and a.pairs == 7


def test_each_rater_using_a_different_single_category_is_zero():
    # p_o = 0 and p_e = 0 (A never says no, B never says yes): kappa = 0, defined.
    assert cohen_kappa([("yes", "no")] * 5).kappa == pytest.approx(0.0)


def test_no_pairs_is_undefined():
    a = cohen_kappa([])
    assert (a.pairs, a.kappa, a.observed) == (0, None, None)
