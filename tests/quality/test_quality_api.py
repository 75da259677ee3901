"""Quality review through the API: sampling, queues, reviewing, agreement, feedback, access."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from demandhub.audit.models import AuditEntry
from demandhub.auth.roles import Role
from tests.quality.conftest import (
    PERIOD,
    closed_rwd,
    draw,
    overridden,
    restricted,
    routine,
)

ITEMS = ["thrive_applied", "grade_right", "vulnerability_identified", "safeguarding_done", "caller_treated_well"]


def answers(value: str = "yes", **overrides) -> dict:
    return {**{code: value for code in ITEMS}, **overrides}


def by_contact(sample: dict) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for r in sample["reviews"]:
        out.setdefault(r["contact_id"], []).append(r)
    return out


def test_the_sample_has_every_override_and_every_risky_closure_and_no_routine_contact_at_quota_zero(client, people):
    handler = people["handler"][1]
    routine(client, handler)
    over = overridden(client, handler)
    risky = closed_rwd(client, handler, reassessed_risk="medium")
    calm = closed_rwd(client, handler)  # risk low: below the level
    sample = draw(client, people["supervisor"][1], per_handler=0, double_share=0, seed=1)
    reasons = {c: rows[0]["reasons"] for c, rows in by_contact(sample).items()}
    assert reasons == {over["contacts"][0]["id"]: ["override"], risky["contacts"][0]["id"]: ["rwd_closure"]}
    assert calm["contacts"][0]["id"] not in reasons
    assert sample["seed"] == 1 and sample["risk_at_least"] == "medium"


def test_a_lower_risk_level_takes_the_calm_closure_too(client, people):
    calm = closed_rwd(client, people["handler"][1])
    sample = draw(client, people["supervisor"][1], per_handler=0, risk_at_least="low", double_share=0)
    assert [r["contact_id"] for r in sample["reviews"]] == [calm["contacts"][0]["id"]]


def test_quotas_per_handler_are_respected(client, people):
    for _ in range(5):
        routine(client, people["handler"][1])
    for _ in range(2):
        routine(client, people["handler2"][1])
    sample = draw(client, people["supervisor"][1], per_handler=3, double_share=0)
    per = {}
    for r in sample["reviews"]:
        per[r["handler_id"]] = per.get(r["handler_id"], 0) + 1
    assert per == {people["handler"][0].id: 3, people["handler2"][0].id: 2}


def test_contacts_outside_the_period_are_not_sampled(client, people, clock):
    routine(client, people["handler"][1])
    clock.advance(days=5)  # 3 December
    routine(client, people["handler"][1])
    sample = draw(client, people["supervisor"][1], double_share=0)
    assert len(sample["reviews"]) == 1


def test_double_marking_goes_to_two_different_reviewers(client, people):
    for _ in range(4):
        routine(client, people["handler"][1])
    sample = draw(client, people["supervisor"][1], per_handler=4, double_share=0.5)
    rows = by_contact(sample)
    doubles = [c for c, rs in rows.items() if len(rs) == 2]
    assert len(doubles) == 2
    for c in doubles:
        assert {r["marker"] for r in rows[c]} == {1, 2}
        assert {r["reviewer_id"] for r in rows[c]} == {people["reviewer"][0].id, people["reviewer2"][0].id}
        assert all(r["double_marked"] for r in rows[c])


def test_a_period_is_sampled_once(client, people):
    routine(client, people["handler"][1])
    draw(client, people["supervisor"][1])
    r = client.post("/api/quality/samples", json={"period_start": "2026-11-15", "period_end": "2026-12-15"},
                    headers=people["supervisor"][1])
    assert r.status_code == 409 and r.json()["problems"][0]["field"] == "period_start"


def test_the_same_seed_draws_the_same_sample(sessions, people, client):
    from demandhub.quality import service

    for _ in range(6):
        routine(client, people["handler"][1])
        routine(client, people["handler2"][1])
    levels = ("none", "low", "medium", "high")
    from datetime import date

    def drawn(seed):
        with sessions() as session, session.begin():  # drawn, read, then rolled back
            d = service.draw_sample(session, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30),
                                    seed=seed, per_handler=3, double_share=0.2, risk_at_least=None,
                                    levels=levels, tz="Europe/London", actor=people["supervisor"][0],
                                    now=client.app.state.clock())
            out = sorted((session.get(service.QualitySampleItem, r.item_id).contact_id, r.marker, r.reviewer_id)
                         for r in d.reviews)
            session.rollback()
        return out

    assert drawn(5) == drawn(5)
    assert len({tuple(drawn(s)) for s in range(6)}) > 1


@pytest.mark.parametrize("body,field", [
    ({"period_end": "2026-10-01"}, "period_end"),
    ({"period_start": "2025-01-01", "period_end": "2026-11-30"}, "period_end"),
    ({"per_handler": -1}, "per_handler"),
    ({"double_share": 1.5}, "double_share"),
    ({"risk_at_least": "extreme"}, "risk_at_least"),
    ({"seed": -3}, "seed"),
    ({"surprise": 1}, "surprise"),
    ({"period_start": "not a date"}, "period_start"),
])
def test_bad_sample_requests_are_refused_naming_the_field(client, people, body, field):
    r = client.post("/api/quality/samples", json={**PERIOD, **body}, headers=people["supervisor"][1])
    assert r.status_code == 422, r.text
    assert any(p["field"].endswith(field) for p in r.json()["problems"]), r.json()


def test_only_supervisors_draw_samples_and_only_reviewers_have_queues(client, people, auth):
    for role in (Role.CALL_HANDLER, Role.QUALITY_REVIEWER, Role.ANALYST, Role.DISPATCHER):
        assert client.post("/api/quality/samples", json=PERIOD, headers=auth[role]).status_code == 403
    for role in (Role.CALL_HANDLER, Role.SUPERVISOR, Role.ANALYST):
        assert client.get("/api/quality/queue", headers=auth[role]).status_code == 403
    assert client.get("/api/quality/queue", headers=auth[Role.QUALITY_REVIEWER]).json() == []


def _one_review(client, people, **body) -> dict:
    routine(client, people["handler"][1])
    sample = draw(client, people["supervisor"][1], double_share=0, **body)
    return sample["reviews"][0]


def _headers_of(people, reviewer_id):
    return next(h for a, h in people.values() if a.id == reviewer_id)


def test_a_reviewer_sees_their_queue_opens_a_review_and_submits_it(client, people):
    task = _one_review(client, people)
    mine = _headers_of(people, task["reviewer_id"])
    other = people["reviewer2"][1] if mine is people["reviewer"][1] else people["reviewer"][1]
    assert [t["id"] for t in client.get("/api/quality/queue", headers=mine).json()] == [task["id"]]
    assert client.get("/api/quality/queue", headers=other).json() == []
    view = client.get(f"/api/quality/reviews/{task['id']}", headers=mine).json()
    assert view["contact"]["description"].startswith("My bike")
    assert view["assessments"][0]["decision"]["grade"] == "4"
    assert view["incident"]["timeline"] and view["incident"]["summary"]
    assert [i["code"] for i in view["checklist"]["items"]] == ITEMS
    assert client.get(f"/api/quality/reviews/{task['id']}", headers=other).status_code == 403
    assert client.post(f"/api/quality/reviews/{task['id']}", json={"answers": answers(), "comment": "x"},
                       headers=other).status_code == 403
    r = client.post(f"/api/quality/reviews/{task['id']}", json={"answers": answers(grade_right="partly"),
                                                                 "comment": "Good call; grade a little low."},
                    headers=mine)
    assert r.status_code == 200, r.text
    assert {s["code"]: s["answer"] for s in r.json()["scores"]}["grade_right"] == "partly"
    assert client.get("/api/quality/queue", headers=mine).json() == []
    again = client.post(f"/api/quality/reviews/{task['id']}", json={"answers": answers(), "comment": "x"},
                        headers=mine)
    assert again.status_code == 409


@pytest.mark.parametrize("body,field", [
    ({"answers": {k: v for k, v in answers().items() if k != "grade_right"}, "comment": "x"}, "answers.grade_right"),
    ({"answers": answers(grade_right="maybe"), "comment": "x"}, "answers.grade_right"),
    ({"answers": answers(tone="yes"), "comment": "x"}, "answers.tone"),
    ({"answers": answers(), "comment": "   "}, "comment"),
    ({"answers": answers(), "comment": "x", "score": 5}, "score"),
    ({"answers": answers(), "comment": "x" * 4001}, "comment"),
    ({"comment": "x"}, "answers"),
])
def test_an_incomplete_or_invalid_review_is_refused_and_nothing_is_saved(client, people, body, field):
    task = _one_review(client, people)
    mine = _headers_of(people, task["reviewer_id"])
    r = client.post(f"/api/quality/reviews/{task['id']}", json=body, headers=mine)
    assert r.status_code == 422, r.text
    assert field in [p["field"] for p in r.json()["problems"]], r.json()
    assert len(client.get("/api/quality/queue", headers=mine).json()) == 1  # still open


def test_unknown_and_malformed_review_ids(client, people):
    h = people["reviewer"][1]
    assert client.get("/api/quality/reviews/999999", headers=h).status_code == 404
    assert client.get("/api/quality/reviews/abc", headers=h).status_code == 422
    assert client.post("/api/quality/reviews/0", json={"answers": answers()}, headers=h).status_code == 422
    assert client.get(f"/api/quality/reviews/{2**64}", headers=h).status_code == 422


def test_reviewing_a_restricted_incident_is_audited(client, people, sessions):
    restricted(client, people["handler"][1])
    sample = draw(client, people["supervisor"][1], double_share=0)
    task = sample["reviews"][0]
    view = client.get(f"/api/quality/reviews/{task['id']}", headers=_headers_of(people, task["reviewer_id"]))
    assert view.status_code == 200 and view.json()["incident"]["restricted"] is True
    with sessions() as s:
        actions = list(s.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity_type == "incident",
                                                                    AuditEntry.entity_id == str(view.json()["incident"]["id"]))))
    assert "incident.viewed" in actions
    # queues never show a summary
    queue = client.get("/api/quality/queue", headers=_headers_of(people, task["reviewer_id"])).json()
    assert "summary" not in queue[0]


def test_nobody_is_given_their_own_contacts(client, people, sessions, clock):
    """A former handler now reviewing: their contacts go to the other reviewer."""
    from demandhub import db
    from demandhub.auth.models import User

    routine(client, people["handler"][1])
    routine(client, people["handler2"][1])
    with db.unit_of_work(sessions) as s:  # handler2 becomes a reviewer; reviewer2 leaves
        s.get(User, people["handler2"][0].id).role = Role.QUALITY_REVIEWER.value
        s.get(User, people["reviewer2"][0].id).active = False
    sample = draw(client, people["supervisor"][1], double_share=0)
    for r in sample["reviews"]:
        assert r["reviewer_id"] != r["handler_id"]
    assert {r["handler_id"]: r["reviewer_id"] for r in sample["reviews"]}[people["handler2"][0].id] == \
        people["reviewer"][0].id


def test_no_reviewers_is_a_clear_422(client, people, sessions):
    from demandhub import db
    from demandhub.auth.models import User

    with db.unit_of_work(sessions) as s:
        for name in ("reviewer", "reviewer2"):
            s.get(User, people[name][0].id).active = False
    r = client.post("/api/quality/samples", json=PERIOD, headers=people["supervisor"][1])
    assert r.status_code == 422 and "reviewer" in r.json()["detail"]


def _submit(client, people, review, values: dict, comment="Reviewed."):
    r = client.post(f"/api/quality/reviews/{review['id']}", json={"answers": values, "comment": comment},
                    headers=_headers_of(people, review["reviewer_id"]))
    assert r.status_code == 200, r.text


def test_agreement_between_reviewers_per_item_and_overall(client, people):
    routine(client, people["handler"][1])
    routine(client, people["handler"][1])
    sample = draw(client, people["supervisor"][1], double_share=1.0)
    rows = sorted(by_contact(sample).values(), key=lambda rs: rs[0]["contact_id"])
    assert len(rows) == 2 and all(len(rs) == 2 for rs in rows)
    # Hand-worked (marker 1, marker 2) answers per item over the two pairs:
    #   thrive_applied            (yes,yes) (no,no)         -> kappa 1
    #   grade_right               (yes,yes) (yes,yes)       -> undefined: one category only
    #   vulnerability_identified  (yes,no)  (no,yes)        -> p_o 0, p_e .5: kappa -1
    #   safeguarding_done         (yes,yes) (partly,no)     -> p_o .5, p_e .25: kappa 1/3
    #   caller_treated_well       (yes,yes) (yes,no)        -> p_o .5, p_e .5: kappa 0
    # Overall, the ten pairs pooled: agree 6 -> p_o .6; marker 1 yes 7, no 2, partly 1;
    # marker 2 yes 6, no 4 -> p_e (42 + 8) / 100 = .5 -> kappa (.6 - .5) / .5 = .2
    first = {1: answers(), 2: answers(vulnerability_identified="no")}
    second = {1: answers(thrive_applied="no", vulnerability_identified="no", safeguarding_done="partly"),
              2: answers(thrive_applied="no", safeguarding_done="no", caller_treated_well="no")}
    for rs, values in zip(rows, (first, second)):
        for r in rs:
            _submit(client, people, r, values[r["marker"]])
    rep = client.get("/api/quality/agreement", params=PERIOD, headers=people["supervisor"][1]).json()
    kappa = {i["code"]: i["kappa"] for i in rep["items"]}
    assert kappa["thrive_applied"] == pytest.approx(1.0)
    assert kappa["grade_right"] is None
    assert kappa["vulnerability_identified"] == pytest.approx(-1.0)
    assert kappa["safeguarding_done"] == pytest.approx(1 / 3)
    assert kappa["caller_treated_well"] == pytest.approx(0.0)
    assert rep["overall"]["kappa"] == pytest.approx(0.2) and rep["overall"]["pairs"] == 10
    assert all(i["pairs"] == 2 for i in rep["items"])
    assert (rep["reviews_done"], rep["reviews_open"], rep["double_marked_pairs"]) == (4, 0, 2)
    yes = {i["code"]: i["yes_share"] for i in rep["items"]}
    assert yes["grade_right"] == 1.0 and yes["safeguarding_done"] == pytest.approx(2 / 4)  # yes, yes, partly, no
    # another period has nothing
    empty = client.get("/api/quality/agreement", params={"period_start": "2026-12-01", "period_end": "2026-12-31"},
                       headers=people["supervisor"][1]).json()
    assert empty["reviews_done"] == 0 and empty["overall"]["kappa"] is None


def test_agreement_is_for_supervisors_and_checks_its_dates(client, people, auth):
    assert client.get("/api/quality/agreement", params=PERIOD, headers=auth[Role.QUALITY_REVIEWER]).status_code == 403
    sup = people["supervisor"][1]
    assert client.get("/api/quality/agreement", headers=sup).status_code == 422
    r = client.get("/api/quality/agreement", params={"period_start": "2026-11-30", "period_end": "2026-11-01"},
                   headers=sup)
    assert r.status_code == 422


def test_staff_see_their_own_feedback_and_supervisors_anyones(client, people, auth):
    routine(client, people["handler"][1])
    routine(client, people["handler2"][1])
    sample = draw(client, people["supervisor"][1], double_share=0)
    for r in sample["reviews"]:
        _submit(client, people, r, answers(), comment=f"Feedback for {r['handler']}.")
    mine = client.get("/api/quality/feedback/mine", headers=people["handler"][1]).json()
    assert len(mine) == 1 and mine[0]["comment"] == "Feedback for Call handler."
    assert mine[0]["reviewer"] in {"Quality reviewer", "Reviewer2"}
    theirs = client.get("/api/quality/feedback/mine", headers=people["handler2"][1]).json()
    assert [f["comment"] for f in theirs] == ["Feedback for Handler2."]
    # a reviewer took no contacts: nothing
    assert client.get("/api/quality/feedback/mine", headers=people["reviewer"][1]).json() == []
    # nobody reads another person's, except a supervisor
    h2 = people["handler2"][0].id
    assert client.get(f"/api/quality/feedback/{h2}", headers=people["handler"][1]).status_code == 403
    assert client.get(f"/api/quality/feedback/{h2}", headers=auth[Role.QUALITY_REVIEWER]).status_code == 403
    r = client.get(f"/api/quality/feedback/{h2}", headers=people["supervisor"][1])
    assert [f["comment"] for f in r.json()] == ["Feedback for Handler2."]
    assert client.get("/api/quality/feedback/999999", headers=people["supervisor"][1]).status_code == 404


def test_open_reviews_are_not_feedback(client, people):
    routine(client, people["handler"][1])
    draw(client, people["supervisor"][1])
    assert client.get("/api/quality/feedback/mine", headers=people["handler"][1]).json() == []


def test_an_override_and_a_desk_closure_are_reviewed_as_the_decisions_of_who_made_them(client, people):
    from tests.helpers import assessment, contact, dimensions

    handler, supervisor = people["handler"], people["supervisor"]
    # The handler takes and assesses the call; the supervisor opens it with an override.
    cid = client.post("/api/contacts", json=contact(), headers=handler[1]).json()["id"]
    client.post(f"/api/contacts/{cid}/assessments", json=assessment(), headers=handler[1])
    r = client.post(f"/api/contacts/{cid}/incident", headers=supervisor[1],
                    json={"decision": "override", "grade": "2", "rationale": "Repeat victim: attend."})
    assert r.status_code == 201, r.text
    # The handler takes a grade 4 call; the supervisor closes it from the desk after a reassessment.
    inc = routine(client, handler[1])
    body = assessment()
    body["dimensions"] = dimensions("low", risk="high")
    client.post(f"/api/contacts/{inc['contacts'][0]['id']}/assessments", json=body, headers=supervisor[1])
    r = client.post(f"/api/incidents/{inc['id']}/close", json={"closing_code": "resolved_by_phone"},
                    headers=supervisor[1])
    assert r.status_code == 200, r.text
    r = client.post("/api/quality/samples", json={**PERIOD, "per_handler": 0, "seed": 1}, headers=supervisor[1])
    assert r.status_code == 201, r.text
    assert sorted({(t["contact_id"], t["handler_id"]) for t in r.json()["reviews"]}) == sorted(
        [(cid, supervisor[0].id), (inc["contacts"][0]["id"], supervisor[0].id)])
